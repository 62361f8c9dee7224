"""Settings: defaults, overridden by environment variables with the prefix ``SURVEY_``.

``SURVEY_DATABASE_URL`` becomes ``DATABASE_URL`` and so on (Flask's ``from_prefixed_env``,
which also reads JSON values, so ``SURVEY_DRAFT_RETENTION_DAYS=30`` is an int).
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def default_settings(instance_path: str) -> dict[str, Any]:
    instance = Path(instance_path)
    return {
        "DATABASE_URL": f"sqlite:///{instance / 'survey.sqlite3'}",
        "QUESTIONNAIRE_DIR": str(PROJECT_ROOT / "questionnaires"),
        "EXPORT_DIR": str(PROJECT_ROOT / "exports"),
        # The analysis frame of each questionnaire, kept between restarts and shared by workers
        # (survey.analysis.frame_cache); empty: not kept (every first view reads all responses).
        "RESULTS_CACHE_DIR": str(instance / "results-cache"),
        # Audio clips named by questionnaires (`audio:` keys) are served from here.
        "AUDIO_DIR": str(PROJECT_ROOT / "questionnaires" / "audio"),
        # Drafts never submitted are kept this long after their last save.
        "DRAFT_RETENTION_DAYS": 30,
        # Published aggregates hide cells of fewer respondents than this (never below 3).
        "SUPPRESSION_THRESHOLD": 5,
        # "A counsellor may contact me" requests are deleted this long after being handled.
        "CONTACT_RETENTION_DAYS": 90,
        # The server deletes expired drafts, handled contact requests and export files past their
        # retention itself, at most once per this many seconds across all workers and hosts, after
        # a response was sent (survey/web/housekeeping.py). 0: never (then run the survey delete-*
        # commands yourself; nothing past its retention is shown either way).
        "HOUSEKEEPING_INTERVAL": 300,
        # Secure cookies need HTTPS; set SURVEY_SECURE_COOKIES=true behind a TLS proxy.
        "SECURE_COOKIES": False,
        # Reverse proxies in front of the app whose X-Forwarded-Proto/Host to trust (0: none).
        "PROXY_COUNT": 0,
        # The address printed on flyers and QR codes (e.g. https://umfrage.musterstadt.de);
        # required in production (survey.wsgi), where its host is the only one answered. Empty
        # (development): the address the staff member's browser used.
        "PUBLIC_BASE_URL": "",
        # Further host names to answer besides the public address's (e.g. a staff-only name).
        "EXTRA_HOSTS": [],
        # The feedback contact of the accessibility statement (BITV): set it to the city's own.
        "ACCESSIBILITY_CONTACT": "barrierefreiheit@musterstadt.example",
        "ACCESSIBILITY_REVIEWED_ON": "2026-11-21",
        # Two catalogues per language: "messages" (everything respondents read, in all sixteen
        # languages) and "staff" (the staff workspace, German and English).
        # A third: interface texts a translator changed in this installation (staff workspace,
        # Translations). Flask-Babel merges the catalogues in this order, later ones winning.
        "BABEL_TRANSLATION_DIRECTORIES": (
            f"{PROJECT_ROOT / 'translations'};{PROJECT_ROOT / 'translations'};{instance / 'translations'}"
        ),
        "BABEL_DOMAIN": "messages;staff;messages",
        "BABEL_DEFAULT_LOCALE": "de",
        # A respondent may take hours; the CSRF token lives as long as the session.
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "survey_session",
        # HTML is compressed per response (Flask-Compress); static assets once at start-up.
        "COMPRESS_MIMETYPES": ["text/html"],
        "COMPRESS_ALGORITHM": ["gzip"],
        "COMPRESS_LEVEL": 6,
        "COMPRESS_MIN_SIZE": 500,
        # Rate limits per minute, shared by all workers (survey/store/rate_limits.py; 0: no limit).
        # Per questionnaire: new drafts, final submissions and resume-code attempts each. Generous,
        # because a flyer campaign sends hundreds of phones at once; it only stops floods.
        "RATE_LIMIT_SUBMISSIONS": 600,
        # The same for one client (survey/web/clients.py: a token that changes every minute,
        # never an address): a flooding client is stopped long before the ceiling above, so the
        # others are not. Shelter Wi-Fi and mobile carriers put many phones behind one address,
        # hence still generous.
        "RATE_LIMIT_CLIENT_SUBMISSIONS": 60,
        # All staff logins together (each account also locks after five failures): keeps
        # password guessing across many accounts, and its Argon2 work, bounded.
        "RATE_LIMIT_LOGINS": 60,
        # Logins from one client: a guessing client stops here, and the office next door can
        # still log in.
        "RATE_LIMIT_CLIENT_LOGINS": 10,
        # Background exports run in a process of their own ("process"), or in a thread of the
        # web worker ("thread": the test suite, whose database lives in one transaction).
        "EXPORT_JOBS_IN": "process",
        # No staff session lasts longer, however active: a copied cookie expires at the latest then.
        "STAFF_SESSION_HOURS": 12,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 512 * 1024,
    }


class SettingError(ValueError):
    pass


def suppression_threshold(config: Mapping[str, Any]) -> int:
    """SURVEY_SUPPRESSION_THRESHOLD from ``config``, checked: below 3 a published table reveals
    individuals, so the app refuses to start with a clear message (create_app keeps the checked
    value; every view, command and job hands it on to the analysis and the writers)."""
    from survey.analysis.thresholds import MIN_THRESHOLD, ThresholdTooLow, checked_threshold

    value = config.get("SUPPRESSION_THRESHOLD", 5)
    try:
        return checked_threshold(int(value))
    except (TypeError, ValueError) as error:
        if isinstance(error, ThresholdTooLow):
            raise SettingError(f"SURVEY_SUPPRESSION_THRESHOLD is {value}; it must be at least {MIN_THRESHOLD}, "
                               "so that no published table shows cells of one or two people") from None
        raise SettingError(f"SURVEY_SUPPRESSION_THRESHOLD must be a whole number, not {value!r}") from None


def trusted_hosts(config: Mapping[str, Any]) -> list[str] | None:
    """The host names requests may name (Flask's TRUSTED_HOSTS): the public address's and
    SURVEY_EXTRA_HOSTS. None (any) without a public address: a development server."""
    public = str(config.get("PUBLIC_BASE_URL") or "").strip()
    if not public:
        return None
    host = urlsplit(public).hostname
    if not host or urlsplit(public).scheme not in ("http", "https"):
        raise SettingError(f"SURVEY_PUBLIC_BASE_URL must be an address such as https://umfrage.musterstadt.de, not {public!r}")
    extra = config.get("EXTRA_HOSTS") or []
    return [host, *([extra] if isinstance(extra, str) else list(extra))]


def require_public_address(config: Mapping[str, Any]) -> None:
    """Production (gunicorn) answers only for its own address: without it, whatever Host header
    a client sends ends up in links, flyers and QR codes."""
    if not str(config.get("PUBLIC_BASE_URL") or "").strip():
        raise SettingError("SURVEY_PUBLIC_BASE_URL is not set: set it to the address respondents use, e.g. "
                           "https://umfrage.musterstadt.de (docs/deployment.md). Only requests for that host are answered.")


def current_threshold() -> int:
    """The running app's threshold, checked when the app was created."""
    from flask import current_app

    return int(current_app.config["SUPPRESSION_THRESHOLD"])


def load_or_create_secret_key(instance_path: str) -> str:
    """Return the key kept in the instance folder, creating it once (mode 0600)."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key

"""Real-browser fixtures: the app served over HTTP on 127.0.0.1 and Debian's Chromium driven by
Playwright at a 360x640 phone viewport. `make test` installs Chromium and axe-core; without them
these tests are skipped, unless SURVEY_REQUIRE_BROWSER=1 (CI) makes that a failure."""
from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from survey.questionnaire import load_questionnaire_file
from survey.seed import seeded_app
from survey.store.questionnaires import import_questionnaire

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"width": 360, "height": 640}
AUDIO_CLIPS = ("course-ar.ogg", "course-yes-ar.ogg", "note-de.mp3")


def _missing() -> str | None:
    if not os.path.exists(CHROMIUM):
        return "Debian's chromium is not installed (make test installs it: apt-get install chromium)"
    if not AXE.exists():
        return "axe-core is not installed (make test runs npm ci in tests/browser)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="session")
def browser_available() -> None:
    reason = _missing()
    if reason:
        if os.environ.get("SURVEY_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def live_server(browser_available: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    instance = tmp_path_factory.mktemp("live")
    audio = instance / "audio"
    audio.mkdir()
    for name in AUDIO_CLIPS:
        (audio / name).write_bytes(b"OggS" + bytes(60))  # never decoded: only its loading is observed
    # Every browser of the suite comes from 127.0.0.1: one client, which no limit is meant for.
    app = seeded_app(instance, AUDIO_DIR=str(audio), RATE_LIMIT_CLIENT_SUBMISSIONS=0, RATE_LIMIT_CLIENT_LOGINS=0)
    with app.extensions["survey.db"].session_factory() as session:
        import_questionnaire(session, load_questionnaire_file(ROOT / "tests" / "data" / "audio-demo.yaml"))
        session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def playwright(browser_available: None) -> Iterator[object]:
    """One Playwright for the session: its synchronous API cannot be started twice at once."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def chromium(playwright) -> Iterator[object]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture()
def new_context(chromium, live_server):
    """Open a fresh phone-sized browser context (a new device); all are closed after the test."""
    contexts = []

    def make(javascript: bool = True, locale: str = "de", bypass_csp: bool = False):
        # bypass_csp only for axe, which the page's Content-Security-Policy (rightly) refuses to run
        context = chromium.new_context(viewport=PHONE, java_script_enabled=javascript, locale=locale, bypass_csp=bypass_csp)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()

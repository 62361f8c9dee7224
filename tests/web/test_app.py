"""The app factory: settings from SURVEY_* variables, the SQLite pragmas, quiet request log."""
import logging

from survey.app import create_app


def test_settings_come_from_prefixed_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SURVEY_INSTANCE_PATH", str(tmp_path / "inst"))
    monkeypatch.setenv("SURVEY_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    monkeypatch.setenv("SURVEY_DRAFT_RETENTION_DAYS", "7")
    app = create_app()
    assert app.config["DATABASE_URL"].endswith("env.db")
    assert app.config["DRAFT_RETENTION_DAYS"] == 7
    assert app.permanent_session_lifetime.days == 8  # a day's margin: the cookie is refreshed daily
    key = (tmp_path / "inst" / "secret_key").read_text()
    assert app.config["SECRET_KEY"] == key and len(key) == 64
    assert create_app().config["SECRET_KEY"] == key  # generated once, then kept


def test_test_only_password_hashing_outside_the_tests_is_logged(tmp_path, caplog):
    create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "x"}, instance_path=str(tmp_path))
    assert "SURVEY_INSECURE_PASSWORD_HASHING is set" in caplog.text
    caplog.clear()
    create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "x"}, instance_path=str(tmp_path))
    assert "SURVEY_INSECURE_PASSWORD_HASHING" not in caplog.text


def test_request_log_loses_client_addresses(tmp_path, monkeypatch):
    """The development server's log keeps the request, not the address (tests/test_privacy_logs.py
    checks a real server)."""
    monkeypatch.setenv("SURVEY_INSTANCE_PATH", str(tmp_path))
    create_app()
    create_app()
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1,
                               '203.0.113.8 - - [21/Nov/2026 10:00:00] "%s" %s %s', ("GET /s/x/ HTTP/1.1", "200", "-"), None)
    logger = logging.getLogger("werkzeug")
    assert all(active.filter(record) for active in logger.filters) and len(logger.filters) == 1
    assert record.getMessage() == '- - - [21/Nov/2026 10:00:00] "GET /s/x/ HTTP/1.1" 200 -'


def test_page_titles_are_plain_text(browser):
    """A <title> is read as text: any markup in it would be shown (or read aloud) literally."""
    import re as _re

    browser.get("/s/needs-assessment/ar/")
    browser.post("/s/needs-assessment/ar/start")
    for url in ("/s/needs-assessment/ar/p/about", "/s/needs-assessment/ar/p/needs", "/s/needs-assessment/ar/review"):
        html = browser.get(url).html
        title = _re.search(r"<title>(.*?)</title>", html, _re.S).group(1)
        assert "<" not in title and "script" not in title, title
        assert html.count('src="/assets/survey.') <= 1


def test_pandas_and_matplotlib_load_on_first_use_not_at_start():
    """Every gunicorn worker runs create_app: the analysis libraries (about 100 MB) wait until
    an analyst asks for results."""
    import subprocess
    import sys

    code = ("import sys; from survey.app import create_app; create_app({'DATABASE_URL': 'sqlite://', 'SECRET_KEY': 'x'}); "
            "print(sorted(m for m in ('pandas', 'matplotlib', 'pyreadstat', 'weasyprint') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_a_draft_cookie_is_sent_when_it_changes_and_refreshed_once_a_day(app, bundled, monkeypatch):
    """Not re-signed on every request (that was a tenth of a page submission's work), yet its
    expiry keeps moving with the respondent's activity, a day at a time."""
    from survey.web import sessions
    from tests.conftest import Browser

    browser = Browser(app.test_client())
    browser.get("/s/needs-assessment/en/")
    browser.post("/s/needs-assessment/en/start")
    browser.post(data={"action": "next", "district": "mitte"})  # the first answer: now a draft to keep
    assert "/p/" in browser.url
    page = browser.url

    def cookie_sent(response):
        return any(h.startswith("survey_session=") for h in response.headers.getlist("Set-Cookie"))

    assert not cookie_sent(browser.client.get(page))  # same day, nothing changed: no cookie
    tomorrow = sessions._day_number() + 1
    monkeypatch.setattr(sessions, "_day_number", lambda: tomorrow)
    refreshed = browser.client.get(page)
    assert refreshed.status_code == 200 and cookie_sent(refreshed)
    assert "Expires=" in next(h for h in refreshed.headers.getlist("Set-Cookie") if h.startswith("survey_session="))
    assert not cookie_sent(browser.client.get(page))  # and then not again that day


def test_a_rotated_secret_key_keeps_drafts_open_through_its_fallback(app, bundled):
    """Changing SURVEY_SECRET_KEY with the old key in SURVEY_SECRET_KEY_FALLBACKS: respondents'
    cookies still open their drafts, and the next cookie sent is signed with the new key (the
    session's signing serializer is cached per key set, so the change takes effect at once)."""
    from tests.conftest import Browser

    browser = Browser(app.test_client())
    browser.get("/s/needs-assessment/en/")
    browser.post("/s/needs-assessment/en/start")
    page = browser.url
    assert "/p/" in page

    old = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "a-new-key-" + "x" * 54
    app.secret_key = app.config["SECRET_KEY"]
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert browser.client.get(page).status_code == 302  # without the old key: no draft, to the intro

    app.config["SECRET_KEY_FALLBACKS"] = [old]
    assert browser.client.get(page).status_code == 200  # the old cookie opens the draft again

"""No IP address, user agent or referrer in the database or in any log: in-process, on the
development server (survey run) and on gunicorn with the production configuration."""
from __future__ import annotations

import os

from survey.web.gunicorn_logging import redact
from tests.conftest import ROOT

# --- gunicorn with gunicorn.conf.py -----------------------------------------------------------


def load_gunicorn_config(env: dict[str, str]):
    from gunicorn.config import Config

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        namespace: dict = {"__file__": str(ROOT / "gunicorn.conf.py")}
        exec(compile((ROOT / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    config = Config()
    for name, value in namespace.items():
        if name in config.settings:
            config.set(name, value)
    return config


def test_the_gunicorn_configuration_logs_nothing_identifying():
    config = load_gunicorn_config({})
    log_format = config.access_log_format
    for field in ("%(h)s", "%(a)s", "%(f)s", "%(r)s", "%(q)s", "%(u)s", "}i"):
        assert field not in log_format
    assert "%(U)s" in log_format and "%(s)s" in log_format
    assert config.logger_class.__name__ == "PrivacyLogger"
    assert config.forwarded_allow_ips == []  # the app decides, with SURVEY_PROXY_COUNT
    assert config.worker_class_str == "gevent"
    assert config.address == [("127.0.0.1", 8000)]
    assert 1 <= config.workers <= 8 and config.threads >= 1
    assert config.graceful_timeout >= 10 and config.timeout >= 10
    assert config.wsgi_app == "survey.wsgi:app"


def test_gevent_workers_default_to_one_per_core(monkeypatch):
    import multiprocessing

    monkeypatch.delenv("SURVEY_WORKERS", raising=False)
    monkeypatch.delenv("SURVEY_WORKER_CLASS", raising=False)
    assert load_gunicorn_config({}).workers == min(multiprocessing.cpu_count(), 8)
    threaded = load_gunicorn_config({"SURVEY_WORKER_CLASS": "gthread"})
    assert threaded.workers == min(2 * multiprocessing.cpu_count() + 1, 8)


def test_gunicorn_settings_come_from_the_environment():
    config = load_gunicorn_config({"SURVEY_BIND": "0.0.0.0:9000", "SURVEY_WORKERS": "3", "SURVEY_THREADS": "6",
                                   "SURVEY_TIMEOUT": "45"})
    assert config.address == [("0.0.0.0", 9000)]
    assert (config.workers, config.threads, config.timeout) == (3, 6, 45)


def test_gunicorns_own_error_messages_lose_the_address():
    assert redact("Invalid request from ip=203.0.113.9: Invalid HTTP request line") == \
        "Invalid request from ip=[not logged]: Invalid HTTP request line"
    assert redact("Invalid request from ip=2001:db8::1: bad") == "Invalid request from ip=[not logged]: bad"
    assert redact(42) == 42  # not a message text: left alone

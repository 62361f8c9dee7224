"""No IP address, user agent or referrer in the database or in any log: in-process, on the
development server (survey run) and on gunicorn with the production configuration."""
from __future__ import annotations

import logging
import socket
import threading

from sqlalchemy import select
from werkzeug.serving import make_server

from survey.store.models import Base, Response
from tests.web.test_rate_limit import complete_everything

SLUG = "needs-assessment"


CLIENT_ADDRESS = "127.0.0.9"  # the test clients connect from here; the servers listen elsewhere


FORWARDED_ADDRESS = "198.51.100.23"


USER_AGENT = "PrivacyProbe/1.0 (UA-MARKER)"


REFERRER = "https://referrer-marker.example/flyer?from=shelter"  # a link from another site (GET)


# A post's Referer is the page of this site it was sent from (one from another site is refused:
# tests/test_same_origin.py); it carries the marker in its query.
OWN_REFERRER_PATH = "/s/needs-assessment/?from=referrer-marker"


MARKERS = (CLIENT_ADDRESS, "198.51.100.", "PrivacyProbe", "UA-MARKER", "referrer-marker")


IDENTIFYING_HEADERS = {
    "User-Agent": USER_AGENT,
    "Referer": REFERRER,
    "X-Forwarded-For": f"{FORWARDED_ADDRESS}, 198.51.100.24",
    "X-Real-IP": "198.51.100.25",
    "Forwarded": "for=198.51.100.26;proto=https",
}


def leaks(text: str) -> list[str]:
    return [marker for marker in MARKERS if marker in text]


# --- in process: database and application logs -----------------------------------------------


def test_submissions_leave_no_address_agent_or_referrer_in_any_table_or_log(app, new_browser, db, caplog):
    app.config["PROXY_COUNT"] = 1  # trusting a proxy's X-Forwarded-Proto must not mean its X-Forwarded-For
    caplog.set_level(logging.DEBUG)
    for lang in ("de", "ar", "uk"):
        browser = new_browser()
        browser.client.environ_base.update({"REMOTE_ADDR": CLIENT_ADDRESS, "HTTP_USER_AGENT": USER_AGENT,
                                            "HTTP_REFERER": "http://localhost" + OWN_REFERRER_PATH,
                                            "HTTP_X_FORWARDED_FOR": FORWARDED_ADDRESS,
                                            "HTTP_X_REAL_IP": "198.51.100.25", "HTTP_FORWARDED": "for=198.51.100.26"})
        complete_everything(browser, lang)
        browser.post(f"/s/{SLUG}/{lang}/submit")
        assert browser.url == f"/s/{SLUG}/{lang}/thanks"
    assert len(db.scalars(select(Response)).all()) == 3
    dump = repr([db.execute(select(table)).all() for table in Base.metadata.sorted_tables])
    assert "mitte" in dump  # the answers are in the dump, so the dump is real
    assert leaks(dump) == []
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert leaks(logged) == []


# --- the development server (survey run) ------------------------------------------------------


def raw_request(host: str, port: int, data: bytes) -> bytes:
    with socket.create_connection((host, port), timeout=10, source_address=(CLIENT_ADDRESS, 0)) as connection:
        connection.sendall(data)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_the_development_servers_request_log_has_no_client_address(app, caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.socket.getsockname()[1]
        headers = "".join(f"{name}: {value}\r\n" for name, value in IDENTIFYING_HEADERS.items())
        for path in ("/staff/login", "/no-such-page"):
            answer = raw_request("127.0.0.1", port, f"GET {path} HTTP/1.0\r\nHost: x\r\n{headers}\r\n".encode())
            assert answer.startswith(b"HTTP/1.")
        raw_request("127.0.0.1", port, b"NONSENSE\r\n\r\n")  # Werkzeug logs an error line for it
    finally:
        server.shutdown()
        thread.join(5)
    lines = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    text = "\n".join(lines)
    assert "GET /staff/login" in text and "GET /no-such-page" in text  # the log is there ...
    assert any("400" in line or "Bad request" in line for line in lines)
    assert leaks(text) == []  # ... without the address, agent or referrer
    assert all(line.startswith("- - - [") for line in lines if "GET /" in line)

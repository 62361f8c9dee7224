"""Debian's nginx with the repository's deploy/nginx.conf, terminating TLS with a throw-away
certificate in front of a gunicorn ``Server`` (tests/load/load_client.py): the production shape.

Only what cannot be the same on a test machine is changed in the shipped file, each replacement
checked to happen exactly once (so the test fails when the file drifts): the ports (443 and 80
become free high ports on 127.0.0.1), the upstream address, the certificate and the log paths.
The server name stays ``umfrage.musterstadt.de``; the browser resolves it to 127.0.0.1.
"""
from __future__ import annotations

import http.client
import os
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.load.load_client import ROOT, VENV_BIN, Server, free_port, sqlite_url

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CONFIG = ROOT / "deploy" / "nginx.conf"
SERVER_NAME = "umfrage.musterstadt.de"


def missing() -> str | None:
    if not os.path.exists(NGINX):
        return "Debian's nginx is not installed (make test installs it: apt-get install nginx-light)"
    if not shutil.which("openssl"):
        return "openssl is not installed (apt-get install openssl)"
    return None


def require_production_shape() -> None:
    """Skip a test of the served app where nginx or openssl is missing; fail it where CI requires
    the browser and the production shape (SURVEY_REQUIRE_BROWSER=1)."""
    reason = missing()
    if reason:
        if os.environ.get("SURVEY_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


def analyst_account(email: str, password: str) -> Callable[[Server], None]:
    """A ``before_start`` for ``production``: the analyst account, created with the command line."""
    def create(server: Server) -> None:
        subprocess.run([str(VENV_BIN / "survey"), "create-user", email, "--role", "analyst", "--password-stdin"],
                       input=password, text=True, env=server.env(), cwd=ROOT, check=True, capture_output=True, timeout=60)
    return create


def _replace_once(text: str, old: str, new: str, count: int = 1) -> str:
    found = text.count(old)
    assert found == count, f"deploy/nginx.conf should contain {old!r} {count} time(s), found {found}"
    return text.replace(old, new)


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for SERVER_NAME, valid for a day."""
    certificate, key = directory / "fullchain.pem", directory / "privkey.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-days", "1", "-subj", f"/CN={SERVER_NAME}", "-addext", f"subjectAltName=DNS:{SERVER_NAME}",
         "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True, timeout=60,
    )
    return certificate, key


class LoopbackHTTPS(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1 for a host name that does not resolve here, from ``source`` (any
    127.x.y.z address works on Linux: that is how tests play clients at different addresses)."""

    def __init__(self, server_name: str, port: int, source: str = "127.0.0.1", timeout: float = 10) -> None:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        super().__init__(server_name, port, timeout=timeout, context=context)
        self.source = source

    def connect(self) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout, source_address=(self.source, 0))
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


@dataclass
class NginxProxy:
    """nginx serving deploy/nginx.conf on 127.0.0.1:https_port (and the redirect on http_port)."""

    workdir: Path
    upstream_port: int
    https_port: int = 0
    http_port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"https://{SERVER_NAME}:{self.https_port}"

    @property
    def access_log(self) -> Path:
        return self.workdir / "survey.log"

    def site_config(self) -> str:
        certificate, key = make_certificate(self.workdir)
        text = CONFIG.read_text(encoding="utf-8")
        text = _replace_once(text, "listen 443 ssl default_server;", f"listen 127.0.0.1:{self.https_port} ssl default_server;")
        text = _replace_once(text, "listen 443 ssl http2;", f"listen 127.0.0.1:{self.https_port} ssl http2;")
        text = _replace_once(text, "listen 80;", f"listen 127.0.0.1:{self.http_port};")
        text = _replace_once(text, "server 127.0.0.1:8000;", f"server 127.0.0.1:{self.upstream_port};")
        live = f"/etc/letsencrypt/live/{SERVER_NAME}"
        text = _replace_once(text, f"{live}/fullchain.pem", str(certificate))
        text = _replace_once(text, f"{live}/privkey.pem", str(key))
        text = _replace_once(text, "/var/log/nginx/survey.log", str(self.access_log))
        return _replace_once(text, "/var/log/nginx/survey-error.log", str(self.workdir / "survey-error.log"))

    def main_config(self) -> str:
        temp = self.workdir / "temp"
        temp.mkdir(exist_ok=True)
        # As root, nginx's workers would switch to "nobody", who may not read pytest's folders.
        user = "user root;\n" if os.geteuid() == 0 else ""
        paths = "\n".join(f"    {name}_temp_path {temp / name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        return (f"{user}worker_processes 1;\npid {self.workdir / 'nginx.pid'};\nerror_log {self.workdir / 'error.log'} warn;\n"
                f"events {{ worker_connections 1024; }}\n"
                f"http {{\n    access_log off;\n{paths}\n    include {self.workdir / 'survey.conf'};\n}}\n")

    def start(self, wait: float = 20.0) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.https_port = self.https_port or free_port()
        self.http_port = self.http_port or free_port()
        (self.workdir / "survey.conf").write_text(self.site_config(), encoding="utf-8")
        main = self.workdir / "nginx.conf"
        main.write_text(self.main_config(), encoding="utf-8")
        checked = subprocess.run([NGINX, "-t", "-c", str(main), "-p", str(self.workdir)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        log = open(self.workdir / "nginx.out", "ab")  # noqa: SIM115  (nginx writes to it while it runs)
        self.process = subprocess.Popen([NGINX, "-c", str(main), "-p", str(self.workdir), "-g", "daemon off;"],
                                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.workdir / "error.log").read_text(errors="replace")
            try:
                self.request("GET", "/")
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"nginx did not answer within {wait} s")

    def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                server_name: str = SERVER_NAME) -> http.client.HTTPResponse:
        """One HTTPS request to the proxy, naming ``server_name`` in SNI and Host as a browser
        would (the certificate is not checked); the body is read."""
        connection = LoopbackHTTPS(server_name, self.https_port)
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        response.body = response.read()  # type: ignore[attr-defined]
        connection.close()
        return response

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


@contextmanager
def production(workdir: Path, extra_env: dict[str, str] | None = None,
               before_start: Callable[[Server], None] | None = None) -> Iterator[tuple[Server, NginxProxy]]:
    """gunicorn (gunicorn.conf.py, SQLite, SURVEY_PROXY_COUNT=1) behind nginx with deploy/nginx.conf,
    answering for its public address https://SERVER_NAME:port; ``before_start`` runs once the
    database is ready (to create accounts)."""
    https_port = free_port()
    server = Server(sqlite_url(workdir), workdir / "app", workers=1, threads=4,
                    extra_env={"SURVEY_PROXY_COUNT": "1", "SURVEY_PUBLIC_BASE_URL": f"https://{SERVER_NAME}:{https_port}",
                               **(extra_env or {})})
    server.prepare()
    if before_start is not None:
        before_start(server)
    server.start()
    proxy = NginxProxy(workdir / "nginx", upstream_port=server.port, https_port=https_port)
    try:
        proxy.start()
        yield server, proxy
    finally:
        proxy.stop()
        server.kill()

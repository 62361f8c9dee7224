"""Real HTTP against a gunicorn subprocess, for the load and fault tests (tests/test_load.py) and
the throughput benchmark (bench/throughput.py). Standard library only.

``Server`` starts gunicorn with the repository's gunicorn.conf.py on a free 127.0.0.1 port, in
its own process group (so a test can SIGKILL master and workers at once), with a database made
for the run. ``Respondent`` is one phone: it keeps its cookie, reads the CSRF token and the
list of shown questions from each page, follows redirects, and walks the needs questionnaire
the way a person does.
"""
from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
SLUG = "needs-assessment"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SHOWN = re.compile(r'name="_shown" value="([^"]*)"')
RESUME_CODE = re.compile(r'class="code" dir="ltr">([A-Z0-9-]+)<')
REQUEST_TIMEOUT = 60.0  # seconds for one request; a hang fails the test instead of blocking CI

# One complete, valid set of answers per page of the needs questionnaire (conditions included:
# "no" to knows_where shows barriers, german_level 2 shows the course questions, children "yes"
# shows the education page).
NEEDS_PAGES: list[tuple[str, dict[str, Any]]] = [
    ("about", {"district": "mitte", "age_band": "28_44", "gender": "female", "arrival_year": "2022",
               "housing_type": "shared_accommodation", "household_children": "yes"}),
    ("needs", {"help_areas": ["housing", "work"], "urgency": "very_urgent", "knows_where": "no",
               "barriers": ["language", "opening_hours"]}),
    ("language", {"german_level": "2", "german_course": "would_like", "course_obstacles": ["place"]}),
    ("education", {"children_ages": ["under_3", "6_9"], "childcare_place_needed": "yes", "school_help": ["homework"],
                   "own_education": "no"}),
    ("work", {"work_status": "looking", "work_help": ["job_search"], "foreign_qualification": "yes"}),
    ("housing", {"housing_help": ["finding_flat"], "housing_satisfaction": "2"}),
    ("health", {"has_doctor": "looking", "health_help": ["doctor_my_language"]}),
    ("legal", {"legal_help": ["residence_permit"]}),
    ("participation", {"participation_help": ["meeting_people"]}),
    ("preferences", {"advice_language": ["ar", "de"], "advice_channel": ["in_person"], "household_size": "3",
                     "comments": ""}),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the server --------------------------------------------------------------------------------


@dataclass
class Server:
    """gunicorn -c gunicorn.conf.py on 127.0.0.1, in its own process group."""

    database_url: str
    workdir: Path
    workers: int | None = 3  # None: gunicorn.conf.py's default
    threads: int | None = 4
    app: str | None = None  # another WSGI app (the benchmark's bare Flask route)
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def log_path(self) -> Path:
        return self.workdir / "gunicorn.log"

    def env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("SURVEY_")}
        env.update({
            "SURVEY_DATABASE_URL": self.database_url,
            "SURVEY_INSTANCE_PATH": str(self.workdir / "instance"),
            "SURVEY_SECRET_KEY": "load-test-secret",
            "SURVEY_EXPORT_DIR": str(self.workdir / "exports"),
            # Limits far above the load, so the run measures the application, not the limiter
            # (which still counts every submission: its upsert stays on the measured path).
            "SURVEY_RATE_LIMIT_SUBMISSIONS": "10000000",
            "SURVEY_RATE_LIMIT_LOGINS": "10000000",
            "SURVEY_RATE_LIMIT_CLIENT_SUBMISSIONS": "10000000",  # every phone here is 127.0.0.1
            "SURVEY_RATE_LIMIT_CLIENT_LOGINS": "10000000",
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
        })
        for name, value in (("SURVEY_WORKERS", self.workers), ("SURVEY_THREADS", self.threads)):
            if value is not None:
                env[name] = str(value)
        env.update(self.extra_env)
        return env

    def prepare(self, questionnaires: list[Path] | None = None) -> None:
        """Create the schema and import the questionnaires, with the ``survey`` command."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        paths = [str(path) for path in questionnaires or [ROOT / "questionnaires" / f"{SLUG}.yaml"]]
        for command in (["init"], ["load-sample"], ["import", *paths]):  # the sample: districts and legal details
            subprocess.run([str(VENV_BIN / "survey"), *command], env=self.env(), cwd=ROOT, check=True,
                           capture_output=True, timeout=120)

    def start(self, wait: float = 60.0) -> None:
        self.port = self.port or free_port()
        env = self.env()
        env["SURVEY_BIND"] = f"127.0.0.1:{self.port}"
        env.setdefault("SURVEY_PUBLIC_BASE_URL", f"http://127.0.0.1:{self.port}")
        command = [str(VENV_BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py")]
        if self.app:
            command.append(self.app)
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115  (the server writes to it while it runs)
        self.process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)  # its own process group
        log.close()
        self.starts += 1
        deadline = time.monotonic() + wait
        path = "/" if self.app else f"/s/{SLUG}/en/"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log()[-3000:]}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                # Production answers only for its public address (survey.wsgi).
                connection.request("GET", path, headers={"Host": urllib.parse.urlsplit(env["SURVEY_PUBLIC_BASE_URL"]).netloc})
                status = connection.getresponse().status
                connection.close()
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"gunicorn did not answer within {wait} s:\n{self.log()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the master and every worker (the whole process group): no clean shutdown."""
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        """A graceful stop (SIGTERM), falling back to SIGKILL."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=40)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.kill()


def sqlite_url(workdir: Path) -> str:
    return f"sqlite:///{workdir / 'load.sqlite3'}"


@contextmanager
def temporary_postgres(base_url: str) -> Iterator[str]:
    """A fresh database ``load_<random>`` on the server of ``base_url``, dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    name = f"load_{secrets.token_hex(4)}"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- one respondent ----------------------------------------------------------------------------


class ServerError(AssertionError):
    """The server answered with a 5xx."""


@dataclass
class Page:
    status: int
    path: str
    body: str
    headers: dict[str, str]


class Respondent:
    """One phone: a keep-alive connection, its cookie, the page it is on."""

    def __init__(self, port: int, lang: str = "en",
                 connect: Callable[[], http.client.HTTPConnection] | None = None) -> None:
        self.port = port
        self.lang = lang
        self.connect = connect  # another way to the server (HTTPS through nginx, another address)
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None
        self.page = Page(0, "", "", {})
        self.requests = 0
        self.statuses: list[int] = []
        self.resume_code: str | None = None

    # HTTP ------------------------------------------------------------------------------------

    def _connection(self) -> http.client.HTTPConnection:
        if self.connection is None:
            self.connection = (self.connect() if self.connect
                               else http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT))
        return self.connection

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def request(self, method: str, path: str, body: bytes | None = None, follow: bool = True,
                allow_5xx: bool = False) -> Page:
        for _hop in range(6):
            headers = {"Accept-Language": self.lang}
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            if body is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            response = self._send(method, path, body, headers)
            self.requests += 1
            self.statuses.append(response.status)
            raw = response.read()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    cookie_value = rest.split(";", 1)[0]
                    if "expires=thu, 01 jan 1970" in value.lower() or cookie_value == "":
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = cookie_value
            self.page = Page(response.status, path, raw.decode("utf-8", "replace"),
                             {k.lower(): v for k, v in response.getheaders()})
            if response.status >= 500 and not allow_5xx:
                raise ServerError(f"{method} {path}: {response.status}\n{self.page.body[:500]}")
            if follow and response.status in (301, 302, 303) and "location" in self.page.headers:
                path = urllib.parse.urlsplit(self.page.headers["location"]).path
                method, body = "GET", None
                continue
            return self.page
        raise AssertionError(f"too many redirects at {path}")

    def _send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> http.client.HTTPResponse:
        # A keep-alive connection the server closed meanwhile is opened again, once.
        for attempt in (1, 2):
            connection = self._connection()
            try:
                connection.request(method, path, body=body, headers=headers)
                return connection.getresponse()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def get(self, path: str) -> Page:
        return self.request("GET", path)

    def post(self, path: str, fields: dict[str, Any], follow: bool = True, allow_5xx: bool = False) -> Page:
        """Post a form with the current page's CSRF token (and its list of shown questions)."""
        data: list[tuple[str, str]] = [("csrf_token", self.csrf())]
        shown = SHOWN.search(self.page.body)
        if shown and "_shown" not in fields:
            data.append(("_shown", shown.group(1)))
        for key, value in fields.items():
            for item in value if isinstance(value, list) else [value]:
                data.append((key, str(item)))
        return self.request("POST", path, urllib.parse.urlencode(data).encode("utf-8"), follow=follow, allow_5xx=allow_5xx)

    def csrf(self) -> str:
        match = CSRF.search(self.page.body)
        if not match:
            raise AssertionError(f"no CSRF token on {self.page.path} ({self.page.status}): {self.page.body[:300]}")
        return match.group(1)

    # the questionnaire -----------------------------------------------------------------------

    def base(self) -> str:
        return f"/s/{SLUG}/{self.lang}"

    def begin(self) -> None:
        self.get(f"/s/{SLUG}/?lang={self.lang}")
        assert self.page.path == f"{self.base()}/", self.page.path
        self.post(f"{self.base()}/start", {})
        assert self.page.path == f"{self.base()}/p/about", (self.page.path, self.page.status)
        self._note_code()

    def _note_code(self) -> None:
        match = RESUME_CODE.search(self.page.body)
        if match:
            self.resume_code = match.group(1)

    def answer_page(self, code: str, answers: dict[str, Any]) -> None:
        """Post one page; when follow-up questions appear on it, post it again."""
        path = f"{self.base()}/p/{code}"
        assert self.page.path == path, f"expected {path}, on {self.page.path} ({self.page.status})"
        self.post(path, {"action": "next", **answers})
        for _ in range(3):
            if self.page.path != path:
                break
            assert self.page.status == 200, f"{path}: {self.page.status} {self.page.body[:400]}"
            self.post(path, {"action": "next", **answers})
        assert self.page.path != path, f"stuck on {path}"
        self._note_code()

    def answer_pages(self, marker: str, upto: int | None = None) -> None:
        """Answer the pages (all, or the first ``upto``); ``marker`` goes into the comment."""
        for code, answers in NEEDS_PAGES[:upto]:
            if code == "preferences":
                answers = {**answers, "comments": marker}
            self.answer_page(code, answers)

    def submit(self) -> bool:
        """Send the response from the review page; True when the thank-you page acknowledged it."""
        assert self.page.path == f"{self.base()}/review", self.page.path
        self.post(f"{self.base()}/submit", {})
        return self.page.path == f"{self.base()}/thanks" and self.page.status == 200

    def complete(self, marker: str) -> bool:
        self.begin()
        self.answer_pages(marker)
        return self.submit()

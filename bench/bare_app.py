"""The reference points for bench/throughput.py, served by the same gunicorn configuration as the
survey (``gunicorn -c gunicorn.conf.py bench.bare_app:app``):

- ``GET /``: Flask with one route and nothing else, the framework's ceiling;
- ``POST /write``: the least a page submission must do, in plain Flask and the standard
  library's sqlite3 (WAL, as the survey): parse the form, read the draft's answers by a token,
  merge, write them back in a transaction, redirect. No session cookie, CSRF check, ORM,
  translations or validation: the floor under any page submission on this stack.
  ``BENCH_WRITE_DB`` names the SQLite file (bench/throughput.py creates it with its drafts).
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading

from flask import Flask, redirect, request
from werkzeug.wrappers import Response

app = Flask(__name__)
_connections = threading.local()


@app.get("/")
def index() -> str:
    return "ok"


def create_write_database(path: str, drafts: int) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE draft (token TEXT PRIMARY KEY, answers TEXT NOT NULL)")
        connection.executemany("INSERT INTO draft VALUES (?, '{}')", [(f"t{n}",) for n in range(drafts)])


def _connection() -> sqlite3.Connection:
    connection = getattr(_connections, "connection", None)
    if connection is None:
        connection = sqlite3.connect(os.environ["BENCH_WRITE_DB"], isolation_level=None, timeout=5)
        connection.execute("PRAGMA synchronous=NORMAL")
        _connections.connection = connection
    return connection


@app.post("/write")
def write() -> Response:
    form = request.form.to_dict()
    token = form.pop("token", "")
    connection = _connection()
    connection.execute("BEGIN IMMEDIATE")
    try:
        row = connection.execute("SELECT answers FROM draft WHERE token = ?", (token,)).fetchone()
        if row is None:
            connection.execute("ROLLBACK")
            return Response("no such draft", status=404)
        answers = {**json.loads(row[0]), **form}
        connection.execute("UPDATE draft SET answers = ? WHERE token = ?", (json.dumps(answers), token))
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return redirect("/next")

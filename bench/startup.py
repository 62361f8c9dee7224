"""Start-up: seconds from starting gunicorn (gunicorn.conf.py, its default worker count) to the
first answered respondent page, next to ``2 * cores + 1`` workers (the former default).

    .venv/bin/python bench/startup.py [--rounds 3]

Each round starts gunicorn on a fresh SQLite instance (sample districts and legal details, the
bundled questionnaires) and asks for the German intro page of the needs questionnaire every 50 ms
until it answers. Writes the "## Start-up" section of docs/performance.md (median of the rounds).
"""
from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.doc_section import write_section

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Start-up"
SURVEY = ROOT / ".venv" / "bin" / "survey"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _instance() -> dict[str, str]:
    folder = tempfile.mkdtemp(prefix="survey-startup-")
    env = {**os.environ, "SURVEY_INSTANCE_PATH": folder, "SURVEY_DATABASE_URL": f"sqlite:///{folder}/survey.sqlite3"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as an installed server runs: compiled modules kept
    for command in (["init"], ["load-sample"], ["import-bundled"]):
        subprocess.run([str(SURVEY), *command], env=env, check=True, capture_output=True, timeout=300)
    return env


def first_answer(env: dict[str, str], workers: int | None) -> float:
    port = _free_port()
    run_env = {**env, "SURVEY_BIND": f"127.0.0.1:{port}", "SURVEY_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    if workers is None:
        run_env.pop("SURVEY_WORKERS", None)
    else:
        run_env["SURVEY_WORKERS"] = str(workers)
    started = time.monotonic()
    server = subprocess.Popen([str(GUNICORN), "-c", "gunicorn.conf.py"], env=run_env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.monotonic() - started < 120:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/s/needs-assessment/de/", timeout=5) as answer:
                    if answer.status == 200:
                        return time.monotonic() - started
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("gunicorn did not answer within 120 s")
    finally:
        server.terminate()
        server.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    cores = multiprocessing.cpu_count()
    env = _instance()
    variants = [("default (one per core)", None, min(cores, 8)), ("2 × cores + 1 (the former default)", 2 * cores + 1, 2 * cores + 1)]
    rows = []
    for label, setting, count in variants:
        times = [first_answer(env, setting) for _round in range(args.rounds)]
        rows.append(f"| {label} | {count} | {statistics.median(times):.2f} s | {min(times):.2f}–{max(times):.2f} s |")
        print(rows[-1], file=sys.stderr)
    lines = [
        "`make bench-startup` (bench/startup.py): gunicorn with gunicorn.conf.py (gevent workers) on a fresh",
        "SQLite instance with the sample data, from the start of the process to the first answered",
        "respondent page; the median of "
        f"{args.rounds} rounds. Target: under 3 s with the default worker count.",
        "",
        "| workers | processes | first answer (median) | range |",
        "| --- | ---: | ---: | ---: |",
        *rows,
        "",
        f"Measured {dt.date.today():%Y-%m-%d} on {cores} CPU cores, Python {platform.python_version()}.",
    ]
    if not args.no_write:
        write_section(SECTION, lines)


if __name__ == "__main__":
    main()

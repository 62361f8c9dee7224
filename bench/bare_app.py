"""The throughput ceiling for bench/throughput.py: Flask with one route and nothing else, served
by the same gunicorn configuration as the survey (``gunicorn -c gunicorn.conf.py bench.bare_app:app``)."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return "ok"

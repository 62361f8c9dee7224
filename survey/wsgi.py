"""The WSGI entry point for production servers: ``gunicorn -c gunicorn.conf.py`` (which names
``survey.wsgi:app``). Settings come from the ``SURVEY_*`` environment (see docs/deployment.md)."""
from __future__ import annotations

from survey.app import create_app

app = create_app()

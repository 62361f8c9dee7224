"""The WSGI entry point for production servers: ``gunicorn -c gunicorn.conf.py`` (which names
``survey.wsgi:app``). Settings come from the ``SURVEY_*`` environment (see docs/deployment.md);
production needs ``SURVEY_PUBLIC_BASE_URL``, the only host it answers for."""
from __future__ import annotations

from survey.app import create_app

app = create_app(production=True)

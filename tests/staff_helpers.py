"""Logging staff in through the real login form, for the staff tests."""
from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from survey.store import accounts

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Staff:
    """A staff member's browser: keeps cookies, sends a CSRF token with every POST."""

    def __init__(self, app: Flask, language: str | None = "en") -> None:
        self.client = app.test_client()
        if language:  # the staff pages are German by default; the tests read the English source
            self.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        self.token = ""

    def csrf(self) -> str:
        if not self.token:
            page = self.client.get("/staff/login").get_data(as_text=True)
            self.token = CSRF.search(page).group(1)  # type: ignore[union-attr]
        return self.token

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.client.post(url, data={"csrf_token": self.csrf(), **(data or {})}, **kwargs)

    def login(self, email: str, password: str = PASSWORD) -> Any:
        response = self.post("/staff/login", {"email": email, "password": password})
        self.token = ""  # a login starts a fresh session, with a fresh CSRF token
        return response


def make_user(factory: sessionmaker[Session], email: str, *roles: str, **options: Any) -> None:
    with factory() as session:
        accounts.create_user(session, email, PASSWORD, list(roles), **options)
        session.commit()


def logged_in(app: Flask, factory: sessionmaker[Session], email: str, *roles: str) -> Staff:
    make_user(factory, email, *roles)
    staff = Staff(app)
    response = staff.login(email)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return staff

"""Fixtures for the web board: the API tests' database, and browsers signed in as its users.

``web`` is the application of ``create_app`` on ``db_url`` (SQLite and PostgreSQL) with a
fixed clock, on the database ``tests.api.conftest.populate`` makes (board ``main`` with
Options, Build:2, Measure:2, Done pulled by capacity, board ``other``; ana member, vic viewer,
adm admin of main, bo member of other only, root a site admin). ``web.browser("ana")`` is a
client with its own cookies, signed in as ana through the sign-in form.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI

from pullflow.api import create_app
from pullflow.services import Store
from pullflow.services.queries import board_view, event_log
from pullflow.services.unit import initialise_store
from tests.api.conftest import PASSWORD, populate
from tests.api.conftest import _cheap_password_hashes as _cheap_password_hashes
from tests.conftest import Clock

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
ORIGIN = "http://testserver"


@dataclass
class Browser:
    """One visitor's client: its cookies, and the session's CSRF token once signed in."""

    client: TestClient
    csrf: str = ""

    def get(self, path: str, **options: Any) -> Any:
        return self.client.get(path, follow_redirects=False, **options)

    def post(self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True) -> Any:
        """Send a form as the page would: with the session's token and this site's Origin."""
        fields = dict(data or {})
        if csrf:
            fields.setdefault("csrf", self.csrf)
        return self.client.post(
            path, data=fields, headers={"Origin": ORIGIN}, follow_redirects=False
        )

    def sign_in(self, user: str, password: str = PASSWORD) -> Any:
        answer = self.post("/sign-in", {"user": user, "password": password}, csrf=False)
        if answer.status_code == 303:
            self.refresh_csrf()
        return answer

    def refresh_csrf(self) -> None:
        page = self.get("/account")
        found = CSRF.search(page.text)
        assert found, page.text
        self.csrf = found.group(1)


@dataclass
class Web:
    app: FastAPI
    store: Store
    clock: Clock
    browsers: list[Browser] = field(default_factory=list)

    def browser(self, user: str | None = None) -> Browser:
        """A new client (its own cookies), signed in as ``user`` unless None."""
        opened = Browser(TestClient(self.app, base_url=ORIGIN))
        self.browsers.append(opened)
        if user is not None:
            answer = opened.sign_in(user)
            assert answer.status_code == 303, answer.text
        return opened

    def board(self, name: str = "main") -> Any:
        return board_view(self.store.unit_of_work(), board=name, at=self.clock.now)

    def events(self, name: str = "main") -> list[Any]:
        return event_log(self.store.unit_of_work(), board=name)


@pytest.fixture
def web(db_url: str, clock: Clock) -> Iterator[Web]:
    store, _ = initialise_store(db_url)
    populate(store, clock)
    app = create_app(db_url, clock=lambda: clock.now)
    with TestClient(app):
        made = Web(app, store, clock)
        yield made
    for opened in made.browsers:
        opened.client.close()
    store.close()

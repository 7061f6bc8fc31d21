"""Fixtures for the HTTP API: a database with boards, users and tokens, and a client.

``api`` is a client of ``create_app`` on ``db_url`` (SQLite and PostgreSQL) with a fixed
clock, on a database that holds:

- board ``main`` (Options, Build:2, Measure:2, Done; pulled by capacity) and board ``other``;
- users ana (member of main), vic (viewer of main), adm (admin of main), bo (member of other
  only) and root (a site admin), each with a token; ``api.as_("ana")`` sends ana's.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from argon2 import PasswordHasher

from pullflow.api import create_app
from pullflow.services import PullSignal, Store
from pullflow.services import accounts as accounts_service
from pullflow.services.accounts import Role, create_user, grant, issue_token
from pullflow.services.boards import create_board
from pullflow.services.unit import initialise_store
from tests.cli.helpers import COMPLETE_WHYS, without
from tests.conftest import Clock

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

MAIN_STAGES = "Options,Build:2,Measure:2,Done"
PASSWORD = "correct horse battery"

#: Each user's role on main and on other (None: no role).
ROLES: dict[str, tuple[Role | None, Role | None]] = {
    "ana": (Role.MEMBER, None),
    "vic": (Role.VIEWER, None),
    "adm": (Role.ADMIN, None),
    "bo": (None, Role.MEMBER),
}

#: A Five Whys that resumes a stop: the command line tests' one, two levels, 2 h + 30 m planned.
FIVE_WHYS: dict[str, Any] = without(COMPLETE_WHYS, "people_affected")


@pytest.fixture(autouse=True)
def _cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash test passwords with the cheapest argon2 settings: the tests add many users."""
    if hasattr(accounts_service, "_hasher"):
        cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        monkeypatch.setattr(accounts_service, "_hasher", cheap)


@dataclass
class Api:
    """A test client with the tokens of the test users."""

    client: TestClient
    store: Store
    clock: Clock
    tokens: dict[str, str] = field(default_factory=dict)
    token_ids: dict[str, int] = field(default_factory=dict)

    def headers(self, user: str | None, key: str | None = None) -> dict[str, str]:
        sent = {"Authorization": f"Bearer {self.tokens[user]}"} if user else {}
        if key is not None:
            sent["Idempotency-Key"] = key
        return sent

    def as_(self, user: str | None) -> Caller:
        return Caller(self, user)


@dataclass
class Caller:
    """Requests sent with one user's token (or none)."""

    api: Api
    user: str | None

    def get(self, path: str, **options: Any) -> Any:
        return self.api.client.get(path, headers=self.api.headers(self.user), **options)

    def send(self, method: str, path: str, body: Any = None, key: str | None = None) -> Any:
        return self.api.client.request(
            method, path, json=body, headers=self.api.headers(self.user, key)
        )

    def post(self, path: str, body: Any = None, key: str | None = None) -> Any:
        return self.send("POST", path, body, key)

    def put(self, path: str, body: Any = None, key: str | None = None) -> Any:
        return self.send("PUT", path, body, key)

    def patch(self, path: str, body: Any = None, key: str | None = None) -> Any:
        return self.send("PATCH", path, body, key)

    def delete(self, path: str, key: str | None = None) -> Any:
        return self.send("DELETE", path, None, key)

    def ok(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        """Send a change that must succeed; return its JSON."""
        answer = self.send(method, path, body)
        assert answer.status_code == status, answer.text
        return answer.json()

    def add(self, title: str, **fields: Any) -> int:
        """Add an item to main; return its number."""
        answer = self.ok("POST", "/boards/main/items", {"title": title, **fields}, status=201)
        number: int = answer["events"][0]["item"]
        return number


def populate(store: Store, clock: Clock) -> tuple[dict[str, str], dict[str, int]]:
    """The boards, users, roles and tokens the API tests start from."""
    at = clock()
    create_board(
        store.unit_of_work(),
        name="main",
        stages=MAIN_STAGES,
        actor="setup",
        at=at,
        pull_signal=PullSignal.CAPACITY,
    )
    create_board(
        store.unit_of_work(), name="other", stages="Options,Doing:3,Done", actor="setup", at=at
    )
    tokens: dict[str, str] = {}
    ids: dict[str, int] = {}
    create_user(store.unit_of_work(), name="root", password=PASSWORD, site_admin=True, at=at)
    ids["root"], tokens["root"] = issue_token(store.unit_of_work(), user="root", boards=None, at=at)
    for user, roles in ROLES.items():
        create_user(store.unit_of_work(), name=user, password=PASSWORD, at=at)
        for board, role in zip(("main", "other"), roles, strict=True):
            if role is not None:
                grant(store.unit_of_work(), board=board, user=user, role=role, at=at, by="root")
        ids[user], tokens[user] = issue_token(store.unit_of_work(), user=user, boards=None, at=at)
    return tokens, ids


@pytest.fixture
def api(db_url: str, clock: Clock) -> Iterator[Api]:
    store, _ = initialise_store(db_url)
    tokens, ids = populate(store, clock)
    app = create_app(db_url, clock=lambda: clock.now)
    with TestClient(app) as client:
        yield Api(client, store, clock, tokens, ids)
    store.close()

"""Shared fixtures: a controllable clock, and a fresh database on each backend.

Store, service, CLI and concurrency tests take ``db_url``, which runs them once on SQLite and
once on PostgreSQL (a fresh schema per test in PULLFLOW_TEST_POSTGRES_URL's database). Without
a reachable PostgreSQL those runs are skipped with the reason; with PULLFLOW_REQUIRE_POSTGRES=1
they fail instead.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from pullflow.services import SqlUnitOfWork, Store
from pullflow.services.unit import initialise_store

POSTGRES_URL = os.environ.get(
    "PULLFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("PULLFLOW_REQUIRE_POSTGRES") == "1"
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand; calling it moves it on and returns the new time."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self, *, hours: float = 0, days: float = 0) -> datetime:
        self.now += timedelta(hours=hours, days=days)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _driver_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@functools.cache
def postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used, or None when it can."""
    try:
        engine = create_engine(_driver_url(POSTGRES_URL), connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # any failure means "not available here"
        return str(error).strip().splitlines()[0]
    return None


def require_postgres() -> None:
    problem = postgres_problem()
    if problem is None:
        return
    reason = f"PostgreSQL not reachable at {POSTGRES_URL} ({problem})"
    if REQUIRE_POSTGRES:
        pytest.fail(f"{reason}; PULLFLOW_REQUIRE_POSTGRES=1 makes this a failure")
    pytest.skip(reason)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped after the test."""
    require_postgres()
    schema = f"pf_{uuid.uuid4().hex[:12]}"
    engine = create_engine(_driver_url(POSTGRES_URL))
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'pullflow.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened, _ = initialise_store(db_url)
    yield opened
    opened.close()


@pytest.fixture
def uow(store: Store) -> Callable[[], SqlUnitOfWork]:
    """A factory of fresh units of work: call it once per use case."""
    return store.unit_of_work


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("db_url") == "postgresql":
            item.add_marker(pytest.mark.postgres)

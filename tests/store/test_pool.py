"""PostgreSQL's connection pool: sized for a server process, and a sentence when it runs out."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from sqlalchemy import Connection

from pullflow.api import create_app
from pullflow.services import Invalid, Store, StoreUnavailable
from pullflow.services.queries import board_names
from pullflow.services.unit import initialise_store, open_store

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

postgres_only = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)

BUSY = (
    "Every connection to the database is in use, so nothing was read or written: try again in a "
    "moment, or raise PULLFLOW_POOL_SIZE if this happens often."
)


@pytest.fixture
def initialised(db_url: str) -> str:
    store, _ = initialise_store(db_url)
    store.close()
    return db_url


def pool_of(store: Store) -> tuple[int, int]:
    """How many connections the pool keeps open, and how many more it opens when busy."""
    pool = store.engine.pool
    return pool.size(), pool._max_overflow  # type: ignore[attr-defined]


@postgres_only
def test_a_server_process_has_room_for_its_request_threads(
    initialised: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PULLFLOW_POOL_SIZE", raising=False)
    store = open_store(initialised)
    try:
        size, overflow = pool_of(store)
    finally:
        store.close()
    # FastAPI runs sync routes on 40 threads: each may hold a connection at once.
    assert (size, overflow) == (10, 30)


@postgres_only
def test_the_pool_size_comes_from_the_environment_or_the_argument(
    initialised: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULLFLOW_POOL_SIZE", "4")
    from_environment = open_store(initialised)
    given = open_store(initialised, pool_size=2)
    try:
        assert pool_of(from_environment) == (4, 12)
        assert pool_of(given) == (2, 6)
    finally:
        from_environment.close()
        given.close()


@postgres_only
@pytest.mark.parametrize("value", ["lots", "0", "-3", "100000"])
def test_a_bad_pool_size_is_refused_in_a_sentence(
    initialised: str, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("PULLFLOW_POOL_SIZE", value)
    with pytest.raises(Invalid) as refused:
        open_store(initialised)
    assert str(refused.value).startswith(f"PULLFLOW_POOL_SIZE={value!r} was refused: ")
    assert "from 1 to 500" in str(refused.value)


@pytest.fixture
def exhausted(initialised: str) -> Iterator[Store]:
    """A store whose every connection is taken, that waits a fifth of a second for one."""
    store = Store(initialised, pool_size=1, pool_timeout=0.2)
    with ExitStack() as held:
        taken: list[Connection] = [held.enter_context(store.engine.connect()) for _ in range(4)]
        assert len(taken) == sum(pool_of(store))
        yield store
    store.close()


@postgres_only
def test_a_read_finding_no_free_connection_is_refused_as_busy(exhausted: Store) -> None:
    with pytest.raises(StoreUnavailable) as refused:
        board_names(exhausted.unit_of_work())
    assert str(refused.value) == BUSY


@postgres_only
def test_a_change_finding_no_free_connection_is_refused_as_busy(exhausted: Store) -> None:
    from pullflow.services.boards import create_board
    from tests.conftest import START

    with pytest.raises(StoreUnavailable) as refused:
        create_board(
            exhausted.unit_of_work(), name="late", stages="Options,Doing,Done", actor="a", at=START
        )
    assert str(refused.value) == BUSY


@postgres_only
def test_the_api_answers_a_busy_database_with_503_and_the_sentence(
    initialised: str, exhausted: Store
) -> None:
    app = create_app(initialised)

    @app.get("/busy")
    def busy() -> list[str]:
        return board_names(exhausted.unit_of_work())

    with TestClient(app) as client:
        answer = client.get("/busy")
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "5"
    body = answer.json()
    assert (body["title"], body["detail"]) == ("Database busy", BUSY)
    assert body["type"] == "urn:pullflow:problem:store-busy"

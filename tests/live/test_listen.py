"""The store's notices and listener: a committed change is heard, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import create_engine, text

from pullflow.services import Store
from pullflow.services.flow import add_item, pull_item
from pullflow.services.live import latest_event
from pullflow.services.unit import open_store
from pullflow.store.listen import CHANNEL, announce_change
from tests.conftest import Clock
from tests.live.conftest import WITHIN, Listener

postgres_only = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


class Abandoned(Exception):
    """Raised inside a unit of work to leave it without committing."""


def test_a_change_in_another_connection_is_heard_within_a_second(
    db_url: str, listener: Listener, clock: Clock
) -> None:
    other = open_store(db_url)  # another process would have its own store like this one
    try:
        began = time.monotonic()
        add_item(other.unit_of_work(), board="main", title="Signup form", actor="ana", at=clock())
        heard = listener.heard.wait_for(1)
        took = time.monotonic() - began
        newest = latest_event(other.unit_of_work(), "main")
    finally:
        other.close()
    assert heard == [("main", newest)]
    assert took < WITHIN


def test_each_change_is_heard_with_its_board_and_newest_number(
    listener: Listener, clock: Clock
) -> None:
    store = listener.store
    add_item(store.unit_of_work(), board="main", title="One", actor="ana", at=clock())
    first = latest_event(store.unit_of_work(), "main")
    add_item(store.unit_of_work(), board="other", title="Two", actor="bo", at=clock())
    second = latest_event(store.unit_of_work(), "other")
    pull_item(store.unit_of_work(), board="main", stage="Build", actor="ana", at=clock())
    third = latest_event(store.unit_of_work(), "main")
    heard = listener.heard.wait_until_heard("main", third)
    assert first < second < third
    # SQLite looks every 0.2 s, so two quick changes to a board may be heard as one: its newest.
    assert heard[-1] == ("main", third)
    assert ("other", second) in heard
    assert heard == sorted(heard, key=lambda change: change[1])
    assert {board for board, _ in heard} == {"main", "other"}


def test_a_change_rolled_back_is_not_heard(db_url: str, listener: Listener, clock: Clock) -> None:
    store = listener.store

    def append_announce_and_abandon() -> None:
        uow = store.unit_of_work()
        with uow:
            board = uow.boards.lock("main")
            board.add_item("Never saved", actor="ana", at=clock())
            assert uow.session is not None
            uow.session.flush()
            uow.events.append(board, board.take_events())
            announce_change(uow.session, board)
            raise Abandoned

    with pytest.raises(Abandoned):
        append_announce_and_abandon()
    assert listener.heard.wait_for(1, timeout=0.6) == []
    # The listener still hears the next change that is committed.
    add_item(store.unit_of_work(), board="main", title="Saved", actor="ana", at=clock())
    assert listener.heard.wait_for(1) == [("main", latest_event(store.unit_of_work(), "main"))]


def test_changes_before_the_listener_started_are_not_told(listener: Listener) -> None:
    assert listener.heard.wait_for(1, timeout=0.5) == []


def test_the_listener_stops_when_told(listener: Listener) -> None:
    began = time.monotonic()
    assert listener.halt(timeout=2.0)
    assert time.monotonic() - began < 1.0


@postgres_only
def test_the_notice_is_json_naming_the_board_its_newest_event_and_schema(
    db_url: str, populated: tuple[Store, dict[str, str]], clock: Clock
) -> None:
    import psycopg

    store = populated[0]
    url = store.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"LISTEN {CHANNEL}")
        schema = connection.execute("SELECT current_schema()").fetchone()
        add_item(store.unit_of_work(), board="main", title="One", actor="ana", at=clock())
        notices = list(connection.notifies(timeout=WITHIN, stop_after=1))
    assert len(notices) == 1
    payload = json.loads(notices[0].payload)
    assert payload == {
        "board": "main",
        "event": latest_event(store.unit_of_work(), "main"),
        "schema": schema[0] if schema else None,
    }


@postgres_only
def test_notices_of_another_schema_are_not_heard(db_url: str, listener: Listener) -> None:
    engine = listener.store.engine
    with engine.begin() as connection:
        for schema in ("elsewhere", None):
            payload = {"board": "main", "event": 10_000}
            if schema is not None:
                payload["schema"] = schema
            connection.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": CHANNEL, "payload": json.dumps(payload)},
            )
    # The notice of another schema is left out; one without a schema is taken as this one's.
    assert listener.heard.wait_for(2, timeout=0.6) == [("main", 10_000)]


@postgres_only
def test_the_listener_reconnects_and_tells_what_changed_while_it_was_away(
    db_url: str, listener: Listener, clock: Clock
) -> None:
    store = listener.store
    url = store.engine.url
    admin = create_engine(url)
    try:
        with admin.begin() as connection:
            dropped = connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = 'pullflow listener' AND pid <> pg_backend_pid()"
                )
            ).all()
    finally:
        admin.dispose()
    assert dropped, "the listener's connection was not found"
    add_item(store.unit_of_work(), board="main", title="While away", actor="ana", at=clock())
    newest = latest_event(store.unit_of_work(), "main")
    # Told by the comparison made on reconnecting, or by the notice once listening again.
    assert listener.heard.wait_for(1, timeout=3.0) == [("main", newest)]
    add_item(store.unit_of_work(), board="main", title="Back", actor="ana", at=clock())
    later = latest_event(store.unit_of_work(), "main")
    assert listener.heard.wait_for(2)[-1] == ("main", later)

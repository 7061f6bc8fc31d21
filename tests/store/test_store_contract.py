"""The store contract, run on SQLite and on PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from pullflow.domain.board import Board
from pullflow.domain.errors import AlreadyExists, NotFound, WipLimitReached
from pullflow.domain.needs import Needs
from pullflow.services import SqlUnitOfWork, Store
from pullflow.services.boards import create_board
from pullflow.services.flow import add_item, finish_item, pull_item
from pullflow.services.queries import board_history, event_log
from pullflow.services.unit import initialise_store, open_store
from pullflow.store.schema import SCHEMA_REVISION, alembic_config
from pullflow.store.tables import metadata
from tests.conftest import Clock
from tests.snapshot import snapshot

UowFactory = Callable[[], SqlUnitOfWork]


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_migrations_build_exactly_the_tables_the_code_maps(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = [
            diff
            for diff in compare_metadata(context, metadata)
            if not (diff[0] == "add_index" and diff[1].name == "uq_boards_name_lower")
        ]
    assert differences == []


def test_initialising_twice_is_harmless_and_records_the_head(db_url: str) -> None:
    first, migrated = initialise_store(db_url)
    again, migrated_again = initialise_store(db_url)
    assert (migrated, migrated_again) == (True, False)
    with again.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == SCHEMA_REVISION
    first.close()
    again.close()


def test_the_schema_revision_is_the_newest_migration() -> None:
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == SCHEMA_REVISION


def test_an_uninitialised_database_is_refused_with_what_to_do(postgres_url: str) -> None:
    from pullflow.services import NotInitialised

    with pytest.raises(NotInitialised, match="create it with pullflow init"):
        open_store(postgres_url)


def test_a_state_and_its_events_round_trip(uow: UowFactory, clock: Clock) -> None:
    create_board(uow(), name="Team", stages="Options,Build:2,Done", actor="ana", at=clock())
    add_item(uow(), board="team", title="first", actor="ana", at=clock(hours=1))
    pull_item(uow(), board="TEAM", stage="Build", actor="bo", at=clock(hours=1))
    stored, history = board_history(uow(), board=None)
    assert [e.event.type.value for e in history] == ["board.created", "item.added", "item.pulled"]
    assert [e.id for e in history] == sorted(e.id for e in history)
    assert history[-1].event.at == clock.now
    assert history[-1].event.at.tzinfo is not None
    assert snapshot(stored) == snapshot(Board.replay(e.event for e in history))
    item = stored.item(1)
    assert (item.stage.name, item.lane.value, item.started_at) == ("Build", "doing", clock.now)


def test_a_refused_change_writes_nothing(uow: UowFactory, clock: Clock) -> None:
    create_board(uow(), name="main", stages="Options,Build:1,Done", actor="ana", at=clock())
    for title in ("a", "b"):
        add_item(uow(), board=None, title=title, actor="ana", at=clock())
    pull_item(uow(), board=None, stage="Build", actor="ana", at=clock())
    before = event_log(uow(), board=None)
    with pytest.raises(WipLimitReached):
        pull_item(uow(), board=None, stage="Build", actor="ana", at=clock())
    assert event_log(uow(), board=None) == before
    stored, _ = board_history(uow(), board=None)
    assert stored.item(2).stage.name == "Options"


def test_board_names_are_unique_whatever_their_case(uow: UowFactory, clock: Clock) -> None:
    create_board(uow(), name="Main", stages="Options,Build,Done", actor="ana", at=clock())
    with pytest.raises(AlreadyExists, match="A board named 'MAIN' already exists"):
        create_board(uow(), name="MAIN", stages="Options,Build,Done", actor="ana", at=clock())


def test_unknown_and_ambiguous_boards_are_named(uow: UowFactory, clock: Clock) -> None:
    with pytest.raises(NotFound, match="There is no board yet"):
        event_log(uow(), board=None)
    create_board(uow(), name="a", stages="Options,Build,Done", actor="ana", at=clock())
    create_board(uow(), name="b", stages="Options,Build,Done", actor="ana", at=clock())
    with pytest.raises(NotFound, match="No board named 'c': the boards are a, b"):
        pull_item(uow(), board="c", stage="Build", actor="ana", at=clock())
    from pullflow.services import Invalid

    with pytest.raises(Invalid, match=r"There are 2 boards \(a, b\): name one with --board"):
        pull_item(uow(), board=None, stage="Build", actor="ana", at=clock())


def test_the_database_refuses_to_change_or_delete_events(store: Store, clock: Clock) -> None:
    uow = store.unit_of_work
    create_board(uow(), name="main", stages="Options,Build,Done", actor="ana", at=clock())
    for statement in ("UPDATE events SET actor = 'mallory'", "DELETE FROM events"):
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as connection:
            connection.execute(text(statement))
    assert [e.event.actor for e in event_log(uow(), board=None)] == ["ana"]


def test_a_change_loads_only_the_items_it_needs(uow: UowFactory, clock: Clock) -> None:
    create_board(uow(), name="main", stages="Options,Build,Done", actor="ana", at=clock())
    for title in ("a", "b", "c"):
        add_item(uow(), board=None, title=title, actor="ana", at=clock())
    pull_item(uow(), board=None, stage="Build", actor="ana", at=clock())
    finish_item(uow(), board=None, item=1, deliver=True, actor="ana", at=clock())
    pull_item(uow(), board=None, stage="Build", actor="ana", at=clock())
    unit = uow()
    with unit:
        locked = unit.boards.lock(None, lambda b: Needs.of([b.stage("Build")]))
        assert [i.number for i in locked.items] == [2]
        assert locked.wip(locked.stage("Build")) == 1
        with pytest.raises(RuntimeError, match="loaded without the items of Options"):
            locked.options_queue()
    with unit:
        locked = unit.boards.lock(None, lambda b: Needs.of([b.options], items=[1]))
        assert sorted(i.number for i in locked.items) == [1, 3]
        assert locked.item(1).state.value == "done"


def test_a_store_sees_what_another_store_changed(db_url: str, clock: Clock) -> None:
    """Each process keeps what it read of a board between changes; a change made by another
    process (here: another store on the same database) is seen at the next change."""
    first, _ = initialise_store(db_url)
    second = open_store(db_url)
    try:
        create_board(
            first.unit_of_work(), name="main", stages="Options,Build:2,Done", actor="a", at=clock()
        )
        for title in ("a", "b", "c"):
            add_item(first.unit_of_work(), board=None, title=title, actor="a", at=clock())
        pull_item(first.unit_of_work(), board=None, stage="Build", actor="a", at=clock())
        from pullflow.services.boards import set_limit

        set_limit(second.unit_of_work(), board=None, stage="Build", limit=1, actor="b", at=clock())
        with pytest.raises(WipLimitReached, match=r"\(1/1\)"):
            pull_item(first.unit_of_work(), board=None, stage="Build", actor="a", at=clock())
        add_item(second.unit_of_work(), board=None, title="d", actor="b", at=clock())
        outcome = add_item(first.unit_of_work(), board=None, title="e", actor="a", at=clock())
        assert outcome.events[0].item == 5
    finally:
        first.close()
        second.close()


def test_changes_do_not_nest(uow: UowFactory, clock: Clock) -> None:
    create_board(uow(), name="main", stages="Options,Build,Done", actor="a", at=clock())
    with uow() as outer:
        outer.boards.lock(None)
        with pytest.raises(RuntimeError, match="changes do not nest"), uow():
            pass
    add_item(uow(), board=None, title="after", actor="a", at=clock())

"""Flow points and item attributes in the store: columns, their migration, and replay."""

from __future__ import annotations

from collections.abc import Callable

from alembic import command
from sqlalchemy import text

from pullflow.domain.board import Board
from pullflow.services import SqlUnitOfWork, Store
from pullflow.services.boards import configure_board, create_board
from pullflow.services.flow import add_item
from pullflow.services.queries import board_history, board_view, item_view
from pullflow.services.unit import initialise_store, open_store
from pullflow.store.schema import alembic_config
from tests.conftest import Clock
from tests.snapshot import snapshot

UowFactory = Callable[[], SqlUnitOfWork]


def test_points_and_attributes_are_stored_and_replayed(uow: UowFactory, clock: Clock) -> None:
    create_board(uow(), name="main", stages="Options,Build:2,Measure,Done", actor="a", at=clock())
    configure_board(
        uow(), board=None, commitment="measure", delivery="MEASURE", actor="a", at=clock()
    )
    add_item(
        uow(),
        board=None,
        title="bug",
        attributes={"type": "bug", "team": "web"},
        actor="a",
        at=clock(),
    )
    add_item(uow(), board=None, title="plain", actor="a", at=clock())
    stored, history = board_history(uow(), board=None)
    assert (stored.commitment, stored.delivery) == ("Measure", "Measure")
    assert [stored.item(n).attributes for n in (1, 2)] == [{"type": "bug", "team": "web"}, {}]
    replayed = Board.replay(e.event for e in history)
    assert snapshot(replayed) == snapshot(stored)
    assert (replayed.commitment, replayed.delivery) == ("Measure", "Measure")
    assert [replayed.item(n).attributes for n in (1, 2)] == [{"type": "bug", "team": "web"}, {}]
    view = board_view(uow(), board=None, at=clock())
    assert (view.commitment, view.delivery) == ("Measure", "Measure")
    card, _ = item_view(uow(), board=None, item=1, at=clock())
    assert card.to_json()["attributes"] == {"type": "bug", "team": "web"}
    configure_board(
        uow(), board=None, commitment="default", delivery="default", actor="a", at=clock()
    )
    stored, history = board_history(uow(), board=None)
    assert (stored.commitment, stored.delivery) == (None, None)
    assert history[-1].event.data == {"commitment": None, "delivery": None}


def _migrate(store: Store, revision: str, *, down: bool = False) -> None:
    with store.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def test_the_upgrade_keeps_boards_and_items_stored_before_it(db_url: str, clock: Clock) -> None:
    store, _ = initialise_store(db_url)
    create_board(
        store.unit_of_work(), name="main", stages="Options,Build,Done", actor="a", at=clock()
    )
    add_item(store.unit_of_work(), board=None, title="old", actor="a", at=clock())
    store.close()
    older, _ = initialise_store(db_url)
    _migrate(older, "0001", down=True)
    with older.engine.connect() as connection:
        assert connection.scalar(text("SELECT version_num FROM alembic_version")) == "0001"
    older.close()
    upgraded = open_store(db_url)  # a store opened on an older schema upgrades it
    try:
        stored, _ = board_history(upgraded.unit_of_work(), board=None)
        assert (stored.commitment, stored.delivery) == (None, None)
        assert (stored.item(1).title, stored.item(1).attributes) == ("old", {})
        outcome = add_item(
            upgraded.unit_of_work(),
            board=None,
            title="new",
            attributes={"k": "v"},
            actor="a",
            at=clock(),
        )
        assert outcome.events[0].item == 2
    finally:
        upgraded.close()

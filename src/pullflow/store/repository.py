"""Repositories: boards loaded for a change (locked) or for a read, and the event log.

A change loads its board with ``lock``: on PostgreSQL the board row is taken with
``SELECT … FOR UPDATE`` before anything else is read, so every rule that spans the board —
WIP limits, the one expedite item, running experiments, the andon — is checked and applied
while no other writer can touch that board. On SQLite the write transaction already holds the
database's write lock (``BEGIN IMMEDIATE``). Only items still in the flow are loaded, plus any
item the change names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    RowMapping,
    Select,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from pullflow.domain.andon import Stop
from pullflow.domain.board import Board
from pullflow.domain.errors import AlreadyExists, Invalid, NotFound
from pullflow.domain.events import Event, EventType
from pullflow.domain.items import Item, ItemState, ServiceClass
from pullflow.domain.learning import Experiment
from pullflow.domain.needs import Needs, nothing
from pullflow.store import tables
from pullflow.store.mapping import start_mappers

#: The largest number an integer column holds on every backend.
MAX_INTEGER = 2**31 - 1


def storable(numbers: Iterable[int]) -> list[int]:
    """The numbers that can exist in an integer column (larger ones name nothing)."""
    return sorted(n for n in numbers if -MAX_INTEGER <= n <= MAX_INTEGER)


def _named(name: str) -> ColumnElement[bool]:
    """Board names match whatever their case."""
    return func.lower(tables.boards.c.name) == name.strip().lower()


def _attr(owner: object, name: str) -> Any:
    """A mapped attribute the domain does not declare (a relationship, a row id)."""
    return getattr(owner, name)


def _statements() -> tuple[Any, Any, Any, Any]:
    """The statements of a change, built once: read, lock, reread the board; all its stops."""
    start_mappers()
    boards, stops = tables.boards.c, tables.stops.c
    open_stops = _attr(Board, "stops").and_(_attr(Stop, "resumed_at").is_(None))
    layout = (joinedload(_attr(Board, "stages")), joinedload(open_stops))
    read = select(Board).where(func.lower(boards.name) == bindparam("name")).options(*layout)
    lock = select(boards.version).where(boards.id == bindparam("board")).with_for_update()
    reread = (
        select(Board)
        .where(boards.id == bindparam("board"))
        .options(*layout)
        .execution_options(populate_existing=True)
    )
    history = (
        select(Stop)
        .where(stops.board_id == bindparam("board"))
        .execution_options(populate_existing=True)
    )
    return read, lock, reread, history


READ_BOARD, LOCK_BOARD, REREAD_BOARD, ALL_STOPS = _statements()


@cache
def _items_statement(by_stage: bool, by_number: bool, expedite: bool) -> Select[Item]:
    """Items in the flow of some stages, items by number, the expedite item.

    Each part is served by its own index: (stage_id, state), (board_id, number), (board_id,
    state).
    """
    rows = tables.items.c
    active = rows.state == ItemState.ACTIVE.value
    wanted: list[ColumnElement[bool]] = []
    if by_stage:
        wanted.append(and_(rows.stage_id.in_(bindparam("stages", expanding=True)), active))
    if by_number:
        wanted.append(
            and_(
                rows.board_id == bindparam("board"),
                rows.number.in_(bindparam("numbers", expanding=True)),
            )
        )
    if expedite:
        expedited = rows.service_class == ServiceClass.EXPEDITE.value
        wanted.append(and_(rows.board_id == bindparam("board"), active, expedited))
    return select(Item).where(or_(*wanted)).execution_options(populate_existing=True)


INSERT_EVENT = insert(tables.events)


class BoardRepository:
    """Boards by name, locked for a change or loaded whole for a read."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.seen: list[Board] = []

    def names(self) -> list[str]:
        return list(self.session.scalars(select(tables.boards.c.name).order_by(tables.boards.c.id)))

    def exists(self, name: str) -> bool:
        return self._id_of(name) is not None

    def resolve(self, name: str | None) -> str:
        """The board's stored name; with no name, the only board (or a sentence why not)."""
        if name is None:
            return self._only_board()
        row = self.session.execute(select(tables.boards.c.name).where(_named(name))).first()
        if row is None:
            raise NotFound(self._no_such_board(name))
        return str(row.name)

    def add(self, board: Board) -> None:
        self.session.add(board)
        self.seen.append(board)

    def add_new(self, board: Board) -> None:
        """Add a board just created, refusing a name another board has (whatever its case).

        Two boards made at the same moment under one name both pass this check; the unique
        index on the name then refuses the second when it commits.
        """
        if self.exists(board.name):
            raise AlreadyExists(
                f"A board named {board.name!r} already exists: choose another name."
            )
        self.add(board)

    def lock(self, name: str | None, plan: Callable[[Board], Needs] = nothing) -> Board:
        """The board for a change, its row locked until the transaction ends.

        The board with its stages and open stops is read, then its row is locked. Every change
        to the board row, a stage or a stop bumps the board's version, so if the version the
        lock returns is the one read, what was read is still true; if not, it is read again
        now that the lock is held. (Reading first keeps the lock short: a change to items
        leaves the version alone.) The items are read under the lock, always: of them, only
        those ``plan`` says the change needs (it is asked once the stages are known).
        """
        wanted = name if name is not None else self._only_board()
        cached: dict[str, Board] = self.session.info.setdefault("boards", {})
        key = wanted.strip().lower()
        board = cached.get(key)
        if board is None:
            read = self.session.scalars(READ_BOARD, {"name": key})
            board = read.unique().one_or_none()
            if board is None:
                raise NotFound(self._no_such_board(wanted))
        board_id: int = _attr(board, "id")
        version = self.session.scalar(LOCK_BOARD, {"board": board_id})
        if version is None:
            cached.clear()
            raise NotFound(self._no_such_board(wanted))
        if version != _attr(board, "version"):
            # Changed since it was read: forget what is held of it and read it again.
            self.session.expire_all()
            board = self.session.scalars(REREAD_BOARD, {"board": board_id}).unique().one()
        cached[key] = board
        needs = plan(board)
        self._load_items(board, board_id, needs)
        if needs.history:
            stops = self.session.scalars(ALL_STOPS, {"board": board_id}).all()
            set_committed_value(board, "stops", list(stops))
        board.restrict_to(needs)
        self.seen.append(board)
        return board

    def whole(self, name: str | None) -> Board:
        """The board with every item, delivered and discarded ones included (for reading)."""
        wanted = name if name is not None else self._only_board()
        statement = (
            select(Board)
            .where(_named(wanted))
            .options(
                selectinload(_attr(Board, "stages")),
                selectinload(_attr(Board, "items")).joinedload(_attr(Item, "stage")),
                selectinload(_attr(Board, "stops")).joinedload(_attr(Stop, "stage")),
                selectinload(_attr(Board, "hypotheses")),
                selectinload(_attr(Board, "experiments"))
                .selectinload(_attr(Experiment, "items"))
                .joinedload(_attr(Item, "stage")),
            )
            .execution_options(populate_existing=True)
        )
        board = self.session.scalars(statement).one_or_none()
        if board is None:
            raise NotFound(self._no_such_board(wanted))
        return board

    def _load_items(self, board: Board, board_id: int, needs: Needs) -> None:
        """Load the items a change needs (the board is then told that is all it holds)."""
        stage_ids = [_attr(stage, "id") for stage in board.stages if stage.position in needs.stages]
        numbers = storable(needs.items)
        items: list[Item] = []
        if stage_ids or numbers or needs.expedite:
            statement = _items_statement(bool(stage_ids), bool(numbers), needs.expedite)
            parameters = {"board": board_id, "stages": stage_ids, "numbers": numbers}
            items = list(self.session.scalars(statement, parameters))
        set_committed_value(board, "items", items)

    def _id_of(self, name: str) -> int | None:
        return self.session.scalar(select(tables.boards.c.id).where(_named(name)))

    def _only_board(self) -> str:
        names = self.names()
        if not names:
            raise NotFound(
                "There is no board yet: create one with pullflow init or pullflow board create."
            )
        if len(names) > 1:
            raise Invalid(
                f"There are {len(names)} boards ({', '.join(names)}): name one with --board."
            )
        return names[0]

    def _no_such_board(self, name: str) -> str:
        names = self.names()
        known = f"the boards are {', '.join(names)}" if names else "there is no board yet"
        return f"No board named {name!r}: {known}; create one with pullflow board create."


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as kept in the log: its sequence number and board beside the event itself."""

    id: int
    board: str
    event: Event


class EventLog:
    """The append-only log of events, written in the transaction that made the change."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def append(self, board: Board, events: Sequence[Event]) -> None:
        board_id: int = _attr(board, "id")
        rows = [{"board_id": board_id, **event.fields()} for event in events]
        # One event, one plain INSERT; several, one batch.
        self.session.execute(INSERT_EVENT, rows[0] if len(rows) == 1 else rows)

    def read(
        self,
        board: str,
        *,
        item: int | None = None,
        types: Iterable[str] = (),
        after: int | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> list[StoredEvent]:
        """Events of a board in the order they happened (or newest first)."""
        rows = tables.events.c
        statement = (
            select(tables.events, tables.boards.c.name.label("board_name"))
            .join(tables.boards, tables.boards.c.id == rows.board_id)
            .where(tables.boards.c.name == board)
        )
        if item is not None:
            statement = statement.where(rows.item.in_(storable([item])))
        wanted_types = list(types)
        if wanted_types:
            statement = statement.where(rows.type.in_(wanted_types))
        if after is not None:
            statement = statement.where(rows.id > after)
        statement = statement.order_by(rows.id.desc() if newest_first else rows.id)
        if limit is not None:
            statement = statement.limit(min(limit, MAX_INTEGER))
        return [_stored(row._mapping) for row in self.session.execute(statement)]


def _stored(row: RowMapping) -> StoredEvent:
    at: datetime = row["at"]
    return StoredEvent(
        id=int(row["id"]),
        board=str(row["board_name"]),
        event=Event(
            type=EventType(row["type"]),
            actor=row["actor"],
            at=at,
            item=row["item"],
            experiment=row["experiment"],
            from_stage=row["from_stage"],
            from_lane=row["from_lane"],
            to_stage=row["to_stage"],
            to_lane=row["to_lane"],
            reason=row["reason"],
            data=row["data"] or {},
        ),
    )

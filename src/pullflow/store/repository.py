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
from typing import Any

from sqlalchemy import (
    ColumnElement,
    RowMapping,
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
from pullflow.domain.errors import Invalid, NotFound
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


def _statements() -> tuple[Any, Any, Any]:
    """The statements of a change, built once: lock the board, load it, load all its stops."""
    start_mappers()
    boards, stops = tables.boards.c, tables.stops.c
    lock = (
        select(boards.id)
        .where(func.lower(boards.name) == bindparam("name"))
        .with_for_update(of=tables.boards)
    )
    open_stops = _attr(Board, "stops").and_(_attr(Stop, "resumed_at").is_(None))
    load = (
        select(Board)
        .where(boards.id == bindparam("board"))
        .options(joinedload(_attr(Board, "stages")), joinedload(open_stops))
    )
    history = select(Stop).where(stops.board_id == bindparam("board"))
    return lock, load, history


LOCK_BOARD, LOAD_BOARD, ALL_STOPS = _statements()


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

    def lock(self, name: str | None, plan: Callable[[Board], Needs] = nothing) -> Board:
        """The board for a change, its row locked until the transaction ends.

        The board row is locked first and everything else is read after, by statements that
        start once the lock is held, so they see the last committed state even when this
        change had to wait for another. Stages and open stops come whole; of the items, only
        those ``plan`` says the change needs (it is asked once the stages are known).
        """
        wanted = name if name is not None else self._only_board()
        board_id = self.session.scalar(LOCK_BOARD, {"name": wanted.strip().lower()})
        if board_id is None:
            raise NotFound(self._no_such_board(wanted))
        board: Board = self.session.scalars(LOAD_BOARD, {"board": board_id}).unique().one()
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
                selectinload(_attr(Board, "items")),
                selectinload(_attr(Board, "stops")),
                selectinload(_attr(Board, "hypotheses")),
                selectinload(_attr(Board, "experiments")).selectinload(_attr(Experiment, "items")),
            )
            .execution_options(populate_existing=True)
        )
        board = self.session.scalars(statement).one_or_none()
        if board is None:
            raise NotFound(self._no_such_board(wanted))
        return board

    def _load_items(self, board: Board, board_id: int, needs: Needs) -> None:
        """Load the items a change needs (the board is then told that is all it holds)."""
        rows = tables.items.c
        active = rows.state == ItemState.ACTIVE.value
        stage_ids = [_attr(stage, "id") for stage in board.stages if stage.position in needs.stages]
        # Each part on its own index: (stage_id, state), (board_id, number), (board_id, state).
        wanted: list[ColumnElement[bool]] = []
        if stage_ids:
            wanted.append(and_(rows.stage_id.in_(stage_ids), active))
        if needs.items:
            wanted.append(and_(rows.board_id == board_id, rows.number.in_(storable(needs.items))))
        if needs.expedite:
            expedite = rows.service_class == ServiceClass.EXPEDITE.value
            wanted.append(and_(rows.board_id == board_id, active, expedite))
        items = self.session.scalars(select(Item).where(or_(*wanted))).all() if wanted else []
        set_committed_value(board, "items", list(items))

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
        self.session.execute(
            insert(tables.events),
            [
                {
                    "board_id": board_id,
                    "type": event.type.value,
                    "item": event.item,
                    "experiment": event.experiment,
                    "from_stage": event.from_stage,
                    "from_lane": event.from_lane,
                    "to_stage": event.to_stage,
                    "to_lane": event.to_lane,
                    "actor": event.actor,
                    "at": event.at,
                    "reason": event.reason,
                    "data": dict(event.data),
                }
                for event in events
            ],
        )

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

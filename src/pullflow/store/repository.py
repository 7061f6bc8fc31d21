"""Repositories: boards loaded for a change (locked) or for a read, and the event log.

A change loads its board with ``lock``: on PostgreSQL the board row is taken with
``SELECT … FOR UPDATE`` before anything else is read, so every rule that spans the board —
WIP limits, the one expedite item, running experiments, the andon — is checked and applied
while no other writer can touch that board. On SQLite the write transaction already holds the
database's write lock (``BEGIN IMMEDIATE``). Only items still in the flow are loaded, plus any
item the change names.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, RowMapping, Select, func, insert, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from pullflow.domain.board import Board
from pullflow.domain.errors import Invalid, NotFound
from pullflow.domain.events import Event, EventType
from pullflow.domain.items import ItemState
from pullflow.domain.learning import Experiment
from pullflow.store import tables


def _named(name: str) -> ColumnElement[bool]:
    """Board names match whatever their case."""
    return func.lower(tables.boards.c.name) == name.strip().lower()


def _attr(cls: type, name: str) -> Any:
    """A mapped class attribute, for loader options (the domain types them as plain values)."""
    return getattr(cls, name)


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

    def lock(self, name: str | None, *, items: Collection[int] = ()) -> Board:
        """The board for a change, with its row locked until the transaction ends."""
        wanted = name if name is not None else self._only_board()
        statement = self._select(wanted, items, everything=False).with_for_update(of=tables.boards)
        board = self.session.scalars(statement).one_or_none()
        if board is None:
            raise NotFound(self._no_such_board(wanted))
        self.seen.append(board)
        return board

    def whole(self, name: str | None) -> Board:
        """The board with every item, delivered and discarded ones included (for reading)."""
        wanted = name if name is not None else self._only_board()
        board = self.session.scalars(self._select(wanted, (), everything=True)).one_or_none()
        if board is None:
            raise NotFound(self._no_such_board(wanted))
        return board

    def _select(self, name: str, wanted: Collection[int], *, everything: bool) -> Select[Board]:
        item_rows = tables.items.c
        if everything:
            items_option: LoaderOption = selectinload(_attr(Board, "items"))
        else:
            in_flow = or_(
                item_rows.state == ItemState.ACTIVE.value, item_rows.number.in_(list(wanted))
            )
            items_option = selectinload(_attr(Board, "items").and_(in_flow))
        options = [
            selectinload(_attr(Board, "stages")),
            items_option,
            selectinload(_attr(Board, "stops")),
        ]
        if everything:
            options += [
                selectinload(_attr(Board, "hypotheses")),
                selectinload(_attr(Board, "experiments")).selectinload(_attr(Experiment, "items")),
            ]
        return (
            select(Board)
            .where(_named(name))
            .options(*options)
            .execution_options(populate_existing=True)
        )

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
        board_id = cast(int, getattr(board, "id"))  # noqa: B009 (mapped, not in the domain)
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
            statement = statement.where(rows.item == item)
        wanted_types = list(types)
        if wanted_types:
            statement = statement.where(rows.type.in_(wanted_types))
        if after is not None:
            statement = statement.where(rows.id > after)
        statement = statement.order_by(rows.id.desc() if newest_first else rows.id)
        if limit is not None:
            statement = statement.limit(limit)
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

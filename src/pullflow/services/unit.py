"""Opening a database for use cases, and running one change against one board.

``open_store`` is what entry points call once per process; ``change`` is the single write
path every use case goes through: lock the board, let the domain decide, commit the new
state and its events together, and hand the events back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pullflow.domain.board import Board
from pullflow.domain.events import Event
from pullflow.domain.needs import Needs, nothing
from pullflow.store import SqlUnitOfWork, Store


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a change did: the board it touched and the events it recorded (none: no change)."""

    board: str
    events: list[Event]


def open_store(url: str, *, pool_size: int | None = None) -> Store:
    """Open a pullflow database, upgrading its schema if this release is newer.

    ``pool_size``: PostgreSQL connections kept open (default ``PULLFLOW_POOL_SIZE``, else 10).
    """
    return Store(url, pool_size=pool_size)


def initialise_store(url: str) -> tuple[Store, bool]:
    """Open a database, creating or upgrading its schema; say whether a migration ran."""
    store = Store(url, check_schema=False)
    return store, store.initialise()


def change(
    uow: SqlUnitOfWork,
    board: str | None,
    decide: Callable[[Board], list[Event]],
    needs: Callable[[Board], Needs] = nothing,
    *,
    create: Callable[[], Board] | None = None,
) -> Outcome:
    """Run one change: lock the board, load what it needs, decide, commit state and events.

    With ``create``, a board named ``board`` that does not exist yet is made by it instead, in
    the same transaction, and ``decide`` works on the new board; the outcome's events then
    begin with the board's creation.
    """
    with uow:
        target = _new_board(uow, board, create) or uow.boards.lock(board, needs)
        created = list(target.pending_events)
        events = decide(target)
        uow.commit()
        return Outcome(target.name, created + events)


def _new_board(
    uow: SqlUnitOfWork, board: str | None, create: Callable[[], Board] | None
) -> Board | None:
    """The board ``create`` makes, added to the unit of work, if none has that name yet."""
    if create is None or board is None or uow.boards.exists(board):
        return None
    made = create()
    uow.boards.add_new(made)
    return made

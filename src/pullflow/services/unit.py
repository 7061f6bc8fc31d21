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


def open_store(url: str) -> Store:
    """Open a pullflow database, upgrading its schema if this release is newer."""
    return Store(url)


def initialise_store(url: str) -> tuple[Store, bool]:
    """Open a database, creating or upgrading its schema; say whether a migration ran."""
    store = Store(url, check_schema=False)
    return store, store.initialise()


def change(
    uow: SqlUnitOfWork,
    board: str | None,
    decide: Callable[[Board], list[Event]],
    needs: Callable[[Board], Needs] = nothing,
) -> Outcome:
    """Run one change: lock the board, load what it needs, decide, commit state and events."""
    with uow:
        locked = uow.boards.lock(board, needs)
        events = decide(locked)
        uow.commit()
        return Outcome(locked.name, events)

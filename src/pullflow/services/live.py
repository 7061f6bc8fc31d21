"""Live updates: hearing every committed change to any board, and a board's newest event.

``watch_changes`` blocks its thread, telling ``on_change(board, newest event number)`` about
each change committed by any process on the database, until ``stop`` is set (see
``pullflow.store.listen`` for how each backend hears them). ``latest_event`` is the number a
watcher starts from.
"""

from __future__ import annotations

import threading

from pullflow.store import SqlUnitOfWork, Store
from pullflow.store.listen import OnChange, listen_for_changes

__all__ = ["OnChange", "latest_event", "watch_changes"]


def watch_changes(
    store: Store,
    on_change: OnChange,
    stop: threading.Event,
    *,
    ready: threading.Event | None = None,
) -> None:
    """Tell ``on_change`` about every committed change until ``stop`` is set (blocking).

    ``ready`` (if given) is set once every change committed from then on will be told.
    """
    listen_for_changes(store, on_change, stop, ready=ready)


def latest_event(uow: SqlUnitOfWork, board: str) -> int:
    """The number of the board's newest event (0 if it has none); 404 for no such board."""
    with uow.reading():
        name = uow.boards.resolve(board)
        newest = uow.events.read(name, limit=1, newest_first=True)
        return newest[0].id if newest else 0

"""Hearing about changes as they are committed, whichever process on the database made them.

PostgreSQL: the transaction that appends a board's events also sends a notice on the channel
``pullflow_changes`` (``announce_change``) whose payload is JSON naming the board and its newest
event number. NOTIFY is transactional, so the notice goes out when, and only if, the change
commits. ``listen_for_changes`` keeps one autocommit connection of its own listening, and
reconnects with growing pauses when the server drops it; on every reconnection it compares each
board's newest event with what it knew, so a change made while it was away is still heard.

SQLite has no notices, and its file is shared by the processes of one host: the listener reads
the newest event number every 0.2 s (a lookup on the primary key) and, when that moved, each
board's newest one.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import psycopg
from sqlalchemy import inspect, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from pullflow.domain.board import Board

if TYPE_CHECKING:
    from pullflow.store.unit_of_work import Store

#: The channel changes are announced on.
CHANNEL = "pullflow_changes"

#: Seconds between two looks at a SQLite file.
POLL_SECONDS = 0.2

#: Longest wait for notices before the listener looks whether it should stop.
WAIT_SECONDS = 0.25

#: Pauses before reconnecting after a failure: the first, doubled up to the longest.
FIRST_PAUSE_SECONDS = 0.1
LONGEST_PAUSE_SECONDS = 5.0

#: Told the board's name and its newest event number, from the listener's thread.
OnChange = Callable[[str, int], None]

log = logging.getLogger("pullflow.store.listen")

NOTIFY = text(
    "SELECT pg_notify(:channel, CAST(json_build_object("
    "'board', CAST(:board AS text), "
    "'event', (SELECT max(id) FROM events WHERE board_id = :board_id), "
    "'schema', current_schema()) AS text))"
)

#: The newest event number of all (an index lookup on both backends).
NEWEST_EVENT = "SELECT max(id) FROM events"

#: Each board's newest event number (one index lookup per board).
NEWEST_PER_BOARD = (
    "SELECT b.name, (SELECT max(e.id) FROM events e WHERE e.board_id = b.id) FROM boards b"
)


def announce_change(session: Session, board: Board) -> None:
    """Have the session's transaction announce the board's newest event when it commits.

    On PostgreSQL only: elsewhere listeners look for themselves.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    (board_id,) = inspect(board).identity or (None,)
    session.execute(NOTIFY, {"channel": CHANNEL, "board": board.name, "board_id": board_id})


def listen_for_changes(
    store: Store,
    on_change: OnChange,
    stop: threading.Event,
    *,
    ready: threading.Event | None = None,
) -> None:
    """Call ``on_change(board, newest event number)`` for every committed change, until ``stop``.

    Blocks the calling thread. Changes committed before the listener started are not told;
    ``ready`` (if given) is set once every change committed from then on will be.
    """
    newest = Newest(on_change)
    started = ready or threading.Event()
    if store.url.get_backend_name() == "postgresql":
        _listen(store, newest, stop, started)
    else:
        _poll(store, newest, stop, started)


class Newest:
    """Each board's newest event number as last heard, telling ``on_change`` what moves."""

    def __init__(self, on_change: OnChange) -> None:
        self.on_change = on_change
        self.known: dict[str, int] | None = None

    def compare(self, current: Iterable[tuple[str, int | None]]) -> None:
        """Take every board's newest number; tell those that differ from what was known.

        The first comparison only learns the numbers: it tells nothing.
        """
        found = {board: number or 0 for board, number in current}
        before = self.known
        self.known = found
        if before is None:
            return
        moved = [(number, board) for board, number in found.items() if before.get(board) != number]
        for number, board in sorted(moved):
            self.on_change(board, number)

    def hear(self, board: str, number: int) -> None:
        """A notice of a change: told unless a newer number of the board was told already."""
        known = self.known if self.known is not None else {}
        if number > known.get(board, 0):
            known[board] = number
            self.on_change(board, number)


def _listen(store: Store, newest: Newest, stop: threading.Event, ready: threading.Event) -> None:
    pause = FIRST_PAUSE_SECONDS
    while not stop.is_set():
        try:
            with _connect(store) as connection:
                connection.execute(f"LISTEN {CHANNEL}")
                schema = _one(connection.execute("SELECT current_schema()").fetchone())
                newest.compare(connection.execute(NEWEST_PER_BOARD).fetchall())
                ready.set()
                pause = FIRST_PAUSE_SECONDS
                while not stop.is_set():
                    for notice in connection.notifies(timeout=WAIT_SECONDS):
                        heard = _parse(notice.payload, schema)
                        if heard is not None:
                            newest.hear(*heard)
        except psycopg.Error as error:
            log.warning("listening for changes failed, reconnecting: %s", _first_line(error))
            stop.wait(pause)
            pause = min(pause * 2, LONGEST_PAUSE_SECONDS)


def _connect(store: Store) -> psycopg.Connection[Any]:
    """A connection of the listener's own, outside the pool, that notices a dead server."""
    _, given = store.engine.dialect.create_connect_args(store.engine.url)
    given.pop("context", None)
    settings: dict[str, Any] = {
        "connect_timeout": 5,
        "application_name": "pullflow listener",
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
        **given,
    }
    return psycopg.connect(autocommit=True, **settings)


def _parse(payload: str, schema: str) -> tuple[str, int] | None:
    """The board and event number of a notice for this schema; None for anything else."""
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(data, Mapping) or data.get("schema", schema) != schema:
        return None
    board, number = data.get("board"), data.get("event")
    if not isinstance(board, str) or not isinstance(number, int):
        return None
    return board, number


def _poll(store: Store, newest: Newest, stop: threading.Event, ready: threading.Event) -> None:
    seen: int | None = None
    pause = FIRST_PAUSE_SECONDS
    while not stop.is_set():
        try:
            with store.engine.connect() as connection:
                latest = connection.exec_driver_sql(NEWEST_EVENT).scalar()
                if latest != seen or newest.known is None:
                    rows = connection.exec_driver_sql(NEWEST_PER_BOARD).all()
                    newest.compare((row[0], row[1]) for row in rows)
                    seen = latest
        except SQLAlchemyError as error:
            log.warning("looking for changes failed, trying again: %s", _first_line(error))
            stop.wait(pause)
            pause = min(pause * 2, LONGEST_PAUSE_SECONDS)
            continue
        ready.set()
        pause = FIRST_PAUSE_SECONDS
        stop.wait(POLL_SECONDS)


def _one(row: tuple[Any, ...] | None) -> str:
    return str(row[0]) if row else ""


def _first_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__

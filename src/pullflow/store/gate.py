"""Writers to one SQLite file take turns in the order the kernel wakes them.

SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps and
retries with growing pauses (up to a tenth of a second). With many writers most of them sleep
far longer than the lock is ever held. So before ``BEGIN IMMEDIATE`` every pullflow writer
first takes an exclusive lock on a small file beside the database (``pullflow.db-writer``):
waiting writers sleep in the kernel and the next one goes as soon as the one before is done.
``BEGIN IMMEDIATE`` with its busy timeout still guards against any other program writing.
PostgreSQL needs no gate: its row locks already queue waiters.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

from sqlalchemy.engine import URL

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows; SQLite's busy timeout still applies
    fcntl = None  # type: ignore[assignment]


def write_gate(url: URL) -> WriteGate | None:
    """The gate for a SQLite file, or None where there is nothing to gate."""
    database = url.database or ""
    if fcntl is None or url.get_backend_name() != "sqlite":
        return None
    if database in {"", ":memory:"} or database.startswith("file:"):
        return None
    return WriteGate(Path(database))


class WriteGate:
    """An exclusive lock on ``<database>-writer``, held for one write transaction."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + "-writer")

    @contextmanager
    def held(self) -> Iterator[None]:
        handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        finally:
            os.close(handle)  # closing releases the lock


def gate_for(gate: WriteGate | None) -> AbstractContextManager[None]:
    return gate.held() if gate is not None else nullcontext()

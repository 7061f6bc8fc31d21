"""What every request shares: the opened store, the clock, and the sweeping of old answers.

Only entry points read the clock; everything below them is handed ``at``. The store is
opened once per application (``create_app``), and each use case takes a fresh unit of work
from it. The answers kept for requests with an Idempotency-Key are dropped once they are
``KEEP_ANSWERS`` old; the write path sweeps them, at most once every ``SWEEP_EVERY``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from fastapi import Request

from pullflow.services import SqlUnitOfWork, Store
from pullflow.services.accounts import forget_responses

Clock = Callable[[], datetime]

#: How long the answer to a request with an Idempotency-Key is kept for its retries.
KEEP_ANSWERS = timedelta(hours=24)
#: The least time between two sweeps of the kept answers.
SWEEP_EVERY = timedelta(hours=1)


def system_clock() -> datetime:
    return datetime.now(UTC)


class Sweeps:
    """When the kept answers were last swept; says whether a sweep is due (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: datetime | None = None

    def due(self, at: datetime) -> bool:
        """Whether to sweep at ``at``; a yes counts as the sweep, so others wait an hour."""
        with self._lock:
            if self._last is not None and abs(at - self._last) < SWEEP_EVERY:
                return False
            self._last = at
            return True


@dataclass(frozen=True)
class Server:
    """The application's store and clock."""

    store: Store
    clock: Clock = system_clock
    sweeps: Sweeps = field(default_factory=Sweeps, compare=False)

    def unit_of_work(self) -> SqlUnitOfWork:
        return self.store.unit_of_work()

    def now(self) -> datetime:
        moment = self.clock()
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def sweep(self, at: datetime) -> None:
        """Drop the answers kept longer than ``KEEP_ANSWERS``, if no sweep ran this hour."""
        if self.sweeps.due(at):
            forget_responses(self.unit_of_work(), before=at - KEEP_ANSWERS)


def server(request: Request) -> Server:
    """The server the request's application was made with (a FastAPI dependency)."""
    found: Server = request.app.state.server
    return found

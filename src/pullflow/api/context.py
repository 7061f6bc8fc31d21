"""What every request shares: the opened store and the clock.

Only entry points read the clock; everything below them is handed ``at``. The store is
opened once per application (``create_app``), and each use case takes a fresh unit of work
from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import Request

from pullflow.services import SqlUnitOfWork, Store

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Server:
    """The application's store and clock."""

    store: Store
    clock: Clock = system_clock

    def unit_of_work(self) -> SqlUnitOfWork:
        return self.store.unit_of_work()

    def now(self) -> datetime:
        moment = self.clock()
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def server(request: Request) -> Server:
    """The server the request's application was made with (a FastAPI dependency)."""
    found: Server = request.app.state.server
    return found

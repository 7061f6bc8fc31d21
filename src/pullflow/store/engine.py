"""Engines for SQLite and PostgreSQL, with the settings that make writes race-safe.

SQLite: every write transaction starts with ``BEGIN IMMEDIATE``, which takes the database's
write lock before anything is read, and a busy timeout makes a second writer wait for it
rather than fail; the file runs in WAL mode so readers never wait. PostgreSQL runs READ
COMMITTED; writers serialise on the board row (``SELECT … FOR UPDATE``, see the repository),
and every statement after that lock sees the last committed state. A PostgreSQL engine keeps
``pool_size`` connections open (``PULLFLOW_POOL_SIZE``, default 10) and opens up to three times
as many more when busy, enough for a server process's request threads; a request that still
finds none free within ``pool_timeout`` seconds is refused with ``StoreBusy``.
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import ConnectionPoolEntry

from pullflow.domain.errors import Invalid

#: Seconds a SQLite writer waits for the lock before giving up.
SQLITE_BUSY_SECONDS = 60.0

#: Execution option that marks a connection whose transactions will write.
WRITE = "pullflow_write"

#: The variable that sets how many PostgreSQL connections a process keeps open.
POOL_SIZE_VARIABLE = "PULLFLOW_POOL_SIZE"

#: Connections kept open when the variable is not set; three times as many more open when busy.
POOL_SIZE = 10
OVERFLOW_FACTOR = 3

#: Seconds a request waits for a free connection before it is refused.
POOL_TIMEOUT_SECONDS = 30.0

#: The largest pool size taken (PostgreSQL's default connection limit is 100).
MAX_POOL_SIZE = 500


class StoreUnavailable(Invalid):
    """The database named by the URL cannot be opened or reached."""


class StoreBusy(StoreUnavailable):
    """Every connection of the pool is in use and none came free in time."""


def parse_url(url: str) -> URL:
    """Read a database URL; plain ``postgresql://`` URLs use psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreUnavailable(
            f"Database URL {url!r} was not understood: write sqlite:///FILE or "
            "postgresql://USER@HOST/DATABASE."
        ) from None
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        raise StoreUnavailable(
            f"Database URL {url!r} was refused: pullflow stores boards in SQLite or PostgreSQL."
        )
    return parsed


def shown(url: URL) -> str:
    """The URL as it may be printed: without its password."""
    return url.render_as_string(hide_password=True)


def make_engine(
    url: str, *, pool_size: int | None = None, pool_timeout: float = POOL_TIMEOUT_SECONDS
) -> Engine:
    """An engine for the URL, configured for pullflow's locking on its backend.

    ``pool_size`` (PostgreSQL only) defaults to ``PULLFLOW_POOL_SIZE``, else ``POOL_SIZE``.
    """
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    size = pool_size if pool_size is not None else pool_size_from_environment()
    return create_engine(
        parsed,
        isolation_level="READ COMMITTED",
        pool_size=size,
        max_overflow=size * OVERFLOW_FACTOR,
        pool_timeout=pool_timeout,
    )


def pool_size_from_environment() -> int:
    """The pool size ``PULLFLOW_POOL_SIZE`` sets, or the default; a bad value is refused."""
    given = os.environ.get(POOL_SIZE_VARIABLE, "").strip()
    if not given:
        return POOL_SIZE
    if not given.isdigit() or not 1 <= int(given) <= MAX_POOL_SIZE:
        raise Invalid(
            f"{POOL_SIZE_VARIABLE}={given[:20]!r} was refused: set it to a whole number of "
            f"connections from 1 to {MAX_POOL_SIZE}, or unset it for {POOL_SIZE}."
        )
    return int(given)


def _sqlite_engine(url: URL) -> Engine:
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy's "begin" event, not the driver, open transactions.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_SECONDS * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        writes = connection.get_execution_options().get(WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine


def use_wal(engine: Engine) -> None:
    """Switch a SQLite file to write-ahead logging (kept in the file; a no-op elsewhere)."""
    if engine.dialect.name != "sqlite" or engine.url.database in {None, "", ":memory:"}:
        return
    raw = engine.raw_connection()
    try:
        # Outside any transaction: SQLite cannot change its journal inside one.
        raw.driver_connection.execute("PRAGMA journal_mode = WAL")  # type: ignore[union-attr]
    finally:
        raw.close()

"""The unit of work: one transaction per use case, state and events committed together.

A ``Store`` is opened once per process for a database URL (checking the schema on the way);
each use case then takes a fresh ``SqlUnitOfWork`` from it. ``with uow:`` opens a write
transaction (on SQLite ``BEGIN IMMEDIATE``); ``with uow.reading():`` a read-only one. Leaving
the block without ``commit()`` rolls everything back, so a refused change writes nothing.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from pullflow.domain.andon import Stop
from pullflow.domain.board import Board
from pullflow.domain.errors import Refused
from pullflow.domain.learning import Experiment, Hypothesis
from pullflow.domain.stages import Stage
from pullflow.store.accounts import AccountRepository
from pullflow.store.engine import (
    POOL_TIMEOUT_SECONDS,
    WRITE,
    StoreBusy,
    StoreUnavailable,
    make_engine,
    parse_url,
    shown,
)
from pullflow.store.gate import gate_for, write_gate
from pullflow.store.listen import announce_change
from pullflow.store.mapping import start_mappers
from pullflow.store.repository import BoardRepository, EventLog
from pullflow.store.schema import ensure_current, initialise, refuse_missing_file

#: What the board's version covers: everything a change reads but its items.
LAYOUT = (Board, Stage, Stop, Hypothesis, Experiment)


class Store:
    """A database opened for pullflow: its engine and the sessions for reads and writes."""

    def __init__(
        self,
        url: str,
        *,
        check_schema: bool = True,
        pool_size: int | None = None,
        pool_timeout: float = POOL_TIMEOUT_SECONDS,
    ) -> None:
        start_mappers()
        self.given_url = url
        self.url = parse_url(url)
        self.engine: Engine = make_engine(url, pool_size=pool_size, pool_timeout=pool_timeout)
        self._writes = sessionmaker(
            bind=self.engine.execution_options(**{WRITE: True}),
            expire_on_commit=False,
            autoflush=False,
        )
        self._reads = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._local = threading.local()
        self.gate = write_gate(self.url)
        if check_schema:
            refuse_missing_file(self.url)
            with self.unavailable_as_sentence():
                ensure_current(self.engine, self.shown_url)

    def initialise(self) -> bool:
        """Create or upgrade the schema; return whether a migration ran."""
        with self.unavailable_as_sentence():
            return initialise(self.engine)

    def unit_of_work(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self)

    def write_session(self) -> Session:
        """This thread's session for changes, kept between them.

        What it loaded stays in its identity map after a commit, so the next change on the
        same board can skip reading the board again when the board's version says nothing
        but items changed (see ``BoardRepository.lock``). A change that fails rolls it back,
        which forgets everything it held.
        """
        session: Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._writes()
            self._local.session = session
        return session

    def forget_write_session(self) -> None:
        session: Session | None = getattr(self._local, "session", None)
        if session is not None:
            session.close()
            self._local.session = None

    def close(self) -> None:
        self.forget_write_session()
        self.engine.dispose()

    @property
    def shown_url(self) -> str:
        """The database URL as the user wrote it, without its password."""
        return shown(make_url(self.given_url))

    @contextmanager
    def unavailable_as_sentence(self) -> Iterator[None]:
        """Turn a failure to reach the database into one sentence naming the URL."""
        try:
            yield
        except (OperationalError, sqlite3.OperationalError) as error:
            raise self.unavailable(error) from None

    def unavailable(self, error: Exception) -> StoreUnavailable:
        cause = error.orig if isinstance(error, OperationalError) and error.orig else error
        reason = str(cause).strip().splitlines()[0]
        return StoreUnavailable(
            f"Cannot open the database at {self.shown_url} ({reason}): check --db or "
            "PULLFLOW_DATABASE_URL."
        )

    def busy(self) -> StoreBusy:
        """Every connection to the database is taken, and none came free in time."""
        return StoreBusy(
            "Every connection to the database is in use, so nothing was read or written: try "
            "again in a moment, or raise PULLFLOW_POOL_SIZE if this happens often."
        )


def forget(session: Session) -> None:
    """Roll back and drop every object and cached board the session holds."""
    session.rollback()
    session.expunge_all()
    session.info.clear()


class SqlUnitOfWork:
    """One use case's transaction, with the repositories it works through."""

    boards: BoardRepository
    events: EventLog
    accounts: AccountRepository

    def __init__(self, store: Store) -> None:
        self.store = store
        self.session: Session | None = None
        self._turn: AbstractContextManager[None] | None = None

    def __enter__(self) -> SqlUnitOfWork:
        if getattr(self.store._local, "writing", False):
            raise RuntimeError("changes do not nest: finish one unit of work before the next")
        turn = gate_for(self.store.gate)
        turn.__enter__()
        try:
            self._open(self.store.write_session())
        except BaseException:
            turn.__exit__(None, None, None)
            raise
        self._turn = turn
        self.store._local.writing = True
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        session = self._session()
        self.session = None
        self.store._local.writing = False
        try:
            if error is None and not session.in_transaction():
                return
            # Not committed: undo it, and forget what the session held (it may be half-done).
            forget(session)
        finally:
            if self._turn is not None:
                self._turn.__exit__(None, None, None)
                self._turn = None
        if isinstance(error, OperationalError):
            self.store.forget_write_session()
            raise self.store.unavailable(error) from None
        if isinstance(error, PoolTimeout):
            raise self.store.busy() from None

    @contextmanager
    def reading(self) -> Iterator[SqlUnitOfWork]:
        """A read-only transaction: a consistent view, taking no write lock."""
        self._open(self.store._reads())
        try:
            yield self
        except OperationalError as error:
            raise self.store.unavailable(error) from None
        except PoolTimeout:
            raise self.store.busy() from None
        finally:
            self._close()

    def commit(self) -> None:
        """Write the changed state and every pending event in one transaction."""
        session = self._session()
        try:
            self._bump_versions(session)
            session.flush()
            for board in self.boards.seen:
                events = board.take_events()
                if events:
                    self.events.append(board, events)
                    announce_change(session, board)
            session.commit()
        except IntegrityError:
            forget(session)
            raise Refused(
                "The change collided with another made at the same moment and was not saved: "
                "look at the board again and retry."
            ) from None

    def rollback(self) -> None:
        forget(self._session())

    def _bump_versions(self, session: Session) -> None:
        """Mark each locked board whose row, stages or stops change (see ``lock``)."""
        changed = [obj for obj in (*session.new, *session.dirty) if isinstance(obj, LAYOUT)]
        if not changed:
            return
        for board in self.boards.seen:
            board.version = (getattr(board, "version", None) or 0) + 1  # type: ignore[attr-defined]

    def _open(self, session: Session) -> SqlUnitOfWork:
        self.session = session
        self.boards = BoardRepository(session)
        self.events = EventLog(session)
        self.accounts = AccountRepository(session)
        return self

    def _close(self) -> None:
        if self.session is not None:
            # Closing rolls back whatever was not committed and detaches the loaded objects
            # as they are, so a read's results stay usable after the transaction.
            self.session.close()
            self.session = None

    def _session(self) -> Session:
        if self.session is None:
            raise RuntimeError("the unit of work is not open: use it in a with block")
        return self.session

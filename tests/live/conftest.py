"""Fixtures for live updates: a populated database, a listener thread, real server processes.

``Heard`` collects what a listener is told, from its thread, and waits for it. ``Servers``
starts ``pullflow`` server processes on one database and stops them after the test.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from pullflow.services import Store
from pullflow.services.live import watch_changes
from pullflow.services.unit import initialise_store
from tests.api.conftest import _cheap_password_hashes, api, populate
from tests.conftest import Clock

__all__ = ["Heard", "Listener", "Servers", "_cheap_password_hashes", "api"]

#: The longest a change may take to reach a listener or a stream.
WITHIN = 1.0


class Heard:
    """What a listener was told, as (board, event number), in order."""

    def __init__(self) -> None:
        self.changes: list[tuple[str, int]] = []
        self._arrived = threading.Condition()

    def __call__(self, board: str, number: int) -> None:
        with self._arrived:
            self.changes.append((board, number))
            self._arrived.notify_all()

    def wait_until_heard(
        self, board: str, number: int, timeout: float = WITHIN
    ) -> list[tuple[str, int]]:
        """Everything heard once ``(board, number)`` was, waiting at most ``timeout`` for it."""
        with self._arrived:
            self._arrived.wait_for(lambda: (board, number) in self.changes, timeout)
            return list(self.changes)

    def wait_for(self, count: int, timeout: float = WITHIN) -> list[tuple[str, int]]:
        """The first ``count`` changes heard, waiting at most ``timeout`` for them."""
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.changes) >= count, timeout)
            return list(self.changes[:count])


@dataclass
class Listener:
    """``watch_changes`` running in a thread of the test, told to ``heard``."""

    store: Store
    heard: Heard = field(default_factory=Heard)
    stop: threading.Event = field(default_factory=threading.Event)
    ready: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def start(self) -> Listener:
        self.thread = threading.Thread(
            target=watch_changes,
            args=(self.store, self.heard, self.stop),
            kwargs={"ready": self.ready},
            daemon=True,
        )
        self.thread.start()
        assert self.ready.wait(5), "the listener did not get ready"
        return self

    def halt(self, timeout: float = 2.0) -> bool:
        """Stop it; whether its thread ended within ``timeout``."""
        self.stop.set()
        assert self.thread is not None
        self.thread.join(timeout)
        return not self.thread.is_alive()


@pytest.fixture
def populated(db_url: str, clock: Clock) -> Iterator[tuple[Store, dict[str, str]]]:
    """A database with the API tests' boards, users and tokens, and its store."""
    store, _ = initialise_store(db_url)
    tokens, _ = populate(store, clock)
    yield store, tokens
    store.close()


@pytest.fixture
def listener(populated: tuple[Store, dict[str, str]]) -> Iterator[Listener]:
    """A listener on the populated database, already listening; stopped after the test."""
    started = Listener(populated[0]).start()
    yield started
    started.halt()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    """One server process and the address it answers at."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def stop(self, timeout: float = 15.0) -> int | None:
        """Ask it to stop (SIGTERM); its exit status, or None if it had to be killed."""
        if self.process.poll() is not None:
            return self.process.returncode
        self.process.terminate()
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
            return None


class Servers:
    """Server processes on one database, started as ``pullflow serve`` or ``uvicorn`` does."""

    def __init__(self, db_url: str, folder: Path) -> None:
        self.db_url = db_url
        self.folder = folder
        self.started: list[Server] = []

    def start(self, how: str = "serve") -> Server:
        """A server process answering on a free port (``how``: ``serve`` or ``uvicorn``)."""
        port = free_port()
        if how == "serve":
            program = f"from pullflow.api.serve import serve; serve({self.db_url!r}, port={port})"
            command = [sys.executable, "-c", program]
        else:
            command = [
                sys.executable,
                *("-m", "uvicorn", "--factory", "pullflow.api.serve:app_from_environment"),
                *("--host", "127.0.0.1", "--port", str(port), "--timeout-graceful-shutdown", "5"),
            ]
        log = self.folder / f"server-{port}.log"
        environment = {**os.environ, "PULLFLOW_DATABASE_URL": self.db_url}
        with log.open("wb") as output:
            process = subprocess.Popen(
                command, stdout=output, stderr=subprocess.STDOUT, env=environment
            )
        server = Server(process, f"http://127.0.0.1:{port}", log)
        self.started.append(server)
        self._wait_until_up(server)
        return server

    def _wait_until_up(self, server: Server, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                break
            try:
                httpx.get(f"{server.url}/openapi.json", timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.05)
        raise AssertionError(f"the server did not start:\n{server.log.read_text()[-3000:]}")

    def stop_all(self) -> None:
        for server in self.started:
            server.stop()


@pytest.fixture
def servers(db_url: str, tmp_path: Path) -> Iterator[Servers]:
    """Starts server processes on the test's database; every one is stopped after the test."""
    started = Servers(db_url, tmp_path)
    yield started
    started.stop_all()

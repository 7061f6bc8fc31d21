"""Live updates: one listener per application, fanned out to Server-Sent Event streams.

A ``Hub`` is made by ``create_app`` and kept on ``app.state.hub``. On its first subscriber it
starts one thread that runs ``watch_changes``, which hears every change committed to the
database by any server process; each change is handed to the subscribers of its board, on
their own event loop. A subscriber holds at most one number, the newest: one that reads
slowly misses nothing but the numbers in between, and never holds up another.

``event_stream`` answers a request with the stream a browser's ``EventSource`` reads::

    retry: 1000

    event: change
    data: {"board": "main", "event": 42}

one ``change`` per change to the board (``event`` is the board's newest event number), and a
``: keep-alive`` comment after 15 quiet seconds. It ends when the client goes away or the
server shuts down (``Hub.close``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress

from fastapi import Request
from fastapi.responses import StreamingResponse

from pullflow.services import Store
from pullflow.services.live import watch_changes

#: What a hub runs in its thread (``watch_changes``; tests may hand another).
Watch = Callable[..., None]

#: Seconds of quiet after which a stream sends a comment, so that proxies keep it open.
KEEP_ALIVE_SECONDS = 15.0

#: Seconds between two looks, while a stream is quiet, at whether its client went away.
LOOK_SECONDS = 1.0

#: Longest wait, when a stream opens, for the listener to hear every change from then on.
READY_SECONDS = 5.0

#: How long the browser waits before reconnecting a dropped stream, in milliseconds.
RETRY_MILLISECONDS = 1000

STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}

log = logging.getLogger("pullflow.api.live")


class Closed(Exception):
    """The hub was closed: the server is shutting down."""


class Subscription:
    """One subscriber's newest event number, held on its event loop until it is read."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._queue: asyncio.Queue[int | None] = asyncio.Queue(maxsize=1)
        self.closed = False

    def deliver(self, number: int | None) -> None:
        """Hand a number (None: the hub closed) to the subscriber, from any thread."""
        with suppress(RuntimeError):  # its loop has closed: the subscriber is gone
            self.loop.call_soon_threadsafe(self._offer, number)

    def _offer(self, number: int | None) -> None:
        if self._queue.full():
            held = self._queue.get_nowait()
            if held is None:
                number = None
            elif number is not None:
                number = max(held, number)
        self._queue.put_nowait(number)

    async def next(self, timeout: float | None = None) -> int | None:
        """The board's newest number at its next change; None if none came within ``timeout``.

        Raises ``Closed`` once the hub is closed.
        """
        if self.closed:
            raise Closed
        try:
            number = await asyncio.wait_for(self._queue.get(), timeout)
        except TimeoutError:
            return None
        if number is None:
            self.closed = True
            raise Closed
        return number


class Hub:
    """The application's one listener to the database, and the subscribers of each board."""

    def __init__(self, store: Store, *, watch: Watch = watch_changes) -> None:
        self.store = store
        self._watch = watch
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[Subscription]] = {}
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self.closed = False

    @asynccontextmanager
    async def subscription(self, board: str) -> AsyncIterator[Subscription]:
        """A subscription to the board's changes, for the ``async with`` block."""
        subscriber = Subscription(asyncio.get_running_loop())
        key = board_key(board)
        with self._lock:
            if self.closed:
                subscriber.closed = True
            else:
                self._subscribers.setdefault(key, set()).add(subscriber)
                self._start()
        try:
            yield subscriber
        finally:
            with self._lock:
                held = self._subscribers.get(key)
                if held is not None:
                    held.discard(subscriber)
                    if not held:
                        del self._subscribers[key]

    async def subscribe(self, board: str) -> AsyncGenerator[int, None]:
        """The board's newest event number at each of its changes, until the hub closes."""
        async with self.subscription(board) as changes:
            while True:
                try:
                    number = await changes.next()
                except Closed:
                    return
                if number is not None:
                    yield number

    async def ready(self, timeout: float = READY_SECONDS) -> bool:
        """Wait until every change committed from now on will be heard; False if not in time."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self._ready.is_set() and not self.closed and loop.time() < deadline:
            await asyncio.sleep(0.01)
        return self._ready.is_set()

    def subscribers(self, board: str) -> int:
        """How many subscribers the board has now."""
        with self._lock:
            return len(self._subscribers.get(board_key(board), ()))

    def close(self) -> None:
        """Stop the listener and end every subscription (when the server shuts down)."""
        with self._lock:
            self.closed = True
            thread = self._thread
            everyone = [sub for held in self._subscribers.values() for sub in held]
        self._stop.set()
        for subscriber in everyone:
            subscriber.deliver(None)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def _start(self) -> None:
        """Start the listener's thread unless it runs (called holding the lock)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._ready = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(self._ready,), name="pullflow-live", daemon=True
        )
        self._thread.start()

    def _run(self, ready: threading.Event) -> None:
        try:
            self._watch(self.store, self._heard, self._stop, ready=ready)
        except Exception:
            log.exception("listening for changes stopped; the next subscriber starts it again")

    def _heard(self, board: str, number: int) -> None:
        with self._lock:
            subscribers = list(self._subscribers.get(board_key(board), ()))
        for subscriber in subscribers:
            subscriber.deliver(number)


def board_key(board: str) -> str:
    """Board names match whatever their case."""
    return board.strip().lower()


def hub(request: Request) -> Hub:
    """The application's hub (a FastAPI dependency)."""
    found: Hub = request.app.state.hub
    return found


def event_stream(request: Request, hub: Hub, board: str) -> StreamingResponse:
    """The board's changes as Server-Sent Events, until the client leaves or the server stops."""
    return StreamingResponse(
        _events(request, hub, board), media_type="text/event-stream", headers=STREAM_HEADERS
    )


async def _events(request: Request, hub: Hub, board: str) -> AsyncIterator[str]:
    async with hub.subscription(board) as changes:
        await hub.ready()
        yield f"retry: {RETRY_MILLISECONDS}\n\n"
        loop = asyncio.get_running_loop()
        quiet_since = loop.time()
        while True:
            try:
                number = await changes.next(LOOK_SECONDS)
            except Closed:
                return
            if await request.is_disconnected():
                return
            if number is not None:
                yield change_message(board, number)
                quiet_since = loop.time()
            elif loop.time() - quiet_since >= KEEP_ALIVE_SECONDS:
                yield ": keep-alive\n\n"
                quiet_since = loop.time()


def change_message(board: str, number: int) -> str:
    """One ``change`` event of the stream."""
    return f"event: change\ndata: {json.dumps({'board': board, 'event': number})}\n\n"

"""The hub: one listener per application, its changes fanned out to every subscriber."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

import pytest

from pullflow.api import live
from pullflow.api.live import Hub, event_stream
from pullflow.services import Store
from pullflow.services.flow import add_item
from pullflow.services.live import latest_event
from pullflow.services.unit import open_store
from tests.conftest import Clock
from tests.live.conftest import WITHIN


class Watch:
    """A listener the test drives: it hands on what ``tell`` is given, until stopped."""

    def __init__(self, fail_first: bool = False) -> None:
        self.runs = 0
        self.fail_first = fail_first
        self.on_change: Any = None
        self.stopped = threading.Event()

    def __call__(self, store: Any, on_change: Any, stop: threading.Event, **options: Any) -> None:
        self.runs += 1
        if self.fail_first and self.runs == 1:
            raise RuntimeError("the listener broke")
        self.on_change = on_change
        options["ready"].set()
        stop.wait()
        self.stopped.set()

    def tell(self, board: str, number: int) -> None:
        self.on_change(board, number)


def running_listeners() -> int:
    return sum(1 for thread in threading.enumerate() if thread.name == "pullflow-live")


async def first_of(changes: AsyncIterator[int], timeout: float = WITHIN) -> int | None:
    try:
        return await asyncio.wait_for(anext(changes), timeout)
    except (TimeoutError, StopAsyncIteration):
        return None


def test_a_change_reaches_every_subscriber_of_its_board_only(
    db_url: str, populated: tuple[Store, dict[str, str]], clock: Clock
) -> None:
    hub = Hub(populated[0])
    other_process = open_store(db_url)

    async def scenario() -> tuple[list[int | None], int | None, float]:
        async with (
            aclosing(hub.subscribe("main")) as one,
            aclosing(hub.subscribe("Main")) as two,
            aclosing(hub.subscribe("other")) as elsewhere,
        ):
            waiting = [asyncio.ensure_future(first_of(it)) for it in (one, two, elsewhere)]
            await asyncio.sleep(0.05)
            assert await hub.ready()
            began = time.monotonic()
            await asyncio.to_thread(
                add_item,
                other_process.unit_of_work(),
                board="main",
                title="A",
                actor="ana",
                at=clock(),
            )
            got = await asyncio.gather(*waiting[:2])
            took = time.monotonic() - began
            return list(got), await waiting[2], took

    try:
        got, elsewhere, took = asyncio.run(scenario())
        newest = latest_event(other_process.unit_of_work(), "main")
    finally:
        hub.close()
        other_process.close()
    assert got == [newest, newest]
    assert elsewhere is None
    assert took < WITHIN


def test_the_listener_starts_on_the_first_subscriber_and_only_once() -> None:
    watch = Watch()
    hub = Hub(None, watch=watch)  # type: ignore[arg-type]
    before = running_listeners()

    async def scenario() -> int:
        async with hub.subscription("main"), hub.subscription("other"):
            await hub.ready()
            return running_listeners()

    try:
        assert running_listeners() == before
        assert asyncio.run(scenario()) == before + 1
        assert asyncio.run(scenario()) == before + 1
        assert watch.runs == 1
    finally:
        hub.close()
    assert watch.stopped.is_set()
    assert running_listeners() == before


def test_a_slow_subscriber_gets_the_newest_number_and_holds_no_one_up() -> None:
    watch = Watch()
    hub = Hub(None, watch=watch)  # type: ignore[arg-type]

    async def scenario() -> tuple[list[int], int | None, int | None]:
        async with hub.subscription("main") as fast, hub.subscription("main") as slow:
            await hub.ready()
            seen: list[int] = []
            for number in range(1, 51):
                watch.tell("main", number)
                got = await fast.next(WITHIN)
                assert got is not None
                seen.append(got)
            # The slow one read nothing meanwhile: it holds the newest number alone.
            return seen, await slow.next(WITHIN), await slow.next(0.2)

    try:
        seen, slow_first, slow_second = asyncio.run(scenario())
    finally:
        hub.close()
    assert seen == list(range(1, 51))
    assert (slow_first, slow_second) == (50, None)


def test_a_subscriber_is_dropped_when_it_leaves() -> None:
    watch = Watch()
    hub = Hub(None, watch=watch)  # type: ignore[arg-type]

    async def scenario() -> tuple[int, int, int | None]:
        changes = hub.subscribe("MAIN")
        waiting = asyncio.ensure_future(first_of(changes))
        await asyncio.sleep(0.05)
        await hub.ready()
        during = hub.subscribers("main")
        watch.tell("main", 3)
        got = await waiting
        await changes.aclose()
        return during, hub.subscribers("main"), got

    try:
        assert asyncio.run(scenario()) == (1, 0, 3)
    finally:
        hub.close()


def test_closing_the_hub_ends_every_subscription_and_stops_the_listener() -> None:
    watch = Watch()
    hub = Hub(None, watch=watch)  # type: ignore[arg-type]

    async def scenario() -> tuple[list[int], float, list[int]]:
        async def collect(board: str) -> list[int]:
            return [number async for number in hub.subscribe(board)]

        running = asyncio.ensure_future(collect("main"))
        await asyncio.sleep(0.05)
        await hub.ready()
        watch.tell("main", 8)
        await asyncio.sleep(0.05)
        began = time.monotonic()
        await asyncio.to_thread(hub.close)
        got = await asyncio.wait_for(running, WITHIN)
        return got, time.monotonic() - began, await asyncio.wait_for(collect("main"), WITHIN)

    got, took, after = asyncio.run(scenario())
    assert got == [8]
    assert took < WITHIN
    assert after == []
    assert watch.stopped.is_set()


def test_a_listener_that_failed_is_started_again_by_the_next_subscriber() -> None:
    watch = Watch(fail_first=True)
    hub = Hub(None, watch=watch)  # type: ignore[arg-type]

    async def scenario() -> tuple[bool, bool]:
        async with hub.subscription("main"):
            broken = await hub.ready(0.3)
        async with hub.subscription("main"):
            return broken, await hub.ready()

    try:
        assert asyncio.run(scenario()) == (False, True)
        assert watch.runs == 2
    finally:
        hub.close()


class Visitor:
    """A request whose client leaves when the test says so."""

    def __init__(self) -> None:
        self.gone = False

    async def is_disconnected(self) -> bool:
        return self.gone


def test_the_stream_says_retry_then_each_change_keeps_alive_and_ends_with_its_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(live, "KEEP_ALIVE_SECONDS", 0.3)
    monkeypatch.setattr(live, "LOOK_SECONDS", 0.05)
    watch = Watch()
    hub = Hub(None, watch=watch)  # type: ignore[arg-type]
    visitor = Visitor()
    response = event_stream(visitor, hub, "main")  # type: ignore[arg-type]

    async def scenario() -> list[str]:
        chunks = aiter(response.body_iterator)
        said = [str(await anext(chunks))]
        watch.tell("main", 41)
        watch.tell("main", 42)
        said.append(str(await asyncio.wait_for(anext(chunks), WITHIN)))
        said.append(str(await asyncio.wait_for(anext(chunks), WITHIN)))
        visitor.gone = True
        said.extend([str(chunk) async for chunk in chunks])
        return said

    try:
        said = asyncio.run(scenario())
    finally:
        hub.close()
    assert said == [
        "retry: 1000\n\n",
        'event: change\ndata: {"board": "main", "event": 42}\n\n',
        ": keep-alive\n\n",
    ]
    assert response.media_type == "text/event-stream"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-accel-buffering"] == "no"
    assert hub.subscribers("main") == 0


def test_the_stream_ends_when_the_server_shuts_down() -> None:
    watch = Watch()
    hub = Hub(None, watch=watch)  # type: ignore[arg-type]
    response = event_stream(Visitor(), hub, "main")  # type: ignore[arg-type]

    async def scenario() -> list[str]:
        chunks = aiter(response.body_iterator)
        first = str(await anext(chunks))
        hub.close()
        return [first, *[str(chunk) async for chunk in chunks]]

    assert asyncio.run(asyncio.wait_for(scenario(), WITHIN)) == ["retry: 1000\n\n"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_route_is_documented_as_an_event_stream_for_readers(api: Any) -> None:
    document = api.client.get("/openapi.json").json()
    operation = document["paths"]["/boards/{board}/live"]["get"]
    assert set(operation["responses"]["200"]["content"]) == {"text/event-stream"}
    assert {"401", "403", "404"} <= set(operation["responses"])
    assert operation["security"] == [{"token": []}]

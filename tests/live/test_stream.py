"""End to end: a change made through one server process reaches a stream on another.

Two real server processes on one database (PostgreSQL, or one SQLite file): a stream of
``GET /boards/main/live`` opened on B hears a pull made through A's API within a second.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pullflow.services import Store
from tests.live.conftest import WITHIN, Server, Servers

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Stream:
    """The lines of an open event stream, read one at a time."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines: Iterator[str] = response.iter_lines()

    def next_event(self) -> tuple[str, dict[str, object]]:
        """The next event's name and JSON data (comments and retry lines passed over)."""
        name, data = "message", ""
        for line in self._lines:
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                data = line.removeprefix("data: ")
            elif line == "" and data:
                return name, json.loads(data)
        raise AssertionError("the stream ended")

    def first_line(self) -> str:
        return next(self._lines)


def open_stream(client: httpx.Client, server: Server, token: str) -> Iterator[Stream]:
    with client.stream("GET", f"{server.url}/boards/main/live", headers=bearer(token)) as answer:
        assert answer.status_code == 200, answer.read()
        assert answer.headers["content-type"].startswith("text/event-stream")
        assert answer.headers["cache-control"] == "no-cache"
        assert answer.headers["x-accel-buffering"] == "no"
        stream = Stream(answer)
        assert stream.first_line() == "retry: 1000"
        yield stream


def newest_event(client: httpx.Client, server: Server, token: str) -> int:
    answer = client.get(f"{server.url}/boards/main/events?limit=1", headers=bearer(token))
    assert answer.status_code == 200, answer.text
    number: int = answer.json()[-1]["id"]
    return number


def test_a_pull_through_one_process_reaches_a_stream_on_another_within_a_second(
    populated: tuple[Store, dict[str, str]], servers: Servers
) -> None:
    tokens = populated[1]
    a = servers.start("serve")
    b = servers.start("uvicorn")
    timeout = httpx.Timeout(5.0, read=5.0)
    with httpx.Client(timeout=timeout) as client:
        added = client.post(
            f"{a.url}/boards/main/items",
            json={"title": "Signup form"},
            headers=bearer(tokens["ana"]),
        )
        assert added.status_code == 201, added.text
        for stream in open_stream(client, b, tokens["vic"]):
            began = time.monotonic()
            pulled = client.post(
                f"{a.url}/boards/main/pull", json={"stage": "Build"}, headers=bearer(tokens["ana"])
            )
            assert pulled.status_code == 200, pulled.text
            name, data = stream.next_event()
            took = time.monotonic() - began
            expected = newest_event(client, a, tokens["ana"])
            assert (name, data) == ("change", {"board": "main", "event": expected})
            assert took < WITHIN, f"the change took {took:.3f} s"
            # A change to another board is not told on main's stream; the next one on main is.
            other = client.post(
                f"{a.url}/boards/other/items",
                json={"title": "Elsewhere"},
                headers=bearer(tokens["bo"]),
            )
            assert other.status_code == 201, other.text
            finished = client.post(
                f"{a.url}/boards/main/items/1/finish", headers=bearer(tokens["ana"])
            )
            assert finished.status_code == 200, finished.text
            assert stream.next_event() == (
                "change",
                {"board": "main", "event": newest_event(client, a, tokens["ana"])},
            )
            break


def test_the_stream_needs_a_token_and_the_role_and_a_board(api: Any) -> None:
    # Refusals are answered before any stream opens, so the in-process client can see them.
    nobody = api.as_(None).get("/boards/main/live")
    outsider = api.as_("bo").get("/boards/main/live")
    missing = api.as_("root").get("/boards/nowhere/live")
    assert (nobody.status_code, outsider.status_code, missing.status_code) == (401, 403, 404)
    for answer in (nobody, outsider, missing):
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["detail"].endswith(".")
    assert "nowhere" in missing.json()["detail"]


@sqlite_only
def test_a_stream_ends_when_its_server_stops_and_the_server_does_stop(
    populated: tuple[Store, dict[str, str]], servers: Servers
) -> None:
    tokens = populated[1]
    server = servers.start("serve")
    with httpx.Client(timeout=httpx.Timeout(5.0, read=15.0)) as client:
        for stream in open_stream(client, server, tokens["vic"]):
            began = time.monotonic()
            server.process.terminate()
            with pytest.raises((AssertionError, httpx.RemoteProtocolError)):
                stream.next_event()
            # uvicorn ends a stopped server by raising the signal again: a clean stop.
            assert server.process.wait(timeout=15) in {0, -signal.SIGTERM}
            assert time.monotonic() - began < 10
            break
    assert "Application shutdown complete" in server.log.read_text()

"""Checks the API tests share: a problem's shape, and the board's event log."""

from __future__ import annotations

from typing import Any

from pullflow.services.queries import event_log
from tests.api.conftest import Api

PROBLEM = "application/problem+json"


def problem(answer: Any, status: int) -> dict[str, Any]:
    """The problem the answer holds, checked to be one with this status."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    body: dict[str, Any] = answer.json()
    assert {"type", "title", "status", "detail", "instance"} <= set(body)
    assert body["status"] == status
    return body


def log_of(api: Api, board: str = "main") -> list[tuple[str, str]]:
    """The board's events as (type, actor), oldest first."""
    stored = event_log(api.store.unit_of_work(), board=board)
    return [(e.event.type.value, e.event.actor) for e in stored]

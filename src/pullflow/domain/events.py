"""Events: the immutable record of every change to a board.

An event holds everything needed to redo its change, so replaying a board's events in order
rebuilds its current state (see ``Board.replay``). The ``data`` mapping carries the
type-specific details and holds only JSON values (strings, numbers, booleans, lists, maps).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class EventType(StrEnum):
    BOARD_CREATED = "board.created"
    BOARD_CONFIGURED = "board.configured"
    LIMIT_CHANGED = "stage.limit_changed"
    ITEM_ADDED = "item.added"
    ITEM_EDITED = "item.edited"
    ITEM_RERANKED = "item.reranked"
    ITEM_PULLED = "item.pulled"
    ITEM_FINISHED = "item.finished"
    ITEM_BLOCKED = "item.blocked"
    ITEM_UNBLOCKED = "item.unblocked"
    ITEM_DISCARDED = "item.discarded"
    ITEM_RETURNED = "item.returned"
    WIP_EXCEEDED = "wip.exceeded"
    HYPOTHESIS_STATED = "hypothesis.stated"
    EXPERIMENT_STARTED = "experiment.started"
    EXPERIMENT_LINKED = "experiment.linked"
    EXPERIMENT_UNLINKED = "experiment.unlinked"
    EXPERIMENT_CONCLUDED = "experiment.concluded"
    LINE_STOPPED = "andon.stopped"
    LINE_RESUMED = "andon.resumed"


@dataclass(frozen=True, slots=True)
class Event:
    """One change: what happened, to which item or experiment, where it moved, who, when, why."""

    type: EventType
    actor: str
    at: datetime
    item: int | None = None
    experiment: int | None = None
    from_stage: str | None = None
    from_lane: str | None = None
    to_stage: str | None = None
    to_lane: str | None = None
    reason: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("event times must carry a time zone (UTC)")

    def fields(self) -> dict[str, Any]:
        """The event as plain values, by the names the log and its JSON use."""
        return {
            "type": self.type.value,
            "item": self.item,
            "experiment": self.experiment,
            "from_stage": self.from_stage,
            "from_lane": self.from_lane,
            "to_stage": self.to_stage,
            "to_lane": self.to_lane,
            "actor": self.actor,
            "at": self.at,
            "reason": self.reason,
            "data": dict(self.data),
        }

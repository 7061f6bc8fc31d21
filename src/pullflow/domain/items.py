"""Work items and their classes of service.

An item enters the board in the options with a rank, then moves only when a stage pulls it.
It leaves the flow by being pulled into done (delivered) or by being discarded.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pullflow.domain.errors import Invalid
from pullflow.domain.stages import Lane, Stage
from pullflow.domain.text import parse_choice, squeeze


class ServiceClass(StrEnum):
    """How urgently an item is pulled: standard, by a due date, or ahead of everything."""

    STANDARD = "standard"
    FIXED_DATE = "fixed-date"
    EXPEDITE = "expedite"


class ItemState(StrEnum):
    """Whether an item is still in the flow, delivered, or discarded."""

    ACTIVE = "active"
    DONE = "done"
    DISCARDED = "discarded"


PULL_ORDER = {ServiceClass.EXPEDITE: 0, ServiceClass.FIXED_DATE: 1, ServiceClass.STANDARD: 2}


class Item:
    """A piece of work on the board: where it is, since when, and whether it is blocked."""

    def __init__(
        self,
        number: int,
        title: str,
        stage: Stage,
        at: datetime,
        service_class: ServiceClass = ServiceClass.STANDARD,
        due: date | None = None,
        rank: int | None = None,
    ) -> None:
        self.number = number
        self.title = title
        self.service_class = service_class
        self.due = due
        self.stage = stage
        self.lane = Lane.DONE
        self.rank = rank
        self.state = ItemState.ACTIVE
        self.created_at = at
        self.entered_at = at
        self.started_at: datetime | None = None
        self.ended_at: datetime | None = None
        self.blocked_reason: str | None = None
        self.blocked_since: datetime | None = None
        self.discard_reason: str | None = None

    @property
    def label(self) -> str:
        return f"#{self.number}"

    @property
    def blocked(self) -> bool:
        return self.blocked_reason is not None

    @property
    def active(self) -> bool:
        return self.state is ItemState.ACTIVE

    def __repr__(self) -> str:
        return f"Item(#{self.number} {self.title!r} in {self.stage.name}/{self.lane.value})"


def parse_service_class(text: str) -> ServiceClass:
    """Read a class of service name (``fixed_date`` and ``fixed date`` are accepted too)."""
    return parse_choice(ServiceClass, text, "class of service")


def check_title(title: str) -> str:
    """Return a cleaned title, refusing an empty one."""
    cleaned = squeeze(title)
    if not cleaned:
        raise Invalid("An empty title was refused: give the item a short title.")
    if len(cleaned) > 500:
        raise Invalid(
            f"A title of {len(cleaned)} characters was refused: keep it under 500 characters."
        )
    return cleaned


def check_reason(reason: str | None, verb: str) -> str:
    """Return a cleaned reason, refusing a missing or empty one for verbs that need it."""
    cleaned = squeeze(reason)
    if not cleaned:
        raise Invalid(f'To {verb} an item a reason is required: add --reason "why".')
    return cleaned

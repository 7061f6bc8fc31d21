"""Work items and their classes of service.

An item enters the board in the options with a rank, then moves only when a stage pulls it.
It leaves the flow by being pulled into done (delivered) or by being discarded. An item may
carry attributes (its type, team, product…): short texts by key, set when it is added.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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

#: The longest title an item takes.
MAX_TITLE = 500
#: The most attributes an item takes, and the longest key and value of each.
MAX_ATTRIBUTES = 50
MAX_KEY = 40
MAX_VALUE = 200
#: The attribute that ``--type`` sets.
TYPE_KEY = "type"


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
        attributes: Mapping[str, str] | None = None,
    ) -> None:
        self.number = number
        self.title = title
        self.service_class = service_class
        self.due = due
        self.attributes: dict[str, str] = dict(attributes or {})
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
    if len(cleaned) > MAX_TITLE:
        raise Invalid(
            f"A title of {len(cleaned)} characters was refused: keep it under {MAX_TITLE} "
            "characters."
        )
    return cleaned


def check_attributes(
    attributes: Mapping[str, str], *, owner: str = "", trim: bool = False
) -> dict[str, str]:
    """Return cleaned attributes (whitespace squeezed), refusing bad keys and values.

    A key has 1 to ``MAX_KEY`` printable characters and no ``=``; a value 1 to ``MAX_VALUE``.
    ``owner`` names the item in refusals (" of imported item 'A-1'"). With ``trim``, as for
    a history recorded from another tool, an overlong value is cut and an empty one dropped
    instead of refused.
    """
    cleaned: dict[str, str] = {}
    for raw_key, raw_value in attributes.items():
        key = _attribute_key(raw_key, owner)
        if key in cleaned:
            raise Invalid(f"Attribute {key!r}{owner} was given twice: give each attribute once.")
        value = squeeze(raw_value)
        if trim:
            value = value[:MAX_VALUE].rstrip()
            if not value:
                continue
        _check_value(key, value, owner)
        cleaned[key] = value
    if len(cleaned) > MAX_ATTRIBUTES:
        raise Invalid(
            f"{len(cleaned)} attributes{owner} were refused: an item takes at most "
            f"{MAX_ATTRIBUTES}, so keep the ones that matter."
        )
    return cleaned


def _attribute_key(raw: str, owner: str) -> str:
    key = squeeze(raw)
    if not key:
        raise Invalid(
            f"An attribute with an empty key{owner} was refused: write it as KEY=VALUE, "
            "such as team=web."
        )
    if len(key) > MAX_KEY or "=" in key or not key.isprintable():
        raise Invalid(
            f"Attribute key {key[:MAX_KEY]!r}{owner} was refused: a key has 1 to {MAX_KEY} "
            "printable characters and no =, such as team."
        )
    return key


def _check_value(key: str, value: str, owner: str) -> None:
    if not value:
        raise Invalid(f"Attribute {key!r}{owner} has no value: write it as {key}=VALUE.")
    if len(value) > MAX_VALUE or not value.isprintable():
        raise Invalid(
            f"The value of attribute {key!r}{owner} ({len(value)} characters) was refused: "
            f"keep it to {MAX_VALUE} printable characters."
        )


def parse_attributes(pairs: Iterable[str], item_type: str | None = None) -> dict[str, str]:
    """Read attributes written ``KEY=VALUE`` (``--attr``), with ``item_type`` as ``type``."""
    given: dict[str, str] = {}
    if item_type is not None:
        given[TYPE_KEY] = item_type
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals:
            raise Invalid(
                f"Attribute {pair!r} was refused: write it as KEY=VALUE, such as team=web."
            )
        key = squeeze(key)
        if key in given:
            raise Invalid(
                f"Attribute {key!r} was given twice: give it once"
                + (", with --type or with --attr type=VALUE." if key == TYPE_KEY else ".")
            )
        given[key] = value
    return check_attributes(given)


def check_reason(reason: str | None, verb: str) -> str:
    """Return a cleaned reason, refusing a missing or empty one for verbs that need it."""
    cleaned = squeeze(reason)
    if not cleaned:
        raise Invalid(f'To {verb} an item a reason is required: add --reason "why".')
    return cleaned

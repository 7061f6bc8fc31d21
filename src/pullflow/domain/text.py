"""Small readers shared by the domain: choices from an enumeration and cleaned free text."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from pullflow.domain.errors import Invalid

E = TypeVar("E", bound=StrEnum)


def squeeze(text: str | None) -> str:
    """Collapse runs of whitespace and trim the ends; None becomes the empty string."""
    return " ".join((text or "").split())


def parse_choice(kind: type[E], text: str, what: str) -> E:
    """Read one member of ``kind`` by value, forgiving case, spaces and underscores."""
    cleaned = squeeze(text).lower().replace("_", "-").replace(" ", "-")
    try:
        return kind(cleaned)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise Invalid(f"Unknown {what} {text!r}: choose one of {choices}.") from None

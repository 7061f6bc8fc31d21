"""Stages of a board and their WIP limits.

A board's stages are ordered: the first is the options (where work waits, unlimited by
default), the last is done (terminal), and every stage in between has a *doing* and a *done*
lane. A stage's WIP is the count of its items in both lanes, blocked ones included.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pullflow.domain.errors import Invalid
from pullflow.domain.text import parse_choice


class WipPolicy(StrEnum):
    """What happens when a pull would take a stage past its limit."""

    BLOCK = "block"
    WARN = "warn"
    OVERRIDE = "override"


class Lane(StrEnum):
    """Where an item sits inside its stage: being worked, or finished and ready to be pulled."""

    DOING = "doing"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class StageSpec:
    """A stage as asked for when a board is created: its name, WIP limit and limit policy."""

    name: str
    limit: int | None = None
    policy: WipPolicy = WipPolicy.BLOCK


class Stage:
    """One column of the board, with its WIP limit and the policy that applies at the limit."""

    def __init__(
        self,
        name: str,
        position: int,
        limit: int | None = None,
        policy: WipPolicy = WipPolicy.BLOCK,
    ) -> None:
        self.name = name
        self.position = position
        self.limit = limit
        self.policy = policy

    def __repr__(self) -> str:
        return f"Stage({self.name!r}, limit={self.limit}, policy={self.policy.value})"


#: The largest WIP limit (or running-experiment limit) a board takes.
MAX_LIMIT = 100_000


def check_limit(limit: int | None) -> int | None:
    """Return the limit if it is a usable WIP limit, else refuse with a sentence."""
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise Invalid(
            f"A WIP limit of {limit} was refused: a limit is a whole number of at least 1 "
            f"and at most {MAX_LIMIT}, or none for no limit."
        )
    return limit


def parse_policy(text: str) -> WipPolicy:
    """Read a policy name, refusing anything but block, warn or override."""
    return parse_choice(WipPolicy, text, "WIP policy")


def parse_limit(text: str) -> int | None:
    """Read a limit written as a whole number, or 'none' / '-' for no limit."""
    cleaned = text.strip().lower()
    if cleaned in {"", "none", "-", "unlimited"}:
        return None
    if not cleaned.isdigit():
        raise Invalid(
            f"WIP limit {text!r} was refused: write a whole number of at least 1, or none."
        )
    return check_limit(int(cleaned))


def parse_stages(text: str) -> list[StageSpec]:
    """Read a stage list such as ``Options,Build:3,Measure:2:warn,Done``.

    Each entry is ``Name``, ``Name:limit`` or ``Name:limit:policy``; the limit may be ``none``.
    """
    specs: list[StageSpec] = []
    for raw in text.split(","):
        parts = [part.strip() for part in raw.split(":")]
        if len(parts) > 3:
            raise Invalid(
                f"Stage {raw.strip()!r} was refused: write Name, Name:limit or Name:limit:policy."
            )
        name = parts[0]
        limit = parse_limit(parts[1]) if len(parts) > 1 else None
        policy = parse_policy(parts[2]) if len(parts) > 2 else WipPolicy.BLOCK
        specs.append(StageSpec(name, limit, policy))
    return specs

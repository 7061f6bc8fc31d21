"""The andon: stopping the line, and the Five Whys that must be answered to resume it.

Anyone can stop the whole board or one stage, with a reason and tags. While a stop is open,
pulls into its scope are refused except for the one item named as the fix. Resuming needs a
Five Whys: the problem, a chain of whys (question and answer), a countermeasure at every level
with an owner and an estimated effort, and the root cause. The stop's cost is its duration
times the people affected; the suggested investment in countermeasures is proportional to it.
A stop whose tag was used by an earlier stop is a repeat: tolerate a mistake once, never twice.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pullflow.domain.errors import Invalid
from pullflow.domain.stages import Stage
from pullflow.domain.text import squeeze

#: The most people a stop can hold up.
MAX_PEOPLE = 10_000

#: Person-hours of countermeasure suggested per person-hour the stop cost.
INVESTMENT_PER_HOUR_LOST = 1.0

HOURS_PER_UNIT = {"m": 1 / 60, "min": 1 / 60, "h": 1.0, "d": 8.0, "w": 40.0}
_EFFORT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)?\s*$", re.IGNORECASE)


def parse_effort(value: object, where: str) -> float:
    """Read an effort such as ``2h``, ``30m``, ``1.5d`` (8 h) or ``1w`` (40 h) as hours."""
    if isinstance(value, bool) or value is None:
        raise Invalid(f"{where}: the effort is missing: write it as 2h, 30m, 1d or 1w.")
    if isinstance(value, int | float):
        hours = float(value)
    else:
        match = _EFFORT.match(str(value))
        if not match:
            raise Invalid(
                f"{where}: effort {value!r} was not understood: write it as 2h, 30m, 1d or 1w."
            )
        hours = float(match.group(1)) * HOURS_PER_UNIT[(match.group(2) or "h").lower()]
    if not math.isfinite(hours) or hours <= 0:
        raise Invalid(f"{where}: effort {value!r} was refused: estimate more than zero hours.")
    return hours


def _text(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    cleaned = squeeze(value) if isinstance(value, str) else ""
    if not cleaned:
        raise Invalid(f'{where}: "{key}" is missing: fill it in.')
    return cleaned


@dataclass(frozen=True, slots=True)
class Why:
    """One level of the chain: the question, its answer, and the countermeasure at this level."""

    question: str
    answer: str
    countermeasure: str
    owner: str
    effort_hours: float

    @classmethod
    def from_data(cls, data: object, level: int) -> Why:
        where = f"why {level}"
        if not isinstance(data, Mapping):
            raise Invalid(f"{where}: expected question, answer, countermeasure, owner and effort.")
        return cls(
            question=_text(data, "question", where),
            answer=_text(data, "answer", where),
            countermeasure=_text(data, "countermeasure", where),
            owner=_text(data, "owner", where),
            effort_hours=parse_effort(data.get("effort", data.get("effort_hours")), where),
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "countermeasure": self.countermeasure,
            "owner": self.owner,
            "effort_hours": self.effort_hours,
        }


@dataclass(frozen=True, slots=True)
class FiveWhys:
    """The analysis that resumes a stopped line."""

    problem: str
    whys: tuple[Why, ...]
    root_cause: str
    people_affected: int | None = None

    @classmethod
    def from_data(cls, data: object) -> FiveWhys:
        """Read a Five Whys from parsed YAML or JSON, refusing the first thing that is missing."""
        if not isinstance(data, Mapping):
            raise Invalid(
                "The Five Whys must be a mapping with problem, whys and root_cause: "
                "start from pullflow andon template."
            )
        whys = data.get("whys")
        if not isinstance(whys, Sequence) or isinstance(whys, str) or not whys:
            raise Invalid(
                "The Five Whys has no whys: list at least one level with question, answer, "
                "countermeasure, owner and effort."
            )
        people = data.get("people_affected")
        if people is not None and (type(people) is not int or not 1 <= people <= MAX_PEOPLE):
            raise Invalid(
                f"people_affected {people!r} was refused: give a whole number from 1 to "
                f"{MAX_PEOPLE}."
            )
        return cls(
            problem=_text(data, "problem", "The Five Whys"),
            whys=tuple(Why.from_data(level, n) for n, level in enumerate(whys, start=1)),
            root_cause=_text(data, "root_cause", "The Five Whys"),
            people_affected=people,
        )

    @property
    def planned_hours(self) -> float:
        return sum(why.effort_hours for why in self.whys)

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "problem": self.problem,
            "whys": [why.to_data() for why in self.whys],
            "root_cause": self.root_cause,
        }
        if self.people_affected is not None:
            data["people_affected"] = self.people_affected
        return data


@dataclass(frozen=True, slots=True)
class Investment:
    """What a stop cost and how much countermeasure work that suggests."""

    hours_stopped: float
    people: int
    planned_hours: float
    levels: int

    @property
    def cost(self) -> float:
        """Person-hours lost: duration times people affected."""
        return self.hours_stopped * self.people

    @property
    def suggested_hours(self) -> float:
        return self.cost * INVESTMENT_PER_HOUR_LOST

    @property
    def suggested_per_level(self) -> float:
        return self.suggested_hours / self.levels

    def to_data(self) -> dict[str, Any]:
        return {
            "hours_stopped": round(self.hours_stopped, 4),
            "people": self.people,
            "cost_person_hours": round(self.cost, 4),
            "suggested_hours": round(self.suggested_hours, 4),
            "suggested_per_level_hours": round(self.suggested_per_level, 4),
            "planned_hours": round(self.planned_hours, 4),
        }


class Stop:
    """One pull of the andon cord: its scope, reason and tags, and how it was resumed."""

    def __init__(
        self,
        number: int,
        stage: Stage | None,
        reason: str,
        tags: list[str],
        fix_item: int | None,
        people: int,
        at: datetime,
        actor: str,
    ) -> None:
        self.number = number
        self.stage = stage
        self.reason = reason
        self.tags = tags
        self.fix_item = fix_item
        self.people = people
        self.stopped_at = at
        self.stopped_by = actor
        self.repeat_of: int | None = None
        self.repeated_tags: list[str] = []
        self.resumed_at: datetime | None = None
        self.resumed_by: str | None = None
        self.five_whys: FiveWhys | None = None

    @property
    def open(self) -> bool:
        return self.resumed_at is None

    @property
    def scope(self) -> str:
        return "the line" if self.stage is None else self.stage.name

    def covers(self, stage: Stage) -> bool:
        """Whether pulls into ``stage`` fall under this stop."""
        return self.open and (self.stage is None or self.stage is stage)

    def investment(self, five_whys: FiveWhys, at: datetime) -> Investment:
        """The cost of this stop if resumed at ``at``, and the investment it suggests."""
        hours = max((at - self.stopped_at).total_seconds(), 0.0) / 3600
        return Investment(
            hours_stopped=hours,
            people=five_whys.people_affected or self.people,
            planned_hours=five_whys.planned_hours,
            levels=len(five_whys.whys),
        )

    def __repr__(self) -> str:
        state = "open" if self.open else "resumed"
        return f"Stop(#{self.number} {self.scope}, {state}: {self.reason!r})"


def clean_tags(tags: Sequence[str]) -> list[str]:
    """Tags in lower case with inner spaces as dashes, empty ones dropped, first use kept."""
    seen: list[str] = []
    for tag in tags:
        cleaned = "-".join(squeeze(tag).lower().split())
        if cleaned and cleaned not in seen:
            seen.append(cleaned)
    return seen

"""Read models: what the entry points show of a board, its items, experiments and stops.

Each view is a frozen dataclass with ``to_json`` giving the documented JSON shape, so the
command line and the API print the same keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pullflow.store.repository import StoredEvent


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True, slots=True)
class CardView:
    """One item as a card: where it sits, how old it is, what holds it."""

    number: int
    title: str
    service_class: str
    due: date | None
    stage: str
    lane: str
    state: str
    rank: int | None
    blocked_reason: str | None
    blocked_since: datetime | None
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    age_days: int | None
    experiments: tuple[int, ...]
    discard_reason: str | None = None
    position: int | None = None
    cycle_days: int | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.number,
            "title": self.title,
            "class": self.service_class,
            "due": _iso(self.due),
            "stage": self.stage,
            "lane": self.lane,
            "state": self.state,
            "position": self.position,
            "rank": self.rank,
            "blocked": self.blocked_reason,
            "blocked_since": _iso(self.blocked_since),
            "created_at": _iso(self.created_at),
            "started_at": _iso(self.started_at),
            "ended_at": _iso(self.ended_at),
            "age_days": self.age_days,
            "cycle_time_days": self.cycle_days,
            "experiments": list(self.experiments),
            "discard_reason": self.discard_reason,
            "attributes": dict(self.attributes),
        }


@dataclass(frozen=True, slots=True)
class StageView:
    """A stage with its limit, its WIP and the cards in its lanes."""

    name: str
    kind: str
    limit: int | None
    policy: str
    wip: int | None
    doing: tuple[CardView, ...]
    done: tuple[CardView, ...]
    stopped_by: int | None

    @property
    def over_limit(self) -> bool:
        return self.limit is not None and self.wip is not None and self.wip > self.limit

    @property
    def at_limit(self) -> bool:
        return self.limit is not None and self.wip is not None and self.wip >= self.limit

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "limit": self.limit,
            "policy": self.policy,
            "wip": self.wip,
            "stopped_by": self.stopped_by,
            "doing": [card.to_json() for card in self.doing],
            "done": [card.to_json() for card in self.done],
        }


@dataclass(frozen=True, slots=True)
class StopView:
    """An andon stop: scope, reason, tags, fix, and once resumed its Five Whys and cost."""

    number: int
    stage: str | None
    reason: str
    tags: tuple[str, ...]
    fix_item: int | None
    people: int
    stopped_at: datetime
    stopped_by: str
    repeat_of: int | None
    repeated_tags: tuple[str, ...]
    resumed_at: datetime | None
    resumed_by: str | None
    five_whys: dict[str, Any] | None

    @property
    def scope(self) -> str:
        return self.stage or "the line"

    def to_json(self) -> dict[str, Any]:
        return {
            "stop": self.number,
            "stage": self.stage,
            "reason": self.reason,
            "tags": list(self.tags),
            "fix": self.fix_item,
            "people": self.people,
            "stopped_at": _iso(self.stopped_at),
            "stopped_by": self.stopped_by,
            "repeat_of": self.repeat_of,
            "repeated_tags": list(self.repeated_tags),
            "resumed_at": _iso(self.resumed_at),
            "resumed_by": self.resumed_by,
            "five_whys": self.five_whys,
        }


@dataclass(frozen=True, slots=True)
class BoardView:
    """The whole board as of a moment.

    ``commitment`` and ``delivery`` name the stages where flow figures count work as started
    and finished.
    """

    name: str
    pull_signal: str
    experiment_limit: int | None
    running_experiments: tuple[int, ...]
    timezone: str
    as_of: datetime
    stages: tuple[StageView, ...]
    open_stops: tuple[StopView, ...]
    commitment: str
    delivery: str

    @property
    def default_points(self) -> bool:
        """Whether work starts in the first stage after the options and finishes in done."""
        names = [stage.name for stage in self.stages]
        return names[1:2] == [self.commitment] and names[-1:] == [self.delivery]

    def to_json(self) -> dict[str, Any]:
        return {
            "board": self.name,
            "pull_signal": self.pull_signal,
            "experiment_limit": self.experiment_limit,
            "running_experiments": list(self.running_experiments),
            "timezone": self.timezone,
            "commitment": self.commitment,
            "delivery": self.delivery,
            "as_of": _iso(self.as_of),
            "stopped": [stop.to_json() for stop in self.open_stops],
            "stages": [stage.to_json() for stage in self.stages],
        }


@dataclass(frozen=True, slots=True)
class HypothesisView:
    number: int
    belief: str
    test: str
    metric: str
    criterion: str
    status: str
    stated_at: datetime
    stated_by: str
    experiments: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.number,
            "we_believe_that": self.belief,
            "to_verify_that_we_will": self.test,
            "and_measure": self.metric,
            "we_are_right_if": self.criterion,
            "status": self.status,
            "stated_at": _iso(self.stated_at),
            "stated_by": self.stated_by,
            "experiments": list(self.experiments),
        }


@dataclass(frozen=True, slots=True)
class ExperimentView:
    number: int
    hypothesis: int
    title: str
    status: str
    started_at: datetime
    started_by: str
    items: tuple[int, ...]
    concluded_at: datetime | None
    verdict: str | None
    decision: str | None
    observed: str | None
    learned: str | None
    next_step: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.number,
            "hypothesis": self.hypothesis,
            "title": self.title,
            "status": self.status,
            "started_at": _iso(self.started_at),
            "started_by": self.started_by,
            "items": list(self.items),
            "concluded_at": _iso(self.concluded_at),
            "verdict": self.verdict,
            "decision": self.decision,
            "we_observed": self.observed,
            "from_that_we_learned": self.learned,
            "therefore_we_will": self.next_step,
        }


def event_json(stored: StoredEvent) -> dict[str, Any]:
    """An event as the log prints it."""
    fields = stored.event.fields()
    return {"id": stored.id, "board": stored.board, **fields, "at": _iso(fields["at"])}

"""Read models: what the entry points show of a board, its items, experiments and stops.

Each view is a frozen dataclass with ``to_json`` giving the documented JSON shape, so the
command line and the API print the same keys; ``from_json`` reads that shape back (a client
of the API rebuilds the very views the server made).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pullflow.domain.events import Event, EventType
from pullflow.store.repository import StoredEvent


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text is not None else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text is not None else None


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

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CardView:
        return cls(
            number=data["id"],
            title=data["title"],
            service_class=data["class"],
            due=_day(data["due"]),
            stage=data["stage"],
            lane=data["lane"],
            state=data["state"],
            rank=data["rank"],
            blocked_reason=data["blocked"],
            blocked_since=_moment(data["blocked_since"]),
            created_at=datetime.fromisoformat(data["created_at"]),
            started_at=_moment(data["started_at"]),
            ended_at=_moment(data["ended_at"]),
            age_days=data["age_days"],
            experiments=tuple(data["experiments"]),
            discard_reason=data["discard_reason"],
            position=data["position"],
            cycle_days=data["cycle_time_days"],
            attributes=dict(data["attributes"]),
        )


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

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StageView:
        return cls(
            name=data["name"],
            kind=data["kind"],
            limit=data["limit"],
            policy=data["policy"],
            wip=data["wip"],
            doing=tuple(CardView.from_json(card) for card in data["doing"]),
            done=tuple(CardView.from_json(card) for card in data["done"]),
            stopped_by=data["stopped_by"],
        )


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

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StopView:
        return cls(
            number=data["stop"],
            stage=data["stage"],
            reason=data["reason"],
            tags=tuple(data["tags"]),
            fix_item=data["fix"],
            people=data["people"],
            stopped_at=datetime.fromisoformat(data["stopped_at"]),
            stopped_by=data["stopped_by"],
            repeat_of=data["repeat_of"],
            repeated_tags=tuple(data["repeated_tags"]),
            resumed_at=_moment(data["resumed_at"]),
            resumed_by=data["resumed_by"],
            five_whys=data["five_whys"],
        )


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

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BoardView:
        return cls(
            name=data["board"],
            pull_signal=data["pull_signal"],
            experiment_limit=data["experiment_limit"],
            running_experiments=tuple(data["running_experiments"]),
            timezone=data["timezone"],
            as_of=datetime.fromisoformat(data["as_of"]),
            stages=tuple(StageView.from_json(stage) for stage in data["stages"]),
            open_stops=tuple(StopView.from_json(stop) for stop in data["stopped"]),
            commitment=data["commitment"],
            delivery=data["delivery"],
        )


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

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> HypothesisView:
        return cls(
            number=data["id"],
            belief=data["we_believe_that"],
            test=data["to_verify_that_we_will"],
            metric=data["and_measure"],
            criterion=data["we_are_right_if"],
            status=data["status"],
            stated_at=datetime.fromisoformat(data["stated_at"]),
            stated_by=data["stated_by"],
            experiments=tuple(data["experiments"]),
        )


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

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ExperimentView:
        return cls(
            number=data["id"],
            hypothesis=data["hypothesis"],
            title=data["title"],
            status=data["status"],
            started_at=datetime.fromisoformat(data["started_at"]),
            started_by=data["started_by"],
            items=tuple(data["items"]),
            concluded_at=_moment(data["concluded_at"]),
            verdict=data["verdict"],
            decision=data["decision"],
            observed=data["we_observed"],
            learned=data["from_that_we_learned"],
            next_step=data["therefore_we_will"],
        )


def event_json(stored: StoredEvent) -> dict[str, Any]:
    """An event as the log prints it."""
    fields = stored.event.fields()
    return {"id": stored.id, "board": stored.board, **fields, "at": _iso(fields["at"])}


def event_from_json(data: Mapping[str, Any]) -> Event:
    """An event from the JSON the log and the API's changes write (its number aside)."""
    return Event(
        type=EventType(data["type"]),
        actor=data["actor"],
        at=datetime.fromisoformat(data["at"]),
        item=data["item"],
        experiment=data["experiment"],
        from_stage=data["from_stage"],
        from_lane=data["from_lane"],
        to_stage=data["to_stage"],
        to_lane=data["to_lane"],
        reason=data["reason"],
        data=dict(data["data"]),
    )


def stored_event_from_json(data: Mapping[str, Any]) -> StoredEvent:
    """An event of the log, from ``event_json``'s shape."""
    return StoredEvent(id=data["id"], board=data["board"], event=event_from_json(data))

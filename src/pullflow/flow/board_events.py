"""A board's event log as a flow history.

The events alone are enough: ``board.created`` names the stages and the time zone,
``board.configured`` may move the commitment and delivery points, and every item event becomes
a move. Items are numbered by the board; their ids in the history are those numbers as text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pullflow.domain.events import Event, EventType
from pullflow.flow.history import (
    DOING,
    DONE,
    Catalogue,
    ExperimentRecord,
    History,
    HypothesisRecord,
    Kind,
    Learning,
    Moves,
    Workflow,
)

_MOVES = {
    EventType.ITEM_FINISHED: Kind.FINISH,
    EventType.ITEM_BLOCKED: Kind.BLOCK,
    EventType.ITEM_UNBLOCKED: Kind.UNBLOCK,
    EventType.ITEM_DISCARDED: Kind.DISCARD,
}


@dataclass
class _Experiment:
    number: int
    hypothesis: int
    started_at: float
    items: list[int] = field(default_factory=list)
    concluded_at: float | None = None
    verdict: str | None = None
    decision: str | None = None


@dataclass
class _Reader:
    """Collects the columns while the events go by, oldest first."""

    stages: list[str] = field(default_factory=list)
    timezone: str = "UTC"
    commitment: str | None = None
    delivery: str | None = None
    position: dict[int, int] = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    created: list[float] = field(default_factory=list)
    attributes: dict[str, dict[int, str]] = field(default_factory=dict)
    rows: tuple[list[int], list[float], list[int], list[int], list[int]] = field(
        default_factory=lambda: ([], [], [], [], [])
    )
    hypotheses: dict[int, HypothesisRecord] = field(default_factory=dict)
    experiments: dict[int, _Experiment] = field(default_factory=dict)

    def read(self, event: Event) -> None:
        kind = event.type
        if not self.stages and kind is not EventType.BOARD_CREATED:
            raise ValueError("the events do not begin with the board's creation")
        if kind is EventType.BOARD_CREATED:
            self._configure(event.data, created=True)
        elif kind is EventType.BOARD_CONFIGURED:
            self._configure(event.data, created=False)
        elif kind is EventType.ITEM_ADDED:
            self._add(event)
        elif kind is EventType.ITEM_EDITED:
            self._edit(event)
        elif kind in (EventType.ITEM_PULLED, EventType.ITEM_RETURNED):
            lane = DONE if event.to_lane == "done" else DOING
            self._move(event, Kind.ENTER, self.stages.index(event.to_stage or ""), lane)
        elif kind in _MOVES:
            self._move(event, _MOVES[kind], -1, DOING)
        else:
            self._learn(event)

    def _configure(self, data: Any, *, created: bool) -> None:
        if created:
            self.stages = [spec["name"] for spec in data["stages"]]
        self.timezone = data.get("timezone", self.timezone)
        if "commitment" in data:
            self.commitment = data["commitment"]
        if "delivery" in data:
            self.delivery = data["delivery"]

    def _add(self, event: Event) -> None:
        number = int(event.item or 0)
        self.position[number] = len(self.ids)
        self.ids.append(str(number))
        self.titles.append(str(event.data.get("title", "")))
        self.classes.append(str(event.data.get("service_class", "standard")))
        self.created.append(event.at.timestamp())
        for key, value in dict(event.data.get("attributes") or {}).items():
            self.attributes.setdefault(str(key), {})[number] = str(value)
        self._move(event, Kind.ENTER, 0, DOING)

    def _edit(self, event: Event) -> None:
        row = self.position[int(event.item or 0)]
        if "title" in event.data:
            self.titles[row] = str(event.data["title"])
        if "service_class" in event.data:
            self.classes[row] = str(event.data["service_class"])

    def _move(self, event: Event, kind: Kind, stage: int, lane: int) -> None:
        items, times, kinds, stages, lanes = self.rows
        items.append(self.position[int(event.item or 0)])
        times.append(event.at.timestamp())
        kinds.append(int(kind))
        stages.append(stage)
        lanes.append(lane)

    def _learn(self, event: Event) -> None:
        data, at = event.data, event.at.timestamp()
        if event.type is EventType.HYPOTHESIS_STATED:
            number = int(data["hypothesis"])
            self.hypotheses[number] = HypothesisRecord(number, at, "untested")
        elif event.type is EventType.EXPERIMENT_STARTED:
            number, hypothesis = int(event.experiment or 0), int(data["hypothesis"])
            self.experiments[number] = _Experiment(number, hypothesis, at)
            stated = self.hypotheses[hypothesis]
            self.hypotheses[hypothesis] = HypothesisRecord(hypothesis, stated.stated_at, "testing")
        elif event.type is EventType.EXPERIMENT_LINKED:
            self.experiments[int(event.experiment or 0)].items.append(
                self.position[int(event.item or 0)]
            )
        elif event.type is EventType.EXPERIMENT_UNLINKED:
            self.experiments[int(event.experiment or 0)].items.remove(
                self.position[int(event.item or 0)]
            )
        elif event.type is EventType.EXPERIMENT_CONCLUDED:
            self._conclude(event, at)

    def _conclude(self, event: Event, at: float) -> None:
        experiment = self.experiments[int(event.experiment or 0)]
        experiment.concluded_at = at
        experiment.verdict = str(event.data["verdict"])
        experiment.decision = str(event.data["decision"])
        still_tested = any(
            other.concluded_at is None and other.hypothesis == experiment.hypothesis
            for other in self.experiments.values()
        )
        if not still_tested:
            stated = self.hypotheses[experiment.hypothesis]
            self.hypotheses[experiment.hypothesis] = HypothesisRecord(
                stated.number, stated.stated_at, experiment.verdict, at
            )

    def history(self, as_of: float | None, last_event: float | None) -> History:
        workflow = Workflow(
            tuple(self.stages),
            commitment=self._point(self.commitment, 1),
            delivery=self._point(self.delivery, len(self.stages) - 1),
            timezone=self.timezone,
            lanes=True,
        )
        attributes = {
            key: [values.get(int(number), "") for number in self.ids]
            for key, values in self.attributes.items()
        }
        catalogue = Catalogue.of(self.ids, self.titles, self.classes, self.created, attributes)
        learning = Learning(
            tuple(self.hypotheses.values()),
            tuple(
                ExperimentRecord(
                    e.number,
                    e.hypothesis,
                    e.started_at,
                    tuple(e.items),
                    e.concluded_at,
                    e.verdict,
                    e.decision,
                )
                for e in self.experiments.values()
            ),
        )
        moves = Moves.of(*self.rows)
        return History(workflow, catalogue, moves, learning, as_of, last_event=last_event)

    def _point(self, name: str | None, default: int) -> int:
        return self.stages.index(name) if name in self.stages else default


def history_from_events(events: Iterable[Event], *, as_of: float | None = None) -> History:
    """The flow history of one board, from its events oldest first.

    ``as_of`` (seconds since the epoch) is the moment it is measured at, by default its last
    event; forecasts always sample up to the last event.
    """
    reader = _Reader()
    last: float | None = None
    for event in events:
        reader.read(event)
        last = event.at.timestamp()
    if not reader.stages:
        raise ValueError("the events do not begin with the board's creation")
    return reader.history(as_of if as_of is not None else last, last)

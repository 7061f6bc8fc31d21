"""The twin of a board: its own stage times in a simulated line, under other WIP limits.

Each working stage between the commitment and the delivery point becomes a station whose
service times are drawn (with replacement) from the times finished items spent there: in
the doing lane on a board that records lanes (time in the done lane is waiting, which the
simulation makes itself), the whole stay otherwise. A stage's WIP limit is its number of
kanban cards: an item enters a stage only when the stage holds fewer items than its limit,
and holds its card until the next stage takes it, as on the board. A stage works on as many
items at once as it did on average in the history (its time in the stage, summed over items,
over the length of the history; at least 1): that is the team's capacity there, and items let
in beyond it wait. The exact recursions do not express several servers with cards, so the
twin runs on the event-driven engine. Work is always waiting at
the commitment point, so the line runs as fast as its limits let it.

The same draws run the current limits and the proposed ones, and each gives throughput and
cycle time with 95% intervals, side by side.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from pullflow.flow.history import DAY, History
from pullflow.sim.distributions import empirical
from pullflow.sim.runs import Simulation, simulate
from pullflow.sim.scenario import Arrivals, BadScenario, Release, Scenario, Station

#: Stage times measured from fewer finished items than this are said to be thin.
FEW = 5


@dataclass(frozen=True)
class Twin:
    stages: tuple[str, ...]
    samples: dict[str, int]
    capacity: dict[str, int]
    current: Simulation
    proposed: Simulation
    current_limits: dict[str, int | None]
    proposed_limits: dict[str, int | None]
    notes: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        keys = ("throughput_steady", "cycle_time_steady", "wip_mean")
        current, proposed = self.current.to_json(), self.proposed.to_json()
        return {
            "stages": [
                {
                    "stage": stage,
                    "samples": self.samples[stage],
                    "works_on": self.capacity[stage],
                    "current_limit": self.current_limits[stage],
                    "proposed_limit": self.proposed_limits[stage],
                }
                for stage in self.stages
            ],
            "current": {key: current[key] for key in keys},
            "proposed": {key: proposed[key] for key in keys},
            "time_unit": "days",
            "reps": self.current.reps,
            "seed": self.current.seed,
            "engine": self.current.engine,
            "notes": [*self.notes, *self.current.notes],
        }


def stage_samples(history: History) -> dict[str, np.ndarray]:
    """Days finished items spent in each working stage (doing lanes where recorded)."""
    workflow = history.workflow
    dwell = history.dwell_until(None, doing_only=workflow.lanes) / DAY
    finished = ~np.isnan(history.finished)
    samples = {}
    for stage in range(workflow.commitment, workflow.delivery):
        visited = finished & ~np.isnan(history.entered[:, stage])
        samples[history.stages[stage]] = dwell[visited, stage]
    return samples


def stage_capacity(history: History) -> dict[str, int]:
    """How many items each working stage held on average (doing lanes where recorded)."""
    workflow = history.workflow
    dwell = history.dwell_until(None, doing_only=workflow.lanes)
    span = history.as_of - float(history.moves.at.min()) if len(history.moves) else 0.0
    capacity = {}
    for stage in range(workflow.commitment, workflow.delivery):
        held = float(dwell[:, stage].sum()) / span if span > 0 else 1.0
        capacity[history.stages[stage]] = max(1, round(held))
    return capacity


def twin(
    history: History,
    *,
    current: Mapping[str, int | None],
    proposed: Mapping[str, int | None],
    units: int = 500,
    reps: int = 30,
    seed: int = 1,
) -> Twin:
    """Simulate the board's line under its current limits and under the proposed ones."""
    samples = stage_samples(history)
    stages = tuple(samples)
    if not stages:
        raise BadScenario(
            "The board has no working stage between its commitment and delivery points, so "
            "there is no line to simulate."
        )
    missing = [stage for stage in stages if len(samples[stage]) == 0]
    if missing:
        raise BadScenario(
            f"No finished item has a time in {', '.join(missing)}, so the twin cannot draw "
            "times there: simulate a history with finished items."
        )
    now = {stage: _limit(current, stage) for stage in stages}
    then = {stage: _limit(proposed, stage, now[stage]) for stage in stages}
    known = {stage.lower() for stage in stages}
    unknown = sorted((name for name in proposed if name.lower() not in known), key=str.lower)
    if unknown:
        raise BadScenario(
            f"--wip names {unknown[0]!r}, which is not a working stage: the stages are "
            f"{', '.join(stages)}."
        )
    capacity = stage_capacity(history)
    stations = tuple(
        Station(stage, empirical(np.maximum(samples[stage], 1e-9)), servers=capacity[stage])
        for stage in stages
    )
    notes = tuple(
        f"{stage}: times from only {len(samples[stage])} finished item(s)."
        for stage in stages
        if len(samples[stage]) < FEW
    )
    runs = [
        simulate(_scenario(stations, limits, units), reps=reps, seed=seed) for limits in (now, then)
    ]
    sample_counts = {stage: len(samples[stage]) for stage in stages}
    return Twin(stages, sample_counts, capacity, runs[0], runs[1], now, then, notes)


def _limit(limits: Mapping[str, int | None], stage: str, default: int | None = None) -> int | None:
    for name, value in limits.items():
        if name.lower() == stage.lower():
            return value
    return default


def _scenario(
    stations: tuple[Station, ...], limits: Mapping[str, int | None], units: int
) -> Scenario:
    """The board's line with these limits as kanban cards (a stage without one: unlimited)."""
    cards = _finite(tuple(limits[station.name] for station in stations), units)
    return Scenario(
        name="board twin",
        stations=stations,
        release=Release("kanban", cards=cards),
        arrivals=Arrivals("job", units),
        time_unit="days",
    )


def _finite(cards: tuple[int | None, ...], units: int) -> tuple[int, ...]:
    """A stage without a limit gets as many cards as there are units: no limit at all."""
    return tuple(units if card is None else card for card in cards)

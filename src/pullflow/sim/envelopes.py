"""The envelope race: 100 newsletters to fold, stuff, seal and stamp, in batches or one by one.

The story from the Lean Startup: doing each step for the whole pile before the next looks
efficient, but the first newsletter is done only near the end, every pile is handled again at
each step, and a problem found at a later step (the letters do not fit the envelopes) has
already spoiled every letter folded before it. One by one, the first newsletter is done at
once and the problem is found after a single letter.

Three races, each in batches against one piece at a time, replicated with random step times:

- one worker doing every step (the worker's operations run one after another: exact);
- a team with one person per step (a serial line, run by the exact line engine);
- one worker again, with letters folded to the wrong size, found when the first is stuffed.

And a changeover sweep for the team: with a setup before every batch at every step, the batch
size that finishes the newsletters soonest, as the setup falls from hours to a minute (SMED).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from pullflow.sim.distributions import Distribution, constant, parse
from pullflow.sim.runs import (
    Floats,
    Replication,
    Simulation,
    cycle_percentiles,
    simulate,
    steady_state,
)
from pullflow.sim.scenario import Arrivals, Release, Scenario, Station

STEPS = ("fold", "stuff", "seal", "stamp")
SETUPS = (7_200.0, 1_800.0, 600.0, 120.0, 60.0, 10.0, 1.0)
BATCHES = (1, 2, 5, 10, 20, 25, 50, 100)


@dataclass(frozen=True)
class Assumptions:
    """Every number the race rests on; all times in seconds."""

    letters: int = 100
    fold: float = 4.0
    stuff: float = 3.0
    seal: float = 2.0
    stamp: float = 2.0
    cv: float = 0.25
    handling: float = 0.5
    reps: int = 30
    seed: int = 1

    def step_times(self) -> tuple[float, ...]:
        return (self.fold, self.stuff, self.seal, self.stamp)

    def distribution(self, mean: float) -> Distribution:
        return parse(f"lognormal({mean}, {self.cv})") if self.cv > 0 else constant(mean)

    def to_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "time_unit": "seconds",
            "steps": list(STEPS),
            "handling_means": "seconds per letter each time a pile moves to the next step, "
            "in batches only",
        }


@dataclass(frozen=True)
class Race:
    """Every run of the race, by name, and the changeover sweep."""

    assumptions: Assumptions
    runs: dict[str, Simulation]
    changeover: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {
            **{name: run.to_json() for name, run in self.runs.items()},
            "changeover": self.changeover,
            "assumptions": self.assumptions.to_json(),
        }


def race(assumptions: Assumptions) -> Race:
    """Run every race of the story with the assumptions given."""
    runs = {
        "batch": _one_worker(assumptions, batch=True, misfit=False),
        "single_piece": _one_worker(assumptions, batch=False, misfit=False),
        "team_batch": simulate(_team(assumptions, assumptions.letters), reps=assumptions.reps),
        "team_single_piece": simulate(_team(assumptions, 1), reps=assumptions.reps),
        "defect_batch": _one_worker(assumptions, batch=True, misfit=True),
        "defect_single_piece": _one_worker(assumptions, batch=False, misfit=True),
    }
    return Race(assumptions, runs, changeover_sweep(assumptions))


def _team(assumptions: Assumptions, batch: int, setup: float | None = None) -> Scenario:
    handling = assumptions.handling if batch > 1 else 0.0
    stations = tuple(
        Station(
            step.capitalize(),
            assumptions.distribution(mean + (handling if index else 0.0)),
            setup=constant(setup) if setup is not None else None,
        )
        for index, (step, mean) in enumerate(zip(STEPS, assumptions.step_times(), strict=True))
    )
    return Scenario(
        name=f"team, batches of {batch}",
        stations=stations,
        release=Release("push", batch=batch),
        arrivals=Arrivals("job", assumptions.letters),
        time_unit="seconds",
        reps=assumptions.reps,
        seed=assumptions.seed,
    )


def changeover_sweep(assumptions: Assumptions) -> list[dict[str, Any]]:
    """For each setup time, the team's makespan at each batch size and the best batch size."""
    steady = replace(assumptions, cv=0.0, reps=1)
    rows = []
    for setup in SETUPS:
        makespans = {}
        for batch in (b for b in BATCHES if b <= assumptions.letters):
            run = simulate(_team(steady, batch, setup), reps=1, seed=assumptions.seed)
            makespans[batch] = run.estimate("makespan").mean
        best = min(makespans, key=lambda b: (makespans[b], b))
        rows.append(
            {
                "setup_seconds": setup,
                "best_batch": best,
                "best_makespan": round(makespans[best], 3),
                "makespan_by_batch": {str(b): round(m, 3) for b, m in makespans.items()},
            }
        )
    return rows


def _one_worker(assumptions: Assumptions, *, batch: bool, misfit: bool) -> Simulation:
    """One person does every operation in turn: the schedule is the running sum of times."""
    name = ("batches" if batch else "one piece at a time") + (", misfit letters" if misfit else "")
    scenario = Scenario(
        name=f"one worker, {name}",
        stations=(Station("Worker", assumptions.distribution(sum(assumptions.step_times()))),),
        arrivals=Arrivals("job", assumptions.letters),
        time_unit="seconds",
        reps=assumptions.reps,
        seed=assumptions.seed,
    )
    streams = np.random.SeedSequence(assumptions.seed).spawn(assumptions.reps)
    reps = tuple(
        _worker_run(assumptions, np.random.default_rng(s), batch=batch, misfit=misfit)
        for s in streams
    )
    return Simulation(scenario, assumptions.reps, assumptions.seed, reps, engine="schedule")


def _operations(letters: int, *, batch: bool) -> list[tuple[int, int]]:
    """(letter, step) in the order one worker does them; letter -1 is moving a pile."""
    if not batch:
        return [(letter, step) for letter in range(letters) for step in range(len(STEPS))]
    ops: list[tuple[int, int]] = []
    for step in range(len(STEPS)):
        if step:
            ops.append((-1, step))
        ops.extend((letter, step) for letter in range(letters))
    return ops


def _with_misfit(ops: list[tuple[int, int]]) -> tuple[list[tuple[int, int]], int]:
    """The operations when the letters do not fit, and how many letters were wasted.

    The misfit is found when the first letter is stuffed: every letter folded by then is
    folded again, and that stuffing is done again.
    """
    found = next(i for i, (letter, step) in enumerate(ops) if step == 1 and letter >= 0)
    folded = [letter for letter, step in ops[:found] if step == 0 and letter >= 0]
    again = [(letter, 0) for letter in folded]
    return [*ops[: found + 1], *again, ops[found], *ops[found + 1 :]], len(folded)


def _worker_run(
    assumptions: Assumptions, rng: np.random.Generator, *, batch: bool, misfit: bool
) -> Replication:
    ops = _operations(assumptions.letters, batch=batch)
    wasted = 0
    if misfit:
        ops, wasted = _with_misfit(ops)
    durations = _durations(assumptions, ops, rng)
    ends = np.cumsum(durations)
    starts = ends - durations
    letters = np.array([letter for letter, _ in ops])
    steps = np.array([step for _, step in ops])
    real = letters >= 0
    first_start = np.full(assumptions.letters, np.inf)
    np.minimum.at(first_start, letters[real], starts[real])
    last = len(STEPS) - 1
    done_rows = real & (steps == last)
    done = np.zeros(assumptions.letters)
    done[letters[done_rows]] = ends[done_rows]
    return _worker_measures(first_start, done, float(ends[-1]), wasted, ops, ends, durations)


def _durations(
    assumptions: Assumptions, ops: list[tuple[int, int]], rng: np.random.Generator
) -> Floats:
    steps = np.array([step for _, step in ops])
    piles = np.array([letter < 0 for letter, _ in ops])
    times = np.empty(len(ops))
    for step, mean in enumerate(assumptions.step_times()):
        rows = (steps == step) & ~piles
        times[rows] = assumptions.distribution(mean).draw(rng, int(rows.sum()))
    times[piles] = assumptions.handling * assumptions.letters
    return times


def _worker_measures(
    release: Floats,
    done: Floats,
    makespan: float,
    wasted: int,
    ops: list[tuple[int, int]],
    ends: Floats,
    durations: Floats,
) -> Replication:
    cycle = done - release
    throughput = len(done) / makespan
    found = np.nan
    if wasted:
        first_stuff = next(i for i, (letter, step) in enumerate(ops) if step == 1 and letter >= 0)
        found = float(ends[first_stuff])
    order = np.sort(cycle)
    steady_throughput, steady_cycle = steady_state(release, done)
    figures = {
        "makespan": makespan,
        "first_unit_time": float(done.min()),
        "throughput": throughput,
        "throughput_steady": steady_throughput,
        "cycle_time_mean": float(cycle.mean()),
        "cycle_time_steady": steady_cycle,
        **cycle_percentiles(order),
        "wip_mean": float(cycle.sum() / makespan),
        "wasted_units": float(wasted),
        "first_defect_found": found,
    }
    busy = np.array([float(durations.sum())])
    return Replication(
        figures,
        utilisation=busy / makespan,
        blocked=np.zeros(1),
        starved=np.zeros(1),
        littles_law_gap=0.0,
    )

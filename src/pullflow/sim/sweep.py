"""Sweeps: the same scenario at many values of one parameter, spread over the machine's cores.

``--vary wip=1..20`` runs the scenario at WIP 1, 2, …, 20; ``batch=1,5,10,50`` at those
batch sizes; ``Fold.mean=1..3:0.5`` from 1 to 3 in steps of 0.5. Every point runs the same
number of replications from its own seed (derived from the sweep's), so a sweep is
reproducible and its points are independent.
"""

from __future__ import annotations

import math
import multiprocessing
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np

from pullflow.sim.runs import simulate
from pullflow.sim.scenario import BadScenario, Scenario

MAX_POINTS = 1_000
_RANGE = re.compile(
    r"^\s*(?P<low>-?[\d.]+)\s*\.\.\s*(?P<high>-?[\d.]+)\s*(?::\s*(?P<step>[\d.]+))?\s*$"
)
ROW_FIGURES = ("throughput_steady", "cycle_time_steady", "wip_mean", "makespan", "throughput")


@dataclass(frozen=True)
class Vary:
    name: str
    values: tuple[float, ...]


def parse_vary(text: str) -> Vary:
    """Read ``NAME=LOW..HIGH[:STEP]`` or ``NAME=A,B,C``."""
    name, sep, spec = text.partition("=")
    if not sep or not name.strip() or not spec.strip():
        raise BadScenario(
            f"--vary {text!r} was refused: write NAME=LOW..HIGH, such as wip=1..20, or NAME=A,B,C."
        )
    match = _RANGE.match(spec)
    try:
        bounds = (float(match["low"]), float(match["high"])) if match else None
        listed = () if match else tuple(float(part) for part in spec.split(",") if part.strip())
    except ValueError:
        raise BadScenario(
            f"--vary {text!r} was refused: its values must be numbers, such as wip=1..20."
        ) from None
    values = _range(*bounds, match["step"]) if match and bounds else listed
    if not values or len(values) > MAX_POINTS:
        raise BadScenario(
            f"--vary {text!r} was refused: give between 1 and {MAX_POINTS} values to run."
        )
    return Vary(name.strip(), values)


def _range(low: float, high: float, step: str | None) -> tuple[float, ...]:
    width = float(step) if step else 1.0
    if width <= 0:
        raise BadScenario(f"The step {step} was refused: a sweep steps by more than 0.")
    if high < low:
        raise BadScenario(
            f"The range {low:g}..{high:g} was refused: it holds no value; give LOW before HIGH."
        )
    count = math.floor((high - low) / width + 1e-9) + 1
    if count > MAX_POINTS:
        raise BadScenario(
            f"A sweep of {count:,} points was refused: give at most {MAX_POINTS} values to run."
        )
    return tuple(round(low + i * width, 10) for i in range(count))


def points(scenario: Scenario, vary: Vary) -> list[Scenario]:
    """The scenario at every value (refusing a name it cannot vary before anything runs)."""
    return [scenario.with_value(vary.name, value) for value in vary.values]


def run_point(task: tuple[Scenario, float, int, int]) -> dict[str, Any]:
    """One point of a sweep: the value, and each figure's mean and 95% interval."""
    scenario, value, reps, seed = task
    simulation = simulate(scenario, reps=reps, seed=seed)
    row: dict[str, Any] = {"value": value}
    for figure in ROW_FIGURES:
        row[figure] = simulation.estimate(figure).to_json()
    return row


def sweep(
    scenario: Scenario,
    vary: Vary,
    *,
    reps: int,
    seed: int,
    workers: int = 1,
    advance: Callable[[], None] | None = None,
) -> list[dict[str, Any]]:
    """Run every point, on ``workers`` processes; ``advance`` is called as each one ends."""
    seeds = np.random.SeedSequence(seed).generate_state(len(vary.values))
    tasks = [
        (point, value, reps, int(point_seed))
        for point, value, point_seed in zip(points(scenario, vary), vary.values, seeds, strict=True)
    ]
    return list(_rows(tasks, workers, advance))


def _one_thread_each() -> None:
    """Each worker process runs its compiled loops on one thread: the processes share the cores."""
    numba.set_num_threads(1)


def _rows(
    tasks: list[tuple[Scenario, float, int, int]],
    workers: int,
    advance: Callable[[], None] | None,
) -> Iterator[dict[str, Any]]:
    if workers <= 1 or len(tasks) == 1:
        for task in tasks:
            yield run_point(task)
            if advance:
                advance()
        return
    # Spawned, not forked: a process whose compiled loops have started their threads cannot
    # be forked safely.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_one_thread_each
    ) as pool:
        for row in pool.map(run_point, tasks):
            yield row
            if advance:
                advance()

"""Running a scenario: draw every time, run the exact line engine, measure, replicate.

One replication draws the arrival times, every service and setup time and every defect from
one seeded generator, runs the line (``pullflow.sim.lines``) and measures it: makespan, time
to the first finished unit, throughput, cycle times (release → done), time-averaged WIP (the
integral of the number of units in the line, checked against Little's Law on the path),
utilisation, blocked and starved time per station, wasted units and when the first defect
was found. Replications give each figure's mean and a 95% confidence interval (Student t).

Defects: a fault starts at a station with the station's probability per unit (or, with
``from_start``, is there from the first unit); from then on every unit that station starts is
defective, until the first of them is done at the detection station. Then the fault is
fixed, the defective units are scrapped wherever they are (they need no more work), and as
many new units are released at that moment to make them again. The line is run again with
those units until no fault is left unfound.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from pullflow.flow.percentiles import rank_of
from pullflow.sim import compiled
from pullflow.sim.events import run_events
from pullflow.sim.lines import Line, LineRuns, Timeline, UnsupportedLine, run_line, run_lines
from pullflow.sim.scenario import Scenario

Floats = NDArray[np.float64]
#: Above this many service times, replications are drawn and run one at a time (memory).
MAX_DRAWS_AT_ONCE = 40_000_000
#: The most faults one replication may find before it is called a line that never delivers.
MAX_FAULTS = 10_000
FIGURES = (
    "makespan",
    "first_unit_time",
    "throughput",
    "throughput_steady",
    "cycle_time_mean",
    "cycle_time_steady",
    "cycle_time_p50",
    "cycle_time_p85",
    "cycle_time_p95",
    "wip_mean",
    "wasted_units",
    "first_defect_found",
)


@dataclass(frozen=True)
class Replication:
    """The measures of one run of the line."""

    figures: dict[str, float]
    utilisation: Floats
    blocked: Floats
    starved: Floats
    littles_law_gap: float


@dataclass(frozen=True)
class Estimate:
    mean: float
    low: float
    high: float

    def to_json(self, digits: int = 6) -> dict[str, float | None]:
        return {
            "mean": _rounded(self.mean, digits),
            "ci95_low": _rounded(self.low, digits),
            "ci95_high": _rounded(self.high, digits),
        }


@dataclass(frozen=True)
class Simulation:
    """A scenario's replications and what they estimate."""

    scenario: Scenario
    reps: int
    seed: int
    replications: tuple[Replication, ...]
    engine: str = "recursion"
    notes: tuple[str, ...] = field(default_factory=tuple)

    def estimate(self, name: str) -> Estimate:
        values = np.array([r.figures[name] for r in self.replications], dtype=float)
        return confidence(values)

    def per_station(self, what: str) -> list[Estimate]:
        rows = np.array([getattr(r, what) for r in self.replications], dtype=float)
        return [confidence(rows[:, i]) for i in range(rows.shape[1])]

    def to_json(self) -> dict[str, Any]:
        figures = {name: self.estimate(name).to_json() for name in FIGURES}
        names = [station.name for station in self.scenario.stations]
        stations = [
            {
                "name": name,
                "utilisation": u.to_json(),
                "blocked": b.to_json(),
                "starved": s.to_json(),
            }
            for name, u, b, s in zip(
                names,
                self.per_station("utilisation"),
                self.per_station("blocked"),
                self.per_station("starved"),
                strict=True,
            )
        ]
        worst_gap = max(abs(r.littles_law_gap) for r in self.replications)
        return {
            "scenario": self.scenario.name,
            **figures,
            "stations": stations,
            "littles_law": {"holds_on_every_path": worst_gap < 1e-6, "largest_gap": worst_gap},
            "reps": self.reps,
            "seed": self.seed,
            "time_unit": self.scenario.time_unit,
            "engine": self.engine,
            "notes": list(self.notes),
        }


def cycle_percentiles(ordered: Floats) -> dict[str, float]:
    """P50, P85 and P95 of sorted cycle times, by nearest rank."""
    count = len(ordered)
    return {
        f"cycle_time_p{level}": float(ordered[rank_of(level, count) - 1]) if count else math.nan
        for level in (50, 85, 95)
    }


def confidence(values: Floats) -> Estimate:
    """The mean of ``values`` with its 95% Student-t interval (a point for one value)."""
    finite = values[np.isfinite(values)]
    if len(finite) == 0:
        return Estimate(math.nan, math.nan, math.nan)
    mean = float(finite.mean())
    if len(finite) < 2:
        return Estimate(mean, mean, mean)
    half = float(stats.t.ppf(0.975, len(finite) - 1) * finite.std(ddof=1) / math.sqrt(len(finite)))
    return Estimate(mean, mean - half, mean + half)


def simulate(scenario: Scenario, *, reps: int | None = None, seed: int | None = None) -> Simulation:
    """Run ``reps`` replications of the scenario from ``seed`` (a fresh one when None).

    A line the recursions cannot express runs on the event-driven engine, and a note says so.
    """
    count = reps if reps is not None else scenario.reps
    used = seed if seed is not None else scenario.seed
    if used is None:
        used = int(np.random.SeedSequence().generate_state(1)[0])
    engine = engine_for(line_of(scenario))
    draws = count * scenario.arrivals.units * len(scenario.stations)
    if (
        engine is run_line
        and draws <= MAX_DRAWS_AT_ONCE
        and not any(station.defect for station in scenario.stations)
    ):
        return Simulation(scenario, count, used, _all_at_once(scenario, count, used))
    streams = np.random.SeedSequence(used).spawn(count)
    runs = tuple(
        replicate(scenario, np.random.default_rng(stream), engine=engine) for stream in streams
    )
    notes: tuple[str, ...] = ()
    if engine is not run_line:
        notes = (
            "The exact recursions cannot express this line (parallel servers with places, "
            "kanban cards or a CONWIP cap), so it ran on the event-driven engine (SimPy), "
            "which gives the same times but is slower.",
        )
    name = "recursion" if engine is run_line else "event-driven"
    return Simulation(scenario, count, used, runs, engine=name, notes=notes)


Engine = Callable[[Line, Floats, Floats, Floats | None], Timeline]


def _all_at_once(scenario: Scenario, reps: int, seed: int) -> tuple[Replication, ...]:
    """Every replication of a line without defects in one compiled call, measured together."""
    rng = np.random.default_rng(seed)
    draws = _Draws(scenario, rng)
    units, batch = scenario.arrivals.units, max(1, scenario.release.batch)
    arrival = np.vstack([draws.arrivals() for _ in range(reps)])
    service = np.stack([s.service.draw(rng, (reps, units)) for s in scenario.stations], axis=1)
    setup = draws.batched_setups(reps, -(-units // batch))
    runs = run_lines(line_of(scenario), service, arrival, setup)
    return _measured_together(scenario, runs)


def _measured_together(scenario: Scenario, runs: LineRuns) -> tuple[Replication, ...]:
    """The figures of every replication, computed across them at once."""
    release, finish = runs.release, runs.leave
    start, end = release.min(axis=1), finish.max(axis=1)
    makespan = end - start
    cycle = finish - release
    count = finish.shape[1]
    throughput = np.where(makespan > 0, count / np.where(makespan > 0, makespan, 1), np.inf)
    wip = _time_average_wip_rows(release, finish, start, end)
    ordered = np.sort(cycle, axis=1)
    steady = [steady_state(release[r], finish[r]) for r in range(len(release))]
    servers = np.array([station.servers for station in scenario.stations], dtype=float)
    span = np.where(makespan > 0, makespan, 1.0)[:, None]
    gap = wip - throughput * cycle.mean(axis=1)
    return tuple(
        Replication(
            {
                "makespan": float(makespan[r]),
                "first_unit_time": float(finish[r].min() - start[r]),
                "throughput": float(throughput[r]),
                "throughput_steady": steady[r][0],
                "cycle_time_mean": float(cycle[r].mean()),
                "cycle_time_steady": steady[r][1],
                **cycle_percentiles(ordered[r]),
                "wip_mean": float(wip[r]),
                "wasted_units": 0.0,
                "first_defect_found": math.nan,
            },
            utilisation=runs.busy[r] / (servers * span[r]),
            blocked=runs.blocked[r],
            starved=np.maximum(servers * span[r] - runs.busy[r] - runs.blocked[r], 0.0),
            littles_law_gap=float(gap[r]) if makespan[r] > 0 else 0.0,
        )
        for r in range(len(release))
    )


def _time_average_wip_rows(release: Floats, finish: Floats, start: Floats, end: Floats) -> Floats:
    """``_time_average_wip`` for every row at once (a compiled walk through each row)."""
    areas = np.empty(len(release))
    compiled.wip_areas(
        np.ascontiguousarray(release), np.ascontiguousarray(finish), np.asarray(end), areas
    )
    span = end - start
    return np.asarray(np.where(span > 0, areas / np.where(span > 0, span, 1.0), 0.0))


def engine_for(line: Line) -> Engine:
    """The exact recursions when they can run the line, else the event-driven engine."""
    probe = np.zeros((line.stations, 1))
    setup = np.zeros((line.stations, 1)) if line.setups else None
    try:
        run_line(line, probe, np.zeros(1), setup)
    except UnsupportedLine:
        return run_events
    return run_line


def line_of(scenario: Scenario) -> Line:
    release, stations = scenario.release, scenario.stations
    servers = tuple(station.servers for station in stations)
    return Line(
        stations=len(stations),
        buffers=release.buffers,
        kanban=release.cards,
        conwip=release.wip,
        servers=servers if any(count > 1 for count in servers) else None,
        batch=release.batch,
        setups=any(station.setup is not None for station in stations),
    )


def replicate(
    scenario: Scenario, rng: np.random.Generator, *, engine: Engine = run_line
) -> Replication:
    """One run of the line, with every fault found and its units made again."""
    line = line_of(scenario)
    draws = _Draws(scenario, rng)
    arrival = draws.arrivals()
    timeline, scrapped, found = _run_until_faults_are_found(line, scenario, draws, arrival, engine)
    return _measures(scenario, timeline, scrapped, found)


class _Draws:
    """Every random number of one replication, drawn as the run needs them."""

    def __init__(self, scenario: Scenario, rng: np.random.Generator) -> None:
        self.scenario = scenario
        self.rng = rng

    def arrivals(self) -> Floats:
        arrivals = self.scenario.arrivals
        if arrivals.kind == "job":
            return np.zeros(arrivals.units)
        gap = 1.0 / float(arrivals.rate or 1.0)
        if arrivals.kind == "constant":
            return np.arange(arrivals.units, dtype=float) * gap
        return np.cumsum(self.rng.exponential(gap, arrivals.units))

    def service(self, units: int) -> Floats:
        return np.vstack([s.service.draw(self.rng, units) for s in self.scenario.stations])

    def batched_setups(self, reps: int, batches: int) -> Floats | None:
        """(reps, stations, batches) setup times, or None for a line without setups."""
        if not any(s.setup is not None for s in self.scenario.stations):
            return None
        rows = [
            s.setup.draw(self.rng, (reps, batches))
            if s.setup is not None
            else np.zeros((reps, batches))
            for s in self.scenario.stations
        ]
        return np.stack(rows, axis=1)

    def setups(self, batches: int) -> Floats | None:
        if not any(s.setup is not None for s in self.scenario.stations):
            return None
        rows = [
            s.setup.draw(self.rng, batches) if s.setup is not None else np.zeros(batches)
            for s in self.scenario.stations
        ]
        return np.vstack(rows)

    def faults(self, units: int, *, first: bool = False) -> list[NDArray[np.bool_] | None]:
        """Which units start a fault at each station (``first``: the line's first units)."""
        flags: list[NDArray[np.bool_] | None] = []
        for station in self.scenario.stations:
            if station.defect is None:
                flags.append(None)
            elif station.defect.from_start:
                flags.append(np.arange(units) == 0 if first else np.zeros(units, dtype=bool))
            else:
                flags.append(self.rng.random(units) < station.defect.probability)
        return flags


def _run_until_faults_are_found(
    line: Line, scenario: Scenario, draws: _Draws, arrival: Floats, engine: Engine
) -> tuple[Timeline, NDArray[np.bool_], float]:
    """Run the line, again after each fault found, until no fault is left unfound.

    Returns the last timeline, which units were scrapped (they stay in it, with no work after
    the fault), and when the first fault was found.
    """
    service = draws.service(len(arrival))
    faults = draws.faults(len(arrival), first=True)
    batch = max(1, scenario.release.batch)
    setup = draws.setups(-(-len(arrival) // batch))
    fixed_at = [-math.inf] * len(scenario.stations)
    scrapped = np.zeros(len(arrival), dtype=bool)
    first_found = math.nan
    for _ in range(MAX_FAULTS):
        timeline = engine(line, service, arrival, setup)
        found = _first_fault(scenario, timeline, faults, fixed_at)
        if found is None:
            return timeline, scrapped, first_found
        station, moment, bad = found
        first_found = moment if math.isnan(first_found) else min(first_found, moment)
        fixed_at[station] = moment
        scrapped[bad] = True
        service = _scrap(service, timeline, bad, moment)
        redo_from = station if scenario.defects == "rework" else 0
        arrival, service, faults, setup, scrapped = _remake(
            arrival, service, faults, setup, scrapped, bad, moment, draws, batch, redo_from
        )
    raise ValueError(
        f"The line found more than {MAX_FAULTS} faults in one run and delivers nothing: lower "
        "the defect probabilities."
    )


def _first_fault(
    scenario: Scenario,
    timeline: Timeline,
    faults: Sequence[NDArray[np.bool_] | None],
    fixed_at: Sequence[float],
) -> tuple[int, float, NDArray[np.int64]] | None:
    """The fault found first: its station, when it was found, the units it spoiled."""
    best: tuple[int, float, NDArray[np.int64]] | None = None
    for index, station in enumerate(scenario.stations):
        flags = faults[index]
        if station.defect is None or flags is None:
            continue
        starts = timeline.start[index]
        live = flags & (starts >= fixed_at[index])
        if not live.any():
            continue
        causes = np.flatnonzero(live)
        cause = causes[np.argmin(starts[causes])]
        found = float(timeline.done[station.defect.detected_at][cause])
        spoiled = np.flatnonzero((starts >= starts[cause]) & (starts < found))
        if best is None or found < best[1]:
            best = (index, found, spoiled)
    return best


def _scrap(service: Floats, timeline: Timeline, bad: NDArray[np.int64], moment: float) -> Floats:
    """Spoiled units need no work they had not started when the fault was found."""
    trimmed = service.copy()
    not_started = timeline.start[:, bad] >= moment
    trimmed[:, bad] = np.where(not_started, 0.0, trimmed[:, bad])
    return trimmed


def _remake(
    arrival: Floats,
    service: Floats,
    faults: list[NDArray[np.bool_] | None],
    setup: Floats | None,
    scrapped: NDArray[np.bool_],
    bad: NDArray[np.int64],
    moment: float,
    draws: _Draws,
    batch: int,
    redo_from: int,
) -> tuple[Floats, Floats, list[NDArray[np.bool_] | None], Floats | None, NDArray[np.bool_]]:
    """Release as many new units as were spoiled, at the moment the fault was found.

    Scrapped, they are made from the first station; reworked, from the station of the fault
    (they pass the stations before it with no work, keeping their place in line).
    """
    count = len(bad)
    at = int(np.searchsorted(arrival, moment, side="right"))
    new_arrival = np.insert(arrival, at, np.full(count, moment))
    work = draws.service(count)
    work[:redo_from] = 0.0
    new_service = np.insert(service, [at] * count, work, axis=1)
    new_scrapped = np.insert(scrapped, [at] * count, np.zeros(count, dtype=bool))
    fresh = draws.faults(count)
    new_faults = [
        None if old is None or extra is None else np.insert(old, [at] * count, extra)
        for old, extra in zip(faults, fresh, strict=True)
    ]
    batches = -(-len(new_arrival) // batch)
    new_setup = setup
    if setup is not None and setup.shape[1] < batches:
        more = draws.setups(batches - setup.shape[1])
        new_setup = np.hstack([setup, more]) if more is not None else setup
    return new_arrival, new_service, new_faults, new_setup, new_scrapped


def _measures(
    scenario: Scenario, timeline: Timeline, scrapped: NDArray[np.bool_], found: float
) -> Replication:
    """The figures of one run, counting the good units only (scrapped ones are waste)."""
    wasted = int(scrapped.sum())
    release, finish = timeline.release[~scrapped], timeline.leave[-1][~scrapped]
    # The clock starts with the first unit released, scrapped or not: time spent on waste
    # is time the line spent.
    start, end = float(timeline.release.min()), float(finish.max())
    makespan = end - start
    cycle = finish - release
    throughput = len(finish) / makespan if makespan > 0 else math.inf
    wip = _time_average_wip(release, finish, start, end)
    busy = np.asarray(timeline.busy, dtype=float)
    blocked = np.asarray(timeline.blocked, dtype=float)
    servers = np.array([station.servers for station in scenario.stations], dtype=float)
    span = makespan if makespan > 0 else 1.0
    steady_throughput, steady_cycle = steady_state(release, finish)
    figures = {
        "makespan": makespan,
        "first_unit_time": float(finish.min()) - start,
        "throughput": throughput,
        "throughput_steady": steady_throughput,
        "cycle_time_mean": float(cycle.mean()),
        "cycle_time_steady": steady_cycle,
        **cycle_percentiles(np.sort(cycle)),
        "wip_mean": wip,
        "wasted_units": float(wasted),
        "first_defect_found": found - start if not math.isnan(found) else math.nan,
    }
    little = wip - throughput * float(cycle.mean()) if makespan > 0 else 0.0
    return Replication(
        figures,
        utilisation=busy / (servers * span),
        blocked=blocked,
        starved=np.maximum(servers * span - busy - blocked, 0.0),
        littles_law_gap=little,
    )


def steady_state(release: Floats, finish: Floats) -> tuple[float, float]:
    """Throughput and mean cycle time of the middle 80% of units, in the order they finish.

    That is the line without its filling up and emptying.
    """
    order = np.argsort(finish, kind="stable")
    count = len(order)
    low, high = count // 10, count - count // 10 - 1
    if high <= low:
        return math.nan, math.nan
    middle = order[low : high + 1]
    span = float(finish[order[high]] - finish[order[low]])
    throughput = (high - low) / span if span > 0 else math.nan
    return throughput, float((finish[middle] - release[middle]).mean())


def _time_average_wip(release: Floats, finish: Floats, start: float, end: float) -> float:
    """The number of units in the line, averaged over [start, end], from its step function."""
    if end <= start:
        return 0.0
    moments = np.concatenate([release, finish])
    steps = np.concatenate([np.ones(len(release)), -np.ones(len(finish))])
    order = np.argsort(moments, kind="stable")
    moments, level = moments[order], np.cumsum(steps[order])
    widths = np.diff(np.append(moments, end))
    return float((level * widths).sum() / (end - start))


def _rounded(value: float, digits: int) -> float | None:
    return None if not math.isfinite(value) else round(value, digits)


def summary(simulation: Simulation) -> Mapping[str, Estimate]:
    return {name: simulation.estimate(name) for name in FIGURES}

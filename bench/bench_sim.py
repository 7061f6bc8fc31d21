"""The line engine against a process-based SimPy model of the same line, and a sweep point.

A serial line of 3 stations (exponential service of means 1, 0.9 and 1.1; Poisson arrivals
at rate 0.8) with 200,000 jobs. The SimPy model (``tests/sim/oracle.py``: a process per job,
a resource per server, buffer and card) and the engine (``pullflow.sim.lines.run_line``) get
the same drawn times. For two lines, (a) unlimited buffers and (b) kanban, 2 cards per station,
measured in one run:

- that both give the same departure times (the largest absolute difference over every job
  and station);
- the seconds of each (the engine: best of several runs) and the engine's speed-up over
  SimPy — targets: 500× with unlimited buffers, 200× with kanban;
- the JIT warm-up (``compile_kernels()``: compiling the kernels, or loading them from Numba's
  cache), timed apart from the runs.

Then a sweep point: 1,000 replications of 10,000 jobs of the kanban line through
``run_lines`` — target: 1 s (drawing the times is timed apart) — and the same point as
``pullflow simulate`` runs it (``pullflow.sim.runs.simulate``: drawing, the engine and every
figure with its 95% interval, same target), with, as context, SimPy's events per second in
the runs above and the time it would need for the same replications.

    python3 dev.py bench                      # every benchmark
    .venv/bin/python bench/bench_sim.py --jobs 20000 --reps 100
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from pullflow.sim.lines import Line, compile_kernels, run_line, run_lines

UNLIMITED_SPEEDUP = 500.0
KANBAN_SPEEDUP = 200.0
SWEEP_SECONDS = 1.0
MEANS = (1.0, 0.9, 1.1)
ARRIVAL_RATE = 0.8
#: Departure times "the same": the tolerance the oracle tests use.
SAME = 1e-9


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    oracle = _oracle()
    warm_up = _timed(compile_kernels)
    print(f"JIT warm-up (compile_kernels, compiled or loaded from cache): {warm_up:.2f} s")
    rng = np.random.default_rng(args.seed)
    service, arrival = _draws(rng, 1, args.jobs)
    service, arrival = service[0], arrival[0]
    print(
        f"Line of 3 stations, {args.jobs:,} jobs, exponential service (means "
        f"{', '.join(f'{m:g}' for m in MEANS)}), Poisson arrivals at rate {ARRIVAL_RATE:g}."
    )
    cases = (
        ("unlimited buffers", Line(stations=3), UNLIMITED_SPEEDUP),
        (f"kanban, {args.cards} cards per station", _kanban(args.cards), KANBAN_SPEEDUP),
    )
    met, rates = True, []
    for name, line, target in cases:
        same, speedup_ok, rate = _compare(oracle, name, line, service, arrival, target, args)
        met &= same and speedup_ok
        rates.append(rate)
        if not same:
            print("The engine and the SimPy model DISAGREE: the benchmark stops here.")
            return 1
    met &= _sweep(rng, _kanban(args.cards), args, min(rates))
    print("All targets met." if met else "Some targets were MISSED (see above).")
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200_000, help="Jobs in the SimPy runs.")
    parser.add_argument("--cards", type=int, default=2, help="Kanban cards per station.")
    parser.add_argument("--reps", type=int, default=1_000, help="Replications in the sweep.")
    parser.add_argument("--rep-jobs", type=int, default=10_000, help="Jobs per replication.")
    parser.add_argument("--repeat", type=int, default=3, help="Engine runs; the best is kept.")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


def _oracle() -> ModuleType:
    """The SimPy model of the tests (the project's root must be importable, as under pytest)."""
    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.insert(0, root)
    return importlib.import_module("tests.sim.oracle")


def _kanban(cards: int) -> Line:
    return Line(stations=3, kanban=(cards,) * 3)


def _draws(rng: np.random.Generator, reps: int, jobs: int) -> tuple[np.ndarray, np.ndarray]:
    """Service (reps, 3, jobs) and arrivals (reps, jobs)."""
    service = rng.exponential(1.0, (reps, 3, jobs)) * np.array(MEANS)[:, None]
    arrival = np.cumsum(rng.exponential(1 / ARRIVAL_RATE, (reps, jobs)), axis=1)
    return service, arrival


def _compare(
    oracle: ModuleType,
    name: str,
    line: Line,
    service: np.ndarray,
    arrival: np.ndarray,
    target: float,
    args: argparse.Namespace,
) -> tuple[bool, bool, float]:
    """Run SimPy and the engine on the same draws; print and judge. Returns SimPy's events/s."""
    started = time.perf_counter()
    record = oracle.simulate_line(line, service, arrival)
    simpy_seconds = time.perf_counter() - started
    timeline = run_line(line, service, arrival)
    engine_seconds = _best_of(args.repeat, lambda: run_line(line, service, arrival))
    difference = max(
        float(np.abs(timeline.leave - record.leave).max()),
        float(np.abs(timeline.release - record.release).max()),
    )
    same = difference <= SAME
    speedup = simpy_seconds / engine_seconds
    speedup_ok = speedup >= target
    rate = record.events / simpy_seconds
    print(f"{name}:")
    print(
        f"  departure times identical: {same} (largest absolute difference {difference:.3g}, "
        f"tolerance {SAME:g})"
    )
    print(
        f"  SimPy {simpy_seconds:.2f} s ({record.events:,} events, {rate:,.0f} events/s); "
        f"engine {engine_seconds * 1000:.2f} ms"
    )
    print(
        f"  speed-up: {speedup:,.0f}× (target {target:,.0f}×: {'met' if speedup_ok else 'MISSED'})"
    )
    return same, speedup_ok, rate


def _sweep(
    rng: np.random.Generator, line: Line, args: argparse.Namespace, simpy_rate: float
) -> bool:
    """Many replications in one call, with SimPy's expected time as context."""
    started = time.perf_counter()
    service, arrival = _draws(rng, args.reps, args.rep_jobs)
    drawing = time.perf_counter() - started
    runs = run_lines(line, service, arrival)
    seconds = _best_of(args.repeat, lambda: run_lines(line, service, arrival))
    ok = seconds <= SWEEP_SECONDS
    print(
        f"sweep point, {args.reps:,} replications × {args.rep_jobs:,} jobs through run_lines: "
        f"{seconds:.3f} s (target {SWEEP_SECONDS:g} s: {'met' if ok else 'MISSED'}); "
        f"drawing the times {drawing:.2f} s"
    )
    whole = _whole_sweep_point(args)
    ok &= whole <= SWEEP_SECONDS
    events = _simpy_events(line, service[0], arrival[0]) * args.reps
    print(
        f"  SimPy at its {simpy_rate:,.0f} events/s would need about {events / simpy_rate:,.0f} s "
        f"for the same {events:,} events; mean throughput {runs.throughput().mean():.4f}/time unit"
    )
    return ok


def _whole_sweep_point(args: argparse.Namespace) -> float:
    """The same sweep point as ``pullflow simulate`` runs it: draws, engine and every figure."""
    from pullflow.sim.runs import simulate
    from pullflow.sim.scenario import scenario_of

    scenario = scenario_of(
        {
            "name": "sweep point",
            "arrivals": {"kind": "poisson", "rate": ARRIVAL_RATE, "units": args.rep_jobs},
            "release": {"policy": "kanban", "cards": args.cards},
            "stations": [
                {"name": f"S{i + 1}", "service": f"exponential({mean})"}
                for i, mean in enumerate(MEANS)
            ],
            "reps": args.reps,
            "seed": args.seed,
        }
    )
    simulate(scenario)  # the first call loads the measuring kernel
    seconds = _best_of(args.repeat, lambda: simulate(scenario).to_json())
    ok = seconds <= SWEEP_SECONDS
    print(
        f"  the whole sweep point as pullflow simulate runs it (drawing, engine, every figure "
        f"with its interval): {seconds:.3f} s (target {SWEEP_SECONDS:g} s: "
        f"{'met' if ok else 'MISSED'})"
    )
    return seconds


def _simpy_events(line: Line, service: np.ndarray, arrival: np.ndarray) -> int:
    """Events SimPy processes for one replication (counted on its first rows)."""
    return int(_oracle().simulate_line(line, service, arrival).events)


def _timed(run: Callable[[], Any]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def _best_of(times: int, run: Callable[[], object]) -> float:
    return min(_timed(run) for _ in range(max(times, 1)))


if __name__ == "__main__":
    sys.exit(main())

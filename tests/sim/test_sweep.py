"""Sweeps: how ``--vary`` is read, the Factory Physics best case on an exact line, workers."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from pullflow.sim import sweep as sweep_module
from pullflow.sim.factory_physics import laws_of
from pullflow.sim.runs import simulate
from pullflow.sim.scenario import BadScenario, scenario_of
from pullflow.sim.sweep import Vary, parse_vary, points, sweep

#: Three stations of 1, 2 and 1 minutes under a CONWIP cap, 100 units at time 0.
CONWIP: dict[str, Any] = {
    "name": "Capped",
    "arrivals": {"kind": "job", "units": 100},
    "release": {"policy": "conwip", "wip": 1},
    "stations": [
        {"name": "A", "service": 1},
        {"name": "B", "service": 2},
        {"name": "C", "service": 1},
    ],
}


@pytest.mark.parametrize(
    ("text", "name", "values"),
    [
        ("wip=1..4", "wip", (1, 2, 3, 4)),
        ("wip=3..3", "wip", (3,)),
        (" wip = 2 .. 4 ", "wip", (2, 3, 4)),
        ("Fold.mean=1..2:0.25", "Fold.mean", (1.0, 1.25, 1.5, 1.75, 2.0)),
        ("Fold.mean=0.1..0.3:0.1", "Fold.mean", (0.1, 0.2, 0.3)),
        ("batch=1,5,10,50", "batch", (1, 5, 10, 50)),
        ("units=7", "units", (7,)),
    ],
)
def test_vary_reads_ranges_steps_and_lists(text: str, name: str, values: tuple[float, ...]) -> None:
    # 0.1..0.3 in steps of 0.1 holds 0.3 despite 0.1 + 0.1 + 0.1 = 0.30000000000000004.
    assert parse_vary(text) == Vary(name, values)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("wip", r"write NAME=LOW\.\.HIGH"),
        ("wip=", r"write NAME=LOW\.\.HIGH"),
        ("=1..3", r"write NAME=LOW\.\.HIGH"),
        ("wip=a..b", "must be numbers"),
        ("batch=1,two", "must be numbers"),
        ("wip=3..1", "holds no value"),
        ("wip=1..5000", "at most 1000"),
        ("batch=,", "between 1 and 1000"),
    ],
)
def test_vary_refuses_what_it_cannot_read(text: str, words: str) -> None:
    with pytest.raises(BadScenario, match=words):
        parse_vary(text)


def test_a_wip_sweep_on_an_exact_line_is_the_factory_physics_best_case() -> None:
    # T0 = 1 + 2 + 1 = 4, rb = 1/2 (B), W0 = 2. Best case: TH = min(w/4, 1/2), CT = max(4, 2w).
    # With constant times the line is the best case: at w = 1 one unit goes through in 4;
    # at w = 3 units 0-2 leave at 4, 6, 8 and each later one is released as one leaves and
    # waits behind two at B: 6. The steady middle 80% (units 10..89) is past the filling.
    scenario = scenario_of(CONWIP)
    rows = sweep(scenario, parse_vary("wip=1..5"), reps=2, seed=1)
    throughput = [row["throughput_steady"]["mean"] for row in rows]
    cycle = [row["cycle_time_steady"]["mean"] for row in rows]
    assert [row["value"] for row in rows] == [1, 2, 3, 4, 5]
    assert throughput == [0.25, 0.5, 0.5, 0.5, 0.5]
    assert cycle == [4.0, 4.0, 6.0, 8.0, 10.0]
    laws = laws_of(scenario)
    assert (laws.bottleneck_rate, laws.raw_process_time, laws.critical_wip) == (0.5, 4.0, 2.0)
    assert throughput == [laws.best_throughput(w) for w in range(1, 6)]
    assert cycle == [laws.best_cycle_time(w) for w in range(1, 6)]
    for row in rows:
        assert set(row) == {"value", *sweep_module.ROW_FIGURES}
        assert row["makespan"]["ci95_low"] == row["makespan"]["ci95_high"]


def test_a_sweep_of_a_station_mean_changes_that_station() -> None:
    # Pushed, 100 units at 0, A 1 minute, B b ≥ 1 minutes: makespan 1 + 100b.
    pushed = {**CONWIP, "release": {"policy": "push"}, "stations": CONWIP["stations"][:2]}
    rows = sweep(scenario_of(pushed), parse_vary("B.mean=1..3"), reps=1, seed=1)
    assert [row["makespan"]["mean"] for row in rows] == [101.0, 201.0, 301.0]


def test_points_of_a_sweep_are_the_scenario_at_each_value() -> None:
    scenario = scenario_of(CONWIP)
    varied = points(scenario, parse_vary("batch=1,2"))
    assert [point.release.batch for point in varied] == [1, 2]
    assert all(point.release.wip == 1 for point in varied)
    assert [point.stations[1].servers for point in points(scenario, parse_vary("b.servers=2"))] == [
        2
    ]


#: A sweep with random times on two processes, then on one, in a fresh interpreter (see below).
ON_TWO_WORKERS = """
import json
from pullflow.sim.scenario import scenario_of
from pullflow.sim.sweep import parse_vary, sweep
random = {
    "arrivals": {"kind": "job", "units": 40},
    "release": {"policy": "conwip", "wip": 1},
    "stations": [
        {"name": "A", "service": "exponential(1)"},
        {"name": "B", "service": "lognormal(2, 0.5)"},
    ],
}
scenario, vary = scenario_of(random), parse_vary("wip=1..3")
calls = []
shared = sweep(scenario, vary, reps=2, seed=4, workers=2, advance=lambda: calls.append(2))
alone = sweep(scenario, vary, reps=2, seed=4, workers=1, advance=lambda: calls.append(1))
other = sweep(scenario, vary, reps=2, seed=5, workers=1)
print(json.dumps({"shared": shared, "alone": alone, "other": other, "calls": calls}))
"""


def test_two_workers_give_the_same_rows_as_one() -> None:
    # Each point draws from its own seed, derived from the sweep's: where it runs is irrelevant.
    # (A fresh interpreter: see the next test for a process that has already simulated.)
    done = subprocess.run(
        [sys.executable, "-c", ON_TWO_WORKERS], capture_output=True, text=True, check=True
    )
    result = json.loads(done.stdout)
    assert result["shared"] == result["alone"]
    assert result["calls"] == [2, 2, 2, 1, 1, 1]
    assert len({row["makespan"]["mean"] for row in result["alone"]}) == 3
    assert result["other"] != result["alone"]


def test_a_process_that_has_simulated_can_sweep_on_two_workers() -> None:
    scenario = scenario_of(CONWIP)
    simulate(scenario, reps=2, seed=1)  # every replication in one compiled, threaded call
    vary = parse_vary("wip=1..2")
    alone = sweep(scenario, vary, reps=2, seed=4, workers=1)
    assert sweep(scenario, vary, reps=2, seed=4, workers=2) == alone


def test_a_name_a_sweep_cannot_vary_is_refused_before_anything_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("a point ran before the sweep was checked")

    monkeypatch.setattr(sweep_module, "simulate", never)
    with pytest.raises(BadScenario, match="'colour' names nothing a sweep can vary"):
        sweep(scenario_of(CONWIP), Vary("colour", (1.0, 2.0)), reps=1, seed=1)
    with pytest.raises(BadScenario, match="stations: A, B, C"):
        sweep(scenario_of(CONWIP), Vary("D.mean", (1.0,)), reps=1, seed=1)

"""Running scenarios: figures of small lines worked out by hand, intervals, seeds, defects.

Every line here has constant times where the figures are exact, and the arithmetic is written
out beside each assertion. Times are measured from the first release; ``wip_mean`` is the
integral of the number of units in the line over the makespan.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from pullflow.sim.events import run_events
from pullflow.sim.lines import run_line
from pullflow.sim.runs import FIGURES, Simulation, engine_for, line_of, replicate, simulate
from pullflow.sim.scenario import scenario_of

#: Two stations, 1 and 2 minutes a unit, 10 units released at time 0.
TWO_STEPS: dict[str, Any] = {
    "name": "Two steps",
    "arrivals": {"kind": "job", "units": 10},
    "stations": [
        {"name": "A", "service": "constant(1)"},
        {"name": "B", "service": "constant(2)"},
    ],
}


def _run(data: dict[str, Any], *, reps: int = 2, seed: int = 1) -> dict[str, Any]:
    result: dict[str, Any] = simulate(scenario_of(data), reps=reps, seed=seed).to_json()
    return result


def _means(data: dict[str, Any], *names: str) -> dict[str, float]:
    return {name: data[name]["mean"] for name in names}


def _stations(data: dict[str, Any], what: str) -> list[float]:
    return [station[what]["mean"] for station in data["stations"]]


def test_a_pushed_line_of_constant_times_gives_the_figures_worked_by_hand() -> None:
    # A finishes unit j at j + 1. B takes unit j at max(j + 1, B's last finish): 1-3, 3-5, …,
    # so unit j leaves at 3 + 2j: the first at 3, the last (j = 9) at 21 = 1 + 2·10.
    # Cycle times 3, 5, …, 21: mean (3 + 21) / 2 = 12. Units in the line: all 10 from 0, one
    # fewer at each departure: the integral is the sum of the cycle times, 120; 120 / 21.
    # Throughput 10 / 21. Busy: A 10, B 20, so utilisation 10/21 and 20/21, starved 11 and 1.
    # Steady middle 80%: units 1..8 in finishing order, leaving at 5..19: 7 gaps over 14 →
    # 0.5 a minute; their cycle times 5..19, mean 12. P85: the 9th of 10 (ceil 8.5) → 19.
    data = _run(TWO_STEPS)
    assert _means(
        data,
        "makespan",
        "first_unit_time",
        "cycle_time_mean",
        "throughput_steady",
        "cycle_time_steady",
        "cycle_time_p85",
        "wasted_units",
    ) == {
        "makespan": 21.0,
        "first_unit_time": 3.0,
        "cycle_time_mean": 12.0,
        "throughput_steady": 0.5,
        "cycle_time_steady": 12.0,
        "cycle_time_p85": 19.0,
        "wasted_units": 0.0,
    }
    assert data["throughput"]["mean"] == pytest.approx(10 / 21, abs=1e-6)
    assert data["wip_mean"]["mean"] == pytest.approx(120 / 21, abs=1e-6)
    assert _stations(data, "utilisation") == pytest.approx([10 / 21, 20 / 21], abs=1e-6)
    assert _stations(data, "blocked") == [0.0, 0.0]
    assert _stations(data, "starved") == [11.0, 1.0]
    assert data["first_defect_found"]["mean"] is None
    assert data["engine"] == "recursion"


def test_a_kanban_line_of_one_card_a_station_waits_for_the_card_downstream() -> None:
    # One card at A and at B. Unit 0: A 0-1, takes B's card at 1, B 1-3, leaves at 3.
    # Unit 1 takes A's card at 1: A 1-2, then holds A (blocked) until B's card frees at 3;
    # B 3-5. Unit j ≥ 1 is released at 2j - 1 (when unit j - 1 leaves A), done at A at 2j,
    # blocked until 2j + 1, leaves B at 3 + 2j. Makespan 21 and first unit 3, as pushed;
    # cycle times 3, then 4 nine times: mean 39 / 10 = 3.9; WIP 39 / 21.
    # A: busy 10, blocked 1 for each of units 1..9 = 9, starved 21 - 10 - 9 = 2. B: 20, 0, 1.
    data = _run({**TWO_STEPS, "release": {"policy": "kanban", "cards": 1}})
    assert _means(data, "makespan", "first_unit_time", "cycle_time_mean") == {
        "makespan": 21.0,
        "first_unit_time": 3.0,
        "cycle_time_mean": 3.9,
    }
    assert data["wip_mean"]["mean"] == pytest.approx(39 / 21, abs=1e-6)
    assert _stations(data, "blocked") == [9.0, 0.0]
    assert _stations(data, "starved") == [2.0, 1.0]
    assert _stations(data, "utilisation") == pytest.approx([10 / 21, 20 / 21], abs=1e-6)


def test_a_conwip_line_releases_a_unit_as_one_leaves() -> None:
    # Cap 2. Units 0 and 1 at 0: leave B at 3 and 5. Unit j ≥ 2 is released when unit j - 2
    # leaves, at 3 + 2(j - 2) = 2j - 1, and leaves at 3 + 2j: cycle 4. Cycle times 3, 5 and
    # eight 4s: mean 40 / 10 = 4; WIP 40 / 21; makespan 21; nothing blocks (no cards).
    data = _run({**TWO_STEPS, "release": {"policy": "conwip", "wip": 2}})
    assert _means(data, "makespan", "first_unit_time", "cycle_time_mean") == {
        "makespan": 21.0,
        "first_unit_time": 3.0,
        "cycle_time_mean": 4.0,
    }
    assert data["wip_mean"]["mean"] == pytest.approx(40 / 21, abs=1e-6)
    assert _stations(data, "blocked") == [0.0, 0.0]
    assert _stations(data, "starved") == [11.0, 1.0]


def test_batches_of_five_with_setups_move_whole_batches() -> None:
    # Batches of 5; setup 2 at A, 1 at B, before every batch.
    # A: setup 0-2, units 0-4 done 3..7, the batch leaves at 7; setup 7-9, units 5-9 done
    # 10..14, leaves at 14. B: batch 1 arrives 7, setup 7-8, done 10, 12, …, 18, leaves at 18;
    # batch 2 arrives 14 but B is free at 18: setup 18-19, done 21..29, leaves at 29.
    # Makespan 29, first unit out 18, cycle times 5 × 18 and 5 × 29: mean 23.5, WIP 235 / 29.
    # Busy: A 10 + 2·2 = 14, B 20 + 2·1 = 22: utilisation 14/29, 22/29; starved 15 and 7.
    batches = {
        **TWO_STEPS,
        "release": {"policy": "push", "batch": 5},
        "stations": [
            {"name": "A", "service": 1, "setup": 2},
            {"name": "B", "service": 2, "setup": 1},
        ],
    }
    data = _run(batches)
    assert _means(data, "makespan", "first_unit_time", "cycle_time_mean") == {
        "makespan": 29.0,
        "first_unit_time": 18.0,
        "cycle_time_mean": 23.5,
    }
    assert data["wip_mean"]["mean"] == pytest.approx(235 / 29, abs=1e-6)
    assert _stations(data, "utilisation") == pytest.approx([14 / 29, 22 / 29], abs=1e-6)
    assert _stations(data, "starved") == [15.0, 7.0]


def test_constant_times_give_intervals_of_no_width() -> None:
    # Every replication draws the same times, so all agree: the t interval has width 0.
    data = _run(TWO_STEPS, reps=5)
    for name in ("makespan", "cycle_time_mean", "wip_mean", "throughput"):
        assert data[name]["ci95_low"] == data[name]["mean"] == data[name]["ci95_high"], name


def test_a_long_mm1_run_brackets_the_queueing_formulas() -> None:
    # M/M/1 with λ = 0.5 and μ = 1 (ρ = 0.5): time in system W = 1 / (μ - λ) = 2,
    # number in system L = ρ / (1 - ρ) = 1, and the line passes λ = 0.5 a minute.
    mm1 = {
        "arrivals": {"kind": "poisson", "rate": 0.5, "units": 20_000},
        "stations": [{"name": "Desk", "service": "exponential(1)"}],
    }
    data = _run(mm1, reps=5, seed=1)
    for name, exact in (("cycle_time_mean", 2.0), ("wip_mean", 1.0)):
        low, high = data[name]["ci95_low"], data[name]["ci95_high"]
        assert low < exact < high, (name, low, high)
        assert high - low < 0.1 * exact, f"{name}: an interval this wide says nothing"
    # The steady throughput has a very narrow interval (16,000 departures a run): within 2%.
    assert data["throughput_steady"]["mean"] == pytest.approx(0.5, rel=0.02)


def test_the_same_seed_gives_the_same_run_and_another_seed_another() -> None:
    exponential = {
        **TWO_STEPS,
        "stations": [
            {"name": "A", "service": "exponential(1)"},
            {"name": "B", "service": "lognormal(2, 0.5)"},
        ],
    }
    first = _run(exponential, reps=3, seed=7)
    assert _run(exponential, reps=3, seed=7) == first
    other = _run(exponential, reps=3, seed=8)
    assert other["makespan"] != first["makespan"]
    assert other["seed"] == 8


def test_a_run_without_a_seed_records_the_one_that_reproduces_it() -> None:
    scenario = scenario_of({**TWO_STEPS, "stations": [{"name": "A", "service": "exponential(1)"}]})
    fresh = simulate(scenario, reps=2)
    assert isinstance(fresh.seed, int)
    assert simulate(scenario, reps=2, seed=fresh.seed).to_json() == fresh.to_json()


@pytest.mark.parametrize("faults", [0.0, 0.02], ids=["no faults", "faults"])
@pytest.mark.parametrize(
    "release",
    [
        {"policy": "push"},
        {"policy": "push", "buffers": 1},
        {"policy": "kanban", "cards": [2, 1]},
        {"policy": "conwip", "wip": 3, "batch": 3},
    ],
)
def test_littles_law_holds_on_every_path(release: dict[str, Any], faults: float) -> None:
    # L = λ W on each replication: the time-averaged WIP equals throughput × mean cycle time,
    # over the window from the first release to the last departure.
    first: dict[str, Any] = {"name": "A", "service": "exponential(1)", "setup": "exponential(0.2)"}
    if faults:
        first["defect"] = {"probability": faults, "detected_at": "B"}
    varied = {
        "arrivals": {"kind": "poisson", "rate": 0.6, "units": 300},
        "release": release,
        "stations": [first, {"name": "B", "service": "gamma(1.2, 0.7)"}],
    }
    data = _run(varied, reps=4, seed=3)
    assert data["littles_law"]["holds_on_every_path"] is True
    assert data["littles_law"]["largest_gap"] < 1e-6
    assert data["wip_mean"]["mean"] == pytest.approx(
        data["throughput"]["mean"] * data["cycle_time_mean"]["mean"], rel=0.05
    )


@pytest.mark.parametrize(
    "release",
    [
        {"policy": "push"},
        {"policy": "push", "buffers": 0},
        {"policy": "kanban", "cards": 1},
        {"policy": "conwip", "wip": 2},
        {"policy": "push", "batch": 5},
    ],
)
def test_lines_with_and_without_a_defect_check_are_measured_alike(release: dict[str, Any]) -> None:
    # A defect of probability 0 never happens, so with constant times both runs are the same
    # line (one is measured replication by replication, the other all at once).
    checked = {
        **TWO_STEPS,
        "release": release,
        "stations": [
            {"name": "A", "service": 1, "setup": 0.5, "defect": {"probability": 0.0}},
            {"name": "B", "service": 2},
        ],
    }
    plain = {
        **checked,
        "stations": [{"name": "A", "service": 1, "setup": 0.5}, checked["stations"][1]],
    }
    assert _run(checked, reps=3) == _run(plain, reps=3)


def test_a_runs_json_holds_every_figure_with_its_interval() -> None:
    data = _run(TWO_STEPS, reps=3, seed=11)
    for name in (
        "makespan",
        "first_unit_time",
        "throughput",
        "cycle_time_mean",
        "wip_mean",
        "wasted_units",
        *FIGURES,
    ):
        assert set(data[name]) == {"mean", "ci95_low", "ci95_high"}, name
    assert (data["reps"], data["seed"]) == (3, 11)
    assert data["scenario"] == "Two steps"
    assert data["time_unit"] == "minutes"
    assert [station["name"] for station in data["stations"]] == ["A", "B"]
    assert set(data["stations"][0]) == {"name", "utilisation", "blocked", "starved"}
    assert set(data["littles_law"]) == {"holds_on_every_path", "largest_gap"}
    assert data["notes"] == []


# ----------------------------------------------------------------------------- defects

#: A fault at A from the first unit, found when that unit is done at B; 1 minute each.
MISFIT: dict[str, Any] = {
    "arrivals": {"kind": "job", "units": 5},
    "stations": [
        {"name": "A", "service": 1, "defect": {"from_start": True, "detected_at": "B"}},
        {"name": "B", "service": 1},
    ],
}


def test_a_fault_found_late_wastes_the_whole_batch() -> None:
    # Batch of 5: A makes units 0-4 (starts 0..4, done 1..5), the batch leaves A at 5; B does
    # unit 0 in 5-6: the fault is found at 6, and every unit A started in [0, 6) is spoiled:
    # all 5.
    data = _run({**MISFIT, "release": {"batch": 5}})
    assert data["wasted_units"]["mean"] == 5.0


def test_a_fault_found_early_wastes_what_was_started_before_it_was_found() -> None:
    # One by one: unit 0 is done at A at 1 and at B at 2, when the fault is found; A started
    # unit 0 at 0 and unit 1 at 1, both before 2: 2 units spoiled (1 + ceil(1/1) with B's time
    # over A's), where a batch of 5 spoiled 5.
    # Two new units are released at 2, behind units 2-4: A does 2-4 in 2-5 and the new ones
    # in 5-7; B does unit 2 in 3-4, 3 in 4-5, 4 in 5-6, the new ones in 6-7 and 7-8. Unit 1 was
    # not yet started at B at 2, so it needs no B. Makespan 8 against 1 + 5 = 6 without the
    # fault: 2 more, one B time per wasted unit; first good unit (unit 2) out at 4; cycle times
    # 4, 5, 6 (released at 0) and 5, 6 (released at 2): mean 26 / 5 = 5.2.
    data = _run({**MISFIT, "release": {"batch": 1}})
    assert _means(
        data,
        "wasted_units",
        "first_defect_found",
        "makespan",
        "first_unit_time",
        "cycle_time_mean",
    ) == {
        "wasted_units": 2.0,
        "first_defect_found": 2.0,
        "makespan": 8.0,
        "first_unit_time": 4.0,
        "cycle_time_mean": 5.2,
    }
    clean = _run({**MISFIT, "stations": [{"name": "A", "service": 1}, {"name": "B", "service": 1}]})
    assert clean["makespan"]["mean"] == 6.0
    assert data["littles_law"]["holds_on_every_path"] is True


def test_the_time_lost_to_a_wasted_batch_counts_in_the_makespan() -> None:
    # Batch of 5: the fault is found at 6 (above) and all 5 units are scrapped; 5 new ones are
    # released at 6. A: 6-11, the batch leaves at 11; B: 11-16. The job began at 0, so the
    # makespan is 16, the first good unit is out at 16 and the fault was found at 6.
    # Without the fault: A done at 5, B 5-10: makespan 10, so the rework costs 6.
    # A worked 10 minutes (5 scrapped units, 5 good) in those 16.
    data = _run({**MISFIT, "release": {"batch": 5}})
    assert _means(data, "makespan", "first_unit_time", "first_defect_found") == {
        "makespan": 16.0,
        "first_unit_time": 16.0,
        "first_defect_found": 6.0,
    }
    assert _stations(data, "utilisation")[0] == pytest.approx(10 / 16)
    assert data["littles_law"]["holds_on_every_path"] is True
    clean = {
        **MISFIT,
        "release": {"batch": 5},
        "stations": [{"name": "A", "service": 1}, {"name": "B", "service": 1}],
    }
    assert _run(clean)["makespan"]["mean"] == 10.0


#: A slow first station, a fault at B from the first unit, found when it is done at C.
THREE_STEPS: dict[str, Any] = {
    "arrivals": {"kind": "job", "units": 3},
    "stations": [
        {"name": "A", "service": 2},
        {"name": "B", "service": 1, "defect": {"from_start": True, "detected_at": "C"}},
        {"name": "C", "service": 1},
    ],
}


def test_rework_makes_a_unit_again_from_the_station_of_the_fault() -> None:
    # A: 0-2, 2-4, 4-6. B: 2-3, 4-5, 6-7. C: 3-4, 5-6, 7-8. The fault is found at 4 (unit 0
    # done at C); only unit 0 started at B before 4: 1 unit wasted; its remake is released
    # at 4, behind units 1 and 2.
    # Scrap: the remake waits for A until 6: A 6-8, B 8-9, C 9-10. Makespan 10.
    # Rework: it passes A with no work at 6, waits for B (unit 2 holds it 6-7): B 7-8, C 8-9.
    # Makespan 9: the remake skips A's 2 minutes but waits 1 for B. Without the fault: 8.
    scrap = _run(THREE_STEPS)
    rework = _run({**THREE_STEPS, "defects": "rework"})
    for data in (scrap, rework):
        assert _means(data, "wasted_units", "first_defect_found") == {
            "wasted_units": 1.0,
            "first_defect_found": 4.0,
        }
    assert scrap["makespan"]["mean"] == 10.0
    assert rework["makespan"]["mean"] == 9.0
    # Scrap: A did 4 units (8 minutes) in 10; rework: A did 3 (6 minutes) in 9.
    assert _stations(scrap, "utilisation")[0] == pytest.approx(8 / 10)
    assert _stations(rework, "utilisation")[0] == pytest.approx(6 / 9)


def test_random_faults_waste_fewer_units_in_smaller_batches() -> None:
    # Each unit starts a fault at A with probability 0.05. One by one, a fault is found two
    # minutes after it starts and spoils 2 units: about 2 × 0.05 × 40 ≈ 4 a run. In one batch
    # of 40 it is found only after the whole batch has passed A, and every unit from the
    # fault on is spoiled: about 20 a run when a fault occurs (87% of runs: 1 - 0.95⁴⁰).
    def line(batch: int) -> dict[str, Any]:
        return {
            "arrivals": {"kind": "job", "units": 40},
            "release": {"batch": batch},
            "stations": [
                {"name": "A", "service": 1, "defect": {"probability": 0.05, "detected_at": "B"}},
                {"name": "B", "service": 1},
            ],
        }

    small = _run(line(1), reps=20, seed=3)["wasted_units"]
    large = _run(line(40), reps=20, seed=3)["wasted_units"]
    assert small["mean"] < 8 < 12 < large["mean"]
    assert small["ci95_high"] < large["ci95_low"]


# ----------------------------------------------------------------------------- engines

PARALLEL: dict[str, Any] = {
    "arrivals": {"kind": "job", "units": 20},
    "stations": [
        {"name": "A", "service": "exponential(1)", "servers": 2},
        {"name": "B", "service": "exponential(0.6)"},
    ],
}


def test_parallel_servers_with_cards_run_on_the_event_driven_engine() -> None:
    pulled = simulate(
        scenario_of({**PARALLEL, "release": {"policy": "kanban", "cards": 2}}), reps=2, seed=1
    )
    assert engine_for(line_of(pulled.scenario)) is run_events
    data = pulled.to_json()
    assert data["engine"] == "event-driven"
    assert len(data["notes"]) == 1
    assert "event-driven engine" in data["notes"][0]
    assert data["littles_law"]["holds_on_every_path"] is True
    pushed = simulate(scenario_of(PARALLEL), reps=2, seed=1).to_json()
    assert pushed["engine"] == "recursion"
    assert pushed["notes"] == []


@pytest.mark.parametrize(
    "data",
    [
        {
            "arrivals": {"kind": "poisson", "rate": 0.8, "units": 60},
            "release": {"policy": "kanban", "cards": [2, 1]},
            "stations": [
                {
                    "name": "A",
                    "service": "exponential(1)",
                    "defect": {"probability": 0.05, "detected_at": "B"},
                },
                {"name": "B", "service": "lognormal(1, 0.5)"},
            ],
        },
        {
            **PARALLEL,
            "release": {"batch": 4},
            "stations": [
                *PARALLEL["stations"][:1],
                {"name": "B", "service": "exponential(0.6)", "setup": "constant(0.5)"},
            ],
        },
    ],
    ids=["kanban with faults", "parallel servers with batches and setups"],
)
def test_both_engines_give_the_same_figures_from_the_same_draws(data: dict[str, Any]) -> None:
    scenario = scenario_of(data)
    exact = replicate(scenario, np.random.default_rng(5), engine=run_line)
    events = replicate(scenario, np.random.default_rng(5), engine=run_events)
    assert exact.figures.keys() == events.figures.keys()
    for name, value in exact.figures.items():
        assert events.figures[name] == pytest.approx(value, rel=1e-9, nan_ok=True), name
    np.testing.assert_allclose(events.utilisation, exact.utilisation, rtol=1e-9)
    np.testing.assert_allclose(events.blocked, exact.blocked, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(events.starved, exact.starved, rtol=1e-9, atol=1e-9)


def test_a_simulation_estimates_each_figure_over_its_replications() -> None:
    simulation: Simulation = simulate(scenario_of(PARALLEL), reps=4, seed=2)
    makespans = np.array([r.figures["makespan"] for r in simulation.replications])
    estimate = simulation.estimate("makespan")
    # The mean of the four, and a t interval around it: t(0.975, 3) = 3.182.
    assert estimate.mean == pytest.approx(makespans.mean())
    half = 3.182446 * makespans.std(ddof=1) / 2
    assert (estimate.low, estimate.high) == pytest.approx(
        (makespans.mean() - half, makespans.mean() + half), rel=1e-6
    )

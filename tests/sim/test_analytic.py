"""The line engine reproduces the queueing results it must agree with (DESIGN.md section 5).

- Little's Law on every sample path, and the WIP caps of CONWIP and kanban on the path;
- M/M/1 and a Jackson tandem: mean time in system ``1/(μ−λ)`` and ``Σ 1/(μ_i−λ)``;
- Factory Physics' best case (constant times, exact) and practical worst case (balanced line,
  exponential times) of a CONWIP line at several WIP levels;
- Kingman's ``CTq ≈ ((ca²+ce²)/2)·(u/(1−u))·te``: exact for M/M/1 and M/D/1 (Pollaczek–
  Khinchine), an approximation for E2/M/1, where the exact value is known (GI/M/1).

The statistical checks use many replications through ``run_lines``, discard a warm-up, and
ask that the exact value lie in the 95% confidence interval (Student t over replications) and
that the interval be narrow, so that the check could fail. The generators are seeded, so each
check gives the same verdict on every run.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import stats  # type: ignore[import-untyped]

# A confidence interval is asked to be at most this wide (half-width / value) to be a check.
PRECISION = 0.03


@pytest.fixture(scope="module")
def engine() -> Any:
    return pytest.importorskip("pullflow.sim.lines")


def _replicate(
    engine: Any, line: Any, service: np.ndarray, arrival: np.ndarray, **options: Any
) -> Any:
    """Run R replications at once: service (R, M, N), arrival (R, N)."""
    return engine.run_lines(line, service, arrival, **options)


def _interval(values: np.ndarray) -> tuple[float, float]:
    """Mean and half-width of the 95% confidence interval over replications."""
    count = len(values)
    half = stats.t.ppf(0.975, count - 1) * values.std(ddof=1) / math.sqrt(count)
    return float(values.mean()), float(half)


def _assert_within(values: np.ndarray, exact: float, what: str) -> None:
    mean, half = _interval(values)
    assert abs(mean - exact) <= half, f"{what}: {mean:.4f} ± {half:.4f}, exact {exact:.4f}"
    assert half <= PRECISION * exact, f"{what}: interval ± {half:.4f} too wide to check"


def _poisson(rng: np.random.Generator, rate: float, shape: tuple[int, ...]) -> np.ndarray:
    """Poisson arrivals: cumulative sums of exponential gaps along the last axis."""
    return np.cumsum(rng.exponential(1 / rate, shape), axis=-1)


# --- Little's Law -------------------------------------------------------------------------


def _time_integral(enter: np.ndarray, leave: np.ndarray) -> tuple[float, int]:
    """∫ WIP(t) dt by sweeping the +1/−1 steps in time order, and the most WIP at once.

    At equal times departures are counted before entries, so a job that takes the place of
    one leaving at that instant is not counted twice.
    """
    times = np.concatenate([enter, leave])
    steps = np.concatenate([np.ones(len(enter)), -np.ones(len(leave))])
    order = np.lexsort((steps, times))
    times, wip = times[order], np.cumsum(steps[order])
    assert wip.min() >= 0, "a job left before it entered"
    return float(np.sum(wip[:-1] * np.diff(times))), int(wip.max())


LITTLE_POLICIES: dict[str, dict[str, Any]] = {
    "unlimited buffers": {},
    "one place between stations": {"buffers": (1, 1)},
    "kanban": {"kanban": (2, 1, 3)},
    "conwip": {"conwip": 4},
}


@pytest.mark.parametrize("name", LITTLE_POLICIES)
def test_littles_law_holds_on_the_sample_path(engine: Any, name: str) -> None:
    policy = LITTLE_POLICIES[name]
    rng = np.random.default_rng(11)
    jobs = 3000
    service = rng.exponential(1.0, (3, jobs)) * np.array([[0.8], [1.0], [0.9]])
    arrival = _poisson(rng, 0.9, (jobs,))
    timeline = engine.run_line(engine.Line(stations=3, **policy), service, arrival)
    # The window [0, last departure]: the line is empty at both ends.
    end = float(timeline.leave[-1].max())
    throughput = jobs / end
    entered = [timeline.release, *timeline.leave[:-1]]  # entering station i = leaving i − 1
    for station in range(3):
        area, most = _time_integral(entered[station], timeline.leave[station])
        time_in_station = np.mean(timeline.leave[station] - entered[station])
        assert area / end == pytest.approx(throughput * time_in_station, rel=1e-9)
        if policy.get("kanban"):
            assert most <= policy["kanban"][station]
    area, most = _time_integral(timeline.release, timeline.leave[-1])
    time_in_line = np.mean(timeline.leave[-1] - timeline.release)
    assert area / end == pytest.approx(throughput * time_in_line, rel=1e-9)
    if policy.get("conwip"):
        assert most == policy["conwip"]  # the cap is reached (arrivals outpace the line)


# --- M/M/1 and Jackson --------------------------------------------------------------------


def test_mm1_mean_time_in_system(engine: Any) -> None:
    # λ = 0.7, μ = 1: W = 1/(μ − λ) = 1/0.3 = 3.333…
    rng = np.random.default_rng(21)
    reps, jobs, warm = 100, 10_000, 1_000
    service = rng.exponential(1.0, (reps, 1, jobs))
    arrival = _poisson(rng, 0.7, (reps, jobs))
    runs = _replicate(engine, engine.Line(stations=1), service, arrival)
    in_system = (runs.leave[:, warm:] - arrival[:, warm:]).mean(axis=1)
    _assert_within(in_system, 1 / 0.3, "M/M/1 time in system")


def test_jackson_tandem_mean_time_in_system(engine: Any) -> None:
    # λ = 0.5; mean service 1, 1.2, 0.8: μ = 1, 0.8333…, 1.25;
    # W = 1/(1 − 0.5) + 1/(0.8333… − 0.5) + 1/(1.25 − 0.5) = 2 + 3 + 1.3333… = 6.3333…
    rng = np.random.default_rng(22)
    reps, jobs, warm = 100, 8_000, 1_000
    service = rng.exponential(1.0, (reps, 3, jobs)) * np.array([1.0, 1.2, 0.8])[:, None]
    arrival = _poisson(rng, 0.5, (reps, jobs))
    runs = _replicate(engine, engine.Line(stations=3), service, arrival, every_station=True)
    in_system = (runs.leave[:, warm:] - arrival[:, warm:]).mean(axis=1)
    _assert_within(in_system, 2 + 3 + 4 / 3, "Jackson tandem time in system")
    # Each station on its own is an M/M/1 queue fed at λ = 0.5 (Burke): W_i = 1/(μ_i − λ).
    entered = np.concatenate([arrival[:, None, :], runs.departures[:, :-1, :]], axis=1)
    per_station = (runs.departures - entered)[:, :, warm:].mean(axis=2)
    for station, exact in enumerate([2.0, 3.0, 4 / 3]):
        _assert_within(per_station[:, station], exact, f"station {station}")


# --- Factory Physics ------------------------------------------------------------------------


# Station times 1.5, 2, 0.5: rb = 1/2 = 0.5, T0 = 1.5 + 2 + 0.5 = 4, W0 = rb·T0 = 2.
# Best case TH = min(w/4, 0.5), CT = max(4, w/0.5 = 2w):
#   w = 1: 0.25, 4;  w = 2 (= W0): 0.5, 4;  w = 3: 0.5, 6;  w = 4 (= 2·W0): 0.5, 8;  w = 8: 0.5, 16.
BEST_CASE = {1: (0.25, 4.0), 2: (0.5, 4.0), 3: (0.5, 6.0), 4: (0.5, 8.0), 8: (0.5, 16.0)}


@pytest.mark.parametrize("wip", BEST_CASE)
def test_best_case_of_a_conwip_line_with_constant_times(engine: Any, wip: int) -> None:
    jobs, warm = 200, 50
    service = np.repeat(np.array([[1.5], [2.0], [0.5]]), jobs, axis=1)
    arrival = np.zeros(jobs)  # a closed line: the next job waits only for a CONWIP card
    timeline = engine.run_line(engine.Line(stations=3, conwip=wip), service, arrival)
    out = timeline.leave[-1]
    throughput, cycle_time = BEST_CASE[wip]
    # Steady state: jobs leave 1/TH apart, each spends CT from release to leaving.
    np.testing.assert_allclose(np.diff(out[warm:]), 1 / throughput, rtol=0, atol=1e-9)
    np.testing.assert_allclose(out[warm:] - timeline.release[warm:], cycle_time, atol=1e-9)


# Balanced line of 3 stations, mean time 1 each: rb = 1, T0 = 3, W0 = 3.
# Practical worst case TH = rb·w/(W0 + w − 1) = w/(w + 2), CT = T0 + (w − 1)/rb = w + 2:
#   w = 1: 1/3, 3;  w = 2: 1/2, 4;  w = 3 (= W0): 3/5, 5;  w = 6 (= 2·W0): 3/4, 8.
WORST_CASE = {1: (1 / 3, 3.0), 2: (1 / 2, 4.0), 3: (3 / 5, 5.0), 6: (3 / 4, 8.0)}


@pytest.mark.parametrize("wip", WORST_CASE)
def test_practical_worst_case_of_a_balanced_conwip_line(engine: Any, wip: int) -> None:
    rng = np.random.default_rng([31, wip])
    reps, jobs, warm = 100, 4_000, 400
    service = rng.exponential(1.0, (reps, 3, jobs))
    arrival = np.zeros((reps, jobs))
    runs = _replicate(engine, engine.Line(stations=3, conwip=wip), service, arrival)
    out = runs.leave
    throughput = (jobs - warm) / (out[:, -1] - out[:, warm - 1])
    cycle_time = (out - runs.release)[:, warm:].mean(axis=1)
    exact_throughput, exact_cycle_time = WORST_CASE[wip]
    _assert_within(throughput, exact_throughput, f"TH at w = {wip}")
    _assert_within(cycle_time, exact_cycle_time, f"CT at w = {wip}")


# --- Kingman ----------------------------------------------------------------------------------


def _queue_times(engine: Any, service: np.ndarray, arrival: np.ndarray, warm: int) -> np.ndarray:
    """Mean time in queue per replication: time in system less the service time."""
    runs = _replicate(engine, engine.Line(stations=1), service[:, None, :], arrival)
    return np.asarray((runs.leave - arrival - service)[:, warm:].mean(axis=1))


def _kingman(ca2: float, ce2: float, utilisation: float, te: float) -> float:
    return (ca2 + ce2) / 2 * utilisation / (1 - utilisation) * te


def test_kingman_is_exact_for_mm1(engine: Any) -> None:
    # ca² = ce² = 1, u = 0.75, te = 1: CTq = 1 · 3 · 1 = 3 (the M/M/1 queue time ρ/(μ − λ)).
    rng = np.random.default_rng(41)
    reps, jobs, warm = 100, 20_000, 2_000
    service = rng.exponential(1.0, (reps, jobs))
    arrival = _poisson(rng, 0.75, (reps, jobs))
    exact = _kingman(1, 1, 0.75, 1.0)
    assert exact == pytest.approx(3.0)
    _assert_within(_queue_times(engine, service, arrival, warm), exact, "M/M/1 CTq")


def test_kingman_is_exact_for_md1(engine: Any) -> None:
    # Constant service te = 1 (ce² = 0), Poisson arrivals (ca² = 1), u = 0.75:
    # CTq = 1/2 · 3 · 1 = 1.5, which is Pollaczek–Khinchine's exact M/D/1 queue time.
    rng = np.random.default_rng(42)
    reps, jobs, warm = 100, 20_000, 2_000
    service = np.ones((reps, jobs))
    arrival = _poisson(rng, 0.75, (reps, jobs))
    exact = _kingman(1, 0, 0.75, 1.0)
    assert exact == pytest.approx(1.5)
    _assert_within(_queue_times(engine, service, arrival, warm), exact, "M/D/1 CTq")


def test_kingman_approximates_e2_m_1_within_its_known_error(engine: Any) -> None:
    # Erlang-2 gaps (each the sum of two exponentials, ca² = 1/2) of mean 1.25, exponential
    # service te = 1 (ce² = 1): u = 0.8, Kingman CTq = 3/4 · 4 · 1 = 3.
    # Exact (GI/M/1): Wq = σ/(μ(1 − σ)) with σ the root in (0, 1) of σ = A*(μ(1 − σ)), where
    # A*(s) = (2λ/(2λ + s))² with λ = 0.8: σ(2.6 − σ)² = 2.56, i.e. (σ − 1)(σ² − 4.2σ + 2.56)
    # = 0, σ = (4.2 − √7.4)/2 = 0.73985…, Wq = 2.84398…
    # So Kingman is 5.5% high here (its error shrinks as u → 1 and vanishes for Poisson
    # arrivals); the check allows that error plus the sampling error of the estimate.
    sigma = (4.2 - math.sqrt(7.4)) / 2
    exact = sigma / (1 - sigma)
    kingman = _kingman(0.5, 1, 0.8, 1.0)
    assert kingman == pytest.approx(3.0)
    assert kingman / exact - 1 == pytest.approx(0.0549, abs=1e-3)
    rng = np.random.default_rng(43)
    reps, jobs, warm = 100, 20_000, 2_000
    service = rng.exponential(1.0, (reps, jobs))
    gaps = rng.exponential(1.25 / 2, (reps, jobs, 2)).sum(axis=2)
    arrival = np.cumsum(gaps, axis=1)
    queue_times = _queue_times(engine, service, arrival, warm)
    _assert_within(queue_times, exact, "E2/M/1 CTq")
    mean, half = _interval(queue_times)
    assert abs(kingman - mean) <= 0.055 * exact + half

"""The line engine gives the SimPy oracle's timeline, to 1e-9, for every policy.

First the oracle itself is checked on small lines worked out by hand; then, for every policy,
the engine (``run_line`` and the batched ``run_lines``) and the oracle are fed the same drawn
service times and arrivals and must agree on every release, start, done and leave time, and
on the time each station spent busy and blocked.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
import pytest

from tests.sim.oracle import Record, simulate, simulate_line

EXACT = 1e-9
JOBS = 300
MEANS = np.array([1.0, 0.9, 1.1])  # mean service time per station
GAP = 1.25  # mean time between arrivals

# Two stations, three jobs; service times and arrivals used by the hand-worked cases below.
SMALL_SERVICE = np.array([[2.0, 1.0, 3.0], [1.0, 4.0, 1.0]])
SMALL_ARRIVAL = np.array([0.0, 0.0, 1.0])


def _check(record: Record, **expected: Any) -> None:
    for name, value in expected.items():
        np.testing.assert_allclose(getattr(record, name), value, rtol=0, atol=EXACT, err_msg=name)


def test_the_oracle_on_a_small_line_with_unlimited_buffers() -> None:
    # Station 0: job 0 runs 0→2, job 1 2→3, job 2 3→6.
    # Station 1: job 0 2→3, job 1 3→7, job 2 waits for job 1 and runs 7→8.
    _check(
        simulate(SMALL_SERVICE, SMALL_ARRIVAL),
        release=[0, 0, 1],
        start=[[0, 2, 3], [2, 3, 7]],
        done=[[2, 3, 6], [3, 7, 8]],
        leave=[[2, 3, 6], [3, 7, 8]],
        blocked=[0, 0],
        busy=[6, 6],
    )


def test_the_oracle_blocks_a_finished_job_when_there_is_no_place_downstream() -> None:
    # No place between the stations: job 1 is done at 3 when station 1 frees (job 0 done at
    # 3), so it leaves at 3; job 2 is done at 6 but station 1 holds job 1 until 7: blocked
    # 6→7, it leaves at 7 and runs 7→8. Station 0 was blocked 1 time unit in all.
    _check(
        simulate(SMALL_SERVICE, SMALL_ARRIVAL, buffers=(0,)),
        start=[[0, 2, 3], [2, 3, 7]],
        done=[[2, 3, 6], [3, 7, 8]],
        leave=[[2, 3, 7], [3, 7, 8]],
        blocked=[1, 0],
    )


def test_the_oracle_with_one_place_between_the_stations() -> None:
    # Service times [[1, 1, 1], [5, 5, 5]], all arriving at 0, one place between.
    # Station 1 takes job 0 at 1 (done 6); job 1 done at 2 takes the place; job 2 done at 3
    # waits until job 0 leaves station 1 at 6 (job 1 goes in, freeing the place): leaves at 6.
    record = simulate(np.array([[1.0, 1, 1], [5.0, 5, 5]]), np.zeros(3), buffers=(1,))
    _check(
        record,
        done=[[1, 2, 3], [6, 11, 16]],
        leave=[[1, 2, 6], [6, 11, 16]],
        start=[[0, 1, 2], [1, 6, 11]],
        blocked=[3, 0],
    )


def test_the_oracle_holds_kanban_cards_until_the_next_station_takes_the_job() -> None:
    # One card per station. Job 0 takes card 0 at 0, runs 0→2, takes card 1 and leaves at 2
    # (card 0 free at 2). Job 1 is released at 2, runs 2→3, but card 1 is held by job 0 until
    # it is done at 3: leaves at 3, runs 3→7. Job 2 (arrived at 1) is released at 3 when card 0
    # frees, runs 3→6, waits for card 1 until 7, runs 7→8.
    _check(
        simulate(SMALL_SERVICE, SMALL_ARRIVAL, kanban=(1, 1)),
        release=[0, 2, 3],
        start=[[0, 2, 3], [2, 3, 7]],
        done=[[2, 3, 6], [3, 7, 8]],
        leave=[[2, 3, 7], [3, 7, 8]],
        blocked=[1, 0],
    )


def test_the_oracle_releases_a_job_under_conwip_when_one_leaves_the_line() -> None:
    # One card for the line: job 0 runs 0→2→3; job 1 is released at 3: 3→4, 4→8; job 2 is
    # released at 8: 8→11, 11→12.
    _check(
        simulate(SMALL_SERVICE, SMALL_ARRIVAL, conwip=1),
        release=[0, 3, 8],
        start=[[0, 3, 8], [2, 4, 11]],
        done=[[2, 4, 11], [3, 8, 12]],
    )


def test_the_oracle_moves_transfer_batches_with_their_setups() -> None:
    # Batches {0, 1} and {2}; setups 1 at station 0 and 0.5 at station 1.
    # Station 0: setup 0→1, job 0 1→3, job 1 3→4: the batch leaves at 4. Job 2 (arrived at 1):
    # setup 4→5, runs 5→8, leaves at 8.
    # Station 1: setup 4→4.5, job 0 4.5→5.5, job 1 5.5→9.5: the batch leaves at 9.5. Job 2:
    # setup 9.5→10, runs 10→11.
    record = simulate(
        SMALL_SERVICE, SMALL_ARRIVAL, batch=2, setup=np.array([[1.0, 1.0], [0.5, 0.5]])
    )
    _check(
        record,
        start=[[1, 3, 5], [4.5, 5.5, 10]],
        done=[[3, 4, 8], [5.5, 9.5, 11]],
        leave=[[4, 4, 8], [9.5, 9.5, 11]],
        blocked=[0, 0],
        busy=[8, 7],
    )


def test_the_oracle_serves_with_parallel_servers_first_come_first_served() -> None:
    # Two servers, all four jobs at 0: job 0 on one server 0→3, job 1 on the other 0→1, then
    # job 2 1→2 and job 3 2→7 on that one.
    record = simulate(np.array([[3.0, 1, 1, 5]]), np.zeros(4), servers=(2,))
    _check(record, start=[[0, 0, 1, 2]], done=[[3, 1, 2, 7]], leave=[[3, 1, 2, 7]])


# --- the engine against the oracle -------------------------------------------------------


POLICIES: dict[str, dict[str, Any]] = {
    "unlimited buffers": {},
    "no place between stations": {"buffers": (0, 0)},
    "some places": {"buffers": (1, None)},
    "two places": {"buffers": (2, 1)},
    "kanban": {"kanban": (2, 1, 3)},
    "kanban at one station": {"kanban": (None, 1, None)},
    "conwip": {"conwip": 4},
    "conwip with places": {"conwip": 5, "buffers": (1, 0)},
    "transfer batches": {"batch": 4},
    "batches with setups": {"batch": 3, "setups": True},
    "parallel servers": {"servers": (1, 3, 2)},
    "kanban with batches": {"kanban": (3, 4, 3), "batch": 3},
    "places with batches and setups": {"buffers": (0, 2), "batch": 2, "setups": True},
    "conwip with batches": {"conwip": 6, "batch": 3},
    "parallel servers with batches and setups": {"servers": (2, 1, 3), "batch": 3, "setups": True},
    "every limit at once": {"buffers": (1, 0), "kanban": (3, 2, None), "conwip": 6},
}


def _draw(
    rng: np.random.Generator, shape: str, policy: dict[str, Any], jobs: int = JOBS
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Service (M, N), arrivals (N,), setups (M, batches) or None, with the policy's scales."""
    means = MEANS * np.array(policy.get("servers", (1, 1, 1)))  # c servers, c times slower
    if shape == "exponential":
        service = rng.exponential(1.0, (3, jobs)) * means[:, None]
    else:  # lognormal of mean 1 (sigma 0.8), scaled to each station's mean
        sigma = 0.8
        service = rng.lognormal(-(sigma**2) / 2, sigma, (3, jobs)) * means[:, None]
    batch = policy.get("batch", 1)
    setup = None
    gap = GAP
    if policy.get("setups"):
        setup = rng.exponential(0.4, (3, -(-jobs // batch)))
        gap = GAP + 0.4 / batch
    arrival = np.cumsum(rng.exponential(gap, jobs))
    return service, arrival, setup


def _assert_same(timeline: Any, record: Record) -> None:
    for name in ("release", "start", "done", "leave", "blocked", "busy"):
        np.testing.assert_allclose(
            getattr(timeline, name), getattr(record, name), rtol=0, atol=EXACT, err_msg=name
        )


@pytest.fixture(scope="module")
def engine() -> Any:
    return pytest.importorskip("pullflow.sim.lines")


@pytest.mark.parametrize("shape", ["exponential", "lognormal"])
@pytest.mark.parametrize("name", POLICIES)
def test_the_engine_gives_the_oracles_timeline(engine: Any, shape: str, name: str) -> None:
    policy = POLICIES[name]
    rng = np.random.default_rng([7, zlib.crc32(name.encode()), shape == "lognormal"])
    service, arrival, setup = _draw(rng, shape, policy)
    line = engine.Line(stations=3, **policy)
    timeline = engine.run_line(line, service, arrival, setup)
    _assert_same(timeline, simulate_line(line, service, arrival, setup))


@pytest.mark.parametrize("name", POLICIES)
def test_replications_in_one_call_give_the_oracles_departures(engine: Any, name: str) -> None:
    policy = POLICIES[name]
    rng = np.random.default_rng([8, zlib.crc32(name.encode())])
    draws = [_draw(rng, "exponential", policy) for _ in range(4)]
    service = np.stack([d[0] for d in draws])
    arrival = np.stack([d[1] for d in draws])
    setup = np.stack([d[2] for d in draws if d[2] is not None]) if policy.get("setups") else None
    line = engine.Line(stations=3, **policy)
    runs = engine.run_lines(line, service, arrival, setup, every_station=True)
    for r in range(len(draws)):
        record = simulate_line(line, service[r], arrival[r], None if setup is None else setup[r])
        for name_in_runs, expected in (
            ("release", record.release),
            ("leave", record.leave[-1]),
            ("departures", record.leave),
            ("busy", record.busy),
            ("blocked", record.blocked),
        ):
            np.testing.assert_allclose(
                getattr(runs, name_in_runs)[r], expected, rtol=0, atol=EXACT, err_msg=name_in_runs
            )


def test_the_engine_refuses_parallel_servers_with_blocking_which_the_oracle_runs(
    engine: Any,
) -> None:
    rng = np.random.default_rng(9)
    policy: dict[str, Any] = {"servers": (2, 1, 1), "buffers": (0, 1)}
    service, arrival, _ = _draw(rng, "exponential", policy)
    with pytest.raises(ValueError, match="Parallel servers with places between stations"):
        engine.run_line(engine.Line(stations=3, **policy), service, arrival)
    record = simulate(service, arrival, **policy)  # the process model is the fallback
    assert (record.leave >= record.done).all()
    assert record.blocked[0] > 0


def test_a_batch_larger_than_the_cards_is_refused_and_the_oracle_deadlocks(engine: Any) -> None:
    # One card at station 1, batches of 2: the first unit of a batch takes station 1's card
    # and keeps it until it leaves station 1, which needs its whole batch done there; the
    # second unit can never get in.
    service, arrival = np.ones((2, 4)), np.zeros(4)
    with pytest.raises(ValueError, match="fewer than the transfer batch"):
        engine.run_line(engine.Line(stations=2, kanban=(None, 1), batch=2), service, arrival)
    with pytest.raises(RuntimeError, match="deadlock"):
        simulate(service, arrival, kanban=(None, 1), batch=2)

"""The line engine: the vectorised recursion, small lines worked out by hand, Little's Law.

Every hand case writes out the recursion step by step in its comments; the engine must give
those numbers. The comparison with the process model (SimPy) is in test_oracle.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from pullflow.sim.lines import (
    Line,
    Timeline,
    UnsupportedLine,
    compile_kernels,
    run_line,
    run_lines,
    serve_in_order,
)

EXACT = 1e-9


def _check(timeline: Timeline, **expected: object) -> None:
    for name, value in expected.items():
        np.testing.assert_allclose(getattr(timeline, name), value, rtol=0, atol=EXACT, err_msg=name)


def _loop_line(
    service: np.ndarray, arrival: np.ndarray, batch: int = 1, setup: np.ndarray | None = None
) -> np.ndarray:
    """The recursion written plainly, unit by unit: departures (M, N), unlimited buffers."""
    stations, units = service.shape
    leave = np.zeros((stations, units))
    arrived = [float(a) for a in arrival]
    for i in range(stations):
        done = [0.0] * units
        free = -math.inf
        for j in range(units):
            moment = max(arrived[j], free)
            if setup is not None and j % batch == 0:
                moment += setup[i][j // batch]
            done[j] = moment + service[i][j]
            free = done[j]
        for j in range(units):
            leave[i][j] = done[min((j // batch + 1) * batch, units) - 1]
        arrived = list(leave[i])
    return leave


def _draw(seed: int, stations: int = 3, units: int = 2_000, gap: float = 1.1):
    rng = np.random.default_rng(seed)
    service = rng.exponential(1.0, (stations, units))
    arrival = np.cumsum(rng.exponential(gap, units))
    return rng, service, arrival


# --- the vectorised recursion against the plain loop --------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("gap", [0.5, 1.0, 3.0])  # overloaded, critical, mostly idle
def test_the_vectorised_server_gives_the_plain_loop(seed: int, gap: float) -> None:
    rng = np.random.default_rng(seed)
    arrival = np.cumsum(rng.exponential(gap, 5_000))
    work = rng.lognormal(0.0, 1.0, 5_000)
    expected, free = [], -math.inf
    for a, w in zip(arrival, work, strict=True):
        free = max(a, free) + w
        expected.append(free)
    np.testing.assert_allclose(serve_in_order(arrival, work), expected, rtol=0, atol=EXACT)


def test_the_vectorised_server_with_simultaneous_arrivals_and_no_work() -> None:
    # Arrivals [0, 0, 0, 5, 5], work [1, 0, 2, 1, 0]:
    # done 0+1 = 1, max(0, 1)+0 = 1, max(0, 1)+2 = 3, max(5, 3)+1 = 6, max(5, 6)+0 = 6.
    done = serve_in_order(np.array([0.0, 0, 0, 5, 5]), np.array([1.0, 0, 2, 1, 0]))
    np.testing.assert_allclose(done, [1, 1, 3, 6, 6], rtol=0, atol=EXACT)


@pytest.mark.parametrize("seed", [4, 5])
def test_an_unlimited_line_gives_the_plain_loop(seed: int) -> None:
    _, service, arrival = _draw(seed)
    timeline = run_line(Line(stations=3), service, arrival)
    np.testing.assert_allclose(timeline.leave, _loop_line(service, arrival), rtol=0, atol=EXACT)
    np.testing.assert_allclose(timeline.done, timeline.leave, rtol=0, atol=0)
    np.testing.assert_allclose(timeline.done - timeline.start, service, rtol=0, atol=EXACT)
    np.testing.assert_allclose(timeline.busy, service.sum(axis=1), rtol=1e-12)
    assert timeline.engine == "recursion"


def test_unlimited_batches_with_setups_give_the_plain_loop() -> None:
    rng, service, arrival = _draw(6, units=1_001)  # the last batch of 7 holds 0 + 7·143 = 1001
    setup = rng.exponential(0.5, (3, 143))
    line = Line(stations=3, batch=7, setups=True)
    timeline = run_line(line, service, arrival, setup)
    expected = _loop_line(service, arrival, batch=7, setup=setup)
    np.testing.assert_allclose(timeline.leave, expected, rtol=0, atol=EXACT)
    np.testing.assert_allclose(timeline.busy, service.sum(1) + setup.sum(1), rtol=1e-12)


def test_limits_too_large_to_bind_give_the_unlimited_line() -> None:
    # Places, cards and a CONWIP cap of N units never hold anyone back: the compiled loop must
    # then give the vectorised line's times.
    _, service, arrival = _draw(7, units=500)
    free = run_line(Line(stations=3), service, arrival)
    roomy = Line(stations=3, buffers=(500, 500), kanban=(500, 500, 500), conwip=500)
    _check(run_line(roomy, service, arrival), leave=free.leave, start=free.start, blocked=[0] * 3)


# --- small lines by hand ------------------------------------------------------------------

# Two stations, four units all there at 0; station 0 takes 1 each, station 1 takes 3, 1, 3, 1.
SERVICE = np.array([[1.0, 1, 1, 1], [3.0, 1, 3, 1]])
AT_ONCE = np.zeros(4)


def test_no_place_between_the_stations_blocks_the_finished_unit() -> None:
    # b = 0: D0[j] = max(C0[j], D1[j-1]); station 0 starts j at D0[j-1].
    # j0: st0 0→1, leaves 1 (station 1 idle); st1 1→4.
    # j1: st0 1→2, station 1 busy until 4: leaves 4 (blocked 2); st1 4→5.
    # j2: st0 4→5, leaves 5 (= D1[1]); st1 5→8.
    # j3: st0 5→6, station 1 busy until 8: leaves 8 (blocked 2); st1 8→9.
    _check(
        run_line(Line(stations=2, buffers=(0,)), SERVICE, AT_ONCE),
        release=[0, 0, 0, 0],
        start=[[0, 1, 4, 5], [1, 4, 5, 8]],
        done=[[1, 2, 5, 6], [4, 5, 8, 9]],
        leave=[[1, 4, 5, 8], [4, 5, 8, 9]],
        blocked=[4, 0],
        busy=[4, 8],
    )


def test_one_place_between_the_stations() -> None:
    # b = 1: D0[j] = max(C0[j], D1[j-2]).
    # j0: st0 0→1, leaves 1; st1 1→4.
    # j1: st0 1→2, takes the place at 2; st1 max(2, 4) = 4 → 5.
    # j2: st0 2→3, the place is free when j0 leaves st1 at 4: leaves 4 (blocked 1); st1 5→8.
    # j3: st0 4→5, D1[1] = 5: leaves 5; st1 max(5, 8) = 8 → 9.
    _check(
        run_line(Line(stations=2, buffers=(1,)), SERVICE, AT_ONCE),
        start=[[0, 1, 2, 4], [1, 4, 5, 8]],
        done=[[1, 2, 3, 5], [4, 5, 8, 9]],
        leave=[[1, 2, 4, 5], [4, 5, 8, 9]],
        blocked=[1, 0],
    )


def test_one_kanban_card_per_station() -> None:
    # K = 1: release[j] = max(A[j], D0[j-1]); D0[j] = max(C0[j], D1[j-1]).
    # j0: released 0; st0 0→1, leaves 1; st1 1→4.
    # j1: released 1 (card 0 back at 1); st0 1→2; card 1 back at 4: leaves 4; st1 4→5.
    # j2: released 4; st0 4→5; D1[1] = 5: leaves 5; st1 5→8.
    # j3: released 5; st0 5→6; D1[2] = 8: leaves 8; st1 8→9. Blocked 2 + 2 at station 0.
    _check(
        run_line(Line(stations=2, kanban=(1, 1)), SERVICE, AT_ONCE),
        release=[0, 1, 4, 5],
        start=[[0, 1, 4, 5], [1, 4, 5, 8]],
        done=[[1, 2, 5, 6], [4, 5, 8, 9]],
        leave=[[1, 4, 5, 8], [4, 5, 8, 9]],
        blocked=[4, 0],
    )


def test_two_kanban_cards_per_station() -> None:
    # K = 2: release[j] = max(A[j], D0[j-2]); D0[j] = max(C0[j], D1[j-2]).
    # j0: released 0; st0 0→1, leaves 1; st1 1→4.
    # j1: released 0; st0 1→2, leaves 2; st1 max(2, 4) = 4 → 5.
    # j2: released D0[0] = 1; st0 max(1, 2) = 2 → 3; D1[0] = 4: leaves 4; st1 5→8.
    # j3: released D0[1] = 2; st0 max(2, 4) = 4 → 5; D1[1] = 5: leaves 5; st1 8→9.
    _check(
        run_line(Line(stations=2, kanban=(2, 2)), SERVICE, AT_ONCE),
        release=[0, 0, 1, 2],
        start=[[0, 1, 2, 4], [1, 4, 5, 8]],
        done=[[1, 2, 3, 5], [4, 5, 8, 9]],
        leave=[[1, 2, 4, 5], [4, 5, 8, 9]],
        blocked=[1, 0],
    )


# Two stations, four units arriving at 0, 1, 2, 3.
CONWIP_SERVICE = np.array([[1.0, 2, 1, 1], [2.0, 1, 2, 1]])
STAGGERED = np.array([0.0, 1, 2, 3])


def test_conwip_of_one_lets_one_unit_in_at_a_time() -> None:
    # W = 1: release[j] = max(A[j], D1[j-1]).
    # j0: 0; st0 0→1, st1 1→3.   j1: max(1, 3) = 3; st0 3→5, st1 5→6.
    # j2: max(2, 6) = 6; 6→7, 7→9.   j3: max(3, 9) = 9; 9→10, 10→11.
    _check(
        run_line(Line(stations=2, conwip=1), CONWIP_SERVICE, STAGGERED),
        release=[0, 3, 6, 9],
        start=[[0, 3, 6, 9], [1, 5, 7, 10]],
        leave=[[1, 5, 7, 10], [3, 6, 9, 11]],
        blocked=[0, 0],
        busy=[5, 6],
    )


def test_conwip_of_two() -> None:
    # W = 2: release[j] = max(A[j], D1[j-2]).
    # j0: 0; st0 0→1; st1 1→3.
    # j1: 1; st0 max(1, 1) = 1 → 3; st1 max(3, 3) = 3 → 4.
    # j2: max(2, D1[0] = 3) = 3; st0 max(3, 3) = 3 → 4; st1 max(4, 4) = 4 → 6.
    # j3: max(3, D1[1] = 4) = 4; st0 max(4, 4) = 4 → 5; st1 max(5, 6) = 6 → 7.
    _check(
        run_line(Line(stations=2, conwip=2), CONWIP_SERVICE, STAGGERED),
        release=[0, 1, 3, 4],
        start=[[0, 1, 3, 4], [1, 3, 4, 6]],
        done=[[1, 3, 4, 5], [3, 4, 6, 7]],
    )


# Two stations, five units at 0: batches {0, 1}, {2, 3} and {4}.
BATCH_SERVICE = np.array([[1.0, 2, 1, 1, 2], [1.0, 1, 2, 1, 1]])


def test_batches_of_two_move_together() -> None:
    # Station 0: j0 0→1, j1 1→3 (batch leaves 3), j2 3→4, j3 4→5 (leaves 5), j4 5→7 (leaves 7).
    # Station 1: j0 3→4, j1 4→5 (batch leaves 5); j2 arrives 5: 5→7, j3 7→8 (leaves 8);
    # j4 arrives 7: max(7, 8) = 8 → 9 (leaves 9).
    for line in (Line(stations=2, batch=2), Line(stations=2, batch=2, kanban=(9, 9))):
        _check(
            run_line(line, BATCH_SERVICE, np.zeros(5)),
            start=[[0, 1, 3, 4, 5], [3, 4, 5, 7, 8]],
            done=[[1, 3, 4, 5, 7], [4, 5, 7, 8, 9]],
            leave=[[3, 3, 5, 5, 7], [5, 5, 8, 8, 9]],
            blocked=[0, 0],
            busy=[7, 6],
        )


def test_batches_of_two_with_a_setup_before_each() -> None:
    # Setups per batch: station 0 [1, 0.5, 2], station 1 [1, 1, 0.5].
    # Station 0: j0 setup 0→1, 1→2; j1 2→4 (batch leaves 4); j2 setup 4→4.5, 4.5→5.5;
    # j3 5.5→6.5 (leaves 6.5); j4 setup 6.5→8.5, 8.5→10.5 (leaves 10.5).
    # Station 1: j0 setup 4→5, 5→6; j1 6→7 (leaves 7); j2 arrives 6.5, setup 7→8, 8→10;
    # j3 10→11 (leaves 11); j4 arrives 10.5, setup 11→11.5, 11.5→12.5.
    # Busy: station 0 7 + 1 + 0.5 + 2 = 10.5; station 1 6 + 1 + 1 + 0.5 = 8.5.
    setup = np.array([[1.0, 0.5, 2], [1.0, 1, 0.5]])
    for line in (
        Line(stations=2, batch=2, setups=True),
        Line(stations=2, batch=2, setups=True, conwip=5),  # the compiled loop, never binding
    ):
        _check(
            run_line(line, BATCH_SERVICE, np.zeros(5), setup),
            start=[[1, 2, 4.5, 5.5, 8.5], [5, 6, 8, 10, 11.5]],
            done=[[2, 4, 5.5, 6.5, 10.5], [6, 7, 10, 11, 12.5]],
            leave=[[4, 4, 6.5, 6.5, 10.5], [7, 7, 11, 11, 12.5]],
            busy=[10.5, 8.5],
        )


def test_a_batch_waits_for_cards_downstream() -> None:
    # Batches of 2 and 2 cards at station 1 (station 0 unlimited); the service times above.
    # Station 0: j0 0→1, j1 1→3: the batch has cards and leaves 3; j2 3→4, j3 4→5: done at 5,
    # but station 1's cards come back only when j0 and j1 leave it (at 5): leave 5;
    # j4 5→7: its card (j2's) comes back at 8: leaves 8.
    # Station 1: j0 3→4, j1 4→5 (leave 5); j2 5→7, j3 7→8 (leave 8); j4 8→9.
    _check(
        run_line(Line(stations=2, batch=2, kanban=(None, 2)), BATCH_SERVICE, np.zeros(5)),
        done=[[1, 3, 4, 5, 7], [4, 5, 7, 8, 9]],
        leave=[[3, 3, 5, 5, 8], [5, 5, 8, 8, 9]],
        blocked=[0, 0],
    )


def test_two_servers_serve_first_come_first_served() -> None:
    # Station 0 has two servers: j0 0→4 on one, j1 0→1 on the other, then j2 1→2 and j3 2→4
    # on that one. Units leave in the order they finish: j1 (1), j2 (2), then j0 and j3 both
    # at 4, j0 first (it started first).
    # Station 1, one server, service [1, 1, 1, 3]: j1 1→2, j2 2→3, j0 4→5, j3 5→8.
    service = np.array([[4.0, 1, 1, 2], [1.0, 1, 1, 3]])
    timeline = run_line(Line(stations=2, servers=(2, 1)), service, np.zeros(4))
    _check(
        timeline,
        start=[[0, 0, 1, 2], [4, 1, 2, 5]],
        done=[[4, 1, 2, 4], [5, 2, 3, 8]],
        leave=[[4, 1, 2, 4], [5, 2, 3, 8]],
        blocked=[0, 0],
        busy=[8, 6],
    )
    runs = run_lines(Line(stations=2, servers=(2, 1)), service[None], np.zeros(4))
    np.testing.assert_array_equal(runs.leave[0], [5, 2, 3, 8])


def test_three_stations_with_a_place_and_a_card() -> None:
    # Three stations, service [[1, 1, 1], [2, 2, 2], [1, 1, 1]], all at 0; no place after
    # station 0 (b0 = 0) and one card at station 2.
    # j0: st0 0→1, leaves 1; st1 1→3; st2 empty: leaves 3; st2 3→4.
    # j1: st0 1→2, st1 busy until j0 leaves it at 3: leaves 3 (blocked 1); st1 3→5;
    #     station 2's card came back when j0 left the line at 4: leaves when done, 5; st2 5→6.
    # j2: st0 3→4, st1 holds j1 until 5: leaves 5 (blocked 1); st1 5→7; the card came back
    #     at 6: leaves 7; st2 7→8.
    line = Line(stations=3, buffers=(0, None), kanban=(None, None, 1))
    service = np.array([[1.0, 1, 1], [2.0, 2, 2], [1.0, 1, 1]])
    _check(
        run_line(line, service, np.zeros(3)),
        start=[[0, 1, 3], [1, 3, 5], [3, 5, 7]],
        done=[[1, 2, 4], [3, 5, 7], [4, 6, 8]],
        leave=[[1, 3, 5], [3, 5, 7], [4, 6, 8]],
        blocked=[2, 0, 0],
    )


# --- Little's Law on the sample path ------------------------------------------------------

LINES = {
    "unlimited": Line(stations=3),
    "places": Line(stations=3, buffers=(0, 2)),
    "kanban": Line(stations=3, kanban=(2, 1, 3)),
    "conwip": Line(stations=3, conwip=4),
    "batches": Line(stations=3, batch=5, setups=True),
    "servers": Line(stations=3, servers=(1, 2, 3)),
}


def _area_under_the_count(release: np.ndarray, leave: np.ndarray) -> float:
    """Integrate the number inside (releases so far minus departures so far) step by step."""
    moments = np.concatenate([release, leave])
    steps = np.concatenate([np.ones(release.size), -np.ones(leave.size)])
    order = np.argsort(moments, kind="stable")
    moments, inside = moments[order], np.cumsum(steps[order])
    return float(np.sum(inside[:-1] * np.diff(moments)))


@pytest.mark.parametrize("name", LINES)
def test_littles_law_holds_on_the_sample_path(name: str) -> None:
    line = LINES[name]
    rng, service, arrival = _draw(11, units=3_000, gap=1.3)
    service *= np.array(line.servers or (1, 1, 1))[:, None]
    setup = rng.exponential(0.3, (3, 600)) if line.setups else None
    timeline = run_line(line, service, arrival, setup)
    release, leave = timeline.release, timeline.leave[-1]
    window = leave.max() - release.min()
    wip = _area_under_the_count(release, leave) / window
    throughput = release.size / window
    time_in_system = float(np.mean(leave - release))
    assert wip == pytest.approx(throughput * time_in_system, rel=1e-12)
    # The line's WIP is the sum of the stations' WIP (each from entering to leaving it).
    entered = np.vstack([release, timeline.leave[:-1]])
    stations = sum(_area_under_the_count(entered[i], timeline.leave[i]) for i in range(3))
    assert stations / window == pytest.approx(wip, rel=1e-12)
    runs = run_lines(line, service[None], arrival, setup)
    assert runs.wip()[0] == pytest.approx(wip, rel=1e-12)
    assert runs.cycle_time()[0] == pytest.approx(time_in_system, rel=1e-12)
    assert runs.throughput()[0] == pytest.approx(throughput, rel=1e-12)


# --- many replications in one call --------------------------------------------------------


@pytest.mark.parametrize("name", LINES)
def test_replications_give_the_single_runs(name: str) -> None:
    line = LINES[name]
    rng = np.random.default_rng(12)
    service = rng.exponential(1.0, (4, 3, 400)) * np.array(line.servers or (1, 1, 1))[:, None]
    arrival = np.cumsum(rng.exponential(1.3, (4, 400)), axis=1)
    setup = rng.exponential(0.3, (4, 3, 80)) if line.setups else None
    runs = run_lines(line, service, arrival, setup, every_station=True)
    assert runs.departures is not None
    for r in range(4):
        one = run_line(line, service[r], arrival[r], None if setup is None else setup[r])
        np.testing.assert_allclose(runs.departures[r], one.leave, rtol=0, atol=EXACT)
        np.testing.assert_allclose(runs.leave[r], one.leave[-1], rtol=0, atol=EXACT)
        np.testing.assert_allclose(runs.release[r], one.release, rtol=0, atol=EXACT)
        np.testing.assert_allclose(runs.busy[r], one.busy, rtol=1e-12)
        np.testing.assert_allclose(runs.blocked[r], one.blocked, rtol=0, atol=EXACT)


def test_one_arrival_row_serves_every_replication() -> None:
    rng = np.random.default_rng(13)
    service = rng.exponential(1.0, (3, 3, 200))
    arrival = np.cumsum(rng.exponential(1.2, 200))
    line = Line(stations=3, kanban=(2, 2, 2))
    shared = run_lines(line, service, arrival)
    rows = run_lines(line, service, np.tile(arrival, (3, 1)))
    np.testing.assert_array_equal(shared.leave, rows.leave)
    assert shared.departures is None


def test_the_measures_of_a_replication_by_hand() -> None:
    # One station, service [2, 2], arrivals [0, 1]: j0 0→2, j1 2→4.
    # Window 0→4: makespan 4, throughput 2/4, cycle times 2 and 3 (mean 2.5),
    # WIP (2 + 3) / 4 = 1.25 = 0.5 · 2.5.
    runs = run_lines(Line(stations=1), np.array([[[2.0, 2.0]]]), np.array([0.0, 1.0]))
    np.testing.assert_allclose(runs.leave, [[2, 4]])
    assert runs.makespan()[0] == 4
    assert runs.throughput()[0] == 0.5
    assert runs.cycle_time()[0] == 2.5
    assert runs.wip()[0] == 1.25


# --- determinism --------------------------------------------------------------------------


@pytest.mark.parametrize("name", LINES)
def test_the_same_draws_give_the_same_times(name: str) -> None:
    line = LINES[name]
    rng, service, arrival = _draw(14, units=500)
    setup = rng.exponential(0.3, (3, 100)) if line.setups else None
    first, second = (run_line(line, service, arrival, setup) for _ in range(2))
    for field in ("release", "start", "done", "leave", "blocked", "busy"):
        np.testing.assert_array_equal(getattr(first, field), getattr(second, field))
    many = np.stack([service] * 3)
    runs = run_lines(line, many, arrival, None if setup is None else np.stack([setup] * 3))
    np.testing.assert_array_equal(runs.leave[0], runs.leave[1])
    np.testing.assert_array_equal(runs.leave[0], runs.leave[2])


def test_the_kernels_compile_before_they_are_timed() -> None:
    compile_kernels()  # no error, and the runs after it need no compilation


def test_a_line_without_units() -> None:
    timeline = run_line(Line(stations=2, kanban=(1, 1)), np.zeros((2, 0)), np.zeros(0))
    assert timeline.leave.shape == (2, 0)
    assert timeline.busy.tolist() == [0, 0]


# --- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "named"),
    [
        (Line(stations=2, servers=(2, 1), buffers=(1,)), "Parallel servers with places"),
        (Line(stations=2, servers=(1, 2), kanban=(None, 3)), "Parallel servers with kanban"),
        (Line(stations=2, servers=(2, 2), conwip=4), "Parallel servers with a CONWIP cap"),
    ],
)
def test_parallel_servers_with_limits_are_refused_so_a_caller_can_fall_back(
    line: Line, named: str
) -> None:
    with pytest.raises(UnsupportedLine, match=named) as refused:
        run_line(line, np.ones((2, 3)), np.zeros(3))
    assert isinstance(refused.value, ValueError)
    with pytest.raises(UnsupportedLine, match=named):
        run_lines(line, np.ones((1, 2, 3)), np.zeros(3))


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (Line(stations=2, batch=3, kanban=(3, 2)), "station 1 are fewer than the transfer"),
        (Line(stations=2, batch=3, conwip=2), "CONWIP cap of 2 is below the transfer batch"),
        (Line(stations=2, buffers=(1, 1)), "buffers has 2 entries but the line needs 1"),
        (Line(stations=2, kanban=(0, 1)), "at least 1"),
        (Line(stations=2, buffers=(-1,)), "at least 0"),
        (Line(stations=0), "number of stations is 0"),
        (Line(stations=2, batch=0), "transfer batch is 0"),
        (Line(stations=2, servers=(1,)), "servers has 1 entries"),
    ],
)
def test_lines_that_cannot_run_are_refused(line: Line, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        run_line(line, np.ones((2, 3)), np.zeros(3))


@pytest.mark.parametrize(
    ("service", "arrival", "reason"),
    [
        (np.ones((3, 3)), np.zeros(3), "not \\(2, units\\)"),
        (np.ones((2, 3)), np.zeros(4), "not \\(3,\\)"),
        (np.array([[1.0, -1, 1], [1, 1, 1]]), np.zeros(3), "negative"),
        (np.array([[1.0, np.nan, 1], [1, 1, 1]]), np.zeros(3), "NaN"),
        (np.array([[1.0, np.inf, 1], [1, 1, 1]]), np.zeros(3), "infinite"),
        (np.ones((2, 3)), np.array([0.0, 2, 1]), "go backwards"),
    ],
)
def test_bad_times_are_refused(service: np.ndarray, arrival: np.ndarray, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        run_line(Line(stations=2), service, arrival)


def test_setups_need_their_times() -> None:
    line = Line(stations=2, batch=2, setups=True)
    with pytest.raises(ValueError, match="no setup times were given"):
        run_line(line, np.ones((2, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="not \\(2, 2\\)"):
        run_line(line, np.ones((2, 3)), np.zeros(3), np.ones((2, 3)))

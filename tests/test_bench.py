"""The benchmark runs end to end on both backends (briefly; its figures are not judged here)."""

from __future__ import annotations

import pytest
from bench import bench_pulls

from tests.conftest import require_postgres


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_pull_benchmark_runs_and_finds_no_violation(
    backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if backend == "postgresql":
        require_postgres()
    code = bench_pulls.main(["--seconds", "0.5", "--clients", "1", "3", "--backend", backend])
    printed = capsys.readouterr().out
    assert code == 0
    assert printed.count("violations: none") == 2
    assert printed.count("replay matches the stored board: True") == 2
    assert "locked single-row updates/s" in printed


@pytest.mark.slow
def test_the_flow_benchmark_runs_and_its_baseline_agrees(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bench import bench_flow

    code = bench_flow.main(["--items", "2000", "--days", "60", "--trials", "1000"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "Synthetic history: 2,000 items" in printed
    assert "same results: True" in printed
    for figure in ("all metrics:", '1,000-trial "when will 100 be done"', "full HTML report:"):
        assert figure in printed


@pytest.mark.slow
def test_the_simulator_benchmark_runs_and_the_engine_agrees_with_simpy(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bench import bench_sim

    code = bench_sim.main(["--jobs", "3000", "--reps", "20", "--rep-jobs", "1000", "--repeat", "1"])
    printed = capsys.readouterr().out
    assert code == 0
    assert printed.count("departure times identical: True") == 2
    for figure in ("JIT warm-up", "speed-up:", "20 replications × 1,000 jobs", "events/s"):
        assert figure in printed


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_server_benchmark_runs_and_finds_no_violation(
    backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if backend == "postgresql":
        require_postgres()
    from bench import bench_server

    code = bench_server.main(["--quick", "--backend", backend])
    printed = capsys.readouterr().out
    assert code == 0, printed
    runs = 4 if backend == "sqlite" else 2  # SQLite: one worker and several; each with baseline
    assert printed.count("limit violations: 0 ") == runs
    assert printed.count("replay matches the board: True") == runs
    assert printed.count("failures (5xx, other 4xx, connection errors): 0") == runs
    assert "ratio to the baseline: requests/s" in printed

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

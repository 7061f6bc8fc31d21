"""Flow analytics at scale: all metrics, a forecast and the HTML report on a big history.

The history is synthetic (``pullflow.flow.synthetic.steady_board``): 100,000 items over 1,000
days, about 1,000,000 events (each item added, pulled into and finished in four working
stages, delivered; some blocked, some discarded, some still open). Measured, in one run:

- all metrics (building the history's columns from the raw moves, then ``measure`` and its
  JSON), with the peak memory traced while they run — targets: 2 s and 1 GiB;
- a 10,000-trial Monte Carlo "when will 100 items be done" — target: 0.2 s;
- the full self-contained HTML report — target: 10 s;
- the baseline: a plain pandas implementation of cycle time and throughput that walks the
  items one by one (``groupby`` and a loop), and the ratio of its time to ours for the same
  two figures, after checking that both give the same numbers.

    python3 dev.py bench                      # every benchmark
    .venv/bin/python bench/bench_flow.py --items 20000 --days 300
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pullflow.flow.history import History, Kind
from pullflow.flow.metrics import measure
from pullflow.flow.synthetic import steady_board

METRICS_SECONDS = 2.0
METRICS_MEMORY = 1024.0  # MiB
FORECAST_SECONDS = 0.2
REPORT_SECONDS = 10.0


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    raw = steady_board(args.items, days=args.days, seed=args.seed)
    print(
        f"Synthetic history: {len(raw):,} items, {len(raw.moves):,} events over {args.days:,} days."
    )
    ours, metrics_seconds, peak = _time_metrics(raw)
    _report_line("all metrics", metrics_seconds, METRICS_SECONDS)
    memory_ok = peak <= METRICS_MEMORY
    print(
        f"  peak memory traced while measuring: {peak:,.0f} MiB "
        f"(target {METRICS_MEMORY:,.0f} MiB: {'met' if memory_ok else 'MISSED'}); "
        f"process high-water mark {_rss_mib():,.0f} MiB"
    )
    fast_seconds = _best_of(3, lambda: _cycle_and_throughput(raw))
    print(f"  cycle time and throughput alone (numpy): {fast_seconds:.3f} s")
    forecast_ok = _forecast(ours, args.trials)
    report_ok = _report(ours)
    baseline_ok = True
    if not args.skip_baseline:
        baseline_ok = _baseline(raw, fast_seconds)
    met = memory_ok and forecast_ok and report_ok and baseline_ok
    met &= metrics_seconds <= METRICS_SECONDS
    print("All targets met." if met else "Some targets were MISSED (see above).")
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--skip-baseline", action="store_true", help="Leave out pandas.")
    return parser.parse_args(argv)


def _time_metrics(raw: History) -> tuple[History, float, float]:
    """Build the columns from the raw moves and measure everything; time it and trace memory."""
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    history = History(raw.workflow, raw.catalogue, raw.moves, raw.learning, raw.as_of)
    measure(history).to_json()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return history, seconds, peak / 2**20


def _cycle_and_throughput(raw: History) -> tuple[np.ndarray, np.ndarray]:
    """Cycle time per finished item and throughput per day, from the raw moves, with numpy."""
    history = History(raw.workflow, raw.catalogue, raw.moves, raw.learning, raw.as_of)
    start_day, finish_day = history.days(history.started), history.days(history.finished)
    done = ~np.isnan(finish_day)
    first = int(history.days(np.array([history.moves.at.min()]))[0])
    throughput = np.bincount(
        (finish_day[done] - first).astype(np.int64), minlength=history.as_of_day - first + 1
    )
    return (finish_day - start_day + 1)[done], throughput


def _forecast(history: History, trials: int) -> bool:
    try:
        from pullflow.flow.forecast import forecast_when
    except ImportError:
        print("forecast: not available in this build")
        return False
    forecast_when(history, 100, trials=trials, seed=1)  # warm the window's columns
    seconds = _best_of(5, lambda: forecast_when(history, 100, trials=trials, seed=1))
    return _report_line(f'{trials:,}-trial "when will 100 be done"', seconds, FORECAST_SECONDS)


def _report(history: History) -> bool:
    try:
        from pullflow.cli.reports import write_report
    except ImportError:
        print("report: not available in this build")
        return False
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.html"
        started = time.perf_counter()
        write_report(history, path, title="Synthetic board", seed=1)
        seconds = time.perf_counter() - started
        size = path.stat().st_size
    ok = _report_line("full HTML report", seconds, REPORT_SECONDS)
    print(f"  report size: {size / 2**20:.1f} MiB")
    return ok


def _baseline(raw: History, fast_seconds: float) -> bool:
    """The same cycle times and throughput, item by item with pandas, and the ratio."""
    frame = _moves_frame(raw)
    started = time.perf_counter()
    cycle, throughput = pandas_cycle_and_throughput(frame, raw)
    seconds = time.perf_counter() - started
    ours_cycle, ours_throughput = _cycle_and_throughput(raw)
    measured = measure(raw)
    same = np.array_equal(np.sort(measured.completed.values), np.sort(ours_cycle))
    same &= np.array_equal(np.sort(cycle), np.sort(ours_cycle))
    same &= np.array_equal(throughput, ours_throughput)
    print(
        f"baseline, pandas item by item: {seconds:.2f} s for cycle time and throughput; "
        f"pullflow {fast_seconds:.3f} s: {seconds / fast_seconds:,.0f}× faster; "
        f"same results: {same}"
    )
    return same


def _moves_frame(raw: History) -> pd.DataFrame:
    moves = raw.moves
    return pd.DataFrame(
        {
            "item": moves.item,
            "at": pd.to_datetime(moves.at, unit="s", utc=True),
            "kind": moves.kind,
            "stage": moves.stage,
        }
    )


def pandas_cycle_and_throughput(frame: pd.DataFrame, raw: History) -> tuple[Any, Any]:
    """Cycle time (calendar days, both counted) per finished item, and throughput per day."""
    commitment, delivery = raw.workflow.commitment, raw.workflow.delivery
    first_day = frame["at"].min().normalize()
    last_day = pd.Timestamp(raw.as_of, unit="s", tz="UTC").normalize()
    finished_days, cycle_days = [], []
    for _, moves in frame.groupby("item", sort=False):
        if (moves["kind"] == Kind.DISCARD).any():
            continue
        entries = moves[moves["kind"] == Kind.ENTER]
        done = entries.loc[entries["stage"] >= delivery, "at"]
        if done.empty:
            continue
        finish = done.min().normalize()
        start = entries.loc[entries["stage"] >= commitment, "at"].min().normalize()
        finished_days.append(finish)
        cycle_days.append((finish - start).days + 1)
    counts = pd.Series(1, index=pd.DatetimeIndex(finished_days)).groupby(level=0).sum()
    every_day = pd.date_range(first_day, last_day, freq="D", tz="UTC")
    throughput = counts.reindex(every_day, fill_value=0).to_numpy()
    return np.asarray(cycle_days, dtype=float), throughput


def _report_line(what: str, seconds: float, target: float) -> bool:
    ok = seconds <= target
    print(f"{what}: {seconds:.3f} s (target {target:g} s: {'met' if ok else 'MISSED'})")
    return ok


def _best_of(times: int, run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(times):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    sys.exit(main())

"""Backtests: would the Monte Carlo forecasts have come true on this team's own history?

The history is cut at many past days. At each cut the forecast is made from the window of days
before it (the cut day included, so only what had finished by then), and compared with what
happened after it:

- by default "how many in the next ``horizon_days`` days": percentile p is a hit when the
  actual count is at least the forecast's "p% chance of at least x";
- with ``items=N``, "when will N more be done": p is a hit when the actual days needed are at
  most the forecast's Pp days. A cut after which N were not done within the history cannot be
  judged; it is skipped and counted.

Cuts fall every ``step_days`` days, from the first day with a full window of history up to and
including it, to the last day that still has ``horizon_days`` of history after it. A cut where
no forecast can be made (no item finished in its window, or "when" would run past a hundred
years) is skipped and counted too.

Besides the hit rate per percentile, each percentile gets its mean quantile (pinball) loss:
for a forecast q of the τ-quantile and an actual y, ``max(τ·(y − q), (τ − 1)·(y − q))``, where
τ is p/100 for "when" (P85 days is the 0.85 quantile) and 1 − p/100 for "how many" (the 85%
"at least" value is the 0.15 quantile). Lower is better; it is in items or days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pullflow.domain.errors import Invalid
from pullflow.flow.forecast import (
    BeyondHorizon,
    at_least,
    check_trials,
    finished_per_day,
    generator,
    history_days,
    how_many_trials,
    nearest_rank,
    when_trials,
)
from pullflow.flow.history import History, Ints, day_of
from pullflow.flow.percentiles import LEVELS

Floats = NDArray[np.float64]

#: The percentile the verdict judges, and how far its hit rate may stray and still be trusted.
VERDICT_LEVEL = 85
TOLERANCE = 0.10
#: Fewer cuts than this are too few to judge.
ENOUGH_CUTS = 10
#: Why a cut is skipped: no forecast could be made there, or the items were never done after it.
NO_FORECAST, NOT_DONE = "no_forecast", "not_done"


@dataclass(frozen=True)
class BacktestRow:
    """One cut: the forecast made there and what happened after it."""

    cut: date
    throughput_mean: float
    forecast: dict[int, int]
    actual: int
    hit: dict[int, bool]

    def to_json(self) -> dict[str, Any]:
        return {
            "cut": self.cut.isoformat(),
            "throughput_mean": round(self.throughput_mean, 4),
            "forecast": {str(level): value for level, value in self.forecast.items()},
            "actual": self.actual,
            "hit": {str(level): hit for level, hit in self.hit.items()},
        }


@dataclass(frozen=True, eq=False)
class Backtest:
    """Forecasts made at past cuts against what happened; ``forecasts`` is cuts × levels."""

    question: str
    items: int | None
    trials: int
    seed: int
    window_days: int
    horizon_days: int
    step_days: int
    cut_days: Ints
    throughput_means: Floats
    forecasts: Ints
    actual: Ints
    skipped_no_forecast: int
    skipped_not_done: int

    @property
    def cuts(self) -> int:
        return len(self.cut_days)

    @property
    def skipped(self) -> int:
        return self.skipped_no_forecast + self.skipped_not_done

    @property
    def hits(self) -> NDArray[np.bool_]:
        """(cuts × levels) whether the forecast at each percentile came true."""
        if self.question == "when":
            return self.actual[:, None] <= self.forecasts
        return self.actual[:, None] >= self.forecasts

    @property
    def hit_rate(self) -> dict[int, float]:
        rates = self.hits.mean(axis=0)
        return {level: float(rate) for level, rate in zip(LEVELS, rates, strict=True)}

    @property
    def quantile_loss(self) -> dict[int, float]:
        levels = np.array(LEVELS) / 100
        tau = levels if self.question == "when" else 1 - levels
        error = self.actual[:, None] - self.forecasts
        loss = np.maximum(tau * error, (tau - 1) * error).mean(axis=0)
        return {level: float(value) for level, value in zip(LEVELS, loss, strict=True)}

    @property
    def rows(self) -> list[BacktestRow]:
        hits = self.hits
        return [
            BacktestRow(
                cut=day_of(int(day)),
                throughput_mean=float(mean),
                forecast={level: int(v) for level, v in zip(LEVELS, forecast, strict=True)},
                actual=int(actual),
                hit={level: bool(h) for level, h in zip(LEVELS, hit, strict=True)},
            )
            for day, mean, forecast, actual, hit in zip(
                self.cut_days, self.throughput_means, self.forecasts, self.actual, hits, strict=True
            )
        ]

    @property
    def verdict(self) -> str:
        rate = self.hit_rate[VERDICT_LEVEL]
        shown = f"P{VERDICT_LEVEL} forecasts were met {round(rate * 100)}% of the time"
        if self.cuts < ENOUGH_CUTS:
            return (
                f"{shown} over only {self.cuts} cuts: too few to judge; backtest a longer "
                "history or use a smaller step."
            )
        over = f"over {self.cuts} cuts"
        if abs(rate - VERDICT_LEVEL / 100) <= TOLERANCE + 1e-9:
            return f"{shown} {over}: trustworthy."
        if rate < VERDICT_LEVEL / 100:
            return (
                f"{shown} {over}: optimistic, they promise more than the team delivered; "
                "try another window or read them as less certain than they say."
            )
        return (
            f"{shown} {over}: cautious, the team delivered more than they promised; "
            "try another window or read them as more certain than they say."
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "items": self.items,
            "trials": self.trials,
            "seed": self.seed,
            "cuts": self.cuts,
            "skipped": self.skipped,
            "skipped_reasons": {
                "no_forecast": self.skipped_no_forecast,
                "not_done": self.skipped_not_done,
            },
            "first_cut": day_of(int(self.cut_days[0])).isoformat() if self.cuts else None,
            "last_cut": day_of(int(self.cut_days[-1])).isoformat() if self.cuts else None,
            "hit_rate": {str(level): round(rate, 4) for level, rate in self.hit_rate.items()},
            "quantile_loss": {
                str(level): round(loss, 4) for level, loss in self.quantile_loss.items()
            },
            "quantile_loss_unit": "days" if self.question == "when" else "items",
            "horizon_days": self.horizon_days,
            "window_days": self.window_days,
            "step_days": self.step_days,
            "verdict": self.verdict,
            "rows": [row.to_json() for row in self.rows],
        }


def backtest(
    history: History,
    *,
    window_days: int = 90,
    horizon_days: int = 30,
    step_days: int = 7,
    trials: int = 2_000,
    seed: int | None = None,
    items: int | None = None,
) -> Backtest:
    """Forecast at every ``step_days``-th past day and compare with what happened next.

    Without ``items``: how many in the next ``horizon_days``; with ``items``: when ``items``
    more will be done.
    """
    _check_positive(window_days=window_days, horizon_days=horizon_days, step_days=step_days)
    if items is not None and items <= 0:
        raise Invalid(
            f"A backtest of when {items} items are done was refused: there must be something "
            "to do; ask for 1 or more items, or leave --items out to backtest how many."
        )
    check_trials(trials, default=2_000)
    first, last = history_days(history)
    cuts = cut_days(first, last, window_days, horizon_days, step_days)
    daily = finished_per_day(history, first, last)
    done_by = np.r_[0, np.cumsum(daily)]  # done_by[k]: finished before day first + k
    rng, used = generator(seed)
    kept: list[int] = []
    means: list[float] = []
    forecasts: list[list[int]] = []
    actual: list[int] = []
    skipped = {NO_FORECAST: 0, NOT_DONE: 0}
    for cut in cuts:
        offset = int(cut - first)
        window = daily[offset - window_days + 1 : offset + 1]
        judged = _judge_cut(window, done_by, offset, items, horizon_days, trials, rng)
        if isinstance(judged, str):
            skipped[judged] += 1
            continue
        kept.append(int(cut))
        means.append(float(window.mean()))
        forecasts.append(judged[0])
        actual.append(judged[1])
    if not kept:
        raise Invalid(_nothing_to_judge(len(cuts), skipped[NOT_DONE], items))
    return Backtest(
        question="how-many" if items is None else "when",
        items=items,
        trials=trials,
        seed=used,
        window_days=window_days,
        horizon_days=horizon_days,
        step_days=step_days,
        cut_days=np.array(kept, dtype=np.int64),
        throughput_means=np.array(means),
        forecasts=np.array(forecasts, dtype=np.int64).reshape(len(kept), len(LEVELS)),
        actual=np.array(actual, dtype=np.int64),
        skipped_no_forecast=skipped[NO_FORECAST],
        skipped_not_done=skipped[NOT_DONE],
    )


def _judge_cut(
    window: Ints,
    done_by: Ints,
    offset: int,
    items: int | None,
    horizon_days: int,
    trials: int,
    rng: np.random.Generator,
) -> tuple[list[int], int] | str:
    """The forecast at one cut (per level) and what happened, or why the cut is skipped.

    ``done_by[k]`` is how many items finished before the history's day ``k``; the cut is day
    ``offset``, whose window is ``window``.
    """
    if not window.any():
        return NO_FORECAST
    after_cut = int(done_by[offset + 1])
    if items is None:
        totals = how_many_trials(window, horizon_days, trials, rng)
        forecast = at_least(np.sort(totals))
        happened = int(done_by[offset + 1 + horizon_days]) - after_cut
        return [forecast[level] for level in LEVELS], happened
    reached = int(np.searchsorted(done_by, after_cut + items, side="left"))
    if reached >= len(done_by):
        return NOT_DONE
    try:
        lengths = when_trials(window, items, trials, rng)
    except BeyondHorizon:
        return NO_FORECAST
    forecast = nearest_rank(np.sort(lengths))
    return [forecast[level] for level in LEVELS], reached - (offset + 1)


def cut_days(first: int, last: int, window_days: int, horizon_days: int, step_days: int) -> Ints:
    """Every ``step_days``-th day from the first cut to the last one the history allows.

    The first cut is the first day with a full window up to and including it; the last is the
    last day with ``horizon_days`` of history after it. Refuses a history from ``first`` to
    ``last`` too short for a single cut.
    """
    earliest = first + window_days - 1
    latest = last - horizon_days
    if latest < earliest:
        have = last - first + 1
        raise Invalid(
            f"A backtest was refused: the history has {have} days and one cut needs "
            f"{window_days + horizon_days} (a {window_days}-day window before it and a "
            f"{horizon_days}-day horizon after it); backtest a longer history or shorten "
            "--window or --horizon."
        )
    return np.arange(earliest, latest + 1, step_days, dtype=np.int64)


def _check_positive(**numbers: int) -> None:
    for name, value in numbers.items():
        if value <= 0:
            flag = name.removesuffix("_days")
            raise Invalid(
                f"A backtest with {name.replace('_', ' ')} {value} was refused: it must be "
                f"at least one day; give --{flag} a whole number of days, 1 or more."
            )


def _nothing_to_judge(cuts: int, not_done: int, items: int | None) -> str:
    if not_done == 0:
        return (
            f"A backtest was refused: at none of its {cuts} cuts could a forecast be made from "
            "the window before it (no item finished there, or too few for the items asked); "
            "choose a longer --window or a history with more finished items."
        )
    return (
        f"A backtest was refused: after none of its {cuts} cuts were {items} more items "
        "finished within the history, so no forecast can be judged; ask for fewer --items or "
        "backtest a longer history."
    )

"""Monte Carlo forecasts from a team's own daily throughput.

The forecasts resample history, they do not model it. A *window* of local days is chosen (by
default the 90 days up to the history's last day), the items finished on each of those days are
counted (days with none count as 0), and each trial draws days from that sample with
replacement:

- *When will N be done*: a trial adds drawn days until N items are reached; its length is the
  number of days it took. Day 1 is the day after the window's end. The P85 date is the 85th
  percentile of the trial lengths.
- *How many by date D*: a trial sums the draws over the days from the day after the window's
  end up to and including D. "85% chance of at least x" is the 15th percentile of the totals.

Percentiles are by nearest rank: percentile p of n sorted values is the value at rank
⌈p·n/100⌉ (1-based), so [3,4,4,5,5,6,6,6,7,7] gives P50 = 5 and P85 = 7.

Trials are vectorised: "when" draws a trials × days matrix in chunks, takes running sums and
finds where each row first reaches N, and draws more days only for the trials not yet done;
"how many" draws, per trial, how often each observed daily count comes up among the days asked
(a multinomial draw), which is the same distribution as summing the days one by one.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from pullflow.domain.errors import Invalid
from pullflow.flow.history import History, Ints, day_of, number_of
from pullflow.flow.percentiles import LEVELS, rank_of

#: The percentiles every forecast reports.
#: A forecast further out than this is not a forecast; it is refused.
MAX_HORIZON_DAYS = 36_525
#: More trials than this add nothing but waiting.
MAX_TRIALS = 1_000_000
#: How many draws one chunk of a "when" forecast holds at most (memory stays small).
CHUNK_DRAWS = 2_000_000

WHEN_METHOD = (
    "Monte Carlo: each trial draws days from the window's daily throughput with replacement "
    "(zero days included) until the items are done; percentile p is the trial length at rank "
    "ceil(p*n/100) of the n sorted trials (nearest rank); day 1 is the day after the window"
)
HOW_MANY_METHOD = (
    "Monte Carlo: each trial sums days drawn from the window's daily throughput with replacement "
    "(zero days included) over the days asked; 'p% chance of at least x' is the total at rank "
    "ceil((100-p)*n/100) of the n sorted trials (nearest rank)"
)


# -- percentiles -----------------------------------------------------------------------------


def nearest_rank(ordered: Ints, levels: tuple[int, ...] = LEVELS) -> dict[int, int]:
    """Percentiles of values already sorted (at least one), by nearest rank."""
    return {level: int(ordered[rank_of(level, len(ordered)) - 1]) for level in levels}


def at_least(ordered: Ints, levels: tuple[int, ...] = LEVELS) -> dict[int, int]:
    """For each p, the x with a p% chance of at least x: the (100 − p)th percentile."""
    return {level: int(ordered[rank_of(100 - level, len(ordered)) - 1]) for level in levels}


# -- the throughput sample -------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Sample:
    """Items finished on each local day of a window, zero days included.

    ``days`` is the window's actual length: shorter than ``window_days`` when the history
    starts later than the window would.
    """

    counts: Ints
    start_day: int
    end_day: int
    window_days: int

    @property
    def days(self) -> int:
        return len(self.counts)

    @property
    def first(self) -> date:
        return day_of(self.start_day)

    @property
    def last(self) -> date:
        return day_of(self.end_day)

    @property
    def shortened(self) -> bool:
        """True when the history is shorter than the window asked for."""
        return self.days < self.window_days

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    @property
    def mean(self) -> float:
        return float(self.counts.mean())

    @property
    def zero_days(self) -> int:
        return int((self.counts == 0).sum())

    def to_json(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "requested_days": self.window_days,
            "shortened": self.shortened,
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
            "throughput_total": self.total,
            "throughput_mean": round(self.mean, 4),
            "throughput_days_with_zero": self.zero_days,
            "throughput": [int(count) for count in self.counts],
        }


def history_days(history: History) -> tuple[int, int]:
    """The history's first local day (its first recorded move) and its last event's day."""
    if len(history.moves) == 0:
        raise Invalid(
            "The history has no recorded moves, so there is no throughput to sample: "
            "add and finish items, or import a file with stage dates."
        )
    first = int(history.days(np.array([history.moves.at.min()]))[0])
    return first, history.last_event_day


def finished_per_day(history: History, first: int, last: int) -> Ints:
    """Items finished on each local day from ``first`` to ``last`` (both included)."""
    days = history.days(history.finished)
    days = days[np.isfinite(days)]
    inside = days[(days >= first) & (days <= last)].astype(np.int64) - first
    return np.bincount(inside, minlength=last - first + 1).astype(np.int64)


def daily_throughput(
    history: History, *, window_days: int = 90, end_day: int | date | None = None
) -> Sample:
    """The items finished on each local day of the ``window_days`` days up to ``end_day``.

    ``end_day`` (a local day number or a date) defaults to the history's last day, not today.
    The window starts no earlier than the history's first recorded move.
    """
    if window_days <= 0:
        raise Invalid(
            f"A throughput window of {window_days} days was refused: a window needs at least "
            "one day; give --window a whole number of days, 1 or more."
        )
    first, last = history_days(history)
    end = last if end_day is None else _day_number(end_day)
    if end > last:
        raise Invalid(
            f"A throughput window ending on {day_of(end)} was refused: the history ends on "
            f"{day_of(last)}, and later days are unknown; end the window on or before it."
        )
    if end < first:
        raise Invalid(
            f"A throughput window ending on {day_of(end)} was refused: the history starts on "
            f"{day_of(first)}; end the window on or after it."
        )
    start = max(end - window_days + 1, first)
    sample = Sample(finished_per_day(history, start, end), start, end, window_days)
    if sample.total == 0:
        raise Invalid(
            f"No item finished in the {sample.days} days up to {sample.last}, so there is no "
            "throughput to sample: choose a longer --window or a history with finished items."
        )
    return sample


# -- trials ----------------------------------------------------------------------------------


class BeyondHorizon(Invalid):
    """A "when" forecast would run past ``MAX_HORIZON_DAYS``."""


def generator(seed: int | None) -> tuple[np.random.Generator, int]:
    """A random generator and the seed it was made from (a fresh one when none is given)."""
    used = secrets.randbits(32) if seed is None else int(seed)
    if used < 0:
        raise Invalid(f"The seed {used} was refused: a seed is a whole number, 0 or more.")
    return np.random.default_rng(used), used


def when_trials(counts: Ints, items: int, trials: int, rng: np.random.Generator) -> Ints:
    """Per trial, the days of drawn throughput it takes to reach ``items`` (day 1 = first draw).

    Draws a trials × days matrix in chunks; trials not done at a chunk's end go on with the
    next chunk. Refuses (``BeyondHorizon``) a trial that would run past ``MAX_HORIZON_DAYS``.
    """
    mean = float(counts.mean())
    _refuse_beyond_horizon(items, mean, math.ceil(items / mean) if mean > 0 else None)
    lengths = np.zeros(trials, dtype=np.int64)
    totals = np.zeros(trials, dtype=np.int64)
    pending = np.arange(trials)
    elapsed = 0
    while pending.size:
        if elapsed >= MAX_HORIZON_DAYS:
            _refuse_beyond_horizon(items, mean, None)
        still_needed = items - int(totals[pending].min())
        wanted = math.ceil(1.25 * still_needed / mean) + 8
        width = max(1, min(wanted, CHUNK_DRAWS // pending.size, MAX_HORIZON_DAYS - elapsed))
        draws = counts[rng.integers(0, len(counts), size=(pending.size, width))]
        running = np.cumsum(draws, axis=1)
        running += totals[pending, None]
        short_of = (running < items).sum(axis=1)
        done = short_of < width
        lengths[pending[done]] = elapsed + short_of[done] + 1
        totals[pending[~done]] = running[~done, -1]
        pending = pending[~done]
        elapsed += width
    return lengths


def how_many_trials(counts: Ints, days: int, trials: int, rng: np.random.Generator) -> Ints:
    """Per trial, the total of ``days`` days drawn from ``counts`` with replacement."""
    values, frequency = np.unique(counts, return_counts=True)
    drawn = rng.multinomial(days, frequency / frequency.sum(), size=trials)
    return (drawn @ values).astype(np.int64)


def _refuse_beyond_horizon(items: int, mean: float, expected_days: int | None) -> None:
    if expected_days is not None and expected_days <= MAX_HORIZON_DAYS:
        return
    raise BeyondHorizon(
        f"A forecast for {items} items was refused: at the window's {mean:.3g} items a day it "
        f"runs past {MAX_HORIZON_DAYS // 365} years, which is no forecast; ask for fewer items "
        "or choose a window with more throughput."
    )


# -- when will N be done ---------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class WhenForecast:
    """When ``items`` more items will be done: the trial lengths and their percentiles."""

    items: int
    trials: int
    seed: int
    window: Sample
    lengths: Ints
    days: dict[int, int]
    target: date | None = None
    probability: float | None = None
    method: str = WHEN_METHOD

    @property
    def start(self) -> date:
        """Day 1 of the forecast: the day after the window's end."""
        return day_of(self.window.end_day + 1)

    @property
    def dates(self) -> dict[int, date]:
        """Each percentile as the date it falls on (day n is ``start`` + n − 1)."""
        return {level: day_of(self.window.end_day + n) for level, n in self.days.items()}

    def to_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "question": "when",
            "items": self.items,
            "trials": self.trials,
            "seed": self.seed,
            "window": self.window.to_json(),
            "start": self.start.isoformat(),
            "percentiles": {str(level): day.isoformat() for level, day in self.dates.items()},
            "days": {str(level): n for level, n in self.days.items()},
            "mean_days": round(float(self.lengths.mean()), 4),
            "method": self.method,
        }
        if self.target is not None:
            shown["target"] = self.target.isoformat()
            shown["probability"] = self.probability
        return shown


def forecast_when(
    history: History,
    items: int,
    *,
    trials: int = 10_000,
    seed: int | None = None,
    window_days: int = 90,
    target: date | None = None,
    end_day: int | date | None = None,
) -> WhenForecast:
    """When ``items`` more items will be done, sampling the window's daily throughput.

    With ``target``, also the probability of being done on or before it.
    """
    if items <= 0:
        raise Invalid(
            f"A forecast for {items} items was refused: there must be something left to do; "
            "ask for 1 or more items."
        )
    check_trials(trials)
    window = daily_throughput(history, window_days=window_days, end_day=end_day)
    if target is not None and number_of(target) <= window.end_day:
        raise Invalid(_not_after_window("done by", target, window))
    rng, used = generator(seed)
    lengths = when_trials(window.counts, items, trials, rng)
    probability = None
    if target is not None:
        allowed = number_of(target) - window.end_day
        probability = float(np.count_nonzero(lengths <= allowed) / trials)
    return WhenForecast(
        items=items,
        trials=trials,
        seed=used,
        window=window,
        lengths=lengths,
        days=nearest_rank(np.sort(lengths)),
        target=target,
        probability=probability,
    )


# -- how many by a date ----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class HowManyForecast:
    """How many items will be done by ``by``: the trial totals and "p% chance of at least x"."""

    by: date
    trials: int
    seed: int
    window: Sample
    totals: Ints
    at_least: dict[int, int]
    method: str = HOW_MANY_METHOD

    @property
    def start(self) -> date:
        return day_of(self.window.end_day + 1)

    @property
    def horizon_days(self) -> int:
        return number_of(self.by) - self.window.end_day

    def to_json(self) -> dict[str, Any]:
        return {
            "question": "how-many",
            "by": self.by.isoformat(),
            "trials": self.trials,
            "seed": self.seed,
            "window": self.window.to_json(),
            "start": self.start.isoformat(),
            "horizon_days": self.horizon_days,
            "percentiles": {str(level): x for level, x in self.at_least.items()},
            "mean": round(float(self.totals.mean()), 4),
            "method": self.method,
        }


def forecast_how_many(
    history: History,
    by: date,
    *,
    trials: int = 10_000,
    seed: int | None = None,
    window_days: int = 90,
    end_day: int | date | None = None,
) -> HowManyForecast:
    """How many items will be done from the day after the window up to and including ``by``."""
    check_trials(trials)
    window = daily_throughput(history, window_days=window_days, end_day=end_day)
    horizon = number_of(by) - window.end_day
    if horizon <= 0:
        raise Invalid(_not_after_window("done by", by, window))
    if horizon > MAX_HORIZON_DAYS:
        raise Invalid(
            f"A forecast to {by} was refused: it is more than {MAX_HORIZON_DAYS // 365} years "
            "after the window, which is no forecast; ask for an earlier date."
        )
    rng, used = generator(seed)
    totals = how_many_trials(window.counts, horizon, trials, rng)
    return HowManyForecast(
        by=by,
        trials=trials,
        seed=used,
        window=window,
        totals=totals,
        at_least=at_least(np.sort(totals)),
    )


# -- checks ----------------------------------------------------------------------------------


def check_trials(trials: int, default: int = 10_000) -> None:
    """Refuse a number of trials outside 1 .. ``MAX_TRIALS``."""
    if not 0 < trials <= MAX_TRIALS:
        raise Invalid(
            f"{trials} trials were refused: a forecast runs between 1 and {MAX_TRIALS:,} "
            f"trials; ask for a number in that range ({default:,} is the default)."
        )


def _not_after_window(what: str, day: date, window: Sample) -> str:
    return (
        f"A forecast of what is {what} {day} was refused: the forecast starts after the "
        f"throughput window, which ends on {window.last}; ask for {day_of(window.end_day + 1)} "
        "or later."
    )


def _day_number(day: int | date) -> int:
    return number_of(day) if isinstance(day, date) else int(day)

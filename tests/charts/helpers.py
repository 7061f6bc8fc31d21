"""Histories for the figure tests: small ones written by hand, large ones made in columns.

Day numbers count days since 1970-01-01 (UTC), so day ``d`` begins at ``d * 86400`` seconds;
the hand-written histories start on day ``BASE`` (2026-01-05, a Monday).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import numpy as np

from pullflow.flow.history import (
    Catalogue,
    History,
    Kind,
    Learning,
    Moves,
    Workflow,
    number_of,
)

STAGES = ("Options", "Build", "Test", "Done")
BASE = number_of(date(2026, 1, 5))
DAY = 86_400.0


def at(day: float) -> float:
    """The moment ``day`` days after ``BASE`` (fractions are times within the day)."""
    return (BASE + day) * DAY


def on(day: int) -> str:
    """The ISO date of day ``day`` after ``BASE``."""
    return date.fromordinal(date(2026, 1, 5).toordinal() + day).isoformat()


def history(
    items: Mapping[str, Sequence[tuple[str, float]]],
    *,
    titles: Mapping[str, str] | None = None,
    stages: Sequence[str] = STAGES,
    as_of: float | None = None,
    learning: Learning | None = None,
) -> History:
    """Each item's (stage, day) entries, recorded as ENTER moves."""
    ids = list(items)
    item, when, stage = [], [], []
    for position, entries in enumerate(items.values()):
        for name, day in entries:
            item.append(position)
            when.append(at(day))
            stage.append(stages.index(name))
    names = [(titles or {}).get(i, f"title {i}") for i in ids]
    return History(
        Workflow(tuple(stages)),
        Catalogue.of(ids, names),
        Moves.of(item, when, [int(Kind.ENTER)] * len(item), stage),
        learning,
        as_of=at(as_of) if as_of is not None else None,
    )


def finished_items(cycle_times: Sequence[int], finish_day: int = 10) -> History:
    """Items that all finish on ``finish_day``, each with the given cycle time in days.

    An item with cycle time c enters Build on day ``finish_day - c + 1`` and Done on
    ``finish_day`` (Options the day before Build), so c = finish − start + 1.
    """
    items = {}
    for number, cycle in enumerate(cycle_times):
        start = finish_day - cycle + 1
        items[f"I{number}"] = [("Options", start - 1), ("Build", start), ("Done", finish_day)]
    return history(items)


def generated(count: int, days: int, *, open_share: float = 0.05, seed: int = 1) -> History:
    """``count`` items spread over ``days`` days, built column-wise (no per-item loop).

    Each item enters Options, Build, Test and Done in turn, a few days apart; a share of them
    stops in Build or Test (still in progress at the end).
    """
    rng = np.random.default_rng(seed)
    created = rng.uniform(0, days * 0.9, count)
    gaps = rng.exponential([1.0, 3.0, 2.0], size=(count, 3))
    times = np.column_stack([created, created[:, None] + np.cumsum(gaps, axis=1)])
    last_stage = np.where(rng.random(count) < open_share, rng.integers(1, 3, count), 3)
    item = np.repeat(np.arange(count), 4)
    stage = np.tile(np.arange(4), count)
    keep = stage <= np.repeat(last_stage, 4)
    when = (BASE + times.ravel()) * DAY
    ids = [f"PF-{n}" for n in range(count)]
    return History(
        Workflow(STAGES),
        Catalogue.of(ids, [f"Item number {n}" for n in range(count)]),
        Moves.of(item[keep], when[keep], np.zeros(int(keep.sum()), dtype=np.int8), stage[keep]),
        as_of=(BASE + days) * DAY,
    )

"""Nearest-rank percentiles and the summaries built from them.

The nearest-rank method takes, for percentile p of n sorted values, the value at rank
⌈p·n/100⌉ (1-based), so every percentile is a value that was observed:
[3,4,4,5,5,6,6,6,7,7] gives P50 = 5 and P85 = 7.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from pullflow.flow.history import Floats

LEVELS: tuple[int, ...] = (50, 70, 85, 95)
METHOD = "nearest rank: the value at rank ceil(p*n/100) of the n sorted values"


def rank_of(level: int, count: int) -> int:
    """The 1-based nearest rank of percentile ``level`` of ``count`` values: ⌈level·count/100⌉."""
    return max(1, -(-level * count // 100))


def nearest_rank(values: Floats, levels: Iterable[int] = LEVELS) -> dict[int, float | None]:
    """Percentiles of ``values`` (NaN ignored) by nearest rank; None for no values."""
    ordered = np.sort(values[~np.isnan(values)])
    count = len(ordered)
    result: dict[int, float | None] = {}
    for level in levels:
        if count == 0:
            result[level] = None
            continue
        result[level] = float(ordered[rank_of(level, count) - 1])
    return result


def sorted_nearest_rank(ordered: Floats, level: int) -> float:
    """One percentile of values already sorted (at least one)."""
    return float(ordered[rank_of(level, len(ordered)) - 1])


@dataclass(frozen=True)
class Summary:
    """Count, mean, nearest-rank percentiles and extremes of a set of durations."""

    count: int
    mean: float | None
    percentiles: dict[int, float | None]
    min: float | None
    max: float | None

    @staticmethod
    def of(values: Floats) -> Summary:
        known = values[~np.isnan(values)]
        if len(known) == 0:
            return Summary(0, None, dict.fromkeys(LEVELS), None, None)
        return Summary(
            count=len(known),
            mean=float(known.mean()),
            percentiles=nearest_rank(known),
            min=float(known.min()),
            max=float(known.max()),
        )

    def to_json(self, digits: int = 2) -> dict[str, Any]:
        shown = {f"p{level}": _rounded(value, digits) for level, value in self.percentiles.items()}
        return {
            "count": self.count,
            "mean": _rounded(self.mean, digits),
            **shown,
            "min": _rounded(self.min, digits),
            "max": _rounded(self.max, digits),
        }


def _rounded(value: float | None, digits: int) -> float | int | None:
    if value is None:
        return None
    rounded = round(value, digits)
    return int(rounded) if float(rounded).is_integer() else rounded

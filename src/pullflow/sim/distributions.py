"""Service-time distributions, given by their mean and coefficient of variation.

A scenario writes them as ``constant(2)``, ``exponential(2)``, ``lognormal(2, 0.5)``,
``gamma(2, 0.5)`` (mean, then CV), ``uniform(1, 3)`` (low, high) or ``empirical(1, 2, 2, 5)``
(observed values, drawn with replacement). Every draw comes from a numpy ``Generator``, so a
seed fixes every number a simulation produces.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

KINDS = ("constant", "exponential", "lognormal", "gamma", "uniform", "empirical")
_CALL = re.compile(r"^\s*(?P<kind>[a-z]+)\s*\((?P<args>[^()]*)\)\s*$", re.IGNORECASE)


class BadDistribution(ValueError):
    """A distribution that cannot be drawn from, with one sentence saying why."""


@dataclass(frozen=True)
class Distribution:
    """One distribution of durations (never negative)."""

    kind: str
    mean: float
    cv: float = 0.0
    low: float = 0.0
    high: float = 0.0
    samples: tuple[float, ...] = ()

    def draw(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> NDArray[np.float64]:
        """``size`` independent draws."""
        if self.kind == "constant" or (self.cv == 0 and self.kind in {"lognormal", "gamma"}):
            return np.full(size, self.mean, dtype=np.float64)
        if self.kind == "exponential":
            # The float32 ziggurat is five times faster here; 2^-24 granularity is plenty.
            unit = rng.standard_exponential(size, dtype=np.float32)
            return unit.astype(np.float64) * self.mean
        if self.kind == "lognormal":
            sigma2 = math.log1p(self.cv**2)
            return rng.lognormal(math.log(self.mean) - sigma2 / 2, math.sqrt(sigma2), size)
        if self.kind == "gamma":
            shape = 1 / self.cv**2
            return rng.gamma(shape, self.mean / shape, size)
        if self.kind == "uniform":
            return rng.uniform(self.low, self.high, size)
        return rng.choice(np.asarray(self.samples, dtype=np.float64), size=size, replace=True)

    @property
    def scv(self) -> float:
        """The squared coefficient of variation."""
        return self.cv**2

    def scaled(self, factor: float) -> Distribution:
        """The same shape with every duration multiplied by ``factor``."""
        return Distribution(
            self.kind,
            self.mean * factor,
            self.cv,
            self.low * factor,
            self.high * factor,
            tuple(value * factor for value in self.samples),
        )

    def text(self) -> str:
        """The distribution as a scenario writes it."""
        if self.kind in {"constant", "exponential"}:
            return f"{self.kind}({self.mean:g})"
        if self.kind in {"lognormal", "gamma"}:
            return f"{self.kind}({self.mean:g}, {self.cv:g})"
        if self.kind == "uniform":
            return f"uniform({self.low:g}, {self.high:g})"
        shown = ", ".join(f"{value:g}" for value in self.samples[:5])
        more = ", …" if len(self.samples) > 5 else ""
        return f"empirical({shown}{more})"


def constant(mean: float) -> Distribution:
    return _checked(Distribution("constant", float(mean)))


def exponential(mean: float) -> Distribution:
    return _checked(Distribution("exponential", float(mean), 1.0))


def empirical(samples: Any) -> Distribution:
    values = tuple(float(value) for value in samples)
    if not values:
        raise BadDistribution("empirical() needs at least one observed value.")
    mean = sum(values) / len(values)
    spread = float(np.std(values)) / mean if mean > 0 else 0.0
    return _checked(Distribution("empirical", mean, spread, min(values), max(values), values))


def parse(spec: Any) -> Distribution:
    """A distribution from a scenario's text (``lognormal(2, 0.5)``) or a plain number."""
    if isinstance(spec, bool):
        raise BadDistribution(f"{spec!r} is not a duration: write a number or constant(2).")
    if isinstance(spec, int | float):
        return constant(spec)
    match = _CALL.match(str(spec))
    if not match and "(" in str(spec) and ")" not in str(spec):
        raise BadDistribution(
            f"{spec!r} is cut short: inside {{…}} YAML splits at the comma, so quote it, as in "
            'service: "lognormal(2, 0.5)".'
        )
    if not match:
        raise BadDistribution(
            f"{spec!r} is not a distribution: write one of {', '.join(KINDS)} with its "
            "numbers, such as exponential(2) or lognormal(2, 0.5)."
        )
    kind = match.group("kind").lower()
    numbers = _numbers(match.group("args"), spec)
    return _make(kind, numbers, spec)


def _make(kind: str, numbers: list[float], spec: Any) -> Distribution:
    wanted = {"constant": 1, "exponential": 1, "lognormal": 2, "gamma": 2, "uniform": 2}
    if kind == "empirical":
        return empirical(numbers)
    if kind not in wanted:
        raise BadDistribution(
            f"{spec!r} names no distribution pullflow knows: use one of {', '.join(KINDS)}."
        )
    if len(numbers) != wanted[kind]:
        shape = "mean" if wanted[kind] == 1 else "low, high" if kind == "uniform" else "mean, cv"
        raise BadDistribution(f"{spec!r} was refused: {kind}() takes ({shape}).")
    if kind == "uniform":
        low, high = numbers
        if high < low:
            raise BadDistribution(f"{spec!r} was refused: low must not exceed high.")
        mean = (low + high) / 2
        cv = (high - low) / (math.sqrt(12) * mean) if mean > 0 else 0.0
        return _checked(Distribution("uniform", mean, cv, low, high))
    if kind in {"lognormal", "gamma"}:
        return _checked(Distribution(kind, numbers[0], numbers[1]))
    return constant(numbers[0]) if kind == "constant" else exponential(numbers[0])


def _numbers(text: str, spec: Any) -> list[float]:
    parts = [part.strip() for part in text.replace("[", "").replace("]", "").split(",")]
    try:
        return [float(part) for part in parts if part]
    except ValueError:
        raise BadDistribution(
            f"{spec!r} was refused: its arguments must be numbers, such as lognormal(2, 0.5)."
        ) from None


def _checked(distribution: Distribution) -> Distribution:
    values = (distribution.mean, distribution.cv, distribution.low, *distribution.samples)
    if any(not math.isfinite(value) or value < 0 for value in values):
        raise BadDistribution(
            f"{distribution.text()} was refused: durations cannot be negative or infinite."
        )
    if distribution.kind not in {"constant", "empirical"} and distribution.mean <= 0:
        raise BadDistribution(f"{distribution.text()} was refused: its mean must be above 0.")
    if distribution.kind in {"lognormal", "gamma"} and distribution.cv < 0:
        raise BadDistribution(f"{distribution.text()} was refused: a CV cannot be negative.")
    if distribution.kind == "uniform" and distribution.high < distribution.low:
        raise BadDistribution(f"{distribution.text()} was refused: low must not exceed high.")
    return distribution

"""Shared pieces of the import tests: the sample folder, day numbers, refusals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pullflow.domain.errors import Invalid
from pullflow.flow.history import number_of

SAMPLES = Path(__file__).parent / "samples"


def day(text: str) -> int:
    """The day number of an ISO date."""
    return number_of(date.fromisoformat(text))


def days(*texts: str | None) -> list[float]:
    """Day numbers of ISO dates, NaN for None."""
    return [float(day(text)) if text else float("nan") for text in texts]


def same(actual: Any, expected: Any) -> bool:
    return bool(
        np.array_equal(np.asarray(actual, float), np.asarray(expected, float), equal_nan=True)
    )


def refused(call: Callable[[], object]) -> str:
    """The message of the Invalid a call raises; the call must return nothing."""
    returned = None
    with pytest.raises(Invalid) as caught:
        returned = call()
    assert returned is None
    return caught.value.message


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_text(text, encoding=encoding)
    return path

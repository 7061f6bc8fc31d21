"""The figure of a Monte Carlo forecast: how its trials came out, with the chances marked.

A forecast is given as plain values, so any forecaster can be drawn: the trials' outcomes
(days after the start for *when will it be done*, items finished for *how many by a date*),
the outcome at each confidence level, the question, the start date and a title.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from pullflow.charts.common import finish, number_text, percentile_layers, percentile_rows
from pullflow.charts.errors import ChartError
from pullflow.charts.figures import Figure, bar_layer, bar_rows

Question = Literal["when", "how-many"]
QUESTIONS: tuple[Question, ...] = ("when", "how-many")


@dataclass(frozen=True, eq=False)
class ForecastFigure:
    """A forecast to show in a report: its trials, chances, question, start, title and summary.

    ``percentiles`` maps a confidence level ("85", "P85" or "85%") to the outcome at that
    level: days after ``start`` or a date (ISO text or ``date``) for "when", an item count
    for "how-many". ``summary`` is the one sentence that says what the forecast found.
    """

    outcomes: NDArray[Any]
    percentiles: Mapping[str, float | int | str | date]
    question: Question
    start: date
    title: str
    summary: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def chart(self) -> Figure:
        return forecast_distribution(
            self.outcomes,
            self.percentiles,
            question=self.question,
            start=self.start,
            title=self.title,
        )


def forecast_distribution(
    outcomes: NDArray[Any],
    percentiles: Mapping[str, float | int | str | date],
    *,
    question: Question,
    start: date,
    title: str,
) -> Figure:
    """A histogram of the trials' outcomes with a labelled rule at each confidence level."""
    if question not in QUESTIONS:
        raise ChartError(
            f"The forecast chart was refused: the question {question!r} is neither 'when' nor "
            "'how-many'; give one of those."
        )
    values = np.asarray(outcomes, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    when = question == "when"
    unit = "days" if when else "items"
    rows = bar_rows(values, unit, from_top=not when)
    if when:
        for row in rows:
            row["value"] = f"{row['value']} ({day_date(start, (row['start'] + row['end']) / 2)})"
    levels, texts = confidence_levels(percentiles, start=start, when=when)
    columns = bar_layer(
        "bars",
        f"Days needed (day 1 is {start.isoformat()})" if when else "Items finished",
        "Trials (count)",
        "Trials",
        "Chance of being done by then" if when else "Chance of at least this many",
        zero=False,
    )
    trials = len(values)
    reading = (
        "A level's line is the day by which that share of trials had finished."
        if when
        else "A level's line is the count that share of trials reached or passed."
    )
    return finish(
        [columns, *percentile_layers("percentiles", "x")],
        title=title,
        subtitle=[f"{trials:,} trials from {start.isoformat()}. {reading}"],
        description=(
            f"Histogram of {trials} forecast trials: "
            + ("days until done" if when else "items finished")
            + ", with the outcome at each confidence level as a line."
        ),
        datasets={
            "bars": rows,
            "percentiles": percentile_rows(levels, unit, texts, name=lambda level: f"{level}%"),
        },
    )


def confidence_levels(
    percentiles: Mapping[str, float | int | str | date], *, start: date, when: bool
) -> tuple[dict[int, float | None], dict[int, str]]:
    """Each level as a number and where its line goes, with the text of its label."""
    levels: dict[int, float | None] = {}
    texts: dict[int, str] = {}
    for key, given in percentiles.items():
        level = level_of(key)
        if when:
            offset = day_offset(given, start)
            levels[level] = offset
            texts[level] = f"by {day_date(start, offset)} ({number_text(offset)} days)"
        else:
            count = number_of_items(given, key)
            levels[level] = count
            texts[level] = f"{number_text(count)} items or more"
    return levels, texts


def level_of(key: str) -> int:
    text = str(key).strip().lstrip("Pp").rstrip("%").strip()
    if not text.isdigit() or not 0 < int(text) < 100:
        raise ChartError(
            f"The forecast chart was refused: {key!r} is not a confidence level; name levels "
            "as whole percentages such as '85', 'P85' or '85%'."
        )
    return int(text)


def day_offset(given: float | int | str | date, start: date) -> float:
    """Days needed for an outcome given as a number of days or as the date it falls on.

    Day 1 is ``start`` itself, as in the forecasts: an outcome on ``start`` took 1 day.
    """
    if isinstance(given, date):
        return float((given - start).days + 1)
    if isinstance(given, str):
        try:
            return float((date.fromisoformat(given.strip()[:10]) - start).days + 1)
        except ValueError:
            pass
        try:
            return float(given)
        except ValueError:
            raise ChartError(
                f"The forecast chart was refused: {given!r} is neither a date nor a number of "
                "days; give dates as YYYY-MM-DD."
            ) from None
    return float(given)


def number_of_items(given: float | int | str | date, key: str) -> float:
    try:
        return float(given)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ChartError(
            f"The forecast chart was refused: the outcome {given!r} at level {key} is not a "
            "number of items; give item counts as numbers."
        ) from None


def day_date(start: date, days: float) -> str:
    """The date of day ``days`` of a forecast whose day 1 is ``start``."""
    return (start + timedelta(days=int(np.floor(days)) - 1)).isoformat()

"""The forecast figure: trials as bars, each confidence level as a labelled rule."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from pullflow.charts.errors import ChartError
from pullflow.charts.forecasts import ForecastFigure, forecast_distribution

START = date(2026, 1, 5)


def test_when_bars_count_trials_per_day_and_rules_accept_days_or_dates() -> None:
    outcomes = np.array([10, 10, 11, 12, 12, 12])
    drawn = forecast_distribution(
        outcomes, {"50": 11, "P85": "2026-01-17"}, question="when", start=START, title="When?"
    ).to_dict()
    bars = [(row["start"], row["count"], row["running"]) for row in drawn["datasets"]["bars"]]
    # 10 ×2, 11 ×1, 12 ×3 of 6 trials; done by then: 2/6, 3/6, 6/6.
    assert bars == [(9.5, 2, 2 / 6), (10.5, 1, 3 / 6), (11.5, 3, 1.0)]
    # Day 1 is 2026-01-05, as in the forecasts: 2026-01-17 is day 13, and day 11 is 2026-01-15.
    rules = [(row["value"], row["label"]) for row in drawn["datasets"]["percentiles"]]
    assert rules == [
        (11.0, "50%: by 2026-01-15 (11 days)"),
        (13.0, "85%: by 2026-01-17 (13 days)"),
    ]
    assert drawn["datasets"]["bars"][0]["value"] == "10 days (2026-01-14)"
    assert drawn["title"]["text"] == "When?"
    assert drawn["layer"][0]["encoding"]["x"]["title"] == "Days needed (day 1 is 2026-01-05)"


def test_how_many_running_share_is_the_chance_of_at_least_that_many() -> None:
    outcomes = np.array([10, 10, 11, 12, 12, 12])
    drawn = forecast_distribution(
        outcomes, {"85%": 10}, question="how-many", start=START, title="How many?"
    ).to_dict()
    # At least 10: 6/6; at least 11: 4/6; at least 12: 3/6.
    assert [row["running"] for row in drawn["datasets"]["bars"]] == [1.0, 4 / 6, 3 / 6]
    assert drawn["datasets"]["percentiles"][0]["label"] == "85%: 10 items or more"
    assert drawn["layer"][0]["encoding"]["x"]["title"] == "Items finished"


def test_a_forecast_figure_draws_its_own_chart() -> None:
    figure = ForecastFigure(np.array([3, 4]), {"50": 3}, "when", START, "Done by?", "Soon.")
    assert figure.chart().to_dict()["datasets"]["percentiles"][0]["value"] == 3.0


@pytest.mark.parametrize(
    ("percentiles", "question", "sentence"),
    [
        ({"50": 3}, "whenever", "neither 'when' nor 'how-many'"),
        ({"most": 3}, "when", "is not a confidence level"),
        ({"50": "soon"}, "when", "neither a date nor a number of days"),
        ({"50": "many"}, "how-many", "is not a number of items"),
    ],
)
def test_bad_forecast_values_are_refused_with_a_sentence(
    percentiles: dict, question: str, sentence: str
) -> None:
    with pytest.raises(ChartError, match=sentence):
        forecast_distribution(
            np.array([1, 2]), percentiles, question=question, start=START, title="t"
        )

"""The HTML report: one offline page with the key figures, every chart and the forecasts."""

from __future__ import annotations

import html
import json
import re
from datetime import date

import numpy as np
import pytest

from pullflow.charts.forecasts import ForecastFigure
from pullflow.charts.output import javascript_bundle
from pullflow.charts.report import report
from pullflow.flow.history import ExperimentRecord, HypothesisRecord, Learning
from pullflow.flow.metrics import FlowMetrics, measure
from tests.charts.helpers import at, history
from tests.charts.test_output import EXTERNAL, embedded_specs

# Days after 2026-01-05; the history ends with D's delivery on day 8 (window days 0–8).
#   A  Options d0, Build d1, Test d2, Done d3     cycle 3 − 1 + 1 = 3, lead 3 − 0 + 1 = 4
#   B  Options d0, Build d2, Done d2 (no Test)    cycle 1, lead 3
#   C  Options d0, Build d1, Test d6              open: age 8 − 1 + 1 = 8 on day 8
#   D  Options d0, Build d2, Test d5, Done d8     cycle 7, lead 9
#   E  Options d1                                 not started
ITEMS = {
    "A": [("Options", 0), ("Build", 1), ("Test", 2), ("Done", 3)],
    "B": [("Options", 0), ("Build", 2), ("Done", 2)],
    "C": [("Options", 0), ("Build", 1), ("Test", 6)],
    "D": [("Options", 0), ("Build", 2), ("Test", 5), ("Done", 8)],
    "E": [("Options", 1)],
}
TITLES = {"C": "Payments & <refunds>"}
# Hypothesis 1 stated d0, validated d3: 3 − 0 + 1 = 4 days to verdict; hypothesis 2 open.
# Experiment 1 (A) concluded d3: 1 concluded in 9 days = 7/9 ≈ 0.78 a week; A is 1 of 3 done.
LEARNING = Learning(
    hypotheses=(
        HypothesisRecord(1, at(0), "validated", at(3)),
        HypothesisRecord(2, at(1), "open"),
    ),
    experiments=(ExperimentRecord(1, 1, at(0), (0,), at(3), "validated", "keep"),),
)


@pytest.fixture(scope="module")
def metrics() -> FlowMetrics:
    return measure(history(ITEMS, titles=TITLES, learning=LEARNING))


@pytest.fixture(scope="module")
def page(metrics: FlowMetrics) -> str:
    forecast = ForecastFigure(
        np.array([5, 6, 6, 7]),
        {"50": 6, "85": 7},
        "when",
        date(2026, 1, 14),
        "When will the next 10 items be done?",
        "85% chance: by 2026-01-21.",
    )
    backtest = {
        "cuts": 24,
        "hit_rate": {"50": 0.5, "70": 0.625, "85": 0.875, "95": 0.9583},
        "verdict": "The forecasts were about as often right as they claimed.",
    }
    return report(
        metrics,
        title="Team <script>alert(1)</script> flow",
        forecasts=[forecast],
        backtest=backtest,
        source="board Team A",
    )


def row(name: str, *values: str) -> str:
    cells = "".join(
        f'<td class="number">{v}</td>' if re.fullmatch(r"[-\d.,]+|—", v) else f"<td>{v}</td>"
        for v in values
    )
    return f'<tr><th scope="row">{name}</th>{cells}</tr>'


def test_the_title_is_escaped(page: str) -> None:
    assert "<script>alert(1)</script>" not in page
    assert "<h1>Team &lt;script&gt;alert(1)&lt;/script&gt; flow</h1>" in page
    assert "<title>Team &lt;script&gt;alert(1)&lt;/script&gt; flow</title>" in page


def test_the_page_fetches_nothing_and_carries_the_bundle_once(page: str) -> None:
    assert not EXTERNAL.search(page)
    assert page.count(javascript_bundle()) == 1
    # Two plain scripts: the bundle and the loader; the rest are JSON specifications.
    assert page.count("<script>") == 2


def test_every_chart_and_the_forecast_is_on_the_page(page: str) -> None:
    titles = [spec["title"]["text"] for spec in embedded_specs(page)]
    assert titles == [
        "Cumulative flow",
        "Cycle time of finished items",
        "Aging work in progress",
        "Throughput",
        "Cycle-time distribution",
        "Work in progress",
        "When will the next 10 items be done?",
    ]
    assert "<h3>When will the next 10 items be done?</h3>" in page
    assert "<p>85% chance: by 2026-01-21.</p>" in page
    assert page.count('role="img" aria-label="') == 7


def test_the_header_names_window_stages_points_and_time_zone(page: str) -> None:
    assert "2026-01-05 to 2026-01-13 (9 days, time zone UTC)" in page
    assert "Options → Build → Test → Done" in page
    assert "<dt>Commitment point</dt><dd>Build (" in page
    assert "<dt>Delivery point</dt><dd>Done (" in page
    assert "<dt>History</dt><dd>board Team A</dd>" in page


def test_item_counts(page: str) -> None:
    assert row("Completed in the window", "3") in page
    assert row("In progress at the window&#x27;s end", "1") in page
    assert row("Discarded in the window", "0") in page
    assert row("Not started by the window&#x27;s end", "1") in page


def test_cycle_and_lead_times_with_the_method(page: str) -> None:
    # Cycle [1, 3, 7]: mean 11/3 = 3.67, P50 rank 2 = 3, P70/P85/P95 rank 3 = 7.
    # Lead [3, 4, 9]: mean 16/3 = 5.33, P50 4, then 9.
    assert row("Items", "3", "3") in page
    assert row("Mean", "3.67", "5.33") in page
    assert row("P50", "3", "4") in page
    assert row("P85", "7", "9") in page
    assert row("Max", "7", "9") in page
    assert "Percentiles by nearest rank: the value at rank ceil(p*n/100)" in page
    assert (
        "85% of items finish in 7 days or less (50% in 3 days, 70% in 7 days, 95% in 7 days or "
        "less)." in page
    )


def test_flow_figures(page: str) -> None:
    # Finished on d2, d3, d8: 3 in 9 days = 0.33 a day, 6 days with none.
    assert row("Throughput: items finished", "3") in page
    assert row("Throughput: mean per day", "0.33") in page
    assert row("Days with nothing finished", "6 of 9") in page
    # WIP at each day's end d0–d8: 0, 2 (A C), 3 (A C D; B started and finished d2), 2, 2, 2,
    # 2, 2, 1 (C): mean 16/9 = 1.78, most 3, now 1. Started A B C D = 4, net 4 − 3 = 1.
    assert row("WIP at the window&#x27;s end", "1") in page
    assert row("WIP: mean per day", "1.78") in page
    assert row("WIP: most on one day", "3") in page
    assert row("Net flow (arrivals − departures)", "1") in page
    # No waiting stages or lanes: all time from Build to Done is active.
    assert row("Flow efficiency (active ÷ cycle time)", "100.0%") in page
    assert row("Blocked time", "0 days over 0 items") in page


def test_littles_law_predicted_measured_and_each_broken_assumption(
    page: str, metrics: FlowMetrics
) -> None:
    # Predicted 1.78 / 0.33 = 16/3 = 5.33, or 6.33 counting both end days; measured mean cycle
    # time 3.67; gap 3.67 − 6.33 = −2.67.
    assert row("Predicted mean cycle time: WIP ÷ throughput (days)", "5.33") in page
    assert row("The same counting both end days: WIP ÷ throughput + 1 (days)", "6.33") in page
    assert row("Measured mean cycle time (days)", "3.67") in page
    assert row("Gap: measured − predicted counting both end days", "-2.67") in page
    # Arrivals 4 and departures 3 differ by more than 10%.
    assert any(key == "arrivals_equal_departures" for key, _ in metrics.littles_law.violations)
    for _, sentence in metrics.littles_law.violations:
        assert f"<li>{html.escape(sentence)}</li>" in page


def test_time_in_each_stage(page: str) -> None:
    # Build: A 1, B 0, C 5, D 3 days → mean 2.25, sorted [0, 1, 3, 5]: P50 1, P85 5.
    # Test: A 1, C 2 (d6 to the end on d8), D 3 → mean 2, P50 2, P85 3.
    assert row("Build", "4", "2.25", "1", "5", "5") in page
    assert row("Test", "3", "2", "2", "3", "3") in page


def test_items_at_risk_are_listed_with_escaped_titles(page: str) -> None:
    # C is 8 days old, above the P85 of 7; all 3 finished items took ≤ 8 days: pace 100%.
    assert (
        "1 of 1 items in progress at the end of 2026-01-13 are older than the cycle-time P85"
        in page
    )
    assert row("C", "Payments &amp; &lt;refunds&gt;", "Test", "8", "100%") in page


def test_learning_figures(page: str) -> None:
    assert row("Hypotheses given a verdict", "1") in page
    assert row("Time to verdict: P50 (days)", "4") in page
    assert row("Experiments concluded per week", "0.78") in page
    assert row("Hypotheses validated", "1") in page
    assert row("Hypotheses still open", "1") in page
    assert "<td>1 of 3 (33.3%)</td>" in page


def test_backtest_table(page: str) -> None:
    assert "24 cuts" in page
    assert row("P85", "85%", "87.5%") in page
    assert row("P95", "95%", "95.8%") in page
    assert "<p>The forecasts were about as often right as they claimed.</p>" in page


def test_no_learning_no_forecast_no_backtest_sections() -> None:
    plain = report(measure(history(ITEMS)), title="Plain")
    assert "<h3>Learning</h3>" not in plain
    assert 'id="forecasts"' not in plain
    assert 'id="backtest"' not in plain
    assert len(embedded_specs(plain)) == 6
    for spec in embedded_specs(plain):
        json.dumps(spec, allow_nan=False)

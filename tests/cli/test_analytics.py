"""``pullflow metrics`` and ``pullflow forecast`` on a board, end to end on both backends.

The board (Options, Build:3, Measure:2, Learn:2, Done; capacity signal), as of 6 November:

    #1  Build 2 Nov, Measure 3 Nov, Learn 4 Nov, delivered 5 Nov      cycle 4 days
    #2  Build, Measure, Learn and delivered on 3 Nov                  cycle 1 day
    #3  Build 4 Nov                                                   in progress, 3 days old
    #4  in the options                                                not started
"""

from __future__ import annotations

import pytest

from tests.cli.helpers import Cli, moment, sqlite_only, work_through


@pytest.fixture
def worked(capacity: Cli) -> Cli:
    return work_through(capacity, 4)


def test_metrics_json_holds_the_contracted_figures(worked: Cli) -> None:
    metrics = worked.json("metrics")
    assert metrics["items"]["completed"] == 2
    assert metrics["items"]["in_progress"] == 1
    assert metrics["items"]["discarded"] == 0
    # Cycle times 1 and 4: P50 is rank 1 → 1, P70, P85, P95 rank 2 → 4.
    cycle = metrics["cycle_time"]
    assert {key: cycle[key] for key in ("count", "mean", "p50", "p70", "p85", "p95", "max")} == {
        "count": 2,
        "mean": 2.5,
        "p50": 1,
        "p70": 4,
        "p85": 4,
        "p95": 4,
    } | {"max": 4}
    # 2–6 November: finished on the 3rd and the 5th; WIP 1, 1, 2, 1, 1.
    assert metrics["throughput"]["total"] == 2
    assert metrics["throughput"]["days"] == 5
    assert metrics["throughput"]["per_day_mean"] == pytest.approx(0.4)
    assert [d["count"] for d in metrics["throughput"]["per_day"]] == [0, 1, 0, 1, 0]
    assert metrics["wip"] == metrics["wip"] | {"current": 1, "mean": 1.2}
    little = metrics["littles_law"]
    assert little["predicted_cycle_time"] == pytest.approx(1.2 / 0.4)
    assert little["predicted_cycle_time_counting_both_days"] == pytest.approx(1.2 / 0.4 + 1)
    assert little["measured_cycle_time"] == pytest.approx(2.5)
    assert isinstance(little["violations"], list)
    # #3, pulled on the 4th, is 3 days old on the 6th; 1 of the 2 cycle times is ≤ 3.
    assert metrics["aging"]["items"][0] | {"pace": 50.0} == {
        "id": "3",
        "title": "item 3",
        "stage": "Build",
        "age": 3,
        "pace": 50.0,
        "at_risk": False,
    }


def test_a_window_and_a_class_filter_narrow_the_metrics(worked: Cli) -> None:
    narrowed = worked.json("metrics", "--from", "2026-11-04", "--to", "2026-11-05")
    assert narrowed["items"]["completed"] == 1
    assert narrowed["cycle_time"]["max"] == 4
    standard = worked.json("metrics", "--class", "standard")
    assert standard["items"]["completed"] == 2
    refused = worked.fails(2, "metrics", "--class", "expedite")
    assert refused.error == (
        "No item matches class expedite, so there is nothing to measure: loosen the filters."
    )


def test_the_boards_commitment_point_moves_the_start(worked: Cli) -> None:
    # Committed at Measure: #1 starts on the 3rd (cycle 3), #2 on the 3rd (cycle 1).
    assert worked.json("metrics", "--commitment", "Measure")["cycle_time"]["max"] == 3


def test_metrics_print_tables_with_the_method_stated(worked: Cli) -> None:
    shown = worked.ok("metrics").text
    assert "Flow of the board, 2026-11-02 to 2026-11-06 (5 days, UTC)" in shown
    assert "85% of items finish in 4 days or less." in shown
    assert "nearest rank" in shown
    assert "Little's Law" in shown


def test_forecast_when_is_seeded_and_reproducible(worked: Cli) -> None:
    first = worked.json("forecast", "when", "5", "--seed", "7", "--trials", "2000")
    again = worked.json("forecast", "when", "5", "--seed", "7", "--trials", "2000")
    assert first == again
    assert first["trials"] == 2000
    assert set(first["percentiles"]) == {"50", "70", "85", "95"}
    # The window ends at the board's last event (#1 delivered on the 5th), not today.
    assert first["window"]["last"] == "2026-11-05"
    assert first["start"] == "2026-11-06"
    assert first["percentiles"]["50"] <= first["percentiles"]["95"]


def test_forecast_how_many_gives_at_least_counts(worked: Cli) -> None:
    forecast = worked.json("forecast", "how-many", "--by", "2026-11-20", "--seed", "1")
    assert forecast["trials"] == 10_000
    levels = forecast["percentiles"]
    # The more certain, the fewer: 95% chance of at least ≤ 50% chance of at least.
    assert levels["95"] <= levels["85"] <= levels["70"] <= levels["50"]


@sqlite_only
def test_a_backtest_needs_enough_history(worked: Cli) -> None:
    result = worked.fails(2, "forecast", "backtest")
    assert "days" in result.error


@sqlite_only
def test_bad_analytics_input_gets_one_sentence(worked: Cli) -> None:
    assert "write the date as YYYY-MM-DD" in worked.fails(2, "metrics", "--from", "May").error
    assert "there is no such stage" in worked.fails(2, "metrics", "--commitment", "Lab").error
    assert "KEY=VALUE" in worked.fails(2, "metrics", "--where", "colour").error
    assert "--by" in worked.fails(2, "forecast", "how-many", "--by", "soon").error
    assert "1 or more" in worked.fails(2, "forecast", "when", "0").error
    refused = worked.fails(2, "forecast", "how-many", "--by", "2026-11-01")
    assert "2026-11-06" in refused.error


def test_item_types_on_a_board_filter_its_metrics(worked: Cli) -> None:
    worked.at(moment(6, 11))
    bug = worked.add("broken link", "--type", "bug")
    worked.ok("pull", "Build", str(bug))
    worked.at(moment(6, 12))
    bugs = worked.json("metrics", "--type", "bug")
    assert bugs["items"]["in_progress"] == 1
    assert bugs["items"]["completed"] == 0
    assert [item["id"] for item in bugs["aging"]["items"]] == [str(bug)]

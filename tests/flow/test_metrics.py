"""Flow metrics on small histories computed by hand (DESIGN section 4).

The main history, days from 2026-01-05 (a Monday), stages Options → Build → Test → Done:

    A  Options d0, Build d1,   Test d2,  Done d3                          cycle 3, lead 4
    B  Options d0, Build d1.5, Done d1.8 (skips Test)                     cycle 1 (same day)
    C  Options d0, Build d4,   Test d6                                    open, age 5 on d8
    D  Options d0, Build d2,   Test d5, back to Build d5.5, Test d7, Done d8    cycle 7
    E  Options d1, Build d2, discarded d3                                 neither started nor done
    F  Options d0                                                         not started

The history ends with D's delivery on day 8, so the default window is days 0–8.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from pullflow.domain.errors import Invalid
from pullflow.flow.history import ExperimentRecord, HypothesisRecord, Learning
from pullflow.flow.metrics import Window, measure
from pullflow.flow.percentiles import Summary, nearest_rank
from tests.flow.helpers import ORIGIN_DATE, day, history, through

MAIN = {
    "A": through(("Options", 0), ("Build", 1), ("Test", 2), ("Done", 3)),
    "B": through(("Options", 0), ("Build", 1.5), ("Done", 1.8)),
    "C": through(("Options", 0), ("Build", 4), ("Test", 6)),
    "D": [
        *through(("Options", 0), ("Build", 2), ("Test", 5), ("Build", 5.5), ("Test", 7)),
        ("enter", 8, "Done"),
    ],
    "E": [*through(("Options", 1), ("Build", 2)), ("discard", 3)],
    "F": through(("Options", 0)),
}


def on(offset: int) -> date:
    return date.fromordinal(ORIGIN_DATE.toordinal() + offset)


@pytest.fixture
def main() -> dict:
    return measure(history(MAIN)).to_json()


def test_nearest_rank_percentiles_follow_the_design_example() -> None:
    values = np.array([3, 4, 4, 5, 5, 6, 6, 6, 7, 7], dtype=float)
    assert nearest_rank(values) == {50: 5.0, 70: 6.0, 85: 7.0, 95: 7.0}
    assert nearest_rank(np.array([])) == {50: None, 70: None, 85: None, 95: None}
    assert Summary.of(np.array([np.nan, 2.0])).count == 1


def test_items_are_counted_by_where_they_are_at_the_windows_end(main: dict) -> None:
    assert main["items"] == {
        "completed": 3,
        "in_progress": 1,
        "discarded": 1,
        "not_started": 1,
        "went_backwards": 1,
    }


def test_cycle_time_counts_calendar_days_both_ends_included(main: dict) -> None:
    # cycle times 3, 1, 7 → sorted 1, 3, 7: P50 rank 2 → 3; P70, P85, P95 rank 3 → 7.
    cycle = main["cycle_time"]
    assert (cycle["count"], cycle["min"], cycle["max"]) == (3, 1, 7)
    assert cycle["mean"] == pytest.approx(11 / 3, abs=0.01)
    assert (cycle["p50"], cycle["p70"], cycle["p85"], cycle["p95"]) == (3, 7, 7, 7)
    assert "nearest rank" in cycle["method"]
    assert main["sle"]["statement"] == "85% of items finish in 7 days or less."


def test_lead_time_runs_from_creation(main: dict) -> None:
    # A 0→3: 4 days, B 0→1: 2 days, D 0→8: 9 days.
    lead = main["lead_time"]
    assert (lead["min"], lead["p50"], lead["max"]) == (2, 4, 9)


def test_throughput_counts_every_day_of_the_window_zeros_included(main: dict) -> None:
    throughput = main["throughput"]
    assert [d["count"] for d in throughput["per_day"]] == [0, 1, 0, 1, 0, 0, 0, 0, 1]
    assert throughput["per_day"][0]["date"] == "2026-01-05"
    assert (throughput["total"], throughput["days"], throughput["days_with_none"]) == (3, 9, 6)
    assert throughput["per_day_mean"] == pytest.approx(3 / 9, abs=1e-4)
    # Week of Monday 5 January: B and A; week of 12 January: D, over two days of the window.
    assert throughput["per_week"] == [
        {"week": "2026-01-05", "count": 2, "days": 7},
        {"week": "2026-01-12", "count": 1, "days": 2},
    ]


def test_wip_is_an_end_of_day_snapshot_without_discarded_items(main: dict) -> None:
    # d0 none; d1 A (B came and went); d2 A, D; d3 D; d4–d7 D, C; d8 C.
    assert [d["count"] for d in main["wip"]["per_day"]] == [0, 1, 2, 1, 2, 2, 2, 2, 1]
    assert main["wip"]["current"] == 1
    assert main["wip"]["mean"] == pytest.approx(13 / 9, abs=1e-4)


def test_net_flow_is_arrivals_less_departures(main: dict) -> None:
    assert main["net_flow"] == {"arrivals": 4, "departures": 3, "net": 1}


def test_cfd_counts_items_that_reached_a_stage_or_a_later_one(main: dict) -> None:
    cfd = main["cfd"]
    assert cfd["stages"] == ["Options", "Build", "Test", "Done"]
    # End of day 2: Options A B C D F; Build A B D; Test A and B (B skipped it for Done); Done B.
    assert cfd["counts"][2] == [5, 3, 2, 1]
    assert cfd["counts"][8] == [5, 4, 4, 3]
    counts = np.array(cfd["counts"])
    assert (np.diff(counts, axis=0) >= 0).all()


def test_aging_wip_gives_each_open_item_its_age_pace_and_risk(main: dict) -> None:
    # C started on day 4 and is 5 days old on day 8; 2 of the 3 cycle times are ≤ 5.
    assert main["aging"]["items"] == [
        {"id": "C", "title": "title C", "stage": "Test", "age": 5, "pace": 66.7, "at_risk": False}
    ]
    assert main["aging"]["at_risk"] == 0


def test_an_item_older_than_p85_is_at_risk() -> None:
    items = {
        "A": through(("Build", 0), ("Done", 1)),  # cycle 2
        "B": through(("Build", 1), ("Done", 2)),  # cycle 2
        "C": through(("Build", 2), ("Test", 3)),  # open: age 4 on day 5 > P85 = 2
        "D": through(("Build", 5)),  # open: age 1
    }
    aging = measure(history(items)).to_json()["aging"]
    assert [(i["id"], i["age"], i["at_risk"]) for i in aging["items"]] == [
        ("C", 4, True),
        ("D", 1, False),
    ]
    assert aging["items"][0]["stage"] == "Test"
    assert aging["at_risk"] == 1


def test_time_in_stage_counts_every_visit(main: dict) -> None:
    # Build: A 1, B 0.3, C 2, D 3 + 1.5 = 4.5 days; Test: A 1, C 2 (until day 8), D 0.5 + 1.
    build, test = main["time_in_stage"]
    assert (build["stage"], build["items"]) == ("Build", 4)
    assert build["days"]["mean"] == pytest.approx((1 + 0.3 + 2 + 4.5) / 4, abs=0.01)
    assert build["days"]["max"] == 4.5
    assert test["items"] == 3
    assert test["days"]["mean"] == pytest.approx((1 + 2 + 1.5) / 3, abs=0.01)


def test_littles_law_compares_prediction_with_measurement(main: dict) -> None:
    little = main["littles_law"]
    assert little["predicted_cycle_time"] == pytest.approx((13 / 9) / (3 / 9), abs=1e-3)
    # End-of-day WIP holds an item on (cycle − 1) days, hence the + 1 on that convention.
    assert little["predicted_cycle_time_counting_both_days"] == pytest.approx(
        (13 / 9) / (3 / 9) + 1, abs=1e-3
    )
    assert little["measured_cycle_time"] == pytest.approx(11 / 3, abs=1e-3)
    assert little["gap"] == pytest.approx(11 / 3 - 13 / 3, abs=1e-3)
    broken = {v["assumption"] for v in little["violations"]}
    # 4 arrivals against 3 departures; E was discarded; WIP 0 at the start and 1 at the end.
    assert {"arrivals_equal_departures", "all_started_work_finishes", "wip_steady"} <= broken
    assert all(v["message"].endswith(".") for v in little["violations"])


def test_a_steady_window_breaks_no_assumption_of_littles_law() -> None:
    # One item a day, each in progress over two calendar days: end-of-day WIP 1, throughput 1,
    # so 1 / 1 = 1 day predicted, 1 + 1 = 2 counting both end days, as measured; arrivals, WIP
    # and age are steady.
    items = {f"i{n}": through(("Build", n), ("Done", n + 1)) for n in range(30)}
    measured = measure(history(items), Window(on(5), on(25))).to_json()["littles_law"]
    assert measured["violations"] == []
    assert measured["predicted_cycle_time"] == pytest.approx(1.0)
    assert measured["predicted_cycle_time_counting_both_days"] == pytest.approx(2.0)
    assert measured["measured_cycle_time"] == pytest.approx(2.0)
    assert measured["gap_counting_both_days"] == pytest.approx(0.0)


def test_a_window_narrows_every_figure() -> None:
    metrics = measure(history(MAIN), Window(on(2), on(5))).to_json()
    # Only A finished within days 2–5; WIP on days 2–5 is 2, 1, 2, 2.
    assert metrics["items"]["completed"] == 1
    assert metrics["cycle_time"]["max"] == 3
    assert [d["count"] for d in metrics["wip"]["per_day"]] == [2, 1, 2, 2]
    assert metrics["throughput"]["days"] == 4
    # At the end of day 5, C and D are in progress.
    assert metrics["items"]["in_progress"] == 2


def test_a_window_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(Invalid, match="its end comes before its start"):
        measure(history(MAIN), Window(on(5), on(2)))


def test_an_empty_history_is_refused() -> None:
    with pytest.raises(Invalid, match="no recorded moves"):
        measure(history({}))


def test_days_follow_the_workflows_time_zone() -> None:
    # Build at 23:30 UTC on 5 January = 00:30 on the 6th in Berlin; Done at 22:30 UTC on the
    # 6th = 23:30 in Berlin: the same local day there, two days in UTC.
    items = {"A": through(("Build", 23.5 / 24), ("Done", 1 + 22.5 / 24))}
    assert measure(history(items, timezone="Europe/Berlin")).to_json()["cycle_time"]["max"] == 1
    assert measure(history(items)).to_json()["cycle_time"]["max"] == 2


def test_exact_hours_are_an_option() -> None:
    items = {"A": through(("Build", 23.5 / 24), ("Done", 1 + 22.5 / 24))}
    cycle = measure(history(items), hours=True).to_json()["cycle_time"]
    assert cycle["unit"] == "hours"
    assert cycle["max"] == pytest.approx(23.0)


def test_flow_efficiency_counts_doing_lanes_that_are_not_blocked() -> None:
    # Build doing d1–d2 (1 day), its done lane d2–d3, Test doing d3–d3.5, blocked to d4,
    # doing d4–d4.5, done lane until delivery on d5: 2 active days of a 4-day cycle.
    items = {
        "G": [
            ("enter", 0, "Options"),
            ("enter", 1, "Build"),
            ("finish", 2),
            ("enter", 3, "Test"),
            ("block", 3.5),
            ("unblock", 4),
            ("finish", 4.5),
            ("enter", 5, "Done"),
        ]
    }
    metrics = measure(history(items, lanes=True)).to_json()
    assert metrics["flow_efficiency"] == pytest.approx(0.5)
    assert metrics["blocked"] == {"days": 0.5, "items": 1}


def test_without_lanes_all_working_time_is_active_and_that_is_said(main: dict) -> None:
    assert main["flow_efficiency"] == pytest.approx(1.0)
    assert any("flow efficiency" in note for note in main["notes"])
    assert any("went back" in note for note in main["notes"])


def test_the_commitment_and_delivery_points_move_start_and_finish() -> None:
    # Committed at Test, delivered at Test: A and D finish the day they enter Test.
    metrics = measure(history(MAIN, commitment=2, delivery=2)).to_json()
    assert metrics["workflow"]["commitment"] == "Test"
    assert metrics["cycle_time"]["count"] == 4  # A, B (reached Done), C, D reached Test
    assert metrics["cycle_time"]["max"] == 1


def test_learning_metrics_from_hypotheses_and_experiments() -> None:
    learning = Learning(
        hypotheses=(
            HypothesisRecord(1, day(0), "validated", day(4)),  # 5 days to a verdict
            HypothesisRecord(2, day(1), "invalidated", day(2)),  # 2 days
            HypothesisRecord(3, day(1), "testing"),
        ),
        experiments=(
            ExperimentRecord(1, 1, day(0), (0, 1), day(4), "validated", "persevere"),  # A, B
            ExperimentRecord(2, 2, day(1), (4,), day(2), "invalidated", "stop"),  # E
            ExperimentRecord(3, 3, day(1), (2,)),  # C, still running
        ),
    )
    metrics = measure(history(MAIN, learning=learning)).to_json()["learning"]
    assert metrics["verdicts"] == {"validated": 1, "invalidated": 1, "inconclusive": 0}
    assert metrics["open_hypotheses"] == 1
    assert (metrics["time_to_verdict"]["p50"], metrics["time_to_verdict"]["p85"]) == (2, 5)
    assert metrics["experiments_concluded"] == 2
    assert metrics["experiments_concluded_per_week"] == pytest.approx(2 / (9 / 7), abs=1e-3)
    # A and B of the three completed items served E1, which concluded.
    assert metrics["completed_serving_concluded_experiment"] == 2
    assert metrics["completed_serving_concluded_share"] == pytest.approx(2 / 3, abs=1e-3)
    # E was discarded on day 3, after E2 (which it served) concluded on day 2.
    assert metrics["discarded_on_evidence"] == 1


def test_a_history_without_hypotheses_has_no_learning_section(main: dict) -> None:
    assert main["learning"] is None

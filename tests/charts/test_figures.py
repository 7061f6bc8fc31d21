"""The flow figures' specifications, checked against figures worked out by hand."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from pullflow.charts.errors import ChartError
from pullflow.charts.figures import (
    CHARTS,
    aging_wip,
    cfd,
    cycle_time_histogram,
    cycle_time_scatter,
    throughput_run,
    wip_run,
)
from pullflow.flow.metrics import ItemSet, measure
from tests.charts.helpers import finished_items, history, on

# Days after 2026-01-05; the history ends with D's delivery on day 4 (window days 0–4).
#   A  Options d0, Build d1, Test d2, Done d3
#   B  Options d0, Build d2
#   C  Options d1
#   D  Options d0, Build d1, Done d4 (skips Test, so it reaches Test on d4)
CFD_ITEMS = {
    "A": [("Options", 0), ("Build", 1), ("Test", 2), ("Done", 3)],
    "B": [("Options", 0), ("Build", 2)],
    "C": [("Options", 1)],
    "D": [("Options", 0), ("Build", 1), ("Done", 4)],
}
#: The design's example: P50 = 5, P70 = 6 (rank 7), P85 = 7 (rank 9), P95 = 7 (rank 10).
EXAMPLE = [3, 4, 4, 5, 5, 6, 6, 6, 7, 7]


def spec(chart: Any) -> dict[str, Any]:
    return chart.to_dict()


def layers_with(spec_: dict[str, Any], dataset: str) -> list[dict[str, Any]]:
    # A dataset all layers share is lifted to the top of the specification.
    shared = spec_.get("data")
    return [layer for layer in spec_["layer"] if layer.get("data", shared) == {"name": dataset}]


def subtitle(spec_: dict[str, Any]) -> list[str]:
    return spec_["title"]["subtitle"]


def tooltip_fields(layer: dict[str, Any]) -> list[str]:
    return [entry["field"] for entry in layer["encoding"]["tooltip"]]


def test_cfd_bands_are_the_items_in_each_stage_on_a_day() -> None:
    drawn = spec(cfd(measure(history(CFD_ITEMS))))
    bands = {(row["date"], row["stage"]): row["items"] for row in drawn["datasets"]["bands"]}
    # End of day 2: Options or later A B C D = 4; Build or later A B D = 3; Test or later A = 1;
    # Done 0. Bands: Options 4 − 3 = 1 (C), Build 3 − 1 = 2 (B, D), Test 1 − 0 = 1 (A), Done 0.
    assert [bands[(on(2), s)] for s in ("Options", "Build", "Test", "Done")] == [1, 2, 1, 0]
    # End of day 4: 4, 3, Test or later A D = 2, Done A D = 2 → bands 1, 1, 0, 2.
    assert [bands[(on(4), s)] for s in ("Options", "Build", "Test", "Done")] == [1, 1, 0, 2]
    assert len(drawn["datasets"]["bands"]) == 5 * 4  # days × stages, not items


def test_cfd_stacks_in_workflow_order_with_done_at_the_bottom() -> None:
    drawn = spec(cfd(measure(history(CFD_ITEMS))))
    (area,) = layers_with(drawn, "bands")
    encoding = area["encoding"]
    assert encoding["color"]["scale"]["domain"] == ["Options", "Build", "Test", "Done"]
    # The stack begins with the first value of the order: positions descending puts Done
    # (position 3) first, at the bottom.
    assert encoding["order"] == {"field": "position", "type": "quantitative", "sort": "descending"}
    assert {row["stage"]: row["position"] for row in drawn["datasets"]["bands"]}["Done"] == 3
    assert encoding["y"]["stack"] == "zero"
    assert encoding["y"]["title"] == "Items (count)"
    assert drawn["title"]["text"] == "Cumulative flow"


def test_scatter_rules_are_the_nearest_rank_percentiles() -> None:
    drawn = spec(cycle_time_scatter(measure(finished_items(EXAMPLE))))
    rules = {row["levels"]: row["value"] for row in drawn["datasets"]["percentiles"]}
    # P85 and P95 are both 7, so they share one rule.
    assert rules == {"P50": 5.0, "P70": 6.0, "P85, P95": 7.0}
    labels = [row["label"] for row in drawn["datasets"]["percentiles"]]
    assert labels == ["P50: 5 days", "P70: 6 days", "P85, P95: 7 days"]
    points = drawn["datasets"]["points"]
    assert sorted(row["cycle_time"] for row in points) == EXAMPLE
    assert {row["finished"] for row in points} == {on(10)}
    assert not any("shown" in line for line in subtitle(drawn))


def test_scatter_shows_each_items_id_title_finish_date_and_cycle_time_on_hover() -> None:
    drawn = spec(cycle_time_scatter(measure(finished_items([2]))))
    (dots,) = [layer for layer in layers_with(drawn, "points") if "tooltip" in layer["encoding"]]
    assert tooltip_fields(dots) == ["id", "title", "finished", "cycle_time"]
    assert drawn["datasets"]["points"] == [
        {"id": "I0", "title": "title I0", "finished": on(10), "cycle_time": 2.0}
    ]
    params = drawn.get("params", []) + dots.get("params", [])
    assert [param["select"]["on"] for param in params] == ["pointerover"]
    assert dots["encoding"]["x"]["title"] == "Finish date"
    assert dots["encoding"]["y"]["title"] == "Cycle time (days)"


def test_scatter_samples_5000_of_6000_items_and_keeps_percentiles_of_all() -> None:
    # 5,000 items of 1 day and 1,000 of 10 days: P50 and P70 are 1 (ranks 3,000 and 4,200),
    # P85 and P95 are 10 (ranks 5,100 and 5,700 fall among the 10-day items).
    metrics = measure(finished_items([1] * 5_000 + [10] * 1_000))
    drawn = spec(cycle_time_scatter(metrics))
    points = drawn["datasets"]["points"]
    assert len(points) == 5_000
    assert len({row["id"] for row in points}) == 5_000
    assert "5,000 of 6,000 items shown, chosen at random; percentile lines use all." in subtitle(
        drawn
    )
    rules = {row["levels"]: row["value"] for row in drawn["datasets"]["percentiles"]}
    assert rules == {"P50, P70": 1.0, "P85, P95": 10.0}
    again = spec(cycle_time_scatter(metrics))["datasets"]["points"]
    other = spec(cycle_time_scatter(metrics, seed=7))["datasets"]["points"]
    assert again == points
    assert {row["id"] for row in other} != {row["id"] for row in points}


def test_scatter_refuses_metrics_without_finish_days() -> None:
    metrics = measure(finished_items([2]))
    done = metrics.completed
    bare = ItemSet(done.rows, done.ids, done.titles, done.values)
    from dataclasses import replace

    with pytest.raises(ChartError, match="carry no finish days"):
        cycle_time_scatter(replace(metrics, completed=bare))


# Aging: the EXAMPLE items finish on day 10 (P50 5, P70 6, P85 = P95 = 7), and two are open:
#   X  Build d2           age on day 10 = 10 − 2 + 1 = 9, older than P85; pace 10/10 = 100
#   Y  Build d7, Test d8  age 10 − 7 + 1 = 4; pace: 3 of 10 took ≤ 4 days (3, 4, 4) = 30
def aging_history() -> Any:
    items = {}
    for number, cycle in enumerate(EXAMPLE):
        start = 10 - cycle + 1
        items[f"I{number}"] = [("Options", start - 1), ("Build", start), ("Done", 10)]
    items["X"] = [("Options", 1), ("Build", 2)]
    items["Y"] = [("Options", 6), ("Build", 7), ("Test", 8)]
    return history(items)


def test_aging_draws_each_open_item_in_its_stage_with_age_and_pace() -> None:
    drawn = spec(aging_wip(measure(aging_history())))
    points = {row["id"]: row for row in drawn["datasets"]["points"]}
    assert set(points) == {"X", "Y"}
    assert (points["X"]["stage"], points["X"]["age"], points["X"]["pace"]) == ("Build", 9, 100.0)
    assert (points["Y"]["stage"], points["Y"]["age"], points["Y"]["pace"]) == ("Test", 4, 30.0)
    assert points["X"]["risk"] == "older than P85"
    assert points["Y"]["risk"] == "within P85"
    (dots,) = [layer for layer in layers_with(drawn, "points") if "tooltip" in layer["encoding"]]
    assert tooltip_fields(dots) == ["id", "title", "stage", "age", "pace"]
    # Working stages only (commitment Build up to the delivery point Done), in order.
    assert dots["encoding"]["x"]["scale"]["domain"] == ["Build", "Test"]


def test_aging_bands_sit_at_the_cycle_time_percentiles() -> None:
    drawn = spec(aging_wip(measure(aging_history())))
    bands = [(b["band"], b["lower"], b["upper"]) for b in drawn["datasets"]["bands"]]
    # Edges 0, P50 5, P70 6, P85 7, P95 7, top; P85 = P95 leaves that band empty, so it goes.
    # Top: the oldest age 9 and P95 7 → max(9 × 1.1, 9 + 1) = 10.
    assert bands == [
        ("below P50", 0.0, 5.0),
        ("P50 to P70", 5.0, 6.0),
        ("P70 to P85", 6.0, 7.0),
        ("above P95", 7.0, 10.0),
    ]
    (band_layer,) = layers_with(drawn, "bands")
    colours = band_layer["encoding"]["color"]["scale"]
    assert colours["domain"][0] == "below P50"
    assert colours["range"][0] == "#a6dba0"  # green below P50
    assert colours["domain"][-1] == "above P95"


def test_aging_without_finished_items_draws_no_bands_and_says_why() -> None:
    drawn = spec(aging_wip(measure(history({"X": [("Options", 0), ("Build", 1)]}))))
    assert drawn["datasets"]["bands"] == []
    assert not layers_with(drawn, "bands")
    assert any("no percentile bands" in line for line in subtitle(drawn))


def test_aging_samples_5000_of_6000_open_items() -> None:
    items = {f"W{n}": [("Options", 0), ("Build", 1 + n % 5)] for n in range(6_000)}
    drawn = spec(aging_wip(measure(history(items))))
    assert len(drawn["datasets"]["points"]) == 5_000
    assert "5,000 of 6,000 items shown, chosen at random; percentile lines use all." in subtitle(
        drawn
    )


def test_throughput_counts_every_day_zero_days_included() -> None:
    # Finished: B on day 1, A on day 3 (window days 0–3) → 0, 1, 0, 1.
    items = {
        "A": [("Options", 0), ("Build", 0), ("Done", 3)],
        "B": [("Options", 0), ("Build", 1), ("Done", 1)],
    }
    drawn = spec(throughput_run(measure(history(items))))
    rows = [(row["date"], row["items"]) for row in drawn["datasets"]["points"]]
    assert rows == [(on(0), 0), (on(1), 1), (on(2), 0), (on(3), 1)]
    # Mean: 2 items over 4 days = 0.5.
    assert drawn["datasets"]["mean"] == [{"value": 0.5, "label": "Mean: 0.5 per day"}]
    (line,) = [layer for layer in layers_with(drawn, "points") if layer["mark"]["type"] == "line"]
    assert line["encoding"]["y"]["title"] == "Items finished per day (count)"


def test_throughput_is_weekly_past_180_days_and_says_so() -> None:
    # A finishes on day 1, B on day 199: window days 0–199 = 200 days, more than 180.
    # Day 0 is a Monday: 28 whole weeks (days 0–195) and a last week of 4 days (196–199).
    items = {
        "A": [("Options", 0), ("Build", 0), ("Done", 1)],
        "B": [("Options", 190), ("Build", 195), ("Done", 199)],
    }
    drawn = spec(throughput_run(measure(history(items))))
    rows = drawn["datasets"]["points"]
    assert len(rows) == 29
    assert (rows[0]["date"], rows[0]["items"], rows[0]["days"]) == (on(0), 1, 7)
    assert (rows[-1]["date"], rows[-1]["items"], rows[-1]["days"]) == (on(196), 1, 4)
    assert sum(row["items"] for row in rows) == 2
    assert any("Per ISO week" in line for line in subtitle(drawn))
    # The mean is per seven days of the window: 7 × 2 / 200 = 0.07, partial weeks or not.
    assert drawn["datasets"]["mean"][0]["value"] == pytest.approx(0.07)


def test_histogram_counts_items_per_cycle_time_with_the_rules() -> None:
    drawn = spec(cycle_time_histogram(measure(finished_items(EXAMPLE))))
    bars = [(row["start"], row["end"], row["count"]) for row in drawn["datasets"]["bars"]]
    # 3 ×1, 4 ×2, 5 ×2, 6 ×3, 7 ×2; each bar centred on its value.
    assert bars == [(2.5, 3.5, 1), (3.5, 4.5, 2), (4.5, 5.5, 2), (5.5, 6.5, 3), (6.5, 7.5, 2)]
    # Running share: 1, 3, 5, 8, 10 of 10.
    assert [row["running"] for row in drawn["datasets"]["bars"]] == [0.1, 0.3, 0.5, 0.8, 1.0]
    rules = {row["levels"]: row["value"] for row in drawn["datasets"]["percentiles"]}
    assert rules == {"P50": 5.0, "P70": 6.0, "P85, P95": 7.0}
    rule = next(
        layer for layer in layers_with(drawn, "percentiles") if layer["mark"]["type"] == "rule"
    )
    assert rule["encoding"]["x"]["field"] == "value"


def test_wip_is_counted_at_each_days_end() -> None:
    # A Build d1 → Done d3, B Build d2 (open): WIP 0, 1, 2, 1 on days 0–3; mean 4 / 4 = 1.
    items = {
        "A": [("Options", 0), ("Build", 1), ("Done", 3)],
        "B": [("Options", 0), ("Build", 2)],
    }
    drawn = spec(wip_run(measure(history(items))))
    assert [row["items"] for row in drawn["datasets"]["points"]] == [0, 1, 2, 1]
    assert drawn["datasets"]["mean"][0]["value"] == 1.0


def test_every_chart_is_titled_with_named_axes_and_a_description() -> None:
    metrics = measure(aging_history())
    assert list(CHARTS) == ["cfd", "scatter", "aging", "throughput", "histogram", "wip"]
    for name, draw in CHARTS.items():
        drawn = spec(draw(metrics))
        assert drawn["title"]["text"], name
        assert drawn["description"], name
        titled = [
            layer["encoding"][axis]["title"]
            for layer in drawn["layer"]
            for axis in ("x", "y")
            if isinstance(layer.get("encoding", {}).get(axis), dict)
            and "title" in layer["encoding"][axis]
        ]
        assert len(titled) >= 2, name
        assert all(
            "(" in title
            or "date" in title.lower()
            or "stage" in title.lower()
            or "week" in title.lower()
            for title in titled
        ), name
        json.dumps(drawn, allow_nan=False)  # valid JSON: no NaN anywhere


def test_figures_of_a_window_with_nothing_finished_still_draw() -> None:
    metrics = measure(history({"X": [("Options", 0), ("Build", 1)]}))
    for draw in CHARTS.values():
        drawn = spec(draw(metrics))
        json.dumps(drawn, allow_nan=False)
    assert spec(cycle_time_histogram(metrics))["datasets"]["bars"] == []
    assert np.isnan(metrics.cycle_time.mean or np.nan)

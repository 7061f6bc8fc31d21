"""Filters by class of service, type and attributes, lists included."""

from __future__ import annotations

import pytest

from pullflow.domain.errors import Invalid
from pullflow.flow.filters import parse_filter
from pullflow.flow.metrics import measure
from tests.flow.helpers import filtered_ids, history, through

ITEMS = {
    "A": through(("Build", 0), ("Done", 2)),
    "B": through(("Build", 1), ("Done", 5)),
    "C": through(("Build", 2)),
}
ATTRIBUTES = {
    "type": {"A": "Bug", "B": "feature", "C": "bug"},
    "team": {"A": "web|api", "B": "api"},
}


def source():  # type: ignore[no-untyped-def]
    return history(ITEMS, service_class={"B": "expedite"}, attributes=ATTRIBUTES)


def test_class_of_service_filters_ignore_case() -> None:
    assert filtered_ids(source(), service_classes=["Expedite"]) == ["B"]
    assert filtered_ids(source(), service_classes=["standard", "expedite"]) == ["A", "B", "C"]


def test_attribute_filters_match_whole_values_or_list_members() -> None:
    assert filtered_ids(source(), attributes={"type": ["bug"]}) == ["A", "C"]
    assert filtered_ids(source(), attributes={"Team": ["api"]}) == ["A", "B"]
    assert filtered_ids(source(), attributes={"team": ["web"], "type": ["bug"]}) == ["A"]


def test_metrics_of_a_filtered_history_count_only_its_items() -> None:
    from pullflow.flow.filters import select

    bugs = measure(select(source(), attributes={"type": ["bug"]})).to_json()
    # A: 0 → 2 is 3 days; C is open.
    assert bugs["items"]["completed"] == 1
    assert bugs["cycle_time"]["max"] == 3
    assert bugs["items"]["in_progress"] == 1


def test_an_unknown_attribute_is_refused_with_the_known_ones() -> None:
    with pytest.raises(Invalid, match="the attributes are team, type"):
        filtered_ids(source(), attributes={"colour": ["red"]})


def test_filters_are_written_as_key_equals_value() -> None:
    assert parse_filter(" type = bug ") == ("type", "bug")
    with pytest.raises(Invalid, match="write it as KEY=VALUE"):
        parse_filter("type")

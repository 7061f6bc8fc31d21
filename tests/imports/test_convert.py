"""An import as a flow history: points, waiting stages, catalogue and moves."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from pullflow.domain.imported import ImportedHistory, ImportedItem
from pullflow.flow.history import Kind
from pullflow.imports.convert import to_history
from pullflow.imports.events import read_events
from tests.imports.helpers import SAMPLES, refused

HOUR = 3600.0


def utc(day: int, hour: int = 0) -> datetime:
    return datetime(2024, 1, day, hour, tzinfo=UTC)


STAGES = ("Options", "Analysis", "Build", "Done")
IMPORTED = ImportedHistory(
    STAGES,
    (
        ImportedItem(
            "1",
            "First",
            ((0, utc(1)), (1, utc(2)), (3, utc(5))),
            attributes={"Class of Service": "Expedite", "Team": "red"},
        ),
        ImportedItem(
            "2",
            "Second",
            ((0, utc(2)), (1, utc(3))),
            created_at=datetime(2023, 12, 31, tzinfo=UTC),
            discarded_at=utc(4),
            service_class="fixed-date",
        ),
        ImportedItem("3", "Third", ((0, utc(3)),), attributes={"Class of Service": "Intangible"}),
    ),
)


def test_defaults_workflow_catalogue_and_moves() -> None:
    history = to_history(IMPORTED)
    workflow = history.workflow
    assert workflow.stages == STAGES
    assert (workflow.commitment, workflow.delivery) == (1, 3)
    assert workflow.timezone == "UTC"
    assert not workflow.lanes
    assert list(history.catalogue.ids) == ["1", "2", "3"]
    # Created: item 1 and 3 have no creation time, so their first entry; item 2 its own.
    assert list(history.catalogue.created) == [
        utc(1).timestamp(),
        datetime(2023, 12, 31, tzinfo=UTC).timestamp(),
        utc(3).timestamp(),
    ]
    # Class of service from the attribute (any class written), else the item's own.
    assert list(history.catalogue.service_class) == ["expedite", "fixed-date", "intangible"]
    assert list(history.catalogue.attributes["Team"]) == ["red", "", ""]
    # Three entries, two entries and a discard, one entry.
    assert list(history.moves.kind) == [Kind.ENTER] * 3 + [Kind.ENTER, Kind.ENTER, Kind.DISCARD] + [
        Kind.ENTER
    ]
    assert list(history.moves.stage) == [0, 1, 3, 0, 1, -1, 0]
    # Item 1 started on Jan 2 and finished on Jan 5; item 2 is discarded.
    assert history.started[0] == utc(2).timestamp()
    assert history.finished[0] == utc(5).timestamp()
    assert np.isnan(history.started[1])
    assert history.discarded[1] == utc(4).timestamp()


def test_points_by_name_any_case_or_position() -> None:
    by_name = to_history(IMPORTED, commitment="build", delivery="DONE")
    assert (by_name.workflow.commitment, by_name.workflow.delivery) == (2, 3)
    by_position = to_history(IMPORTED, commitment=0, delivery=-2)
    assert (by_position.workflow.commitment, by_position.workflow.delivery) == (0, 2)
    # Item 1 skipped Build: reaching it means reaching Done on Jan 5.
    assert by_name.started[0] == utc(5).timestamp()


def test_unknown_points_and_waiting_stages_are_refused_with_the_stages() -> None:
    assert refused(lambda: to_history(IMPORTED, commitment="Review")) == (
        'there is no stage "Review" for the commitment point; the stages are Options, '
        "Analysis, Build, Done."
    )
    assert refused(lambda: to_history(IMPORTED, delivery=4)) == (
        "there is no stage at position 4 for the delivery point; the stages are Options, "
        "Analysis, Build, Done (positions 0 to 3)."
    )
    assert refused(lambda: to_history(IMPORTED, waiting=["Queue"])) == (
        'there is no stage "Queue" for the waiting stage; the stages are Options, Analysis, '
        "Build, Done."
    )
    assert refused(lambda: to_history(IMPORTED, commitment="Done", delivery="Build")) == (
        'the commitment point "Done" comes after the delivery point "Build"; choose a '
        "commitment point at or before the delivery point."
    )
    assert "is not a time zone" in refused(lambda: to_history(IMPORTED, timezone="Nowhere/City"))


def test_a_single_stage_is_refused() -> None:
    one = ImportedHistory(("Only",), (ImportedItem("1", "x", ((0, utc(1)),)),))
    assert refused(lambda: to_history(one)).startswith("a workflow needs at least two stages")


def test_waiting_stages_are_not_active_time() -> None:
    imported = read_events(SAMPLES / "events_clean.csv", timezone="Europe/Berlin")
    # E-1: Build 28.5 h, Test 68.5 h, both between commitment (Build) and delivery (Done).
    plain = to_history(imported)
    assert plain.active_seconds[0] == (28.5 + 68.5) * HOUR
    waiting = to_history(imported, waiting=["test"])
    assert waiting.workflow.waiting == frozenset({2})
    assert waiting.active_seconds[0] == 28.5 * HOUR


@pytest.mark.parametrize("name", ["Service Class", "class_of_service", "COS"])
def test_service_class_attribute_names(name: str) -> None:
    imported = ImportedHistory(
        ("A", "B"), (ImportedItem("1", "x", ((0, utc(1)),), attributes={name: "Fixed Date"}),)
    )
    assert list(to_history(imported).catalogue.service_class) == ["fixed-date"]

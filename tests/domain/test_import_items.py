"""Recording another tool's history on a board: the events an import makes, and what it checks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from pullflow.domain.board import MAX_IMPORT, Board
from pullflow.domain.errors import Invalid
from pullflow.domain.events import Event, EventType
from pullflow.domain.imported import ImportedItem
from pullflow.domain.items import ItemState, ServiceClass
from pullflow.domain.learning import PullSignal
from pullflow.domain.stages import parse_stages
from tests.conftest import Clock
from tests.domain.helpers import ACTOR, board
from tests.snapshot import snapshot

#: The day the source's history begins, and a day well after it when the import runs.
T = datetime(2024, 1, 1, 9, tzinfo=UTC)
RUN = datetime(2026, 11, 30, 9, tzinfo=UTC)
ALL_STAGES = [0, 1, 2, 3]  # Options, Build, Measure, Done onto the same on the board


def days(n: float) -> datetime:
    return T + timedelta(days=n)


def item(source_id: str = "X", *entries: tuple[int, datetime], **more: Any) -> ImportedItem:
    return ImportedItem(source_id, more.pop("title", f"item {source_id}"), entries, **more)


def moves(events: Sequence[Event]) -> list[tuple[str, int | None, str | None, str | None, str]]:
    """Each event as (type, item, from stage/lane, to stage/lane, day since T)."""
    return [
        (
            e.type.value,
            e.item,
            f"{e.from_stage}/{e.from_lane}" if e.from_stage else None,
            f"{e.to_stage}/{e.to_lane}" if e.to_stage else None,
            f"{(e.at - T) / timedelta(days=1):g}",
        )
        for e in events
    ]


def record(b: Board, *items: ImportedItem, stage_map: Sequence[int] = ALL_STAGES) -> list[Event]:
    return b.import_items(items, stage_map=stage_map, actor=ACTOR, at=RUN)


def test_an_import_records_each_item_as_it_happened_in_time_order(clock: Clock) -> None:
    # Build and Measure hold one item each, the board is pulled by experiments (there is none)
    # and its line is stopped: none of that applies to what already happened.
    b = board(clock, "Options,Build:1,Measure:1,Done", signal=PullSignal.EXPERIMENT, items=2)
    b.stop_line(reason="broken build", actor=ACTOR, at=clock())
    b.take_events()
    a = item("A", (0, days(0)), (1, days(1)), (2, days(3)), (3, days(4)), created_at=days(0))
    c = item("C", (0, days(1 / 24)), discarded_at=days(5))
    d = item("D", (1, days(2)))
    events = record(b, a, c, d)
    # The board had items #1 and #2, so A, C, D are #3, #4, #5. By time: A added (day 0),
    # C added (1 h), A into Build (day 1), D added and into Build at once (day 2: Build now
    # holds A and D, over its limit of 1), A into Measure (3), A delivered (4), C discarded (5).
    assert moves(events) == [
        ("item.added", 3, None, "Options/done", "0"),
        ("item.added", 4, None, "Options/done", "0.0416667"),
        ("item.pulled", 3, "Options/done", "Build/doing", "1"),
        ("item.added", 5, None, "Options/done", "2"),
        ("item.pulled", 5, "Options/done", "Build/doing", "2"),
        ("item.pulled", 3, "Build/doing", "Measure/doing", "3"),
        ("item.pulled", 3, "Measure/doing", "Done/done", "4"),
        ("item.discarded", 4, "Options/done", None, "5"),
    ]
    assert events[0].data == {
        "title": "item A",
        "service_class": "standard",
        "due": None,
        "position": None,
        "imported": {"source_id": "A", "at": "2026-11-30T09:00:00+00:00"},
    }
    pulls = [e for e in events if e.type is EventType.ITEM_PULLED]
    assert [e.data for e in pulls] == [{"imported": True}] * 4
    assert (events[-1].reason, events[-1].data) == ("discarded in the source", {"imported": True})
    assert {e.actor for e in events} == {ACTOR}
    assert b.pending_events == events
    delivered, discarded, working = b.item(3), b.item(4), b.item(5)
    assert (delivered.state, delivered.started_at, delivered.ended_at) == (
        ItemState.DONE,
        days(1),
        days(4),
    )
    assert (discarded.state, discarded.discard_reason) == (
        ItemState.DISCARDED,
        "discarded in the source",
    )
    assert (working.stage.name, working.lane.value, working.created_at) == (
        "Build",
        "doing",
        days(2),
    )
    assert b.item_seq == 5


def test_replaying_an_import_rebuilds_the_board(clock: Clock) -> None:
    b = Board.create("main", parse_stages("Options,Build:1,Measure:1,Done"), actor=ACTOR, at=T)
    b.add_item("made here", actor=ACTOR, at=days(0.5))
    record(
        b,
        item("A", (0, days(0)), (1, days(1)), (3, days(2)), attributes={"type": "bug"}),
        item("B", (1, days(1)), (2, days(1)), service_class="expedite"),
        item("C", created_at=days(0.2), discarded_at=days(3)),
    )
    b.pull("Build", actor=ACTOR, at=days(4), override="after the import")
    events = b.take_events()
    replayed = Board.replay(events)
    assert snapshot(replayed) == snapshot(b)
    assert {i.number: i.attributes for i in replayed.items} == {
        1: {},
        2: {"type": "bug"},
        3: {},
        4: {},
    }


def test_the_stage_map_sends_source_stages_onto_board_stages(clock: Clock) -> None:
    b = board(clock)  # Options, Build, Measure, Done
    # the source has Backlog, Testing, Live: onto Options, Measure, Done
    events = record(b, item("A", (0, days(0)), (1, days(1)), (2, days(2))), stage_map=[0, 2, 3])
    assert moves(events) == [
        ("item.added", 1, None, "Options/done", "0"),
        ("item.pulled", 1, "Options/done", "Measure/doing", "1"),
        ("item.pulled", 1, "Measure/doing", "Done/done", "2"),
    ]


def test_an_item_is_added_at_its_creation_or_else_its_first_stage_date(clock: Clock) -> None:
    b = board(clock)
    events = record(
        b,
        item("A", (1, days(2)), created_at=days(1)),
        item("B", (2, days(3))),
    )
    # A is added on day 1 and enters Build on day 2; B enters Measure straight from the options
    assert moves(events) == [
        ("item.added", 1, None, "Options/done", "1"),
        ("item.pulled", 1, "Options/done", "Build/doing", "2"),
        ("item.added", 2, None, "Options/done", "3"),
        ("item.pulled", 2, "Options/done", "Measure/doing", "3"),
    ]


def test_items_at_the_same_moment_keep_the_order_of_the_import(clock: Clock) -> None:
    b = board(clock)
    events = record(b, item("A", (1, days(1))), item("B", (0, days(1))), item("C", (1, days(1))))
    assert [(e.type.value, e.item) for e in events] == [
        ("item.added", 1),
        ("item.pulled", 1),
        ("item.added", 2),
        ("item.added", 3),
        ("item.pulled", 3),
    ]


def test_titles_are_cut_to_the_limit_and_classes_fall_back_to_standard(clock: Clock) -> None:
    b = board(clock)
    record(
        b,
        item("A", (0, days(0)), title="  long " + "x" * 600),
        item("B", (0, days(0)), service_class="Expedite"),
        item("C", (0, days(0)), service_class="urgent"),
        item("D", (0, days(0)), service_class="fixed date"),
        item("E", (0, days(0)), service_class="fixed_date", due="2024-02-01"),
        item("F", (0, days(0)), due="2024-03-01"),
    )
    assert b.item(1).title == "long " + "x" * 495  # 500 characters
    classes = [(b.item(n).service_class, b.item(n).due) for n in range(2, 7)]
    assert classes == [
        (ServiceClass.EXPEDITE, None),
        (ServiceClass.STANDARD, None),  # not a class pullflow knows
        (ServiceClass.STANDARD, None),  # fixed-date without a due date
        (ServiceClass.FIXED_DATE, date(2024, 2, 1)),
        (ServiceClass.STANDARD, date(2024, 3, 1)),
    ]


def test_attributes_are_kept_long_values_cut_and_empty_ones_dropped(clock: Clock) -> None:
    b = board(clock)
    [added] = record(b, item("A", (0, days(0)), attributes={"team": "w" * 250, "size": ""}))
    assert added.data["attributes"] == {"team": "w" * 200}
    [plain] = record(b, item("B", (0, days(0))))
    assert "attributes" not in plain.data


def test_a_discard_is_recorded_wherever_the_item_was(clock: Clock) -> None:
    b = board(clock)
    events = record(
        b,
        item("A", (1, days(1)), (3, days(2)), discarded_at=days(3)),
        item("B", discarded_at=days(4)),
    )
    # A was delivered, then discarded in the source; B is known only by its discard
    assert moves(events) == [
        ("item.added", 1, None, "Options/done", "1"),
        ("item.pulled", 1, "Options/done", "Build/doing", "1"),
        ("item.pulled", 1, "Build/doing", "Done/done", "2"),
        ("item.discarded", 1, "Done/done", None, "3"),
        ("item.added", 2, None, "Options/done", "4"),
        ("item.discarded", 2, "Options/done", None, "4"),
    ]
    assert [(b.item(n).state, b.item(n).ended_at) for n in (1, 2)] == [
        (ItemState.DISCARDED, days(3)),
        (ItemState.DISCARDED, days(4)),
    ]


def test_an_item_only_in_the_options_is_added_and_stays_there(clock: Clock) -> None:
    b = board(clock, items=1)
    [added] = record(b, item("A", (0, days(1))))
    assert (added.type, added.at) == (EventType.ITEM_ADDED, days(1))
    assert [i.number for i in b.options_queue()] == [1, 2]


ONE_SOURCE = "Imported item 'X' was refused: "


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            item("X", (2, days(1)), (1, days(2))),
            "it enters Build after Measure, against the order of the stages, so list each stage "
            "it entered once, in workflow order.",
        ),
        (
            item("X", (1, days(1)), (1, days(2))),
            "it enters Build after Build, against the order of the stages, so list each stage "
            "it entered once, in workflow order.",
        ),
        (
            item("X", (1, days(2)), (2, days(1))),
            "it entered Measure on 2024-01-02T09:00:00+00:00, before it entered Build on "
            "2024-01-03T09:00:00+00:00, and dates never go backwards, so fix the dates.",
        ),
        (
            item("X", (1, days(1)), created_at=days(2)),
            "it entered Build on 2024-01-02T09:00:00+00:00, before it was created on "
            "2024-01-03T09:00:00+00:00, and dates never go backwards, so fix the dates.",
        ),
        (
            item("X", (1, days(2)), discarded_at=days(1)),
            "it was discarded on 2024-01-02T09:00:00+00:00, before it entered Build on "
            "2024-01-03T09:00:00+00:00, and dates never go backwards, so fix the dates.",
        ),
        (
            item("X", (1, RUN + timedelta(seconds=1))),
            "it entered Build on 2026-11-30T09:00:01+00:00, after the import itself "
            "(2026-11-30T09:00:00+00:00), and history never lies ahead, so fix the date.",
        ),
        (
            item("X", (1, datetime(2024, 1, 2, 9))),
            "the time it entered Build (2024-01-02T09:00:00) has no time zone, so give every "
            "time its UTC offset.",
        ),
        (item("X", (1, days(1)), title=" \t "), "it has no title, so give every item a title."),
        (
            item("X"),
            "it has no date at all (created, entered a stage, discarded), so it cannot be placed "
            "in time; give it at least one.",
        ),
        (
            item("X", (1, days(1)), due="next week"),
            "its due date 'next week' is not a date, so write it as YYYY-MM-DD.",
        ),
        (
            item("X", (4, days(1))),
            "it names stage number 4, but the import has 4 stages, numbered from 0.",
        ),
    ],
)
def test_a_history_that_cannot_be_true_is_refused_and_nothing_recorded(
    clock: Clock, bad: ImportedItem, message: str
) -> None:
    b = board(clock, items=1)
    before = snapshot(b)
    fine = item("fine", (0, days(0)), (1, days(1)))
    with pytest.raises(Invalid) as refused:
        record(b, fine, bad, fine)
    assert str(refused.value) == ONE_SOURCE + message
    assert b.pending_events == []
    assert snapshot(b) == before


def test_a_bad_attribute_key_is_refused_naming_the_item(clock: Clock) -> None:
    b = board(clock)
    with pytest.raises(Invalid) as refused:
        record(b, item("X", (0, days(0)), attributes={"a=b": "c"}))
    assert str(refused.value) == (
        "Attribute key 'a=b' of imported item 'X' was refused: a key has 1 to 40 printable "
        "characters and no =, such as team."
    )


@pytest.mark.parametrize("stage_map", [[0, 2, 1], [0, 1, 1], [0, 1, 4], [-1, 0, 1]])
def test_a_stage_map_out_of_order_or_off_the_board_is_refused(
    clock: Clock, stage_map: list[int]
) -> None:
    b = board(clock)
    with pytest.raises(Invalid) as refused:
        record(b, item("A", (0, days(0))), stage_map=stage_map)
    assert str(refused.value) == (
        f"The stage map {stage_map} was refused: it must send each stage of the import to a "
        "stage of board main (0 to 3), in increasing order."
    )


def test_an_import_takes_at_most_its_limit_of_items(clock: Clock) -> None:
    b = board(clock)
    one = item("A", (0, days(0)))
    with pytest.raises(Invalid) as refused:
        record(b, *[one] * (MAX_IMPORT + 1))
    assert str(refused.value) == (
        "An import of 200001 items was refused: an import takes at most 200000 items, so "
        "split it into smaller ones."
    )


def test_items_are_found_by_number_however_the_board_got_them(clock: Clock) -> None:
    b = board(clock, items=3)
    record(b, *[item(str(n), (0, days(0))) for n in range(100)])
    assert [b.item(n).title for n in (1, 4, 103)] == ["item 1", "item 0", "item 99"]
    b.items = [b.item(103), b.item(2)]  # as a store hands a board the items a change needs
    assert [b.item(n).number for n in (103, 2)] == [103, 2]
    with pytest.raises(Invalid, match="No item #1 on board main"):
        b.item(1)

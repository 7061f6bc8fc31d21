"""Items: adding, ranking, classes of service, finishing, blocking, discarding, returning."""

from __future__ import annotations

from datetime import date

import pytest

from pullflow.domain.errors import (
    ExpediteTaken,
    Invalid,
    ItemBlocked,
    ItemClosed,
    NotFound,
    OutOfOrder,
    StateConflict,
    WipLimitReached,
)
from pullflow.domain.events import EventType
from pullflow.domain.items import ItemState, ServiceClass
from tests.conftest import Clock
from tests.domain.helpers import ACTOR, board, pull, where


def test_add_puts_an_item_last_in_the_options_with_an_event(clock: Clock) -> None:
    b = board(clock, items=2)
    at = clock()
    [event] = b.add_item("  Signup   form ", actor="bo", at=at)
    assert event.type is EventType.ITEM_ADDED
    assert event.item == 3
    assert event.data == {
        "title": "Signup form",
        "service_class": "standard",
        "due": None,
        "position": None,
    }
    assert [i.number for i in b.options_queue()] == [1, 2, 3]
    assert b.item(3).created_at == at


def test_add_at_a_position_and_rerank_renumber_the_line(clock: Clock) -> None:
    b = board(clock, items=3)
    b.add_item("urgent idea", actor=ACTOR, at=clock(), position=1)
    assert [i.number for i in b.options_queue()] == [4, 1, 2, 3]
    [event] = b.rerank(3, 2, actor=ACTOR, at=clock())
    assert event.data == {"position": 2, "previous_position": 4}
    assert [i.number for i in b.options_queue()] == [4, 3, 1, 2]
    assert [i.rank for i in b.options_queue()] == [1, 2, 3, 4]
    assert b.rerank(3, 2, actor=ACTOR, at=clock()) == []


def test_positions_out_of_range_are_refused(clock: Clock) -> None:
    b = board(clock, items=2)
    with pytest.raises(Invalid, match="run from 1 to 3"):
        b.add_item("x", actor=ACTOR, at=clock(), position=4)
    with pytest.raises(Invalid, match="run from 1 to 2"):
        b.rerank(1, 3, actor=ACTOR, at=clock())


def test_only_waiting_options_are_ranked(clock: Clock) -> None:
    b = board(clock, items=2)
    pull(b, "Build", clock, 1)
    with pytest.raises(StateConflict, match="only waiting options are ranked"):
        b.rerank(1, 1, actor=ACTOR, at=clock())


def test_empty_title_is_refused(clock: Clock) -> None:
    b = board(clock)
    with pytest.raises(Invalid, match="give the item a short title"):
        b.add_item("   ", actor=ACTOR, at=clock())


def test_a_due_date_makes_an_item_fixed_date_and_fixed_date_needs_one(clock: Clock) -> None:
    b = board(clock)
    b.add_item("launch", actor=ACTOR, at=clock(), due=date(2026, 12, 24))
    assert b.item(1).service_class is ServiceClass.FIXED_DATE
    with pytest.raises(Invalid, match="needs a due date"):
        b.add_item("x", actor=ACTOR, at=clock(), service_class=ServiceClass.FIXED_DATE)


def test_one_expedite_item_at_a_time(clock: Clock) -> None:
    b = board(clock, items=1)
    b.add_item("outage", actor=ACTOR, at=clock(), service_class=ServiceClass.EXPEDITE)
    with pytest.raises(ExpediteTaken) as refused:
        b.add_item("another", actor=ACTOR, at=clock(), service_class=ServiceClass.EXPEDITE)
    assert str(refused.value) == (
        "Item #2 is already expedite, and a board takes one expedite item at a time: finish "
        "#2 or change its class first."
    )
    with pytest.raises(ExpediteTaken):
        b.edit_item(1, service_class=ServiceClass.EXPEDITE, actor=ACTOR, at=clock())
    b.discard(2, reason="resolved itself", actor=ACTOR, at=clock())
    b.edit_item(1, service_class=ServiceClass.EXPEDITE, actor=ACTOR, at=clock())
    assert b.expedite_item() is b.item(1)


def test_edit_records_only_what_changed(clock: Clock) -> None:
    b = board(clock, items=1)
    [event] = b.edit_item(1, title="renamed", due=date(2027, 1, 5), actor=ACTOR, at=clock())
    assert event.data == {"title": "renamed", "service_class": "fixed-date", "due": "2027-01-05"}
    assert b.edit_item(1, title="renamed", actor=ACTOR, at=clock()) == []


def test_finish_moves_doing_to_done(clock: Clock) -> None:
    b = board(clock, items=1)
    pull(b, "Build", clock)
    [event] = b.finish(1, actor=ACTOR, at=clock())
    assert (event.from_lane, event.to_lane, event.to_stage) == ("doing", "done", "Build")
    assert where(b, 1) == ("Build", "done")
    with pytest.raises(StateConflict, match="already finished in Build"):
        b.finish(1, actor=ACTOR, at=clock())


def test_finish_refuses_waiting_and_blocked_items(clock: Clock) -> None:
    b = board(clock, items=1)
    with pytest.raises(OutOfOrder, match="waits in Options: pull it into Build to start it"):
        b.finish(1, actor=ACTOR, at=clock())
    pull(b, "Build", clock)
    b.block(1, reason="review", actor=ACTOR, at=clock())
    with pytest.raises(ItemBlocked):
        b.finish(1, actor=ACTOR, at=clock())


def test_finish_with_deliver_in_the_last_stage_delivers(clock: Clock) -> None:
    b = board(clock, items=1)
    pull(b, "Build", clock)
    with pytest.raises(OutOfOrder, match="only finishing in the last stage before Done"):
        b.finish(1, deliver=True, actor=ACTOR, at=clock())
    b.finish(1, actor=ACTOR, at=clock())
    pull(b, "Measure", clock)
    events = b.finish(1, deliver=True, actor=ACTOR, at=clock())
    assert [e.type for e in events] == [EventType.ITEM_FINISHED, EventType.ITEM_PULLED]
    assert b.item(1).state is ItemState.DONE


def test_block_and_unblock_need_state_and_a_reason(clock: Clock) -> None:
    b = board(clock, items=1)
    with pytest.raises(Invalid, match='a reason is required: add --reason "why"'):
        b.block(1, reason="  ", actor=ACTOR, at=clock())
    since = clock()
    [blocked] = b.block(1, reason="waiting on vendor", actor=ACTOR, at=since)
    assert blocked.reason == "waiting on vendor"
    assert b.item(1).blocked_since == since
    with pytest.raises(StateConflict, match="already blocked"):
        b.block(1, reason="again", actor=ACTOR, at=clock())
    [unblocked] = b.unblock(1, actor=ACTOR, at=clock())
    assert unblocked.data["was"] == "waiting on vendor"
    assert not b.item(1).blocked
    with pytest.raises(StateConflict, match="is not blocked"):
        b.unblock(1, actor=ACTOR, at=clock())


def test_discard_from_any_stage_with_a_reason(clock: Clock) -> None:
    b = board(clock, items=2)
    pull(b, "Build", clock, 1)
    [event] = b.discard(1, reason="experiment invalidated it", actor=ACTOR, at=clock())
    assert (event.type, event.from_stage, event.reason) == (
        EventType.ITEM_DISCARDED,
        "Build",
        "experiment invalidated it",
    )
    assert b.item(1).state is ItemState.DISCARDED
    assert b.wip(b.stage("Build")) == 0
    b.discard(2, reason="no longer wanted", actor=ACTOR, at=clock())
    with pytest.raises(ItemClosed, match="was discarded"):
        b.pull("Build", item=2, actor=ACTOR, at=clock())
    with pytest.raises(Invalid, match="reason is required"):
        board(clock, items=1).discard(1, reason="", actor=ACTOR, at=clock())


def test_return_sends_work_back_with_a_reason_and_counts_against_the_limit(
    clock: Clock,
) -> None:
    b = board(clock, "Options,Build:1,Measure:2,Done", items=2)
    pull(b, "Build", clock, 1)
    b.finish(1, actor=ACTOR, at=clock())
    pull(b, "Measure", clock, 1)
    pull(b, "Build", clock, 2)
    with pytest.raises(WipLimitReached):
        b.return_item(1, "Build", reason="numbers look wrong", actor=ACTOR, at=clock())
    b.set_limit("Build", 2, actor=ACTOR, at=clock())
    [event] = b.return_item(1, "Build", reason="numbers look wrong", actor=ACTOR, at=clock())
    assert (event.type, event.from_stage, event.to_stage, event.to_lane) == (
        EventType.ITEM_RETURNED,
        "Measure",
        "Build",
        "doing",
    )
    assert event.reason == "numbers look wrong"
    with pytest.raises(OutOfOrder, match="only sends work back to an earlier stage"):
        b.return_item(1, "Measure", reason="x", actor=ACTOR, at=clock())
    with pytest.raises(Invalid, match="reason is required"):
        b.return_item(1, "Options", reason="", actor=ACTOR, at=clock())


def test_return_to_the_options_uncommits_and_queues_last(clock: Clock) -> None:
    b = board(clock, items=2)
    pull(b, "Build", clock, 1)
    b.return_item(1, "Options", reason="not now", actor=ACTOR, at=clock())
    item = b.item(1)
    assert (item.stage.name, item.lane.value, item.started_at) == ("Options", "done", None)
    assert [i.number for i in b.options_queue()] == [2, 1]


def test_a_delivered_item_can_be_returned_to_work(clock: Clock) -> None:
    b = board(clock, "Options,Build,Done", items=1)
    pull(b, "Build", clock)
    b.finish(1, deliver=True, actor=ACTOR, at=clock())
    b.return_item(1, "Build", reason="reopened: bug", actor=ACTOR, at=clock())
    item = b.item(1)
    assert (item.state, item.ended_at, where(b, 1)) == (
        ItemState.ACTIVE,
        None,
        ("Build", "doing"),
    )


def test_unknown_item_says_where_to_look(clock: Clock) -> None:
    b = board(clock)
    with pytest.raises(NotFound) as refused:
        b.finish(9, actor=ACTOR, at=clock())
    assert str(refused.value) == "No item #9 on board main: see the items with pullflow board show."

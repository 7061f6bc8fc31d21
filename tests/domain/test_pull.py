"""Pulling: the only way into a stage, in order, by policy, within the limit."""

from __future__ import annotations

from datetime import date

import pytest

from pullflow.domain.errors import (
    Invalid,
    ItemBlocked,
    ItemClosed,
    NothingToPull,
    OutOfOrder,
    StateConflict,
    WipLimitReached,
)
from pullflow.domain.events import EventType
from pullflow.domain.items import ServiceClass
from pullflow.domain.stages import WipPolicy
from tests.conftest import Clock
from tests.domain.helpers import ACTOR, board, pull, where


def test_pull_without_an_item_takes_the_options_in_rank_order(clock: Clock) -> None:
    b = board(clock, items=3)
    b.rerank(3, 1, actor=ACTOR, at=clock())
    assert [pull(b, "Build", clock) for _ in range(3)] == [3, 1, 2]


def test_pulled_item_enters_the_doing_lane_and_records_where_it_came_from(clock: Clock) -> None:
    b = board(clock, items=1)
    at = clock(hours=2)
    [event] = b.pull("Build", actor="bo", at=at)
    assert where(b, 1) == ("Build", "doing")
    assert event.type is EventType.ITEM_PULLED
    assert (event.from_stage, event.from_lane, event.to_stage, event.to_lane) == (
        "Options",
        "done",
        "Build",
        "doing",
    )
    assert (event.actor, event.at, event.item) == ("bo", at, 1)
    assert event.data == {"wip": 1, "limit": 3, "signal": "capacity"}
    assert b.item(1).started_at == at


def test_a_stage_pulls_only_from_the_done_lane_of_the_stage_before(clock: Clock) -> None:
    b = board(clock, items=2)
    pull(b, "Build", clock, 1)
    with pytest.raises(OutOfOrder) as refused:
        b.pull("Measure", item=1, actor=ACTOR, at=clock())
    assert str(refused.value) == (
        "Item #1 is still being worked in Build: finish it first with pullflow finish 1."
    )
    b.finish(1, actor=ACTOR, at=clock())
    pull(b, "Measure", clock, 1)
    assert where(b, 1) == ("Measure", "doing")


def test_skipping_a_stage_is_refused_with_the_way_forward(clock: Clock) -> None:
    b = board(clock, items=1)
    with pytest.raises(OutOfOrder) as refused:
        b.pull("Measure", item=1, actor=ACTOR, at=clock())
    assert str(refused.value) == (
        "Item #1 is in Options, and Measure pulls only from Build: pull it into Build first."
    )
    assert where(b, 1) == ("Options", "done")
    assert b.pending_events == []


def test_moving_backwards_by_pull_is_refused_and_points_to_return(clock: Clock) -> None:
    b = board(clock, items=1)
    pull(b, "Build", clock, 1)
    b.finish(1, actor=ACTOR, at=clock())
    pull(b, "Measure", clock, 1)
    with pytest.raises(OutOfOrder) as refused:
        b.pull("Build", item=1, actor=ACTOR, at=clock())
    assert str(refused.value) == (
        "Item #1 is already in Measure, past Build: to send it back, use pullflow return 1 "
        '"Build" --reason "why".'
    )


def test_nothing_is_pulled_into_the_options(clock: Clock) -> None:
    b = board(clock, items=1)
    with pytest.raises(OutOfOrder, match="new work enters it with pullflow item add"):
        b.pull("Options", actor=ACTOR, at=clock())


def test_pulling_an_item_already_in_the_stage_is_refused(clock: Clock) -> None:
    b = board(clock, items=1)
    pull(b, "Build", clock, 1)
    with pytest.raises(StateConflict, match=r"Item #1 is already in Build\."):
        b.pull("Build", item=1, actor=ACTOR, at=clock())


def test_unknown_stage_lists_the_stages(clock: Clock) -> None:
    b = board(clock, items=1)
    with pytest.raises(Invalid) as refused:
        b.pull("Bild", actor=ACTOR, at=clock())
    assert str(refused.value) == (
        "No stage named 'Bild' on board main: choose one of Options, Build, Measure, Done."
    )


def test_stage_names_match_whatever_their_case(clock: Clock) -> None:
    b = board(clock, items=1)
    assert pull(b, "bUILD", clock) == 1


def test_next_by_policy_expedite_then_fixed_date_by_due_then_first_finished(
    clock: Clock,
) -> None:
    b = board(clock, "Options,Build,Measure,Done", items=0)
    b.add_item("standard, finished first", actor=ACTOR, at=clock())
    b.add_item("late due", actor=ACTOR, at=clock(), due=date(2026, 12, 20))
    b.add_item("early due", actor=ACTOR, at=clock(), due=date(2026, 12, 1))
    b.add_item("standard, finished second", actor=ACTOR, at=clock())
    b.add_item("expedite", actor=ACTOR, at=clock(), service_class=ServiceClass.EXPEDITE)
    for number in (1, 4, 2, 3, 5):
        pull(b, "Build", clock, number)
    for number in (1, 4, 2, 3, 5):
        b.finish(number, actor=ACTOR, at=clock(hours=1))
    assert [pull(b, "Measure", clock) for _ in range(5)] == [5, 3, 2, 1, 4]


def test_options_pull_by_class_then_rank(clock: Clock) -> None:
    b = board(clock, items=2)
    b.add_item("due", actor=ACTOR, at=clock(), due=date(2026, 12, 1))
    assert [pull(b, "Build", clock) for _ in range(3)] == [3, 1, 2]


def test_blocked_items_are_passed_over_and_refused_when_named(clock: Clock) -> None:
    b = board(clock, items=2)
    b.block(1, reason="waiting for legal", actor=ACTOR, at=clock())
    with pytest.raises(ItemBlocked) as refused:
        b.pull("Build", item=1, actor=ACTOR, at=clock())
    assert str(refused.value) == (
        "Item #1 is blocked (waiting for legal): unblock it first with pullflow unblock 1."
    )
    assert pull(b, "Build", clock) == 2
    with pytest.raises(NothingToPull, match="every item waiting in Options is blocked"):
        b.pull("Build", actor=ACTOR, at=clock())


def test_nothing_ready_says_what_to_do(clock: Clock) -> None:
    b = board(clock, items=1)
    with pytest.raises(NothingToPull) as refused:
        b.pull("Measure", actor=ACTOR, at=clock())
    assert str(refused.value) == (
        "Measure has nothing to pull: Build's done lane is empty, so finish an item in Build first."
    )
    empty = board(clock)
    with pytest.raises(NothingToPull, match="Options is empty, so add an item"):
        empty.pull("Build", actor=ACTOR, at=clock())


def test_block_policy_refuses_past_the_limit_with_the_wip_message(clock: Clock) -> None:
    b = board(clock, items=4)
    for _ in range(3):
        pull(b, "Build", clock)
    with pytest.raises(WipLimitReached) as refused:
        b.pull("Build", actor=ACTOR, at=clock())
    assert str(refused.value) == (
        "Build is at its WIP limit (3/3): finish or discard an item in Build, or raise its "
        'limit with pullflow board limit "Build" 4.'
    )
    assert b.wip(b.stage("Build")) == 3
    assert where(b, 4) == ("Options", "done")


def test_wip_counts_both_lanes_and_blocked_items(clock: Clock) -> None:
    b = board(clock, items=4)
    for _ in range(3):
        pull(b, "Build", clock)
    b.finish(1, actor=ACTOR, at=clock())
    b.block(2, reason="flaky", actor=ACTOR, at=clock())
    assert b.wip(b.stage("Build")) == 3
    with pytest.raises(WipLimitReached):
        b.pull("Build", actor=ACTOR, at=clock())


def test_override_policy_needs_a_reason_and_records_it(clock: Clock) -> None:
    b = board(clock, "Options,Build:1:override,Done", items=2)
    pull(b, "Build", clock)
    with pytest.raises(WipLimitReached) as refused:
        b.pull("Build", actor=ACTOR, at=clock())
    assert str(refused.value) == (
        "Build is at its WIP limit (1/1): finish or discard an item in Build, or pull with "
        '--override "reason".'
    )
    moved, exceeded = b.pull("Build", actor=ACTOR, at=clock(), override="customer demo today")
    assert moved.type is EventType.ITEM_PULLED
    assert exceeded.type is EventType.WIP_EXCEEDED
    assert exceeded.reason == "customer demo today"
    assert exceeded.data == {"policy": "override", "wip": 2, "limit": 1}
    assert b.wip(b.stage("Build")) == 2


def test_override_is_not_accepted_by_a_block_stage(clock: Clock) -> None:
    b = board(clock, "Options,Build:1,Done", items=2)
    pull(b, "Build", clock)
    with pytest.raises(WipLimitReached):
        b.pull("Build", actor=ACTOR, at=clock(), override="please")


def test_warn_policy_allows_and_records_a_warning(clock: Clock) -> None:
    b = board(clock, "Options,Build:1:warn,Done", items=2)
    pull(b, "Build", clock)
    events = b.pull("Build", actor=ACTOR, at=clock())
    assert [e.type for e in events] == [EventType.ITEM_PULLED, EventType.WIP_EXCEEDED]
    assert events[1].data == {"policy": "warn", "wip": 2, "limit": 1}


def test_an_expedite_item_may_exceed_a_limit_and_that_is_recorded(clock: Clock) -> None:
    b = board(clock, "Options,Build:1,Done", items=1)
    b.add_item("hotfix", actor=ACTOR, at=clock(), service_class=ServiceClass.EXPEDITE)
    pull(b, "Build", clock, 1)
    events = b.pull("Build", actor=ACTOR, at=clock())
    assert events[0].item == 2
    assert events[1].type is EventType.WIP_EXCEEDED
    assert events[1].data["policy"] == "expedite"


def test_lowering_a_limit_evicts_nothing_and_is_an_event(clock: Clock) -> None:
    b = board(clock, items=3)
    for _ in range(3):
        pull(b, "Build", clock)
    [event] = b.set_limit("Build", 1, actor="bo", at=clock(), policy=WipPolicy.WARN)
    assert event.type is EventType.LIMIT_CHANGED
    assert event.data == {
        "limit": 1,
        "policy": "warn",
        "previous_limit": 3,
        "previous_policy": "block",
        "wip": 3,
    }
    assert [where(b, n) for n in (1, 2, 3)] == [("Build", "doing")] * 3
    assert b.set_limit("Build", 1, actor="bo", at=clock()) == []


def test_the_done_stage_takes_no_limit_and_limits_are_positive(clock: Clock) -> None:
    b = board(clock)
    with pytest.raises(Invalid, match="Done is where work ends"):
        b.set_limit("Done", 5, actor=ACTOR, at=clock())
    with pytest.raises(Invalid, match="at least 1"):
        b.set_limit("Build", 0, actor=ACTOR, at=clock())


def test_pulling_into_done_delivers_and_takes_no_limit(clock: Clock) -> None:
    b = board(clock, "Options,Build,Done", items=1)
    pull(b, "Build", clock)
    b.finish(1, actor=ACTOR, at=clock())
    [event] = b.pull("Done", actor=ACTOR, at=clock())
    assert event.data == {}
    item = b.item(1)
    assert (item.stage.name, item.state.value, item.ended_at) == ("Done", "done", event.at)
    with pytest.raises(ItemClosed, match="Item #1 is done"):
        b.block(1, reason="x", actor=ACTOR, at=clock())


def test_a_refused_pull_changes_nothing(clock: Clock) -> None:
    b = board(clock, "Options,Build:1,Done", items=2)
    pull(b, "Build", clock)
    b.take_events()
    before = [(i.number, i.stage.name, i.lane, i.entered_at) for i in b.items]
    with pytest.raises(WipLimitReached):
        b.pull("Build", actor=ACTOR, at=clock())
    assert [(i.number, i.stage.name, i.lane, i.entered_at) for i in b.items] == before
    assert b.pending_events == []

"""The verbs that move work: pull, finish, block, unblock, discard and return."""

from __future__ import annotations

from tests.cli.helpers import WIP_OVERRIDE_MESSAGE, Cli, ids, sqlite_only

# ---------------------------------------------------------------------------- pull


def test_pull_takes_the_next_item_by_rank_or_the_named_one(capacity: Cli) -> None:
    for title in ("a", "b", "c"):
        capacity.add(title)
    assert capacity.ok("pull", "Build").text == "Pulled #1 from Options into Build (WIP 1/3)."
    assert capacity.ok("pull", "build", "#3").text == (
        "Pulled #3 from Options into Build (WIP 2/3)."
    )
    assert ids(capacity.stage("Build")["doing"]) == [1, 3]
    assert ids(capacity.stage("Options")["done"]) == [2]
    event = capacity.events()[-1]
    assert (event["type"], event["item"]) == ("item.pulled", 3)
    assert (event["from_stage"], event["from_lane"]) == ("Options", "done")
    assert (event["to_stage"], event["to_lane"]) == ("Build", "doing")
    assert event["data"] == {"wip": 2, "limit": 3, "signal": "capacity"}


def test_pull_takes_expedite_work_first_then_the_earliest_due_date(capacity: Cli) -> None:
    capacity.add("standard")
    capacity.add("due later", "--due", "2026-12-20")
    capacity.add("due sooner", "--due", "2026-11-20")
    capacity.add("outage", "--class", "expedite")
    pulled = [capacity.ok("pull", "Build") for _ in range(3)]
    assert [result.text.split()[1] for result in pulled] == ["#4", "#3", "#2"]


def test_a_pull_at_a_block_limit_is_refused_with_what_to_do(full_build: Cli) -> None:
    result = full_build.fails(1, "pull", "Build")
    assert result.error == (
        "Build is at its WIP limit (3/3): finish or discard an item in Build, or raise its "
        'limit with pullflow board limit "Build" 4.'
    )
    assert full_build.where(4) == ("Options", "done", "active")
    assert full_build.stage("Build")["wip"] == 3


def test_a_pull_at_an_override_limit_needs_a_reason(full_build: Cli) -> None:
    full_build.ok("board", "limit", "Build", "3", "--policy", "override")
    assert full_build.fails(1, "pull", "Build").error == WIP_OVERRIDE_MESSAGE
    assert full_build.fails(1, "pull", "Build", "--override", "  ").error == WIP_OVERRIDE_MESSAGE

    result = full_build.ok("pull", "Build", "--override", "the customer demo is on Friday")
    assert result.text == (
        "Pulled #4 from Options into Build (WIP 4/3). Build is over its WIP limit (4/3): "
        "override recorded (the customer demo is on Friday)."
    )
    exceeded = full_build.events()[-1]
    assert exceeded["type"] == "wip.exceeded"
    assert exceeded["reason"] == "the customer demo is on Friday"
    assert exceeded["data"] == {"policy": "override", "wip": 4, "limit": 3}


@sqlite_only
def test_a_pull_at_a_warn_limit_is_allowed_and_recorded(full_build: Cli) -> None:
    full_build.ok("board", "limit", "Build", "3", "--policy", "warn")
    result = full_build.ok("pull", "Build")
    assert "Build is over its WIP limit (4/3): allowed by its warn policy; recorded." in (
        result.text
    )
    assert full_build.events()[-1]["data"]["policy"] == "warn"
    assert full_build.stage("Build")["wip"] == 4


@sqlite_only
def test_expedite_work_may_pass_a_limit(full_build: Cli) -> None:
    full_build.add("outage", "--class", "expedite")
    result = full_build.ok("pull", "Build")
    assert result.text == (
        "Pulled #5 from Options into Build (WIP 4/3). Build is over its WIP limit (4/3): "
        "expedite work may exceed it; recorded."
    )


@sqlite_only
def test_a_stage_without_a_limit_takes_any_number(full_build: Cli) -> None:
    full_build.ok("board", "limit", "Build", "none")
    assert full_build.ok("pull", "Build").text == "Pulled #4 from Options into Build (WIP 4/∞)."


@sqlite_only
def test_a_pull_from_the_stage_before_needs_finished_work(capacity: Cli) -> None:
    capacity.add("a")
    capacity.ok("pull", "Build")
    result = capacity.fails(1, "pull", "Measure", "1")
    assert result.error == (
        "Item #1 is still being worked in Build: finish it first with pullflow finish 1."
    )
    capacity.ok("finish", "1")
    assert capacity.ok("pull", "Measure").text == "Pulled #1 from Build into Measure (WIP 1/2)."
    result = capacity.fails(1, "pull", "Build", "1")
    assert result.error.startswith("Item #1 is already in Measure, past Build: to send it back")


# -------------------------------------------------------------------------- finish


def test_finish_moves_work_to_the_done_lane_to_wait_for_the_next_stage(capacity: Cli) -> None:
    capacity.add("a")
    capacity.ok("pull", "Build")
    result = capacity.ok("finish", "1")
    assert result.text == "Finished #1 in Build: it waits in the done lane to be pulled."
    build = capacity.stage("Build")
    assert (ids(build["doing"]), ids(build["done"]), build["wip"]) == ([], [1], 1)
    again = capacity.fails(1, "finish", "1")
    assert again.error == (
        "Item #1 is already finished in Build: it waits to be pulled into Measure."
    )


def test_finish_deliver_in_the_last_stage_moves_work_into_done(capacity: Cli) -> None:
    capacity.add("a")
    capacity.ok("pull", "Build")
    refused = capacity.fails(1, "finish", "1", "--deliver")
    assert "only finishing in the last stage before Done delivers" in refused.error
    for stage in ("Measure", "Learn"):
        capacity.ok("finish", "1")
        capacity.ok("pull", stage)
    result = capacity.ok("finish", "1", "--deliver")
    assert result.text == (
        "Finished #1 in Learn: it waits in the done lane to be pulled. "
        "Delivered #1 from Learn into Done."
    )
    assert capacity.where(1) == ("Done", "done", "done")
    assert ids(capacity.stage("Done")["done"]) == [1]
    closed = capacity.fails(1, "finish", "1")
    assert closed.error.startswith("Item #1 is done: send it back with pullflow return 1 STAGE")


@sqlite_only
def test_finish_refuses_an_item_still_in_the_options(capacity: Cli) -> None:
    capacity.add("a")
    result = capacity.fails(1, "finish", "1")
    assert result.error == "Item #1 waits in Options: pull it into Build to start it."


# ------------------------------------------------------------------ block and unblock


def test_a_blocked_item_keeps_its_place_and_cannot_move(capacity: Cli) -> None:
    capacity.add("a")
    capacity.ok("pull", "Build")
    capacity.at("2026-11-03T09:00:00+00:00")
    assert capacity.ok("block", "1", "--reason", "waiting for legal").text == (
        "Blocked #1: waiting for legal."
    )
    card = capacity.stage("Build")["doing"][0]
    assert card["blocked"] == "waiting for legal"
    assert card["blocked_since"] == "2026-11-03T09:00:00+00:00"
    assert capacity.stage("Build")["wip"] == 1
    result = capacity.fails(1, "finish", "1")
    assert result.error == (
        "Item #1 is blocked (waiting for legal): unblock it first with pullflow unblock 1."
    )
    assert capacity.fails(1, "block", "1", "--reason", "again").error.startswith(
        "Item #1 is already blocked"
    )

    assert capacity.ok("unblock", "1").text == "Unblocked #1."
    assert capacity.item(1)["blocked"] is None
    capacity.ok("finish", "1")
    assert capacity.fails(1, "unblock", "1").error == (
        "Item #1 is not blocked: there is nothing to unblock."
    )


@sqlite_only
def test_a_blocked_item_is_not_pulled_by_policy(capacity: Cli) -> None:
    capacity.add("a")
    capacity.ok("block", "1", "--reason", "unclear")
    result = capacity.fails(1, "pull", "Build")
    assert result.error == (
        "Build has nothing to pull: every item waiting in Options is blocked, so unblock one first."
    )


# ------------------------------------------------------------------------- discard


def test_discard_takes_an_item_out_of_the_flow_from_any_stage(full_build: Cli) -> None:
    result = full_build.ok("discard", "2", "--reason", "the experiment no longer needs it")
    assert result.text == "Discarded #2 from Build: the experiment no longer needs it."
    assert full_build.where(2) == ("Build", "doing", "discarded")
    assert full_build.item(2)["discard_reason"] == "the experiment no longer needs it"
    assert ids(full_build.stage("Build")["doing"]) == [1, 3]
    assert full_build.ok("pull", "Build").text == "Pulled #4 from Options into Build (WIP 3/3)."
    full_build.add("e")
    assert full_build.ok("discard", "5", "--reason", "duplicate").text == (
        "Discarded #5 from Options: duplicate."
    )
    again = full_build.fails(1, "discard", "2", "--reason", "twice")
    assert again.error == "Item #2 was discarded: add it again as a new item."


# -------------------------------------------------------------------------- return


def test_return_sends_work_back_to_an_earlier_stage(capacity: Cli) -> None:
    capacity.add("a")
    capacity.ok("pull", "Build")
    capacity.ok("finish", "1")
    capacity.ok("pull", "Measure")
    result = capacity.ok("return", "1", "Build", "--reason", "the numbers look wrong")
    assert result.text == "Returned #1 from Measure to Build: the numbers look wrong."
    assert capacity.where(1) == ("Build", "doing", "active")
    event = capacity.events()[-1]
    assert (event["type"], event["from_stage"], event["to_stage"], event["reason"]) == (
        "item.returned",
        "Measure",
        "Build",
        "the numbers look wrong",
    )
    forward = capacity.fails(1, "return", "1", "Learn", "--reason", "skip ahead")
    assert "return only sends work back to an earlier stage" in forward.error


@sqlite_only
def test_return_counts_against_the_limit_of_the_stage_it_goes_back_to(full_build: Cli) -> None:
    full_build.ok("finish", "1")
    full_build.ok("pull", "Measure", "1")
    full_build.ok("pull", "Build")  # Build is full again: 2, 3, 4
    result = full_build.fails(1, "return", "1", "Build", "--reason", "redo")
    assert result.error.startswith("Build is at its WIP limit (3/3): ")
    assert full_build.where(1) == ("Measure", "doing", "active")


def test_a_delivered_item_can_be_returned(capacity: Cli) -> None:
    capacity.add("a")
    capacity.ok("pull", "Build")
    for stage in ("Measure", "Learn", "Done"):
        capacity.ok("finish", "1")
        capacity.ok("pull", stage)
    assert capacity.where(1) == ("Done", "done", "done")
    capacity.ok("return", "1", "Learn", "--reason", "a bug was found")
    assert capacity.where(1) == ("Learn", "doing", "active")

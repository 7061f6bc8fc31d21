"""``pullflow item``: add, edit, rerank and show items."""

from __future__ import annotations

from tests.cli.helpers import LOGIN, Cli, ids, sqlite_only
from tests.conftest import START


def test_item_add_puts_the_item_last_in_the_options(bml: Cli) -> None:
    assert bml.ok("item", "add", "Landing page").text == 'Added #1 "Landing page" to Options.'
    assert bml.ok("item", "add", "Welcome email").text == 'Added #2 "Welcome email" to Options.'
    options = bml.stage("Options")
    assert ids(options["done"]) == [1, 2]
    assert [card["rank"] for card in options["done"]] == [1, 2]
    event = bml.events()[-1]
    assert (event["type"], event["item"], event["to_stage"], event["to_lane"]) == (
        "item.added",
        2,
        "Options",
        "done",
    )
    assert event["data"]["title"] == "Welcome email"


@sqlite_only
def test_item_add_quiet_prints_only_the_new_id(bml: Cli) -> None:
    first = bml.ok("item", "add", "Landing page", "--quiet")
    second = bml.ok("item", "add", "Welcome email", "-q")
    assert (first.out, second.out) == ("1\n", "2\n")
    assert first.err == ""


def test_item_add_with_a_rank_puts_it_in_line(bml: Cli) -> None:
    for title in ("a", "b", "c"):
        bml.add(title)
    assert bml.add("first", "--rank", "1") == 4
    assert ids(bml.stage("Options")["done"]) == [4, 1, 2, 3]
    result = bml.fails(2, "item", "add", "late", "--rank", "9")
    assert result.error.startswith("Position 9 was refused")
    assert "1 to 5" in result.error


def test_item_add_takes_a_class_of_service_and_a_due_date(bml: Cli) -> None:
    assert bml.ok("item", "add", "Launch", "--due", "2026-11-20").text == (
        'Added #1 "Launch" (fixed-date, due 2026-11-20) to Options.'
    )
    assert bml.ok("item", "add", "Outage", "--class", "expedite").text == (
        'Added #2 "Outage" (expedite) to Options.'
    )
    bml.add("Plain", "--class", "standard")
    cards = {card["id"]: card for card in bml.stage("Options")["done"]}
    assert (cards[1]["class"], cards[1]["due"]) == ("fixed-date", "2026-11-20")
    assert (cards[2]["class"], cards[2]["due"]) == ("expedite", None)
    assert (cards[3]["class"], cards[3]["due"]) == ("standard", None)


@sqlite_only
def test_item_add_refuses_a_second_expedite_item(bml: Cli) -> None:
    bml.add("Outage", "--class", "expedite")
    result = bml.fails(1, "item", "add", "Another outage", "--class", "expedite")
    assert result.error.startswith("Item #1 is already expedite")


@sqlite_only
def test_item_add_refuses_bad_input(bml: Cli) -> None:
    assert bml.fails(2, "item", "add", "  ").error == (
        "An empty title was refused: give the item a short title."
    )
    assert bml.fails(2, "item", "add", "Launch", "--class", "fixed-date").error == (
        "A fixed-date item needs a due date: add --due YYYY-MM-DD."
    )
    assert bml.fails(2, "item", "add", "Launch", "--class", "urgent").error == (
        "Unknown class of service 'urgent': choose one of standard, fixed-date, expedite."
    )
    assert bml.fails(2, "item", "add", "Launch", "--experiment", "E1").error == (
        "No experiment E1 on board main: list them with pullflow experiment list."
    )


def test_item_edit_changes_the_title_class_and_due_date(bml: Cli) -> None:
    bml.add("Landing page")
    result = bml.ok("item", "edit", "1", "--title", "Landing page v2", "--due", "2026-12-01")
    assert result.text == (
        "Changed #1: title Landing page v2, service class fixed-date, due 2026-12-01."
    )
    card = bml.item(1)
    assert (card["title"], card["class"], card["due"]) == (
        "Landing page v2",
        "fixed-date",
        "2026-12-01",
    )
    bml.ok("item", "edit", "#1", "--class", "expedite")
    assert bml.item(1)["class"] == "expedite"


@sqlite_only
def test_item_edit_needs_something_to_change(bml: Cli) -> None:
    bml.add("Landing page")
    result = bml.fails(2, "item", "edit", "1")
    assert result.error == "Nothing to change was given: add --title, --class or --due."
    result = bml.fails(2, "item", "edit", "1", "--due", "soon")
    assert result.error == "--due 'soon' was refused: write the date as YYYY-MM-DD."


def test_item_rerank_moves_a_waiting_item(capacity: Cli) -> None:
    for title in ("a", "b", "c"):
        capacity.add(title)
    assert capacity.ok("item", "rerank", "3", "1").text == "#3 is now number 1 in line."
    assert ids(capacity.stage("Options")["done"]) == [3, 1, 2]
    capacity.ok("pull", "Build")
    assert ids(capacity.stage("Build")["doing"]) == [3]
    result = capacity.fails(1, "item", "rerank", "3", "1")
    assert result.error == "Item #3 has left Options: only waiting options are ranked."
    result = capacity.fails(2, "item", "rerank", "1", "5")
    assert result.error.startswith("Position 5 was refused")
    assert "1 to 2" in result.error


def test_item_show_json_has_the_card_and_its_events(capacity: Cli) -> None:
    capacity.add("Landing page")
    capacity.at("2026-11-03T10:00:00+00:00")
    capacity.ok("pull", "Build", "1", "--as", "ana")
    card = capacity.item(1)
    assert card["id"] == 1
    assert card["title"] == "Landing page"
    assert (card["stage"], card["lane"], card["state"]) == ("Build", "doing", "active")
    assert card["created_at"] == START.isoformat()
    assert card["started_at"] == "2026-11-03T10:00:00+00:00"
    assert [(e["type"], e["actor"], e["at"]) for e in card["events"]] == [
        ("item.added", LOGIN, START.isoformat()),
        ("item.pulled", "ana", "2026-11-03T10:00:00+00:00"),
    ]


@sqlite_only
def test_item_show_prints_the_card_and_its_history(capacity: Cli) -> None:
    capacity.add("Landing page")
    capacity.ok("block", "1", "--reason", "waiting for copy")
    text = capacity.ok("item", "show", "1").text
    assert "#1 Landing page" in text
    assert "BLOCKED: waiting for copy" in text
    assert "item.added" in text
    assert "item.blocked" in text

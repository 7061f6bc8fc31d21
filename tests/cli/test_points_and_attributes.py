"""``board set --commitment/--delivery`` and ``item add --type/--attr`` on the command line."""

from __future__ import annotations

from tests.cli.helpers import Cli, sqlite_only

# The bml board: Options, Build (3), Measure (2), Learn (2), Done.


def points(cli: Cli) -> tuple[str, str]:
    board = cli.board()
    return board["commitment"], board["delivery"]


def test_board_set_moves_the_commitment_and_delivery_points(bml: Cli) -> None:
    assert points(bml) == ("Build", "Done")
    result = bml.ok("board", "set", "--commitment", "measure", "--delivery", "LEARN")
    assert result.text == "Board set: commitment point Measure, delivery point Learn."
    assert points(bml) == ("Measure", "Learn")
    event = bml.events()[-1]
    assert (event["type"], event["data"]) == (
        "board.configured",
        {"commitment": "Measure", "delivery": "Learn"},
    )


def test_the_word_default_puts_a_point_back(bml: Cli) -> None:
    bml.ok("board", "set", "--commitment", "Measure", "--delivery", "Learn")
    result = bml.ok("board", "set", "--delivery", "default")
    assert result.text == "Board set: delivery point back to its default (done)."
    assert points(bml) == ("Measure", "Done")
    assert bml.events()[-1]["data"] == {"delivery": None}
    assert bml.ok("board", "set", "--commitment", "Measure").text == (
        "Nothing to change: it was already so."
    )


@sqlite_only
def test_board_set_refuses_points_that_cannot_be(bml: Cli) -> None:
    assert bml.fails(2, "board", "set", "--commitment", "Deploy").error == (
        "Commitment point 'Deploy' was refused: board main has no such stage, so choose one of "
        "Options, Build, Measure, Learn, Done, or default."
    )
    assert bml.fails(2, "board", "set", "--commitment", "options").error == (
        "Options cannot be the commitment point: work is committed to only once it leaves the "
        "options, so choose a later stage such as Build."
    )
    assert bml.fails(2, "board", "set", "--commitment", "learn", "--delivery", "measure").error == (
        "Delivery point Measure was refused: it comes before the commitment point Learn, and "
        "work is delivered only after it is committed to, so choose Learn or a later stage."
    )
    assert points(bml) == ("Build", "Done")


@sqlite_only
def test_board_show_names_points_that_are_not_the_defaults(bml: Cli) -> None:
    assert "committed at" not in bml.ok("board", "show").text
    bml.ok("board", "set", "--commitment", "Measure")
    assert "committed at Measure, delivered at Done" in bml.ok("board", "show").text


def test_item_add_takes_a_type_and_attributes(bml: Cli) -> None:
    result = bml.ok(
        "item", "add", "Broken link", "--type", "bug", "--attr", "team=web", "--attr", "size = S"
    )
    assert result.text == 'Added #1 "Broken link" to Options with type=bug, team=web, size=S.'
    expected = {"type": "bug", "team": "web", "size": "S"}
    card = bml.item(1)
    assert card["attributes"] == expected
    assert card["events"][0]["data"]["attributes"] == expected
    assert bml.stage("Options")["done"][0]["attributes"] == expected
    bml.add("Plain")
    assert bml.item(2)["attributes"] == {}
    assert "attributes" not in bml.item(2)["events"][0]["data"]


@sqlite_only
def test_item_show_prints_the_attributes(bml: Cli) -> None:
    bml.add("Broken link", "--type", "bug", "--attr", "team=web")
    assert "attributes type=bug, team=web" in bml.ok("item", "show", "1").text
    bml.add("Plain")
    assert "attributes" not in bml.ok("item", "show", "2").text


@sqlite_only
def test_item_add_refuses_bad_attributes(bml: Cli) -> None:
    assert bml.fails(2, "item", "add", "x", "--attr", "team").error == (
        "Attribute 'team' was refused: write it as KEY=VALUE, such as team=web."
    )
    assert bml.fails(2, "item", "add", "x", "--attr", "team=").error == (
        "Attribute 'team' has no value: write it as team=VALUE."
    )
    assert bml.fails(2, "item", "add", "x", "--type", "bug", "--attr", "type=story").error == (
        "Attribute 'type' was given twice: give it once, with --type or with --attr type=VALUE."
    )
    assert bml.fails(2, "item", "add", "x", "--attr", "k" * 41 + "=v").error == (
        f"Attribute key {'k' * 40!r} was refused: a key has 1 to 40 printable characters and "
        "no =, such as team."
    )
    assert bml.fails(2, "item", "add", "x", "--attr", "team=" + "w" * 201).error == (
        "The value of attribute 'team' (201 characters) was refused: keep it to 200 printable "
        "characters."
    )

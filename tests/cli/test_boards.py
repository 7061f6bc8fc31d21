"""``pullflow init`` and ``pullflow board``: creating, showing and configuring boards."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cli.helpers import Cli, ids, sqlite_only
from tests.conftest import START


def shape(board: dict[str, Any]) -> list[tuple[str, int | None, str]]:
    return [(stage["name"], stage["limit"], stage["policy"]) for stage in board["stages"]]


# ---------------------------------------------------------------------------- init


def test_init_creates_the_database_and_a_build_measure_learn_board_named_main(cli: Cli) -> None:
    result = cli.ok("init")
    assert result.text.endswith(
        "is ready. Created board main: Options → Build (3) → Measure (2) → Learn (2) → Done; "
        "pull signal: experiment."
    )
    board = cli.board()
    assert board["board"] == "main"
    assert board["pull_signal"] == "experiment"
    assert board["experiment_limit"] == 2
    assert board["timezone"] == "UTC"
    assert board["as_of"] == START.isoformat()
    assert shape(board) == [
        ("Options", None, "block"),
        ("Build", 3, "block"),
        ("Measure", 2, "block"),
        ("Learn", 2, "block"),
        ("Done", None, "block"),
    ]
    assert [stage["kind"] for stage in board["stages"]] == [
        "options",
        "work",
        "work",
        "work",
        "done",
    ]
    assert cli.json("board", "list") == [{"name": "main"}]


def test_init_with_the_simple_template_makes_a_capacity_board(cli: Cli) -> None:
    cli.ok("init", "--template", "simple")
    board = cli.board()
    assert board["pull_signal"] == "capacity"
    assert board["experiment_limit"] is None
    assert shape(board) == [
        ("Options", None, "block"),
        ("Doing", 3, "block"),
        ("Review", 2, "block"),
        ("Done", None, "block"),
    ]


def test_init_with_no_template_makes_an_empty_database(cli: Cli) -> None:
    result = cli.ok("init", "--template", "none")
    assert result.text.endswith(
        "No board yet: create one with pullflow board create NAME --stages …"
    )
    assert cli.json("board", "list") == []
    cli.ok("board", "create", "Team", "--stages", "Backlog,Doing:2,Done")
    assert [stage["name"] for stage in cli.board()["stages"]] == ["Backlog", "Doing", "Done"]


def test_init_with_a_board_name_names_the_first_board(cli: Cli) -> None:
    cli.ok("init", "--board", "Newsletter")
    assert cli.json("board", "list") == [{"name": "Newsletter"}]
    assert cli.board()["board"] == "Newsletter"


def test_running_init_twice_is_harmless(cli: Cli) -> None:
    cli.ok("init")
    before = cli.events()
    again = cli.ok("init")
    assert again.text.endswith("was already up to date. Boards: main.")
    assert cli.events() == before
    assert cli.json("board", "list") == [{"name": "main"}]


def test_init_with_a_new_board_name_adds_a_second_board(cli: Cli) -> None:
    cli.ok("init")
    cli.ok("init", "--board", "Growth", "--template", "simple")
    assert cli.json("board", "list") == [{"name": "main"}, {"name": "Growth"}]
    assert cli.board("Growth")["pull_signal"] == "capacity"


# ---------------------------------------------------------------------- board create


def test_board_create_makes_a_board_from_a_stage_list(bml: Cli) -> None:
    result = bml.ok(
        "board",
        "create",
        "Growth",
        "--stages",
        "Ideas,Build:3,Measure:2:warn,Learn:2,Shipped",
        "--pull-signal",
        "experiment",
        "--experiment-limit",
        "1",
        "--timezone",
        "Europe/Berlin",
    )
    assert result.text == (
        "Created board Growth: Ideas → Build (3) → Measure (2, warn) → Learn (2) → Shipped; "
        "pull signal: experiment."
    )
    board = bml.board("Growth")
    assert shape(board) == [
        ("Ideas", None, "block"),
        ("Build", 3, "block"),
        ("Measure", 2, "warn"),
        ("Learn", 2, "block"),
        ("Shipped", None, "block"),
    ]
    assert board["pull_signal"] == "experiment"
    assert board["experiment_limit"] == 1
    assert board["timezone"] == "Europe/Berlin"
    assert bml.json("board", "list") == [{"name": "main"}, {"name": "Growth"}]


def test_board_create_refuses_a_name_that_is_taken(bml: Cli) -> None:
    result = bml.fails(1, "board", "create", "MAIN", "--stages", "Options,Build:3,Done")
    assert result.error == "A board named 'MAIN' already exists: choose another name."


@sqlite_only
@pytest.mark.parametrize(
    ("stages", "message"),
    [
        ("Options,Done", "A board needs at least three stages"),
        ("Options,Build:3,Build:2,Done", "Stage 'Build' appears twice"),
        ("Options,Build:3,Done:5", "Done is where work ends: the last stage takes no WIP limit."),
        ("Options,Build:three,Done", "WIP limit 'three' was refused"),
        ("Options,Build:3:maybe,Done", "Unknown WIP policy 'maybe'"),
        ("Options,Build:3:warn:x,Done", "was refused: write Name, Name:limit or Name:limit:policy"),
    ],
)
def test_board_create_refuses_a_bad_stage_list(bml: Cli, stages: str, message: str) -> None:
    result = bml.fails(2, "board", "create", "Growth", "--stages", stages, board="main")
    assert message in result.error
    assert bml.json("board", "list") == [{"name": "main"}]


@sqlite_only
def test_board_create_refuses_an_unknown_time_zone(bml: Cli) -> None:
    result = bml.fails(
        2, "board", "create", "Growth", "--stages", "A,B:1,C", "--timezone", "Mars/Base"
    )
    assert (
        result.error
        == "Unknown time zone 'Mars/Base': use an IANA name such as UTC or Europe/Berlin."
    )


# ----------------------------------------------------------------------- board show


def test_board_show_json_lists_the_stages_in_order_with_their_lanes(capacity: Cli) -> None:
    for n in range(1, 6):
        capacity.add(f"item {n}")
    capacity.ok("pull", "Build")  # 1
    capacity.ok("pull", "Build")  # 2
    capacity.ok("finish", "2")
    capacity.ok("pull", "Measure", "2")
    capacity.ok("finish", "2")
    capacity.ok("pull", "Learn", "2")
    capacity.ok("finish", "2", "--deliver")
    capacity.ok("pull", "Build")  # 3
    capacity.ok("finish", "3")

    board = capacity.board()
    assert [stage["name"] for stage in board["stages"]] == [
        "Options",
        "Build",
        "Measure",
        "Learn",
        "Done",
    ]
    for stage in board["stages"]:
        assert {"name", "limit", "policy", "doing", "done"} <= stage.keys()
        for card in stage["doing"] + stage["done"]:
            assert {"id", "title"} <= card.keys()
    options, build, measure, learn, done = board["stages"]
    assert (ids(options["doing"]), ids(options["done"])) == ([], [4, 5])
    assert [card["title"] for card in options["done"]] == ["item 4", "item 5"]
    assert (ids(build["doing"]), ids(build["done"])) == ([1], [3])
    assert build["wip"] == 2
    assert (ids(measure["doing"]), ids(measure["done"])) == ([], [])
    assert (ids(learn["doing"]), ids(learn["done"])) == ([], [])
    assert (ids(done["doing"]), ids(done["done"])) == ([], [2])
    assert done["done"][0]["state"] == "done"


@sqlite_only
def test_board_show_prints_the_board_as_columns(capacity: Cli) -> None:
    capacity.add("Page")
    capacity.ok("pull", "Build")
    text = capacity.ok("board", "show").text
    assert "main · pull signal: capacity" in text
    assert "WIP 1/3" in text
    assert "#1 Page 1d" in text


def test_board_show_takes_the_board_by_name_or_option(bml: Cli) -> None:
    bml.ok("board", "create", "Growth", "--stages", "Options,Build:3,Done")
    assert bml.board("Growth")["board"] == "Growth"
    assert bml.json("board", "show", "--board", "main")["board"] == "main"
    assert bml.json("board", "show", "-b", "growth")["board"] == "Growth"


@sqlite_only
def test_ages_follow_the_clock(capacity: Cli) -> None:
    capacity.add("Landing page")
    capacity.ok("pull", "Build")
    assert capacity.stage("Build")["doing"][0]["age_days"] == 1
    capacity.at("2026-11-04T17:00:00+00:00")
    card = capacity.stage("Build")["doing"][0]
    assert card["age_days"] == 3
    assert card["started_at"] == START.isoformat()


# ---------------------------------------------------------------------- board limit


def test_board_limit_changes_a_limit_and_its_policy(bml: Cli) -> None:
    result = bml.ok("board", "limit", "Build", "4", "--policy", "warn")
    assert result.text == "Build: WIP limit 3 → 4, policy warn (WIP now 0)."
    assert (bml.stage("Build")["limit"], bml.stage("Build")["policy"]) == (4, "warn")
    result = bml.ok("board", "limit", "measure", "none")
    assert result.text == "Measure: WIP limit 2 → ∞, policy block (WIP now 0)."
    assert bml.stage("Measure")["limit"] is None
    event = bml.events()[-1]
    assert event["type"] == "stage.limit_changed"
    assert event["to_stage"] == "Measure"
    assert event["data"]["previous_limit"] == 2


@sqlite_only
def test_board_limit_to_the_same_value_changes_nothing(bml: Cli) -> None:
    before = len(bml.events())
    assert bml.ok("board", "limit", "Build", "3").text == "Nothing to change: it was already so."
    assert len(bml.events()) == before


@sqlite_only
def test_lowering_a_limit_evicts_nothing(full_build: Cli) -> None:
    result = full_build.ok("board", "limit", "Build", "1")
    assert result.text == "Build: WIP limit 3 → 1, policy block (WIP now 3)."
    assert ids(full_build.stage("Build")["doing"]) == [1, 2, 3]
    assert full_build.fails(1, "pull", "Build").error.startswith(
        "Build is over its WIP limit (3/1): "
    )


@sqlite_only
def test_board_limit_refuses_the_done_stage_and_unknown_stages(bml: Cli) -> None:
    result = bml.fails(2, "board", "limit", "Done", "3")
    assert result.error == "Done is where work ends: it takes no WIP limit."
    result = bml.fails(2, "board", "limit", "Deploy", "3")
    assert result.error.startswith("No stage named 'Deploy' on board main")
    result = bml.fails(2, "board", "limit", "Build", "3", "--policy", "maybe")
    assert result.error == "Unknown WIP policy 'maybe': choose one of block, warn, override."


# ------------------------------------------------------------------------ board set


def test_board_set_changes_the_pull_signal_limit_and_time_zone(bml: Cli) -> None:
    result = bml.ok(
        "board",
        "set",
        "--pull-signal",
        "capacity",
        "--experiment-limit",
        "none",
        "--timezone",
        "America/New_York",
    )
    assert "Board set: pull signal capacity." in result.text
    assert "Board set: experiment limit None." in result.text
    assert "Board set: timezone America/New_York." in result.text
    board = bml.board()
    assert (board["pull_signal"], board["experiment_limit"], board["timezone"]) == (
        "capacity",
        None,
        "America/New_York",
    )
    assert [event["type"] for event in bml.events()[-3:]] == ["board.configured"] * 3


@sqlite_only
def test_board_set_with_nothing_to_set_says_what_it_takes(bml: Cli) -> None:
    assert bml.fails(2, "board", "set").error == (
        "Nothing to change was given: add --pull-signal, --experiment-limit, --timezone, "
        "--commitment or --delivery."
    )


@sqlite_only
def test_waiting_cards_show_their_place_in_line(bml: Cli) -> None:
    for title in ("a", "b", "c"):
        bml.add(title)
    bml.ok("item", "rerank", "3", "1")
    waiting = bml.stage("Options")["done"]
    assert [(card["id"], card["position"]) for card in waiting] == [(3, 1), (1, 2), (2, 3)]


@sqlite_only
def test_board_set_refuses_an_unknown_pull_signal(bml: Cli) -> None:
    result = bml.fails(2, "board", "set", "--pull-signal", "hope")
    assert result.error == "Unknown pull signal 'hope': choose one of experiment, capacity."

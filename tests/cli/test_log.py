"""The event log, who acts (``--as``), and choosing the database and board from the environment."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.cli.helpers import LOGIN, Cli, sqlite_only
from tests.conftest import START

EVENT_KEYS = {
    "id",
    "board",
    "type",
    "item",
    "experiment",
    "from_stage",
    "from_lane",
    "to_stage",
    "to_lane",
    "actor",
    "at",
    "reason",
    "data",
}


def test_log_json_lists_every_event_oldest_first(capacity: Cli) -> None:
    capacity.add("Landing page")
    capacity.at("2026-11-03T10:00:00+00:00")
    capacity.ok("pull", "Build")
    events = capacity.events()
    assert [event["type"] for event in events] == [
        "board.created",
        "board.configured",
        "item.added",
        "item.pulled",
    ]
    for event in events:
        assert set(event) == EVENT_KEYS
        assert event["board"] == "main"
    ids = [event["id"] for event in events]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    pulled = events[-1]
    assert pulled == {
        "id": pulled["id"],
        "board": "main",
        "type": "item.pulled",
        "item": 1,
        "experiment": None,
        "from_stage": "Options",
        "from_lane": "done",
        "to_stage": "Build",
        "to_lane": "doing",
        "actor": LOGIN,
        "at": "2026-11-03T10:00:00+00:00",
        "reason": None,
        "data": {"wip": 1, "limit": 3, "signal": "capacity"},
    }
    assert events[0]["at"] == START.isoformat()


def test_log_item_shows_only_that_items_events(capacity: Cli) -> None:
    capacity.add("a")
    capacity.add("b")
    capacity.ok("pull", "Build", "2")
    capacity.ok("block", "2", "--reason", "waiting")
    events = capacity.events("--item", "2")
    assert [(event["type"], event["item"]) for event in events] == [
        ("item.added", 2),
        ("item.pulled", 2),
        ("item.blocked", 2),
    ]
    assert capacity.events("--item", "#1")[0]["data"]["title"] == "a"


def test_log_limit_shows_the_most_recent_events_in_order(capacity: Cli) -> None:
    for title in ("a", "b", "c"):
        capacity.add(title)
    everything = capacity.events()
    assert capacity.events("--limit", "2") == everything[-2:]
    assert capacity.events("--limit", "100") == everything
    assert "Invalid value for '--limit'" in capacity.fails(2, "log", "--limit", "0").err


@sqlite_only
def test_log_prints_a_table(capacity: Cli) -> None:
    capacity.add("Landing page")
    capacity.ok("block", "1", "--reason", "copy")
    text = capacity.ok("log").text
    for word in ("board.created", "item.added", "item.blocked", "#1", "copy", LOGIN):
        assert word in text


def test_as_sets_the_actor_and_the_login_name_is_the_default(capacity: Cli) -> None:
    capacity.add("Landing page")
    capacity.ok("pull", "Build", "--as", "ana")
    capacity.ok("finish", "1", "--as", "  bo  ")
    actors = [event["actor"] for event in capacity.events()]
    assert actors == [LOGIN, LOGIN, LOGIN, "ana", "bo"]
    assert capacity.fails(2, "unblock", "1", "--as", "   ").error == (
        "--as was refused: give a user name of 1 to 100 characters."
    )


def test_the_database_url_can_come_from_the_environment(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULLFLOW_DATABASE_URL", cli.url)
    cli.ok("init", db=False)
    assert cli.ok("item", "add", "Landing page", db=False).text == (
        'Added #1 "Landing page" to Options.'
    )
    assert [event["type"] for event in cli.json("log")] == ["board.created", "item.added"]
    assert cli.ok("log", "--json", db=False).json() == cli.events()


@sqlite_only
def test_the_db_option_wins_over_the_environment(
    cli: Cli, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli.ok("init")
    monkeypatch.setenv("PULLFLOW_DATABASE_URL", f"sqlite:///{tmp_path_factory.mktemp('x')}/n.db")
    assert cli.ok("board", "show", "--json").json()["board"] == "main"


@pytest.fixture
def two_boards(bml: Cli) -> Cli:
    bml.ok("board", "create", "Growth", "--stages", "Options,Build:1,Done")
    return bml


def test_with_two_boards_a_command_must_name_one(two_boards: Cli) -> None:
    before = two_boards.events("--board", "Growth")
    for args in (("item", "add", "Landing page"), ("board", "show"), ("log",)):
        result = two_boards(*args)
        assert result.code == 2
        assert result.out == ""
        assert result.error == "There are 2 boards (main, Growth): name one with --board."
    assert two_boards.events("--board", "Growth") == before
    assert two_boards.events("--board", "main")[-1]["type"] == "board.created"


def test_board_option_and_environment_choose_the_board(
    two_boards: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_boards.ok("item", "add", "a", "--board", "Growth")
    two_boards.ok("item", "add", "b", "-b", "growth")
    two_boards.ok("pull", "Build", "--board", "Growth")
    refused = two_boards.fails(1, "pull", "Build", "--board", "Growth", board="Growth")
    assert refused.error.startswith("Build is at its WIP limit (1/1): ")
    monkeypatch.setenv("PULLFLOW_BOARD", "Growth")
    assert two_boards.board()["board"] == "Growth"
    assert [e["item"] for e in two_boards.events() if e["type"] == "item.added"] == [1, 2]
    assert two_boards.events("--board", "main")[-1]["type"] == "board.created"


def test_init_does_not_print_the_database_password(
    postgres_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = urlsplit(postgres_url)
    if parts.password or not parts.username:
        pytest.skip("the test database URL already carries a password or has no user")
    host = f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
    with_password = urlunsplit(parts._replace(netloc=f"{parts.username}:s3cret-pw@{host}"))
    result = Cli(with_password, capsys, monkeypatch)("init")
    if result.code == 2 and "Cannot open the database" in result.error:
        pytest.skip("this PostgreSQL checks passwords")
    assert result.code == 0
    assert "s3cret-pw" not in "".join((result.out + result.err).split())

"""Exit codes: 0 done, 1 refused by a rule, 2 bad input or usage; never a traceback.

Every failing command prints one sentence on stderr, nothing on stdout, and writes nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.helpers import Cli, sqlite_only

# ------------------------------------------------------------------- 0: done


@sqlite_only
def test_a_command_that_succeeds_exits_0(bml: Cli) -> None:
    result = bml("item", "add", "Landing page")
    assert result.code == 0
    assert result.text == 'Added #1 "Landing page" to Options.'
    assert result.err == ""


# ------------------------------------------------------------ 1: refused by a rule


def test_a_pull_past_the_wip_limit_exits_1(full_build: Cli) -> None:
    result = full_build.fails(1, "pull", "Build")
    assert result.err.startswith("Build is at its WIP limit (3/3): ")


@sqlite_only
def test_a_pull_while_the_line_is_stopped_exits_1(capacity: Cli) -> None:
    capacity.add("item 1")
    capacity.ok("andon", "stop", "--reason", "signups are lost")
    result = capacity.fails(1, "pull", "Build")
    assert result.error.startswith("The line is stopped (stop #1: signups are lost)")


@sqlite_only
def test_a_pull_without_the_pull_signal_exits_1(bml: Cli) -> None:
    bml.add("item 1")
    result = bml.fails(1, "pull", "Build")
    assert result.error == (
        "Build has nothing to pull: no item waiting in Options serves a running experiment, "
        "so link one with pullflow experiment link ID ITEM."
    )


@sqlite_only
def test_a_pull_with_nothing_ready_exits_1(capacity: Cli) -> None:
    result = capacity.fails(1, "pull", "Build")
    assert result.error == (
        "Build has nothing to pull: Options is empty, so add an item with pullflow item add."
    )
    result = capacity.fails(1, "pull", "Measure")
    assert result.error == (
        "Measure has nothing to pull: Build's done lane is empty, so finish an item in Build first."
    )


@sqlite_only
def test_a_pull_that_skips_a_stage_exits_1(capacity: Cli) -> None:
    capacity.add("item 1")
    result = capacity.fails(1, "pull", "Measure", "1")
    assert result.error == (
        "Item #1 is in Options, and Measure pulls only from Build: pull it into Build first."
    )


@sqlite_only
def test_pulling_into_the_options_exits_1(capacity: Cli) -> None:
    result = capacity.fails(1, "pull", "Options")
    assert "new work enters it with pullflow item add" in result.error


# ------------------------------------------------------------ 2: bad input or usage


@sqlite_only
def test_an_unknown_stage_exits_2(bml: Cli) -> None:
    result = bml.fails(2, "pull", "Deploy")
    assert result.error == (
        "No stage named 'Deploy' on board main: choose one of Options, Build, Measure, Learn, Done."
    )


@sqlite_only
def test_an_unknown_item_exits_2(bml: Cli) -> None:
    result = bml.fails(2, "finish", "7")
    assert result.error == "No item #7 on board main: see the items with pullflow board show."


def test_an_unknown_board_exits_2(bml: Cli) -> None:
    result = bml.fails(2, "pull", "Build", "--board", "nope")
    assert result.error == (
        "No board named 'nope': the boards are main; create one with pullflow board create."
    )


@sqlite_only
@pytest.mark.parametrize(
    "args",
    [
        ("finish", "abc"),
        ("pull", "Build", "abc"),
        ("item", "show", "abc"),
        ("block", "x1", "--reason", "why"),
        ("log", "--item", "abc"),
    ],
)
def test_an_item_id_that_is_not_a_number_exits_2(bml: Cli, args: tuple[str, ...]) -> None:
    result = bml.fails(2, *args)
    assert "was not understood: write its number, such as 3." in result.error


@sqlite_only
def test_an_experiment_id_with_the_wrong_letter_exits_2(bml: Cli) -> None:
    result = bml.fails(2, "experiment", "start", "E1")
    assert result.error == ("Hypothesis 'E1' was not understood: write its number, such as H3.")


@sqlite_only
@pytest.mark.parametrize("due", ["2026-13-01", "next friday", "02/11/2026"])
def test_a_bad_date_exits_2(bml: Cli, due: str) -> None:
    result = bml.fails(2, "item", "add", "Launch", "--due", due)
    assert result.error == f"--due {due!r} was refused: write the date as YYYY-MM-DD."


@sqlite_only
@pytest.mark.parametrize(
    ("args", "missing"),
    [
        (("block", "1"), "--reason"),
        (("discard", "1"), "--reason"),
        (("andon", "stop"), "--reason"),
        (("andon", "resume"), "--five-whys"),
        (("hypothesis", "add", "readers want it"), "--verify"),
        (("board", "create", "other"), "--stages"),
    ],
)
def test_a_missing_required_option_exits_2(bml: Cli, args: tuple[str, ...], missing: str) -> None:
    result = bml.fails(2, *args)
    assert f"Missing option '{missing}'" in result.err


@sqlite_only
def test_a_missing_argument_exits_2(bml: Cli) -> None:
    result = bml.fails(2, "pull")
    assert "Missing argument 'STAGE'" in result.err


@sqlite_only
def test_an_unknown_command_exits_2(bml: Cli) -> None:
    result = bml.fails(2, "push", "Build")
    assert "No such command 'push'" in result.err


@sqlite_only
def test_an_empty_reason_exits_2(bml: Cli) -> None:
    bml.add("item 1")
    result = bml.fails(2, "discard", "1", "--reason", "   ")
    assert result.error == 'To discard an item a reason is required: add --reason "why".'


@sqlite_only
def test_a_bad_wip_limit_exits_2(bml: Cli) -> None:
    assert "WIP limit 'many' was refused" in bml.fails(2, "board", "limit", "Build", "many").err
    assert "A WIP limit of 0 was refused" in bml.fails(2, "board", "limit", "Build", "0").err


@sqlite_only
def test_a_bad_clock_setting_exits_2_and_writes_nothing(bml: Cli) -> None:
    bml.at("tomorrow")
    before = len(bml.events())
    result = bml("item", "add", "Landing page")
    assert result.code == 2
    assert result.error == (
        "PULLFLOW_NOW='tomorrow' was refused: write an ISO time such as 2026-11-30T09:00Z."
    )
    assert len(bml.events()) == before


# ------------------------------------------------------------------ no database yet


def test_a_missing_sqlite_database_exits_2_and_is_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "none.db"
    runner = Cli(f"sqlite:///{missing}", capsys, monkeypatch)
    for args in (
        ("board", "show"),
        ("pull", "Build"),
        ("log",),
        ("board", "create", "x", "--stages", "A,B:1,C"),
    ):
        result = runner(*args)
        assert result.code == 2
        assert result.out == ""
        assert result.error == (
            f"No pullflow database at {missing}: create it with pullflow init "
            "(add --db URL if it lives elsewhere)."
        )
    assert list(tmp_path.iterdir()) == []


def test_an_uninitialised_database_exits_2_on_both_backends(cli: Cli) -> None:
    result = cli("board", "show")
    assert result.code == 2
    assert "create it with pullflow init" in result.error


def test_a_database_url_of_another_kind_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = Cli("mysql://root@localhost/pullflow", capsys, monkeypatch)("board", "show")
    assert result.code == 2
    assert result.error == (
        "Database URL 'mysql://root@localhost/pullflow' was refused: pullflow stores boards in "
        "SQLite or PostgreSQL."
    )
    result = Cli("not a url", capsys, monkeypatch)("board", "show")
    assert result.code == 2
    assert "was not understood: write sqlite:///FILE" in result.error


def test_an_unreachable_database_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = Cli("postgresql://postgres@127.0.0.1:1/none", capsys, monkeypatch)("board", "show")
    assert result.code == 2
    assert result.error.startswith("Cannot open the database at postgresql")
    assert "127.0.0.1:1/none" in result.error
    assert result.error.endswith("check --db or PULLFLOW_DATABASE_URL.")


def test_a_folder_that_does_not_exist_is_refused_by_init(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = Cli(f"sqlite:///{tmp_path}/no/such/folder.db", capsys, monkeypatch)("init")
    assert result.code == 2
    assert "Cannot open the database at sqlite:///" in result.error
    assert not (tmp_path / "no").exists()


def test_init_with_an_unknown_template_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "new.db"
    result = Cli(f"sqlite:///{target}", capsys, monkeypatch)("init", "--template", "nope")
    assert result.code == 2
    assert result.error == "Unknown template 'nope': choose one of build-measure-learn, simple."
    assert not target.exists()


# ----------------------------------------------------- numbers too large for the database


HUGE = "99999999999999999999"  # past both SQLite's and PostgreSQL's integers


def test_an_item_id_too_large_for_the_database_exits_2(bml: Cli) -> None:
    bml.add("item 1")
    result = bml.fails(2, "pull", "Build", HUGE)
    assert f"No item #{HUGE}" in result.error


@sqlite_only
@pytest.mark.parametrize(
    ("args", "codes"),
    [
        (("board", "limit", "Build", HUGE), {2}),
        (("board", "set", "--experiment-limit", HUGE), {2}),
        (("andon", "stop", "--reason", "x", "--people", HUGE), {2}),
        (("log", "--limit", HUGE), {0, 2}),
        (("log", "--item", HUGE), {0, 2}),
    ],
)
def test_a_number_too_large_for_the_database_is_bad_input(
    bml: Cli, args: tuple[str, ...], codes: set[int]
) -> None:
    before = bml.events()
    assert bml(*args).code in codes
    assert bml.events() == before

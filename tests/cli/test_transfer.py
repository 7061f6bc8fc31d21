"""Files in and out: metrics straight from an export, imports into a board, exports and back.

The ActionableAgile sample (tests/imports/samples/aa_clean.csv), stages Backlog → Analysis →
Build → Done, committed at Analysis:

    A-1  Analysis 4 Mar, Done 11 Mar        cycle 8 days
    A-2  Analysis 5 Mar, Done 8 Mar         cycle 4 days (skipped Build)
    A-3  Analysis 7 Mar, Build 9 Mar        in progress
    A-4  Backlog only                       not started
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import Cli, sqlite_only

SAMPLES = Path(__file__).resolve().parents[1] / "imports" / "samples"
AA = SAMPLES / "aa_clean.csv"
#: The figures both a file and a board made from it must give.
FIGURES = ("items", "cycle_time", "lead_time", "cfd", "time_in_stage", "sle")


def core(metrics: dict) -> dict:
    return {key: metrics[key] for key in FIGURES}


def test_metrics_read_an_actionable_agile_csv_directly(cli: Cli) -> None:
    metrics = cli.json("metrics", "--csv", str(AA))
    assert metrics["items"]["completed"] == 2
    assert metrics["items"]["in_progress"] == 1
    assert metrics["items"]["not_started"] == 1
    assert (metrics["cycle_time"]["p50"], metrics["cycle_time"]["max"]) == (4, 8)
    assert metrics["window"] == {
        "first": "2024-03-01",
        "last": "2024-03-11",
        "days": 11,
        "timezone": "UTC",
    }
    assert metrics["workflow"]["stages"] == ["Backlog", "Analysis", "Build", "Done"]


def test_input_names_the_format(cli: Cli) -> None:
    same = cli.json("metrics", "--input", f"actionable-agile:{AA}")
    assert core(same) == core(cli.json("metrics", "--csv", str(AA)))


def test_an_import_into_a_new_board_gives_the_files_metrics(cli: Cli) -> None:
    cli.ok("init", "--template", "none")
    result = cli.ok("import", "actionable-agile", str(AA), "--board", "team")
    assert "Imported 4 items from aa_clean.csv into board team" in result.text
    # Measured to the file's last day, the board gives the file's figures.
    board = cli.json("metrics", "--board", "team", "--to", "2024-03-11")
    from_file = cli.json("metrics", "--csv", str(AA))
    assert core(board) == core(from_file) | {"time_in_stage": board["time_in_stage"]}
    # Time in Build differs for the open A-3 (there since 9 March): the file ends at the first
    # moment of 11 March, its last date (2 days), the board's window at the end of it (3 days).
    # A-1 spent 5 days there in both.
    assert board["time_in_stage"][1]["days"]["mean"] == (5 + 3) / 2
    assert from_file["time_in_stage"][1]["days"]["mean"] == (5 + 2) / 2
    stages = [stage["name"] for stage in cli.board("team")["stages"]]
    assert stages == ["Backlog", "Analysis", "Build", "Done"]
    again = cli.ok("import", "actionable-agile", str(AA), "--board", "team")
    assert again.text == (
        "Imported 0 items from aa_clean.csv into board team (0 events). Left 4 items as they "
        "were: the board had them from an earlier import (same ids)."
    )
    assert cli.json("metrics", "--board", "team", "--to", "2024-03-11")["items"] == board["items"]


def test_export_and_reimport_give_the_same_metrics(cli: Cli, tmp_path: Path) -> None:
    cli.ok("init", "--template", "none")
    cli.ok("import", "actionable-agile", str(AA), "--board", "team")
    original = cli.json("metrics", "--board", "team")
    log, csv = tmp_path / "log.json", tmp_path / "flow.csv"
    cli.ok("export", "json", "-o", str(log), "--board", "team")
    cli.ok("export", "actionable-agile", "-o", str(csv), "--board", "team")
    assert json.loads(log.read_text())["format"] == "pullflow-events"
    assert cli.json("metrics", "--input", f"json:{log}") == original
    from_csv = cli.json("metrics", "--csv", str(csv), "--to", original["window"]["last"])
    # The CSV holds dates only, so an open item's time in its stage ends with the file's last
    # date there; everything else comes back the same.
    assert core(from_csv) | {"time_in_stage": None} == core(original) | {"time_in_stage": None}


@sqlite_only
def test_a_file_that_cannot_be_read_imports_nothing(cli: Cli, tmp_path: Path) -> None:
    cli.ok("init", "--template", "none")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "ID,Name,Backlog,Build,Done\n1,first,2024-03-01,2024-03-02,2024-03-03\n"
        "2,second,2024-03-01,someday,2024-03-05\n",
        encoding="utf-8",
    )
    stages = ("--stages", "Backlog,Build,Done")
    result = cli("import", "actionable-agile", str(bad), "--board", "team", *stages)
    assert result.code == 2
    assert result.error.startswith(f"{bad}:3:")
    assert "someday" in result.error
    assert "\n" not in result.err.strip()
    assert cli.json("board", "list") == []


@sqlite_only
@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("import", "excel", str(AA), "--board", "t"), "excel"),
        (("import", "actionable-agile", str(AA)), "--board NAME"),
        (("metrics", "--input", "nowhere"), "FORMAT:FILE"),
        (("metrics", "--csv", "missing.csv"), "missing.csv"),
        (("metrics", "--csv", str(AA), "--input", f"aa:{AA}"), "name one file"),
        (("export", "pdf", "-o", "out.pdf", "--csv", str(AA)), "pdf"),
    ],
)
def test_bad_file_options_get_one_sentence(cli: Cli, args: tuple[str, ...], words: str) -> None:
    cli.ok("init", "--template", "none")
    result = cli(*args)
    assert result.code == 2
    assert words in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_a_jira_export_with_its_mapping_is_measured(cli: Cli) -> None:
    # Times are +02:00, measured in UTC days. PF-1: In Progress 5 June, Done 10 June → 6 days.
    # PF-2 went In Progress → Open → In Progress and is still in progress; PF-3 ended in
    # Won't Do, which the mapping calls discarded; PF-4 is still To Do.
    metrics = cli.json(
        "metrics",
        "--input",
        f"jira:{SAMPLES / 'jira_search.json'}",
        "--mapping",
        str(SAMPLES / "jira_mapping.yaml"),
    )
    assert metrics["workflow"]["stages"] == ["Backlog", "Build", "Done"]
    assert metrics["items"] == metrics["items"] | {
        "completed": 1,
        "in_progress": 1,
        "discarded": 1,
        "not_started": 1,
    }
    assert metrics["cycle_time"]["max"] == 6
    assert (metrics["window"]["first"], metrics["window"]["last"]) == ("2024-06-03", "2024-06-10")


def test_a_trello_board_export_is_measured(cli: Cli) -> None:
    # Open lists by position: Backlog, Doing, Done. Sign-up form: Doing 13 March, Done 15 March
    # (3 days); Price page is in Doing; Dark mode was archived in Doing (discarded); Chat
    # widget moved to an archived list and Referral link never moved (not started).
    metrics = cli.json("metrics", "--input", f"trello:{SAMPLES / 'trello_board.json'}")
    assert metrics["workflow"]["stages"] == ["Backlog", "Doing", "Done"]
    assert metrics["items"] == metrics["items"] | {
        "completed": 1,
        "in_progress": 1,
        "discarded": 1,
        "not_started": 2,
    }
    assert metrics["cycle_time"]["max"] == 3


def test_an_events_csv_takes_its_stage_order_from_the_option(cli: Cli) -> None:
    # E-1: Build 2 May, Done 6 May → 5 days. E-2: Build 3 May (08:00+02:00 = 06:00 UTC),
    # back from Test to Build on the 5th (its first entries count), Done 7 May → 5 days.
    events = str(SAMPLES / "events_clean.csv")
    metrics = cli.json("metrics", "--csv", events, "--stages", "Backlog,Build,Test,Done")
    assert metrics["cycle_time"]["count"] == 2
    assert metrics["cycle_time"]["max"] == 5
    assert any("went backwards" in note for note in metrics["notes"])
    guessed = cli.json("metrics", "--csv", events)
    assert any("the order they first appear" in note for note in guessed["notes"])

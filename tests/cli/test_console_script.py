"""The installed ``pullflow`` entry point, run as a real process, and the guided demo."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import typer.main

from pullflow.cli.app import app
from tests.cli.helpers import Cli
from tests.conftest import START

SCRIPT = Path(sys.executable).parent / "pullflow"


def pullflow(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed console script with a clean environment and a fixed clock."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PULLFLOW_") and key not in {"COLUMNS", "FORCE_COLOR"}
    }
    env["PULLFLOW_NOW"] = START.isoformat()
    completed = subprocess.run(
        [str(SCRIPT), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in completed.stdout + completed.stderr
    return completed


def test_the_console_script_prints_the_version() -> None:
    assert SCRIPT.exists(), f"the pullflow script is not installed next to {sys.executable}"
    completed = pullflow("--version")
    assert completed.returncode == 0
    assert completed.stdout == f"pullflow {version('pullflow')}\n"
    assert completed.stderr == ""


def test_a_refused_pull_exits_1_with_one_sentence_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'pullflow.db'}"
    runner = Cli(url, capsys, monkeypatch)
    runner.ok("init")
    runner.ok("board", "set", "--pull-signal", "capacity")
    for n in range(4):
        runner.add(f"item {n}")
    for _ in range(3):
        runner.ok("pull", "Build")
    before = runner.events()

    completed = pullflow("pull", "Build", "--db", url)
    assert completed.returncode == 1
    assert completed.stdout == ""
    assert completed.stderr == (
        "Build is at its WIP limit (3/3): finish or discard an item in Build, or raise its "
        'limit with pullflow board limit "Build" 4.\n'
    )
    assert runner.events() == before


def test_python_m_pullflow_exits_2_on_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'pullflow.db'}"
    Cli(url, capsys, monkeypatch).ok("init")
    completed = subprocess.run(
        [sys.executable, "-m", "pullflow", "finish", "abc", "--db", url],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("PULLFLOW_")},
    )
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr == "Item 'abc' was not understood: write its number, such as 3.\n"


def test_the_demo_runs_to_the_end(tmp_path: Path) -> None:
    completed = pullflow("demo", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""
    text = " ".join(completed.stdout.split())
    for expected in (
        "Refused: Build has nothing to pull: no item waiting in Options serves a running "
        "experiment",
        "Refused: Build is at its WIP limit (3/3): finish or discard an item in Build",
        "Refused: The line is stopped (stop #1:",
        "Five Whys",
        "Resumed stop #1. It cost",
        "Concluded E1: validated, decision persevere",
        "see them with pullflow log",
        "Flow of board Newsletter",
        "started at Build, finished at Done",
        "Learning: 1 validated, 0 invalidated, 0 inconclusive, 0 open; 1 experiment concluded",
    ):
        assert expected in text
    assert list(tmp_path.iterdir()) == [], "the demo database is thrown away"


def test_demo_keep_leaves_a_database_that_board_show_can_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = tmp_path / "demo.db"
    runner = Cli(f"sqlite:///{kept}", capsys, monkeypatch)
    result = runner.ok("demo", "--keep", str(kept), db=False)
    assert f"The demo board is kept in {kept}" in result.text
    board = runner.board()
    assert board["board"] == "Newsletter"
    assert [stage["name"] for stage in board["stages"]] == [
        "Options",
        "Build",
        "Measure",
        "Learn",
        "Done",
    ]
    assert runner.json("andon", "status")["stops"][0]["five_whys"] is not None
    assert len(runner.events()) > 20

    again = runner("demo", "--keep", str(kept), db=False)
    assert again.code == 2
    assert f"{kept} already exists: choose a new file for --keep." in again.error


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The paths of every command under a group (a group is what has subcommands)."""
    found: list[tuple[str, ...]] = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            found += _commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


def test_every_command_takes_db_board_and_as() -> None:
    root: Any = typer.main.get_command(app)
    paths = _commands(root)
    assert len(paths) >= 28
    for path in paths:
        command = root
        for part in path:
            command = command.commands[part]
        flags = {flag for param in command.params for flag in param.opts}
        missing = {"--db", "--board", "--as"} - flags
        assert not missing, f"pullflow {' '.join(path)} lacks {sorted(missing)}"


def test_demo_can_run_in_a_database_of_its_own_choosing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'team.db'}"
    runner = Cli(url, capsys, monkeypatch)
    result = runner.ok("demo", "--board", "Trial", "--as", "zoe")
    assert "The demo board Trial is in" in result.text
    assert runner.json("board", "list") == [{"name": "Trial"}]
    assert {event["actor"] for event in runner.events()} >= {"zoe", "bo", "chen"}

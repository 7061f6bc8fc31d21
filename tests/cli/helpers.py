"""A runner for the ``pullflow`` command line in this process, and shared set-up for its tests.

``Cli`` runs one command through ``pullflow.cli.app.run`` against the test's database (``--db``
is appended), captures what it printed, and checks that no command ever prints a traceback.
``fails`` also checks that a refused or bad command printed one sentence and wrote nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml

from pullflow.cli.app import run

#: Run a test on SQLite only: for input checks and output formats that no backend can change.
#: (The other tests run on both backends through the ``db_url`` fixture.)
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

#: The login name the tests pretend to have: the default actor of every event.
LOGIN = "tester"

BML_STAGES = "Options,Build:3,Measure:2,Learn:2,Done"

WIP_OVERRIDE_MESSAGE = (
    "Build is at its WIP limit (3/3): finish or discard an item in Build, "
    'or pull with --override "reason".'
)

#: A Five Whys that resumes a stop: two levels, 2 h + 30 m of countermeasures planned.
COMPLETE_WHYS: dict[str, Any] = {
    "problem": "Signups with a plus sign in the address are lost",
    "people_affected": 2,
    "whys": [
        {
            "question": "Why were the addresses lost?",
            "answer": "The validator rejects '+'",
            "countermeasure": "Use the email library's validator",
            "owner": "ana",
            "effort": "2h",
        },
        {
            "question": "Why did no test catch it?",
            "answer": "The signup tests use one made-up address",
            "countermeasure": "Test with a table of real addresses",
            "owner": "bo",
            "effort": "30m",
        },
    ],
    "root_cause": "Signup changes ship without tests that use real addresses",
}


class Result(NamedTuple):
    """What one command did: its exit code and what it wrote to stdout and stderr."""

    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        """Standard output with runs of whitespace collapsed (the console wraps long lines)."""
        return " ".join(self.out.split())

    @property
    def error(self) -> str:
        """Standard error with runs of whitespace collapsed."""
        return " ".join(self.err.split())

    def json(self) -> Any:
        return json.loads(self.out)


class Cli:
    """Runs ``pullflow`` commands in this process against one database."""

    def __init__(
        self, url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.url = url
        self._capsys = capsys
        self._monkeypatch = monkeypatch

    def __call__(self, *args: str, db: bool = True) -> Result:
        """Run one command (with ``--db URL`` unless ``db=False``) and capture its output."""
        self._capsys.readouterr()
        code = run([*args, "--db", self.url] if db else list(args))
        out, err = self._capsys.readouterr()
        assert "Traceback" not in out + err, out + err
        return Result(code, out, err)

    def ok(self, *args: str, db: bool = True) -> Result:
        """Run a command that must succeed."""
        result = self(*args, db=db)
        assert result.code == 0, f"pullflow {' '.join(args)} exited {result.code}: {result.err}"
        return result

    def json(self, *args: str) -> Any:
        """Run a command with ``--json`` and parse what it printed."""
        return self.ok(*args, "--json").json()

    def events(self, *options: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = self.json("log", *options)
        return events

    def fails(self, code: int, *args: str, board: str | None = None) -> Result:
        """Run a command that must fail with ``code``, in one sentence, writing nothing."""
        scope = ("--board", board) if board else ()
        before = self.events(*scope)
        result = self(*args)
        assert result.code == code, (
            f"pullflow {' '.join(args)} exited {result.code}, not {code}: {result.out}{result.err}"
        )
        assert result.out == ""
        message = result.err.strip()
        assert message, "a failing command must say why"
        if not message.startswith("Usage:"):
            assert "\n" not in message, f"not one sentence: {message!r}"
        assert self.events(*scope) == before, "a refused command must write nothing"
        return result

    def add(self, title: str, *options: str) -> int:
        """Add an item with ``--quiet`` and return its id."""
        result = self.ok("item", "add", title, *options, "--quiet")
        assert result.out.strip().isdigit(), result.out
        return int(result.out)

    def board(self, name: str | None = None) -> dict[str, Any]:
        board: dict[str, Any] = self.json("board", "show", *([name] if name else []))
        return board

    def stage(self, name: str) -> dict[str, Any]:
        return next(stage for stage in self.board()["stages"] if stage["name"] == name)

    def item(self, number: int) -> dict[str, Any]:
        card: dict[str, Any] = self.json("item", "show", str(number))
        return card

    def where(self, number: int) -> tuple[str, str, str]:
        """An item's stage, lane and state."""
        card = self.item(number)
        return card["stage"], card["lane"], card["state"]

    def at(self, moment: str) -> None:
        """Set the clock the next commands read (``PULLFLOW_NOW``)."""
        self._monkeypatch.setenv("PULLFLOW_NOW", moment)


def ids(cards: list[dict[str, Any]]) -> list[int]:
    return [card["id"] for card in cards]


def write_whys(path: Path, data: Mapping[str, Any]) -> Path:
    """Write a Five Whys as JSON or YAML, by the file's suffix."""
    if path.suffix == ".json":
        path.write_text(json.dumps(data), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(dict(data), sort_keys=False), encoding="utf-8")
    return path


def without(data: Mapping[str, Any], key: str, level: int | None = None) -> dict[str, Any]:
    """A copy of a Five Whys without ``key`` (at the top, or in why number ``level``)."""
    copy = json.loads(json.dumps(data))
    if level is None:
        del copy[key]
    else:
        del copy["whys"][level - 1][key]
    result: dict[str, Any] = copy
    return result


def moment(day: int, hour: int = 10) -> str:
    """A November 2026 moment, as PULLFLOW_NOW takes it."""
    return f"2026-11-{day:02d}T{hour:02d}:00:00+00:00"


#: (day, command): #1 through Build (2 Nov), Measure and Learn, delivered on the 5th; #2
#: through every stage on the 3rd; #3 pulled into Build on the 4th. One command an hour.
WORKED_STEPS = (
    (2, ("pull", "Build", "1")),
    (3, ("finish", "1")),
    (3, ("pull", "Measure", "1")),
    (3, ("pull", "Build", "2")),
    (3, ("finish", "2")),
    (3, ("pull", "Measure", "2")),
    (3, ("finish", "2")),
    (3, ("pull", "Learn", "2")),
    (3, ("finish", "2", "--deliver")),
    (4, ("finish", "1")),
    (4, ("pull", "Learn", "1")),
    (4, ("pull", "Build", "3")),
    (5, ("finish", "1", "--deliver")),
)


def work_through(board: Cli, items: int) -> Cli:
    """Add ``items`` items and move #1-#3 as WORKED_STEPS says; the clock ends on 6 November."""
    for n in range(1, items + 1):
        board.add(f"item {n}")
    for hour, (day, command) in enumerate(WORKED_STEPS, start=8):
        board.at(moment(day, hour))
        board.ok(*command)
    board.at(moment(6))
    return board

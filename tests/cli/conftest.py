"""Fixtures for the command-line tests: a clean environment and runners on fresh databases.

``cli`` runs commands against ``db_url`` (SQLite and PostgreSQL) before anything is created;
``bml`` after ``pullflow init`` (a build-measure-learn board named main, pulled by experiments);
``capacity`` the same board switched to the capacity pull signal, so room alone lets work in;
``full_build`` that board with Build at its limit. Tests marked ``sqlite_only`` (see
helpers.py) run these on SQLite alone.

``pullflow init`` runs its migrations on every new database, the slowest step of these tests.
On SQLite, ``bml`` therefore starts from a copy of the file one real ``pullflow init`` made
for the session (same clock, same login); on PostgreSQL it runs ``init`` each time. ``init``
itself is tested on both backends in test_boards.py.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pullflow.cli.app import run
from tests.cli.helpers import LOGIN, Cli
from tests.commandline import command_built_once, stores_closed_afterwards
from tests.conftest import START

SQLITE = "sqlite:///"


@pytest.fixture(scope="package", autouse=True)
def _build_the_command_once() -> Iterator[None]:
    with command_built_once():
        yield


def _test_environment(patch: pytest.MonkeyPatch) -> None:
    """No database, board or debug setting from outside; a fixed clock and login name."""
    for name in ("PULLFLOW_DATABASE_URL", "PULLFLOW_BOARD", "PULLFLOW_DEBUG"):
        patch.delenv(name, raising=False)
    patch.setenv("PULLFLOW_NOW", START.isoformat())
    patch.setenv("LOGNAME", LOGIN)


@pytest.fixture(autouse=True)
def _cli_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    _test_environment(monkeypatch)
    with stores_closed_afterwards(monkeypatch):
        yield


@pytest.fixture(scope="package")
def initialised_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file made by ``pullflow init``, to copy for the tests that start from it."""
    path = tmp_path_factory.mktemp("template") / "pullflow.db"
    with pytest.MonkeyPatch.context() as patch:
        _test_environment(patch)
        with stores_closed_afterwards(patch), contextlib.redirect_stdout(io.StringIO()):
            assert run(["init", "--db", f"{SQLITE}{path}"]) == 0
    return path


def _initialised(runner: Cli, template: Path) -> Cli:
    if runner.url.startswith(SQLITE):
        shutil.copyfile(template, runner.url.removeprefix(SQLITE))
    else:
        runner.ok("init")
    return runner


@pytest.fixture
def cli(db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(db_url, capsys, monkeypatch)


@pytest.fixture
def bml(cli: Cli, initialised_sqlite: Path) -> Cli:
    return _initialised(cli, initialised_sqlite)


@pytest.fixture
def capacity(bml: Cli) -> Cli:
    bml.ok("board", "set", "--pull-signal", "capacity")
    return bml


@pytest.fixture
def full_build(capacity: Cli) -> Cli:
    """Items #1-#4 added, #1-#3 pulled: Build is at its limit (3/3), #4 waits in the options."""
    for n in range(1, 5):
        capacity.add(f"item {n}")
    for _ in range(3):
        capacity.ok("pull", "Build")
    return capacity

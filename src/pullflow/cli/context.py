"""What every command shares: the options --db, --board and --as, the clock, and the store.

Only entry points read the clock and the login name; everything below them is handed ``at``
and ``actor``. ``PULLFLOW_NOW`` (an ISO time) fixes the clock, for replaying a team's past
or for scripted runs; ``PULLFLOW_DATABASE_URL`` and ``PULLFLOW_BOARD`` set the defaults.
"""

from __future__ import annotations

import getpass
import os
import re
from datetime import UTC, date, datetime
from functools import cache
from typing import Annotated

import typer

from pullflow.services import Invalid, SqlUnitOfWork, Store
from pullflow.services.unit import open_store

DEFAULT_URL = "sqlite:///pullflow.db"

Db = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="PULLFLOW_DATABASE_URL",
        show_envvar=True,
        metavar="URL",
        help=f"Database URL: sqlite:///FILE or postgresql://USER@HOST/DB [default: {DEFAULT_URL}].",
    ),
]
BoardName = Annotated[
    str | None,
    typer.Option(
        "--board",
        "-b",
        envvar="PULLFLOW_BOARD",
        show_envvar=True,
        metavar="NAME",
        help="Board to work on; optional when there is only one.",
    ),
]
#: Every command takes --db, --board and --as, so that the same options serve any of them;
#: commands that only read accept --as and record nothing.
Actor = Annotated[
    str | None,
    typer.Option("--as", metavar="USER", help="Who is acting [default: your login name]."),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def database_url(db: str | None) -> str:
    return db or DEFAULT_URL


@cache
def _store(url: str) -> Store:
    return open_store(url)


def unit_of_work(db: str | None) -> SqlUnitOfWork:
    """A fresh unit of work on the database the options name (opened once per process)."""
    return _store(database_url(db)).unit_of_work()


def actor(name: str | None) -> str:
    if name is not None:
        cleaned = " ".join(name.split())
        if not cleaned or len(cleaned) > 100:
            raise Invalid("--as was refused: give a user name of 1 to 100 characters.")
        return cleaned
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "someone"


def now() -> datetime:
    """The current moment in UTC, or the one ``PULLFLOW_NOW`` fixes."""
    fixed = os.environ.get("PULLFLOW_NOW")
    if not fixed:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(fixed)
    except ValueError:
        raise Invalid(
            f"PULLFLOW_NOW={fixed!r} was refused: write an ISO time such as 2026-11-30T09:00Z."
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_NUMBERED = re.compile(r"^\s*[#]?\s*([A-Za-z]?)\s*(\d+)\s*$")


def number(text: str, what: str, prefix: str = "") -> int:
    """Read an id such as ``4``, ``#4``, ``E2`` or ``H1``."""
    match = _NUMBERED.match(text)
    if not match or (match.group(1) and match.group(1).upper() != prefix):
        example = f"{prefix}3" if prefix else "3"
        raise Invalid(f"{what} {text!r} was not understood: write its number, such as {example}.")
    return int(match.group(2))


def item_number(text: str) -> int:
    return number(text, "Item")


def day(text: str | None, flag: str = "--due") -> date | None:
    """Read a date written as YYYY-MM-DD."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(f"{flag} {text!r} was refused: write the date as YYYY-MM-DD.") from None

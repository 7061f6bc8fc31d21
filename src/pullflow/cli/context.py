"""What every command shares: the options --db, --server, --board and --as, the clock, the store.

Only entry points read the clock and the login name; everything below them is handed ``at``
and ``actor``. ``PULLFLOW_NOW`` (an ISO time) fixes the clock, for replaying a team's past
or for scripted runs; ``PULLFLOW_DATABASE_URL`` and ``PULLFLOW_BOARD`` set the defaults.

A command works on a database (``--db``) or through a pullflow server (``--server URL``, before
the command or after it, or ``PULLFLOW_SERVER``, with the token ``PULLFLOW_TOKEN``);
``connection`` says which, and refuses both at once.
"""

from __future__ import annotations

import getpass
import os
import re
from contextvars import ContextVar
from dataclasses import dataclass
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

SERVER_VARIABLE = "PULLFLOW_SERVER"
TOKEN_VARIABLE = "PULLFLOW_TOKEN"
DATABASE_VARIABLE = "PULLFLOW_DATABASE_URL"

#: Every command takes --server too, so that it may follow the command as --db does.
Server = Annotated[
    str | None,
    typer.Option(
        "--server",
        envvar=SERVER_VARIABLE,
        show_envvar=True,
        metavar="URL",
        help="Work through the pullflow server at URL (token: PULLFLOW_TOKEN) instead of a "
        "database.",
    ),
]
#: Given before the command only; PULLFLOW_TOKEN is better, as a command line shows in
#: process lists.
Token = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar=TOKEN_VARIABLE,
        show_envvar=True,
        metavar="TOKEN",
        help="API token for --server; prefer PULLFLOW_TOKEN, as a token on the command line "
        "shows in process lists.",
    ),
]


class ServerFailed(Exception):
    """The server failed unexpectedly (a 5xx answer); the command line exits 3 with its words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Connection:
    """Where a command works: a database (``server`` None) or a server with a token."""

    db: str | None
    server: str | None = None
    token: str | None = None

    @property
    def on_server(self) -> bool:
        return self.server is not None


@dataclass(frozen=True)
class BeforeCommand:
    """The options given before the command: ``pullflow --server URL --token T COMMAND``."""

    server: str | None = None
    token: str | None = None


_before_command: ContextVar[BeforeCommand | None] = ContextVar("before_command", default=None)


def given_before_command(server: str | None, token: str | None) -> None:
    """Keep the root options for the command that follows (the root callback calls this)."""
    _before_command.set(BeforeCommand(server or None, token or None))


def _before() -> BeforeCommand:
    return _before_command.get() or BeforeCommand()


def _named(value: str, flag: str, variable: str) -> str:
    """How a value was given, for sentences: the flag, or the environment variable."""
    return variable if value == os.environ.get(variable) else flag


def server_url(server: str | None) -> tuple[str | None, str]:
    """The server the options name (after the command, before it, or in the environment).

    Returns it with how it was named, ``--server`` or ``PULLFLOW_SERVER``, for sentences. A
    value typed after the command wins over one before it, and both over the environment.
    """
    before = _before().server
    typed_after = server and _named(server, "--server", SERVER_VARIABLE) == "--server"
    chosen = server if typed_after else before or server or None
    if chosen is None:
        return None, ""
    return chosen, _named(chosen, "--server", SERVER_VARIABLE)


def connection(db: str | None, server: str | None) -> Connection:
    """The database or the server the options name; both at once are refused."""
    url, server_flag = server_url(server)
    if url is None:
        return Connection(db)
    if db:
        db_flag = _named(db, "--db", DATABASE_VARIABLE)
        raise Invalid(
            f"{db_flag} and {server_flag} were both given, so it is not clear where to work: "
            "name a database or a server, not both."
        )
    token = _before().token or os.environ.get(TOKEN_VARIABLE) or None
    return Connection(None, url, token)


def database_only(db: str | None, server: str | None, command: str) -> None:
    """Refuse ``command`` in server mode: it needs the board's database itself."""
    if connection(db, server).on_server:
        raise Invalid(
            f"{command} needs the database itself, which a server does not lend: run it where "
            "the database is, without --server (or PULLFLOW_SERVER)."
        )


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

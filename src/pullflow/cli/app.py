"""The ``pullflow`` command: its commands, and the one place user errors become sentences.

Exit codes: 0 done; 1 refused by a rule (WIP limit, andon, pull signal, nothing ready);
2 bad input or usage; 3 an unexpected failure (reported in one line; set PULLFLOW_DEBUG=1 for
the traceback). Through a server (``pullflow --server URL …``) the codes are the same: the
server's refusals come back as the same errors (see ``remote``).
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from pullflow import __version__
from pullflow.cli import (
    accounts,
    analytics,
    andon,
    boards,
    demo,
    flow,
    items,
    learning,
    render,
    reports,
    serve,
    simulate,
    transfer,
)
from pullflow.cli.backend import connect
from pullflow.cli.context import (
    Actor,
    BoardName,
    Db,
    Json,
    Server,
    ServerFailed,
    Token,
    actor,
    database_only,
    database_url,
    given_before_command,
    item_number,
    now,
)
from pullflow.services import DomainError, Refused
from pullflow.services.boards import TEMPLATES, create_from_template
from pullflow.services.boards import template as board_template
from pullflow.services.queries import board_names
from pullflow.services.unit import initialise_store
from pullflow.services.views import event_json

app = typer.Typer(
    name="pullflow",
    help="A pull system for lean product teams: WIP limits that hold, experiments as the pull "
    "signal, and an andon that stops the line until a Five Whys finds the root cause.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
app.add_typer(boards.app, name="board")
app.add_typer(items.app, name="item")
app.add_typer(learning.hypothesis_app, name="hypothesis")
app.add_typer(learning.experiment_app, name="experiment")
app.add_typer(andon.app, name="andon")
app.command("pull")(flow.pull)
app.command("finish")(flow.finish)
app.command("block")(flow.block)
app.command("unblock")(flow.unblock)
app.command("discard")(flow.discard)
app.command("return")(flow.return_)
app.command("demo")(demo.demo)
app.command("metrics")(analytics.metrics)
app.add_typer(analytics.forecast_app, name="forecast")
app.command("chart")(reports.chart)
app.command("report")(reports.report)
app.command("import")(transfer.import_)
app.command("export")(transfer.export)
app.add_typer(simulate.app, name="simulate")
app.command("serve")(serve.serve)
app.add_typer(accounts.user_app, name="user")
app.add_typer(accounts.token_app, name="token")

DEFAULT_BOARD = "main"


def _version(value: bool) -> None:
    if value:
        print(f"pullflow {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
    server: Server = None,
    token: Token = None,
) -> None:
    """Pull work through a board whose limits hold.

    With --server URL (or PULLFLOW_SERVER) and a token (PULLFLOW_TOKEN) the commands work
    through a pullflow server instead of a database, and print the same.
    """
    given_before_command(server, token)


@app.command("init")
def init(
    template: Annotated[
        str,
        typer.Option(
            help=f"Board to start with: {', '.join(TEMPLATES)}, or none for an empty database."
        ),
    ] = "build-measure-learn",
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Create the database (or upgrade it) and a first board from a template."""
    database_only(db, server, "pullflow init")
    chosen = None if template.strip().lower() == "none" else board_template(template)
    store, migrated = initialise_store(database_url(db))
    state = "is ready" if migrated else "was already up to date"
    render.say(f"Database {store.shown_url} {state}.")
    existing = board_names(store.unit_of_work())
    if chosen is None:
        if existing:
            render.say(f"Boards: {', '.join(existing)}.")
        else:
            render.say("No board yet: create one with pullflow board create NAME --stages …")
        return
    wanted = board or (None if existing else DEFAULT_BOARD)
    if wanted is None or wanted.lower() in {name.lower() for name in existing}:
        render.say(f"Boards: {', '.join(existing)}.")
        return
    outcome = create_from_template(
        store.unit_of_work(), template_name=chosen, name=wanted, actor=actor(as_), at=now()
    )
    render.events(outcome.events)


@app.command("log")
def log(
    item: Annotated[str | None, typer.Option(help="Only this item's events.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the most recent N.")] = None,
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
    json: Json = False,
) -> None:
    """Show the board's events, oldest first."""
    history = connect(db, as_, server).event_log(
        board=board,
        item=item_number(item) if item is not None else None,
        limit=limit,
    )
    if json:
        render.print_json([event_json(stored) for stored in history])
    else:
        render.log(history)


def main(argv: list[str] | None = None) -> None:
    """Run the command line; user errors end in one sentence and an exit code, never a trace."""
    sys.exit(run(argv))


def run(argv: list[str] | None = None) -> int:
    """Run one command and return its exit code."""
    try:
        app(args=argv, prog_name="pullflow", standalone_mode=True)
    except SystemExit as done:
        return _code(done.code)
    except ServerFailed as failure:
        render.err.print(failure.message, markup=False, soft_wrap=True)
        return 3
    except DomainError as error:
        render.err.print(error.message, markup=False, soft_wrap=True)
        return 1 if isinstance(error, Refused) else 2
    except KeyboardInterrupt:
        render.err.print("Interrupted: nothing was written by the unfinished command.")
        return 130
    except Exception as error:
        if os.environ.get("PULLFLOW_DEBUG"):
            raise
        first_line = (str(error).strip().splitlines() or [""])[0]
        render.err.print(
            f"pullflow failed unexpectedly ({type(error).__name__}: {first_line}): nothing more "
            "was written; rerun with PULLFLOW_DEBUG=1 for the details and report them.",
            markup=False,
            soft_wrap=True,
        )
        return 3
    return 0


def _code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1

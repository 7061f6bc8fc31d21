"""``pullflow board``: create, list, show and configure boards."""

from __future__ import annotations

from typing import Annotated

import typer

from pullflow.cli import render
from pullflow.cli.backend import connect
from pullflow.cli.context import Actor, BoardName, Db, Json, Server
from pullflow.services import Invalid, parse_limit, parse_policy, parse_pull_signal

app = typer.Typer(help="Create, show and configure boards.", no_args_is_help=True)


@app.command("create")
def create(
    stages: Annotated[
        str,
        typer.Option(
            help='Stages in order, "Name", "Name:limit" or "Name:limit:policy", the first being '
            'the options and the last done: "Options,Build:3,Measure:2,Learn:2,Done".'
        ),
    ],
    name: Annotated[
        str | None, typer.Argument(metavar="NAME", help="Name of the new board (or --board).")
    ] = None,
    pull_signal: Annotated[
        str, typer.Option(help="What lets work leave the options: experiment or capacity.")
    ] = "capacity",
    experiment_limit: Annotated[
        str, typer.Option(help="Most experiments running at once (a number, or none).")
    ] = "none",
    timezone: Annotated[
        str, typer.Option(help="IANA time zone that day-based figures use.")
    ] = "UTC",
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Create a board from a list of stages with their WIP limits."""
    chosen = name or board
    if chosen is None:
        raise Invalid("No name was given for the new board: write pullflow board create NAME.")
    outcome = connect(db, as_, server).create_board(
        name=chosen,
        stages=stages,
        pull_signal=parse_pull_signal(pull_signal),
        experiment_limit=parse_limit(experiment_limit),
        timezone=timezone,
    )
    render.events(outcome.events)


@app.command("list")
def list_boards(
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
    json: Json = False,
) -> None:
    """List the boards in the database, or those a server lets you read (with --board, that one)."""
    names = connect(db, as_, server).board_names()
    if board is not None:
        names = [name for name in names if name.lower() == board.strip().lower()]
    if json:
        render.print_json([{"name": name} for name in names])
        return
    for name in names:
        render.say(name)
    if not names:
        render.say("No boards yet: create one with pullflow init or pullflow board create.")


@app.command("show")
def show(
    name: Annotated[
        str | None, typer.Argument(metavar="NAME", help="Board to show (or use --board).")
    ] = None,
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
    json: Json = False,
) -> None:
    """Show the board: stages, lanes, WIP against limits, blocked and expedite cards, ages."""
    view = connect(db, as_, server).board_view(board=name or board)
    if json:
        render.print_json(view.to_json())
    else:
        render.board(view)


@app.command("limit")
def limit(
    stage: Annotated[str, typer.Argument(metavar="STAGE", help="Stage whose limit changes.")],
    value: Annotated[str, typer.Argument(metavar="N", help="New WIP limit, or none.")],
    policy: Annotated[
        str | None,
        typer.Option(help="At the limit: block (refuse), warn (allow, record) or override."),
    ] = None,
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Set a stage's WIP limit and policy; lowering a limit evicts nothing."""
    outcome = connect(db, as_, server).set_limit(
        board=board,
        stage=stage,
        limit=parse_limit(value),
        policy=parse_policy(policy) if policy is not None else None,
    )
    render.events(outcome.events)


@app.command("set")
def configure(
    pull_signal: Annotated[
        str | None, typer.Option(help="What lets work leave the options: experiment or capacity.")
    ] = None,
    experiment_limit: Annotated[
        str | None, typer.Option(help="Most experiments running at once (a number, or none).")
    ] = None,
    timezone: Annotated[
        str | None, typer.Option(help="IANA time zone that day-based figures use.")
    ] = None,
    commitment: Annotated[
        str | None,
        typer.Option(
            metavar="STAGE",
            help="Stage where flow figures count work as started, or default (the first "
            "stage after the options).",
        ),
    ] = None,
    delivery: Annotated[
        str | None,
        typer.Option(
            metavar="STAGE",
            help="Stage where flow figures count work as finished, or default (done).",
        ),
    ] = None,
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Change the board's pull signal, running-experiment limit, time zone or flow points."""
    given = (pull_signal, experiment_limit, timezone, commitment, delivery)
    if all(option is None for option in given):
        raise Invalid(
            "Nothing to change was given: add --pull-signal, --experiment-limit, --timezone, "
            "--commitment or --delivery."
        )
    limit_value = parse_limit(experiment_limit) if experiment_limit is not None else None
    outcome = connect(db, as_, server).configure_board(
        board=board,
        pull_signal=parse_pull_signal(pull_signal) if pull_signal is not None else None,
        experiment_limit=limit_value,
        clear_experiment_limit=experiment_limit is not None and limit_value is None,
        timezone=timezone,
        commitment=commitment,
        delivery=delivery,
    )
    render.events(outcome.events)

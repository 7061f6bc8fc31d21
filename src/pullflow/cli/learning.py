"""``pullflow hypothesis`` and ``pullflow experiment``: Test Cards and Learning Cards."""

from __future__ import annotations

from typing import Annotated

import typer

from pullflow.cli import render
from pullflow.cli.backend import connect
from pullflow.cli.context import Actor, BoardName, Db, Json, Server, item_number, number
from pullflow.services import parse_decision, parse_verdict

hypothesis_app = typer.Typer(help="State and list hypotheses (Test Cards).", no_args_is_help=True)
experiment_app = typer.Typer(
    help="Start, link, conclude and list experiments (Learning Cards).", no_args_is_help=True
)


@hypothesis_app.command("add")
def add_hypothesis(
    belief: Annotated[str, typer.Argument(metavar="BELIEF", help="We believe that …")],
    verify: Annotated[str, typer.Option(help="To verify that, we will …")],
    measure: Annotated[str, typer.Option(help="And measure …")],
    right_if: Annotated[str, typer.Option(help="We are right if …")],
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """State a hypothesis as a Test Card."""
    outcome = connect(db, as_, server).state_hypothesis(
        board=board,
        belief=belief,
        test=verify,
        metric=measure,
        criterion=right_if,
    )
    render.events(outcome.events)


@hypothesis_app.command("list")
def list_hypotheses(
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
    json: Json = False,
) -> None:
    """List the board's hypotheses with their status."""
    views = connect(db, as_, server).hypotheses_view(board=board)
    if json:
        render.print_json([view.to_json() for view in views])
    else:
        render.hypotheses(views)


@experiment_app.command("start")
def start(
    hypothesis: Annotated[
        str, typer.Argument(metavar="HYPOTHESIS", help="Hypothesis to test, such as H1.")
    ],
    title: Annotated[str | None, typer.Option(help="A short name for the experiment.")] = None,
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Start an experiment; running experiments are limited per board."""
    outcome = connect(db, as_, server).start_experiment(
        board=board,
        hypothesis=number(hypothesis, "Hypothesis", "H"),
        title=title,
    )
    render.events(outcome.events)


@experiment_app.command("link")
def link(
    experiment: Annotated[
        str, typer.Argument(metavar="EXPERIMENT", help="Running experiment, such as E1.")
    ],
    item: Annotated[str, typer.Argument(metavar="ITEM", help="Item that serves it, such as 4.")],
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Link an item to a running experiment: the signal that lets it leave the options."""
    outcome = connect(db, as_, server).link_item(
        board=board,
        experiment=number(experiment, "Experiment", "E"),
        item=item_number(item),
    )
    render.events(outcome.events)


@experiment_app.command("unlink")
def unlink(
    experiment: Annotated[
        str, typer.Argument(metavar="EXPERIMENT", help="Experiment, such as E1.")
    ],
    item: Annotated[str, typer.Argument(metavar="ITEM", help="Item to unlink, such as 4.")],
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Remove an item's link to an experiment."""
    outcome = connect(db, as_, server).unlink_item(
        board=board,
        experiment=number(experiment, "Experiment", "E"),
        item=item_number(item),
    )
    render.events(outcome.events)


@experiment_app.command("conclude")
def conclude(
    experiment: Annotated[
        str, typer.Argument(metavar="EXPERIMENT", help="Running experiment, such as E1.")
    ],
    verdict: Annotated[str, typer.Option(help="validated, invalidated or inconclusive.")],
    decision: Annotated[str, typer.Option(help="persevere, pivot, stop or keep-testing.")],
    observed: Annotated[str, typer.Option(help="We observed …")],
    learned: Annotated[str, typer.Option(help="From that we learned …")],
    next_step: Annotated[str, typer.Option("--next", help="Therefore we will …")],
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Conclude an experiment with a Learning Card; the verdict sets the hypothesis status."""
    outcome = connect(db, as_, server).conclude_experiment(
        board=board,
        experiment=number(experiment, "Experiment", "E"),
        verdict=parse_verdict(verdict),
        decision=parse_decision(decision),
        observed=observed,
        learned=learned,
        next_step=next_step,
    )
    render.events(outcome.events)


@experiment_app.command("list")
def list_experiments(
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
    json: Json = False,
) -> None:
    """List the board's experiments, their items and conclusions."""
    views = connect(db, as_, server).experiments_view(board=board)
    if json:
        render.print_json([view.to_json() for view in views])
    else:
        render.experiments(views)

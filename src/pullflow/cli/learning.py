"""``pullflow hypothesis`` and ``pullflow experiment``: Test Cards and Learning Cards."""

from __future__ import annotations

from typing import Annotated

import typer

from pullflow.cli import render
from pullflow.cli.context import (
    Actor,
    BoardName,
    Db,
    Json,
    actor,
    item_number,
    now,
    number,
    unit_of_work,
)
from pullflow.services import parse_decision, parse_verdict
from pullflow.services.learning import (
    conclude_experiment,
    link_item,
    start_experiment,
    state_hypothesis,
    unlink_item,
)
from pullflow.services.queries import experiments_view, hypotheses_view

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
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """State a hypothesis as a Test Card."""
    outcome = state_hypothesis(
        unit_of_work(db),
        board=board,
        belief=belief,
        test=verify,
        metric=measure,
        criterion=right_if,
        actor=actor(as_),
        at=now(),
    )
    render.events(outcome.events)


@hypothesis_app.command("list")
def list_hypotheses(
    db: Db = None, board: BoardName = None, as_: Actor = None, json: Json = False
) -> None:
    """List the board's hypotheses with their status."""
    views = hypotheses_view(unit_of_work(db), board=board)
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
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Start an experiment; running experiments are limited per board."""
    outcome = start_experiment(
        unit_of_work(db),
        board=board,
        hypothesis=number(hypothesis, "Hypothesis", "H"),
        title=title,
        actor=actor(as_),
        at=now(),
    )
    render.events(outcome.events)


@experiment_app.command("link")
def link(
    experiment: Annotated[
        str, typer.Argument(metavar="EXPERIMENT", help="Running experiment, such as E1.")
    ],
    item: Annotated[str, typer.Argument(metavar="ITEM", help="Item that serves it, such as 4.")],
    db: Db = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Link an item to a running experiment: the signal that lets it leave the options."""
    outcome = link_item(
        unit_of_work(db),
        board=board,
        experiment=number(experiment, "Experiment", "E"),
        item=item_number(item),
        actor=actor(as_),
        at=now(),
    )
    render.events(outcome.events)


@experiment_app.command("unlink")
def unlink(
    experiment: Annotated[
        str, typer.Argument(metavar="EXPERIMENT", help="Experiment, such as E1.")
    ],
    item: Annotated[str, typer.Argument(metavar="ITEM", help="Item to unlink, such as 4.")],
    db: Db = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Remove an item's link to an experiment."""
    outcome = unlink_item(
        unit_of_work(db),
        board=board,
        experiment=number(experiment, "Experiment", "E"),
        item=item_number(item),
        actor=actor(as_),
        at=now(),
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
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Conclude an experiment with a Learning Card; the verdict sets the hypothesis status."""
    outcome = conclude_experiment(
        unit_of_work(db),
        board=board,
        experiment=number(experiment, "Experiment", "E"),
        verdict=parse_verdict(verdict),
        decision=parse_decision(decision),
        observed=observed,
        learned=learned,
        next_step=next_step,
        actor=actor(as_),
        at=now(),
    )
    render.events(outcome.events)


@experiment_app.command("list")
def list_experiments(
    db: Db = None, board: BoardName = None, as_: Actor = None, json: Json = False
) -> None:
    """List the board's experiments, their items and conclusions."""
    views = experiments_view(unit_of_work(db), board=board)
    if json:
        render.print_json([view.to_json() for view in views])
    else:
        render.experiments(views)

"""Use cases that create and configure boards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from pullflow.domain import needs
from pullflow.domain.board import KEEP, Board, parse_point
from pullflow.domain.errors import Invalid
from pullflow.domain.events import Event
from pullflow.domain.learning import PullSignal
from pullflow.domain.stages import StageSpec, WipPolicy, parse_stages
from pullflow.services.unit import Outcome, change
from pullflow.store import SqlUnitOfWork


@dataclass(frozen=True, slots=True)
class Template:
    """A ready-made board: its stages, what pulls work out of the options, and its limits."""

    stages: str
    pull_signal: PullSignal
    experiment_limit: int | None


TEMPLATES: dict[str, Template] = {
    "build-measure-learn": Template(
        "Options,Build:3,Measure:2,Learn:2,Done",
        PullSignal.EXPERIMENT,
        2,
    ),
    "simple": Template(
        "Options,Doing:3,Review:2,Done",
        PullSignal.CAPACITY,
        None,
    ),
}


def template(name: str) -> str:
    """The template's name if there is one by that name, else a refusal listing them."""
    cleaned = name.strip().lower()
    if cleaned not in TEMPLATES:
        choices = ", ".join(TEMPLATES)
        raise Invalid(f"Unknown template {name!r}: choose one of {choices}.")
    return cleaned


def create_board(
    uow: SqlUnitOfWork,
    *,
    name: str,
    stages: str | list[StageSpec],
    actor: str,
    at: datetime,
    pull_signal: PullSignal = PullSignal.CAPACITY,
    experiment_limit: int | None = None,
    timezone: str = "UTC",
) -> Outcome:
    """Create a board from a stage list such as ``Options,Build:3,Measure:2,Done``."""
    specs = parse_stages(stages) if isinstance(stages, str) else stages
    board = Board.create(
        name,
        specs,
        actor=actor,
        at=at,
        pull_signal=pull_signal,
        experiment_limit=experiment_limit,
        timezone=timezone,
    )
    with uow:
        events = list(board.pending_events)
        uow.boards.add_new(board)
        uow.commit()
        return Outcome(board.name, events)


def create_from_template(
    uow: SqlUnitOfWork, *, template_name: str, name: str, actor: str, at: datetime
) -> Outcome:
    chosen = TEMPLATES[template(template_name)]
    return create_board(
        uow,
        name=name,
        stages=chosen.stages,
        actor=actor,
        at=at,
        pull_signal=chosen.pull_signal,
        experiment_limit=chosen.experiment_limit,
    )


def set_limit(
    uow: SqlUnitOfWork,
    *,
    board: str | None,
    stage: str,
    limit: int | None,
    actor: str,
    at: datetime,
    policy: WipPolicy | None = None,
) -> Outcome:
    """Change a stage's WIP limit and, if given, its policy."""
    return change(
        uow,
        board,
        lambda b: b.set_limit(stage, limit, actor=actor, at=at, policy=policy),
        partial(needs.to_limit, stage=stage),
    )


def configure_board(
    uow: SqlUnitOfWork,
    *,
    board: str | None,
    actor: str,
    at: datetime,
    pull_signal: PullSignal | None = None,
    experiment_limit: int | None = None,
    clear_experiment_limit: bool = False,
    timezone: str | None = None,
    commitment: str | None = None,
    delivery: str | None = None,
) -> Outcome:
    """Change a board's pull signal, running-experiment limit, time zone or flow points.

    ``commitment`` and ``delivery`` name a stage, or are ``default`` to go back to the
    default point; left out (None), a point stays as it is.
    """

    def configure(loaded: Board) -> list[Event]:
        events: list[Event] = []
        if pull_signal is not None:
            events += loaded.set_pull_signal(pull_signal, actor=actor, at=at)
        if experiment_limit is not None or clear_experiment_limit:
            events += loaded.set_experiment_limit(experiment_limit, actor=actor, at=at)
        if timezone is not None:
            events += loaded.set_timezone(timezone, actor=actor, at=at)
        if commitment is not None or delivery is not None:
            events += loaded.set_flow_points(
                actor=actor,
                at=at,
                commitment=KEEP if commitment is None else parse_point(commitment),
                delivery=KEEP if delivery is None else parse_point(delivery),
            )
        return events

    return change(uow, board, configure)

"""Use cases for hypotheses and experiments: state, start, link, unlink, conclude."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from pullflow.domain import needs
from pullflow.domain.learning import Decision, Verdict
from pullflow.services.unit import Outcome, change
from pullflow.store import SqlUnitOfWork


def state_hypothesis(
    uow: SqlUnitOfWork,
    *,
    board: str | None,
    belief: str,
    test: str,
    metric: str,
    criterion: str,
    actor: str,
    at: datetime,
) -> Outcome:
    """Write a Test Card; the event's data holds the new hypothesis's number."""
    return change(
        uow,
        board,
        lambda b: b.state_hypothesis(
            belief=belief, test=test, metric=metric, criterion=criterion, actor=actor, at=at
        ),
    )


def start_experiment(
    uow: SqlUnitOfWork,
    *,
    board: str | None,
    hypothesis: int,
    actor: str,
    at: datetime,
    title: str | None = None,
) -> Outcome:
    return change(
        uow, board, lambda b: b.start_experiment(hypothesis, actor=actor, at=at, title=title)
    )


def link_item(
    uow: SqlUnitOfWork,
    *,
    board: str | None,
    experiment: int,
    item: int,
    actor: str,
    at: datetime,
) -> Outcome:
    return change(
        uow,
        board,
        lambda b: b.link(experiment, item, actor=actor, at=at),
        partial(needs.to_move, item=item),
    )


def unlink_item(
    uow: SqlUnitOfWork,
    *,
    board: str | None,
    experiment: int,
    item: int,
    actor: str,
    at: datetime,
) -> Outcome:
    return change(
        uow,
        board,
        lambda b: b.unlink(experiment, item, actor=actor, at=at),
        partial(needs.to_move, item=item),
    )


def conclude_experiment(
    uow: SqlUnitOfWork,
    *,
    board: str | None,
    experiment: int,
    verdict: Verdict,
    decision: Decision,
    observed: str,
    learned: str,
    next_step: str,
    actor: str,
    at: datetime,
) -> Outcome:
    """Conclude with a Learning Card; the verdict becomes the hypothesis's status."""
    return change(
        uow,
        board,
        lambda b: b.conclude(
            experiment,
            verdict=verdict,
            decision=decision,
            observed=observed,
            learned=learned,
            next_step=next_step,
            actor=actor,
            at=at,
        ),
    )

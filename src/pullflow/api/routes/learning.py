"""Hypotheses (Test Cards) and experiments (Learning Cards): list, add, start, link, conclude."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from pullflow.api import responses
from pullflow.api.auth import Reader
from pullflow.api.changes import Member
from pullflow.api.requests import (
    Conclude,
    ExperimentNumber,
    Hypothesis,
    ItemNumber,
    Link,
    StartExperiment,
)
from pullflow.api.routes.common import CHANGE_PROBLEMS, READ_PROBLEMS, Here
from pullflow.services.learning import (
    conclude_experiment,
    link_item,
    start_experiment,
    state_hypothesis,
    unlink_item,
)
from pullflow.services.queries import experiments_view, hypotheses_view

router = APIRouter(prefix="/boards/{board}", tags=["learning"])


@router.get("/hypotheses", response_model=list[responses.HypothesisCard], responses=READ_PROBLEMS)
def list_hypotheses(access: Reader, here: Here) -> list[dict[str, Any]]:
    """The board's hypotheses with their status."""
    return [view.to_json() for view in hypotheses_view(here.unit_of_work(), board=access.board)]


@router.post(
    "/hypotheses", status_code=201, response_model=responses.Change, responses=CHANGE_PROBLEMS
)
def add_hypothesis(body: Hypothesis, response: Response, change: Member) -> dict[str, Any]:
    """State a hypothesis as a Test Card; the event's data holds its number."""
    return change.run(
        response,
        body,
        lambda uow, actor, at: state_hypothesis(
            uow,
            board=change.board,
            belief=body.we_believe_that,
            test=body.to_verify_that_we_will,
            metric=body.and_measure,
            criterion=body.we_are_right_if,
            actor=actor,
            at=at,
        ),
        status=201,
    )


@router.get("/experiments", response_model=list[responses.ExperimentCard], responses=READ_PROBLEMS)
def list_experiments(access: Reader, here: Here) -> list[dict[str, Any]]:
    """The board's experiments, their items and conclusions."""
    return [view.to_json() for view in experiments_view(here.unit_of_work(), board=access.board)]


@router.post(
    "/experiments", status_code=201, response_model=responses.Change, responses=CHANGE_PROBLEMS
)
def start(body: StartExperiment, response: Response, change: Member) -> dict[str, Any]:
    """Start an experiment on a hypothesis; running experiments are limited per board."""
    return change.run(
        response,
        body,
        lambda uow, actor, at: start_experiment(
            uow,
            board=change.board,
            hypothesis=body.hypothesis,
            title=body.title,
            actor=actor,
            at=at,
        ),
        status=201,
    )


@router.post("/experiments/{e}/items", response_model=responses.Change, responses=CHANGE_PROBLEMS)
def link(e: ExperimentNumber, body: Link, response: Response, change: Member) -> dict[str, Any]:
    """Link an item to a running experiment: the signal that lets it leave the options."""
    return change.run(
        response,
        body,
        lambda uow, actor, at: link_item(
            uow, board=change.board, experiment=e, item=body.item, actor=actor, at=at
        ),
    )


@router.delete(
    "/experiments/{e}/items/{n}", response_model=responses.Change, responses=CHANGE_PROBLEMS
)
def unlink(
    e: ExperimentNumber, n: ItemNumber, response: Response, change: Member
) -> dict[str, Any]:
    """Remove an item's link to an experiment."""
    return change.run(
        response,
        None,
        lambda uow, actor, at: unlink_item(
            uow, board=change.board, experiment=e, item=n, actor=actor, at=at
        ),
    )


@router.post(
    "/experiments/{e}/conclude", response_model=responses.Change, responses=CHANGE_PROBLEMS
)
def conclude(
    e: ExperimentNumber, body: Conclude, response: Response, change: Member
) -> dict[str, Any]:
    """Conclude an experiment with a Learning Card; the verdict sets the hypothesis status."""
    return change.run(
        response,
        body,
        lambda uow, actor, at: conclude_experiment(
            uow,
            board=change.board,
            experiment=e,
            verdict=body.verdict,
            decision=body.decision,
            observed=body.we_observed,
            learned=body.from_that_we_learned,
            next_step=body.therefore_we_will,
            actor=actor,
            at=at,
        ),
    )

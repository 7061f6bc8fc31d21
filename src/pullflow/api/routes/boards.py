"""Boards: the ones the caller may read, one board whole, its settings, limits and log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from pullflow.api import responses
from pullflow.api.auth import Asker, Reader
from pullflow.api.changes import Admin
from pullflow.api.requests import MAX_NUMBER, Limit, Settings, StageName
from pullflow.api.routes.common import CHANGE_PROBLEMS, READ_PROBLEMS, UNAUTHORISED, Here
from pullflow.services import Invalid
from pullflow.services.boards import configure_board, set_limit
from pullflow.services.queries import board_names, board_view, event_log
from pullflow.services.views import event_json

router = APIRouter(prefix="/boards", tags=["boards"])


@router.get("", response_model=list[responses.BoardEntry], responses=UNAUTHORISED)
def list_boards(who: Asker, here: Here) -> list[dict[str, Any]]:
    """The boards the caller may read, oldest first, with the caller's role on each."""
    listed = []
    for name in board_names(here.unit_of_work()):
        role = who.role_on(name)
        if role is not None:
            listed.append({"name": name, "role": role.value})
    return listed


@router.get("/{board}", response_model=responses.Board, responses=READ_PROBLEMS)
def show_board(access: Reader, here: Here) -> dict[str, Any]:
    """The board now: stages, lanes, WIP against limits, blocked and expedite cards, ages."""
    return board_view(here.unit_of_work(), board=access.board, at=here.now()).to_json()


@router.patch("/{board}", response_model=responses.Change, responses=CHANGE_PROBLEMS)
def configure(body: Settings, response: Response, change: Admin) -> dict[str, Any]:
    """Change the pull signal, running-experiment limit, time zone or flow points (admin).

    Fields left out stay as they are; ``experiment_limit: null`` removes the limit and
    ``commitment`` or ``delivery`` ``"default"`` go back to the default points.
    """
    given = body.model_fields_set & set(Settings.model_fields)
    if not given:
        raise Invalid(
            "Nothing to change was given: send pull_signal, experiment_limit, timezone, "
            "commitment or delivery."
        )
    clear_limit = "experiment_limit" in given and body.experiment_limit is None
    return change.run(
        response,
        body,
        lambda uow, actor, at: configure_board(
            uow,
            board=change.board,
            actor=actor,
            at=at,
            pull_signal=body.pull_signal,
            experiment_limit=body.experiment_limit,
            clear_experiment_limit=clear_limit,
            timezone=body.timezone,
            commitment=body.commitment,
            delivery=body.delivery,
        ),
    )


@router.put(
    "/{board}/stages/{stage}/limit", response_model=responses.Change, responses=CHANGE_PROBLEMS
)
def change_limit(
    stage: StageName, body: Limit, response: Response, change: Admin
) -> dict[str, Any]:
    """Set a stage's WIP limit (null for none) and, if given, its policy (admin).

    Lowering a limit evicts nothing.
    """
    return change.run(
        response,
        body,
        lambda uow, actor, at: set_limit(
            uow,
            board=change.board,
            stage=stage,
            limit=body.limit,
            policy=body.policy,
            actor=actor,
            at=at,
        ),
    )


@router.get("/{board}/events", response_model=list[responses.LoggedEvent], responses=READ_PROBLEMS)
def events(
    access: Reader,
    here: Here,
    item: Annotated[
        int | None, Query(ge=1, le=MAX_NUMBER, description="Only this item's events.")
    ] = None,
    limit: Annotated[
        int | None, Query(ge=1, le=MAX_NUMBER, description="Only the most recent N.")
    ] = None,
) -> list[dict[str, Any]]:
    """The board's events, oldest first (with ``limit``, the most recent ones)."""
    history = event_log(here.unit_of_work(), board=access.board, item=item, limit=limit)
    return [event_json(stored) for stored in history]

"""Boards: the ones the caller may read, a new one, one board whole, its settings and log."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Response

from pullflow.api import responses
from pullflow.api.auth import Asker, Reader
from pullflow.api.changes import Admin, Changing, site_administering
from pullflow.api.requests import MAX_NUMBER, Limit, NewBoard, Settings, StageName
from pullflow.api.routes.common import CHANGE_PROBLEMS, READ_PROBLEMS, UNAUTHORISED, Here
from pullflow.services import Invalid, PullSignal
from pullflow.services.boards import TEMPLATES, configure_board, create_board, set_limit, template
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


CreatesBoards = Annotated[Changing, Depends(site_administering("create boards"))]


@router.post("", status_code=201, response_model=responses.Change, responses=CHANGE_PROBLEMS)
def create(body: NewBoard, response: Response, change: CreatesBoards) -> dict[str, Any]:
    """Create a board from a template or a list of stages (site admin); ``Location`` names it.

    A template gives the stages, the pull signal and the experiment limit; ``pull_signal``
    and ``experiment_limit`` given beside it replace the template's.
    """
    if (body.template is None) == (body.stages is None):
        raise Invalid(
            "A new board needs exactly one of template or stages: send template (one of "
            f"{', '.join(TEMPLATES)}) or stages, such as Options,Build:3,Done."
        )
    if body.template is not None:
        chosen = TEMPLATES[template(body.template)]
        stages, signal, limit = chosen.stages, chosen.pull_signal, chosen.experiment_limit
    else:
        stages, signal, limit = str(body.stages), PullSignal.CAPACITY, None
    if body.pull_signal is not None:
        signal = body.pull_signal
    if "experiment_limit" in body.model_fields_set:
        limit = body.experiment_limit
    answer = change.run(
        response,
        body,
        lambda uow, actor, at: create_board(
            uow,
            name=body.name,
            stages=stages,
            actor=actor,
            at=at,
            pull_signal=signal,
            experiment_limit=limit,
            timezone=body.timezone or "UTC",
        ),
        status=201,
    )
    response.headers["Location"] = f"/boards/{quote(answer['board'], safe='')}"
    return answer


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

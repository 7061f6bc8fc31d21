"""The andon: the board's stops, stopping the line, and resuming it with a Five Whys."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from pullflow.api import responses
from pullflow.api.auth import Reader
from pullflow.api.changes import Member
from pullflow.api.requests import Resume, Stop
from pullflow.api.routes.common import CHANGE_PROBLEMS, READ_PROBLEMS, Here
from pullflow.services import FiveWhys
from pullflow.services.andon import resume_line, stop_line
from pullflow.services.queries import stops_view

router = APIRouter(prefix="/boards/{board}/andon", tags=["andon"])


@router.get("", response_model=responses.Andon, responses=READ_PROBLEMS)
def status(access: Reader, here: Here) -> dict[str, Any]:
    """Open stops, and every stop with its root cause once resumed."""
    name, views = stops_view(here.unit_of_work(), board=access.board)
    return {
        "board": name,
        "stopped": [view.to_json() for view in views if view.resumed_at is None],
        "stops": [view.to_json() for view in views],
    }


@router.post("/stop", response_model=responses.Change, responses=CHANGE_PROBLEMS)
def stop(body: Stop, response: Response, change: Member) -> dict[str, Any]:
    """Stop the line (or one stage): pulls into it are refused until a Five Whys resumes it."""
    return change.run(
        response,
        body,
        lambda uow, actor, at: stop_line(
            uow,
            board=change.board,
            reason=body.reason,
            stage=body.stage,
            tags=body.tags,
            fix=body.fix,
            people=body.people,
            actor=actor,
            at=at,
        ),
    )


@router.post("/resume", response_model=responses.Change, responses=CHANGE_PROBLEMS)
def resume(body: Resume, response: Response, change: Member) -> dict[str, Any]:
    """Resume a stop with a completed Five Whys; the event carries the suggested investment."""
    analysis = FiveWhys.from_data(body.five_whys.model_dump(exclude_none=True))
    return change.run(
        response,
        body,
        lambda uow, actor, at: resume_line(
            uow, board=change.board, five_whys=analysis, stop=body.stop, actor=actor, at=at
        ),
    )

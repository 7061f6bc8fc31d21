"""The andon page: stop the line, the open stop, the Five Whys that resumes it, past stops.

The Five Whys form has five levels of why, answer, countermeasure, owner and effort; levels
left empty are ignored, and the rest are read exactly as a Five Whys file is
(``FiveWhys.from_data``), so a level half filled in is refused with the file's sentence. The
page shows the investment the stop suggests so far: its duration times the people affected.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from pullflow.services import FiveWhys
from pullflow.services.andon import resume_line, stop_line, suggested_investment
from pullflow.services.queries import board_view, stops_view
from pullflow.services.views import StopView
from pullflow.web.actions import Here, UseCase, act, board_path, whole_number
from pullflow.web.render import page
from pullflow.web.session import SignedIn, Visitor, checked_form

router = APIRouter()

LEVELS = range(1, 6)
#: The fields of one level of the Five Whys form (name in the form, key in a Five Whys).
LEVEL_FIELDS = (
    ("why", "question"),
    ("answer", "answer"),
    ("countermeasure", "countermeasure"),
    ("owner", "owner"),
    ("effort", "effort"),
)


def andon_page(
    request: Request,
    visitor: Visitor,
    at: Here,
    board: str,
    *,
    chosen: int | None = None,
    status: int = 200,
    refusal: str | None = None,
    values: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The andon page; ``values`` refills the forms after a refusal."""
    visitor.principal.require(board, "read")
    now = at.now()
    view = board_view(at.unit_of_work(), board=board, at=now)
    _, stops = stops_view(at.unit_of_work(), board=board)
    open_stops = [stop for stop in stops if stop.resumed_at is None]
    resuming = _stop_to_resume(open_stops, chosen)
    filled = dict(values or {})
    people = _number_or_none(filled.get("people"))
    investment = (
        suggested_investment(
            stopped_at=resuming.stopped_at, people=people or resuming.people, at=now
        )
        if resuming is not None
        else None
    )
    past = [_past(stop) for stop in reversed(stops) if stop.resumed_at is not None]
    return page(
        request,
        visitor,
        "andon.html",
        board=view.name,
        status=status,
        refusal=refusal,
        stops=open_stops,
        stages=[stage.name for stage in view.stages],
        resuming=resuming,
        investment=investment,
        past=past,
        values=filled,
        levels=LEVELS,
        can_change=visitor.may(board, "change"),
        line_stopped=any(stop.stage is None for stop in open_stops),
    )


def _number_or_none(text: str | None) -> int | None:
    """A whole number written in a field, or None (for showing a page, never refusing)."""
    cleaned = (text or "").strip()
    return int(cleaned) if cleaned.isdigit() and len(cleaned) < 10 else None


def _stop_to_resume(open_stops: list[StopView], chosen: int | None) -> StopView | None:
    """The stop the Five Whys form resumes: the one asked for, else the line's, else the first."""
    if chosen is not None:
        found = next((stop for stop in open_stops if stop.number == chosen), None)
        if found is not None:
            return found
    whole = next((stop for stop in open_stops if stop.stage is None), None)
    return whole or (open_stops[0] if open_stops else None)


def _past(stop: StopView) -> dict[str, Any]:
    """A resumed stop with what it cost (duration × people affected)."""
    whys = stop.five_whys or {}
    people = whys.get("people_affected") or stop.people
    assert stop.resumed_at is not None
    cost = suggested_investment(stopped_at=stop.stopped_at, people=people, at=stop.resumed_at)
    return {"stop": stop, "whys": whys, "cost": cost}


@router.get("/b/{board}/andon", response_class=HTMLResponse)
def andon(
    request: Request, board: str, visitor: SignedIn, at: Here, stop: int | None = None
) -> HTMLResponse:
    return andon_page(request, visitor, at, board, chosen=stop)


def _stopping(board: str, fields: Mapping[str, str]) -> UseCase:
    reason = fields.get("reason", "")
    tags = [tag for tag in fields.get("tags", "").split(",") if tag.strip()]
    stage = fields.get("stage", "").strip() or None
    fix = whole_number(fields.get("fix"), "Fix item", optional=True)
    return lambda uow, actor, moment: stop_line(
        uow, board=board, reason=reason, tags=tags, stage=stage, fix=fix, actor=actor, at=moment
    )


def five_whys_data(fields: Mapping[str, str]) -> dict[str, Any]:
    """The Five Whys the form's fields hold, as ``FiveWhys.from_data`` reads it.

    A level whose five fields are all empty is left out; an empty effort is a missing one.
    """
    whys: list[dict[str, Any]] = []
    for level in LEVELS:
        written = {key: fields.get(f"{name}{level}", "").strip() for name, key in LEVEL_FIELDS}
        if not any(written.values()):
            continue
        whys.append({**written, "effort": written["effort"] or None})
    data: dict[str, Any] = {
        "problem": fields.get("problem", ""),
        "whys": whys,
        "root_cause": fields.get("root_cause", ""),
    }
    people = whole_number(fields.get("people"), "People affected", optional=True)
    if people is not None:
        data["people_affected"] = people
    return data


def _resuming(board: str, fields: Mapping[str, str]) -> UseCase:
    analysis = FiveWhys.from_data(five_whys_data(fields))
    number = whole_number(fields.get("stop"), "Stop", optional=True)
    return lambda uow, actor, moment: resume_line(
        uow, board=board, five_whys=analysis, stop=number, actor=actor, at=moment
    )


async def _andon_form(
    request: Request, board: str, visitor: Visitor, at: Here, *, resuming: bool
) -> Response:
    fields = await checked_form(request, visitor)
    chosen = _number_or_none(fields.get("stop")) if resuming else None

    def again(sentence: str, status: int) -> Response:
        return andon_page(
            request,
            visitor,
            at,
            board,
            chosen=chosen,
            status=status,
            refusal=sentence,
            values=fields,
        )

    def make() -> UseCase:
        return _resuming(board, fields) if resuming else _stopping(board, fields)

    return await run_in_threadpool(
        act, visitor, at, board, make, back=f"{board_path(board)}/andon", again=again
    )


@router.post("/b/{board}/andon/stop", response_model=None)
async def stop(request: Request, board: str, visitor: SignedIn, at: Here) -> Response:
    return await _andon_form(request, board, visitor, at, resuming=False)


@router.post("/b/{board}/andon/resume", response_model=None)
async def resume(request: Request, board: str, visitor: SignedIn, at: Here) -> Response:
    return await _andon_form(request, board, visitor, at, resuming=True)

"""The board's history: its event log, the latest events or every one."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pullflow.services.queries import event_log, stops_view
from pullflow.web.actions import Here
from pullflow.web.render import page
from pullflow.web.session import SignedIn

router = APIRouter()

#: How many of the latest events the page shows unless asked for all.
LATEST = 500


@router.get("/b/{board}/history", response_class=HTMLResponse)
def history(
    request: Request, board: str, visitor: SignedIn, at: Here, all: str | None = None
) -> HTMLResponse:
    visitor.principal.require(board, "read")
    name, stops = stops_view(at.unit_of_work(), board=board)
    events = event_log(at.unit_of_work(), board=board, limit=None if all else LATEST + 1)
    limited = all is None and len(events) > LATEST
    return page(
        request,
        visitor,
        "history.html",
        board=name,
        stops=[stop for stop in stops if stop.resumed_at is None],
        events=events[-LATEST:] if limited else events,
        limited=limited,
    )

"""A board's live updates: ``GET /boards/{board}/live``, a stream of Server-Sent Events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from pullflow.api.auth import Reader
from pullflow.api.live import Hub, event_stream, hub
from pullflow.api.routes.common import READ_PROBLEMS, Answers, Here
from pullflow.services.live import latest_event

router = APIRouter(prefix="/boards", tags=["boards"])

LiveHub = Annotated[Hub, Depends(hub)]

STREAM: Answers = {
    200: {
        "description": (
            "A text/event-stream that stays open: first `retry: 1000`, then for every change "
            'to the board `event: change` with `data: {"board": NAME, "event": N}` (N is the '
            "board's newest event number, as in /events), and `: keep-alive` after 15 quiet "
            "seconds."
        ),
        "content": {
            "text/event-stream": {
                "schema": {"type": "string"},
                "example": 'retry: 1000\n\nevent: change\ndata: {"board": "main", "event": 42}\n\n',
            }
        },
    }
}


@router.get(
    "/{board}/live",
    response_class=StreamingResponse,
    responses={**STREAM, **READ_PROBLEMS},
)
def live_updates(
    access: Reader, here: Here, changes: LiveHub, request: Request
) -> StreamingResponse:
    """The board's changes as they are committed, by any server process (Server-Sent Events).

    The stream ends when the server shuts down; an ``EventSource`` then reconnects by itself
    after a second. A change made while no stream was open is not told again: read the board
    when the stream (re)opens.
    """
    latest_event(here.unit_of_work(), access.board)  # a board that is not there is 404 now
    return event_stream(request, changes, access.board)

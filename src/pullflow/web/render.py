"""Rendering pages: Jinja2 templates in ``web/templates``, escaped, in the base layout.

``page`` renders a template that extends ``base.html``: the header with the visitor and
sign-out, the board's tabs, and the andon banner while the board's line is stopped. Every
template gets ``visitor``, ``csrf``, ``board``, ``stop`` (the open stop or None), ``stops``
(every open stop), ``refusal`` (a sentence or None) and ``tab`` (the tab of the page).
``refused`` renders the same page with the sentence in ``<p role="alert" class="refusal">``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from pullflow.api.context import server
from pullflow.services import DomainError
from pullflow.services.queries import stops_view
from pullflow.services.views import StopView
from pullflow.web.session import Visitor

TEMPLATES = Path(__file__).parent / "templates"

#: The board's tabs: (label, path under /b/{board}, tab name).
TABS: Sequence[tuple[str, str, str]] = (
    ("Board", "", "board"),
    ("Learning", "/learning", "learning"),
    ("Flow", "/flow", "flow"),
    ("What-if", "/what-if", "what-if"),
    ("Andon", "/andon", "andon"),
    ("History", "/history", "history"),
)


def days(count: int | None) -> str:
    """``1 day``, ``3 days``; empty for None."""
    if count is None:
        return ""
    return f"{count} day" if count == 1 else f"{count} days"


def moment(value: datetime | date | None) -> str:
    """A moment as ``2026-11-02 09:00 UTC`` (a date as ``2026-11-02``); empty for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def hours(value: float | None) -> str:
    """Hours as ``2.5 h`` or ``45 min``."""
    if value is None:
        return ""
    if value < 1:
        return f"{round(value * 60)} min"
    return f"{value:.1f} h".replace(".0 h", " h")


def path_part(text: str) -> str:
    """Text quoted to be one part of a URL's path (a board name in ``/b/NAME``)."""
    return quote(str(text), safe="")


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["days"] = days
    environment.filters["moment"] = moment
    environment.filters["hours"] = hours
    environment.filters["path_part"] = path_part
    environment.globals["tabs"] = TABS
    return environment


templates = _environment()


def tab_of(path: str, board: str | None) -> str | None:
    """The tab a path belongs to (``board`` for the board page itself), or None."""
    if board is None:
        return None
    parts = path.split("/")
    if len(parts) <= 3 or parts[3] in {"", "fragment", "items"}:
        return "board"
    known = {name for _, _, name in TABS}
    return parts[3] if parts[3] in known else None


def open_stops(request: Request, board: str | None) -> list[StopView]:
    """The board's open stops (none when there is no board or it cannot be read)."""
    if board is None:
        return []
    try:
        _, stops = stops_view(server(request).unit_of_work(), board=board)
    except DomainError:
        return []
    return [stop for stop in stops if stop.resumed_at is None]


def render_text(request: Request, template: str, **context: Any) -> str:
    """A template rendered with the request (no layout checks): for fragments and pages."""
    return templates.get_template(template).render(request=request, **context)


def page(
    request: Request,
    visitor: Visitor | None,
    template: str,
    *,
    board: str | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render ``template`` in the base layout (see the module's description)."""
    stops = context.pop("stops", None)
    if stops is None:
        stops = open_stops(request, board)
    stop = context.pop("stop", None)
    if stop is None and stops:
        stop = next((s for s in stops if s.stage is None), stops[0])
    full = {
        "visitor": visitor,
        "csrf": visitor.csrf if visitor is not None else "",
        "board": board,
        "stop": stop,
        "stops": stops,
        "refusal": None,
        "tab": tab_of(request.url.path, board),
        "path": request.url.path,
        **context,
    }
    return HTMLResponse(render_text(request, template, **full), status_code=status)


def refused(
    request: Request,
    visitor: Visitor | None,
    template: str,
    sentence: str,
    *,
    board: str | None,
    status: int = 409,
    **context: Any,
) -> HTMLResponse:
    """The page again, with ``sentence`` in ``<p role="alert" class="refusal">``."""
    return page(request, visitor, template, board=board, status=status, refusal=sentence, **context)

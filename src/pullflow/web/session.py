"""Who is looking at a page: the session cookie, the visitor behind it, and checked forms.

A page takes ``SignedIn``: the visitor of the request's session cookie, or, without a valid
one, a redirect (303) to ``/sign-in?next=PATH``. Every form POST reads its fields with
``checked_form``, which refuses (403, nothing written) a form whose ``csrf`` field (or
``X-CSRF-Token`` header) is not the session's token, or that another site sent (its Origin
header names another host).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from pullflow.api.context import Server, server
from pullflow.services.accounts import Principal, Unauthorised
from pullflow.services.sessions import SESSION_DAYS, csrf_matches, session_of

COOKIE = "pullflow_session"
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"

BAD_CSRF = (
    "The form was refused: it did not carry this session's security token, so nothing was "
    "changed; reload the page and send it again."
)
CROSS_SITE = (
    "The form was refused: it was sent from another site, so nothing was changed; use the "
    "forms on this site."
)


@dataclass(frozen=True)
class Visitor:
    """A signed-in visitor: their principal (user and roles), name and CSRF token."""

    principal: Principal
    user: str
    csrf: str

    def may(self, board: str, action: str) -> bool:
        """Whether the visitor may ``read``, ``change`` or ``admin`` the board."""
        return self.principal.may(board, action)


class SignInNeeded(Exception):
    """The request has no valid session: the visitor is sent to sign in (303)."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class FormRefused(Exception):
    """A form failed its CSRF or origin check: answered 403 with a page, nothing written."""

    def __init__(self, sentence: str) -> None:
        super().__init__(sentence)
        self.sentence = sentence


def session_secret(request: Request) -> str | None:
    return request.cookies.get(COOKIE)


def _return_path(request: Request) -> str:
    """Where to come back after signing in: the page asked for (a GET), else its board."""
    path = request.url.path
    if request.method == "GET":
        query = request.url.query
        return path + (f"?{query}" if query else "")
    parts = path.split("/")
    if len(parts) > 2 and parts[1] == "b":
        return "/".join(parts[:3])
    return "/"


def signed_in(request: Request, at: Annotated[Server, Depends(server)]) -> Visitor:
    """The visitor of the request's session; without one, a redirect to sign in."""
    secret = session_secret(request)
    if not secret:
        raise SignInNeeded(_return_path(request))
    try:
        found = session_of(at.unit_of_work(), secret=secret, at=at.now())
    except Unauthorised:
        raise SignInNeeded(_return_path(request)) from None
    visitor = Visitor(principal=found.principal, user=found.user, csrf=found.csrf)
    request.state.visitor = visitor
    request.state.session_cookie = secret
    return visitor


def visitor_of(request: Request) -> Visitor | None:
    """The visitor a dependency already found for this request, if any."""
    found = getattr(request.state, "visitor", None)
    return found if isinstance(found, Visitor) else None


SignedIn = Annotated[Visitor, Depends(signed_in)]


def maybe_signed_in(request: Request, at: Annotated[Server, Depends(server)]) -> Visitor | None:
    """The visitor of the request's session, or None (no redirect): for the sign-in page."""
    try:
        return signed_in(request, at)
    except SignInNeeded:
        return None


MaybeSignedIn = Annotated[Visitor | None, Depends(maybe_signed_in)]


def sign_in_url(next_path: str) -> str:
    return f"/sign-in?next={quote(local_path(next_path), safe='/')}"


def local_path(target: str | None) -> str:
    """``target`` if it is a path on this site, else ``/`` (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ord(character) < 32 for character in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def same_origin(request: Request) -> bool:
    """Whether the request's Origin (or, without one, its Referer) is this site, or absent."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return origin is None
    sent = urlsplit(origin)
    host = request.headers.get("host", request.url.netloc)
    return sent.netloc == host and sent.scheme in {"http", "https"}


async def checked_form(request: Request, visitor: Visitor) -> dict[str, str]:
    """The posted form's fields (text only), once its CSRF token and origin are checked."""
    if not same_origin(request):
        raise FormRefused(CROSS_SITE)
    form = await request.form()
    fields = {key: value for key, value in form.items() if not isinstance(value, UploadFile)}
    given = request.headers.get(CSRF_HEADER) or fields.get(CSRF_FIELD)
    if not csrf_matches(visitor.csrf, given):
        raise FormRefused(BAD_CSRF)
    fields.pop(CSRF_FIELD, None)
    return {key: str(value) for key, value in fields.items()}


def set_session_cookie(request: Request, response: Response, secret: str) -> None:
    """Send the session cookie: HttpOnly, SameSite=Lax, Secure when the page came by https."""
    response.set_cookie(
        COOKIE,
        secret,
        max_age=SESSION_DAYS * 24 * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )

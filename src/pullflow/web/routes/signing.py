"""Signing in and out, one-time sign-in links, the account page, and the list of boards.

A failed sign-in shows one sentence whether the name or the password was wrong; after too
many failures sign-in pauses for a while, in the same words for every name. ``next`` takes
the visitor back where they were going, but only to a path on this site.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from pullflow.api.context import Server, server
from pullflow.services import DomainError
from pullflow.services.accounts import Unauthorised
from pullflow.services.queries import board_names
from pullflow.services.sessions import (
    TooManyFailures,
    redeem_link,
    set_password,
    sign_in,
    sign_out,
)
from pullflow.web.render import page, refused
from pullflow.web.session import (
    CROSS_SITE,
    MaybeSignedIn,
    SignedIn,
    checked_form,
    clear_session_cookie,
    local_path,
    same_origin,
    session_secret,
    set_session_cookie,
)

router = APIRouter()

Here = Annotated[Server, Depends(server)]

PASSWORDS_DIFFER = (
    "The password was not set: the two passwords you typed differ; type the same one twice."
)
#: The longest field a sign-in form takes (longer ones are cut, then fail as wrong).
MAX_FIELD = 2000


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.get("/", response_class=HTMLResponse)
def boards(request: Request, visitor: SignedIn, at: Here) -> HTMLResponse:
    """The boards the visitor may read, each with the visitor's role on it."""
    readable = [
        (name, role.value)
        for name in board_names(at.unit_of_work())
        if (role := visitor.principal.role_on(name)) is not None
    ]
    return page(request, visitor, "boards.html", board=None, boards=readable)


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, visitor: MaybeSignedIn, next: str = "/") -> HTMLResponse:
    return page(request, visitor, "sign_in.html", board=None, next=local_path(next), name="")


@router.post("/sign-in", response_model=None)
async def sign_in_form(request: Request, at: Here) -> Response:
    form = await request.form()
    name = str(form.get("user", ""))[:MAX_FIELD]
    password = str(form.get("password", ""))[:MAX_FIELD]
    target = local_path(str(form.get("next", "/")))
    if not same_origin(request):
        return refused(
            request, None, "sign_in.html", CROSS_SITE, board=None, status=403, next=target, name=""
        )
    try:
        secret, _ = await run_in_threadpool(
            sign_in,
            at.unit_of_work(),
            name=name,
            password=password,
            client=_client(request),
            at=at.now(),
        )
    except TooManyFailures as error:
        paused = refused(
            request,
            None,
            "sign_in.html",
            error.message,
            board=None,
            status=429,
            next=target,
            name=name,
        )
        paused.headers["Retry-After"] = "900"
        return paused
    except Unauthorised as error:
        return refused(
            request,
            None,
            "sign_in.html",
            error.message,
            board=None,
            status=401,
            next=target,
            name=name,
        )
    answer = RedirectResponse(target, status_code=303)
    set_session_cookie(request, answer, secret)
    return answer


@router.get("/sign-in/once/{secret}", response_model=None)
def sign_in_once(request: Request, secret: str, at: Here) -> Response:
    """Sign in with a one-time link, then set a password on the account page."""
    try:
        session, _ = redeem_link(at.unit_of_work(), secret=secret, at=at.now())
    except Unauthorised as error:
        return refused(
            request, None, "sign_in.html", error.message, board=None, status=401, next="/", name=""
        )
    answer = RedirectResponse("/account?welcome=1", status_code=303)
    set_session_cookie(request, answer, session)
    return answer


@router.post("/sign-out", response_model=None)
async def sign_out_form(request: Request, visitor: SignedIn, at: Here) -> Response:
    await checked_form(request, visitor)
    secret = session_secret(request)
    if secret:
        await run_in_threadpool(sign_out, at.unit_of_work(), secret=secret)
    answer = RedirectResponse("/sign-in", status_code=303)
    clear_session_cookie(request, answer)
    return answer


@router.get("/account", response_class=HTMLResponse)
def account(
    request: Request, visitor: SignedIn, welcome: str | None = None, saved: str | None = None
) -> HTMLResponse:
    return page(
        request,
        visitor,
        "account.html",
        board=None,
        welcome=welcome is not None,
        saved=saved is not None,
    )


@router.post("/account", response_model=None)
async def account_form(request: Request, visitor: SignedIn, at: Here) -> Response:
    fields = await checked_form(request, visitor)
    password = fields.get("password", "")
    if password != fields.get("repeat", ""):
        return refused(
            request,
            visitor,
            "account.html",
            PASSWORDS_DIFFER,
            board=None,
            status=422,
            welcome=False,
            saved=False,
        )
    try:
        await run_in_threadpool(
            set_password,
            at.unit_of_work(),
            user=visitor.user,
            password=password,
            at=at.now(),
            keep=session_secret(request),
        )
    except DomainError as error:
        return refused(
            request,
            visitor,
            "account.html",
            error.message,
            board=None,
            status=422,
            welcome=False,
            saved=False,
        )
    return RedirectResponse("/account?saved=1", status_code=303)

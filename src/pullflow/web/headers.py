"""The headers every page is sent with, and the session cookie renewed as the session slides.

Only the web board's paths get them (the API and its ``/docs`` page keep their own):
a Content-Security-Policy that loads everything from this site and runs no inline script,
``X-Frame-Options: DENY``, ``Referrer-Policy: same-origin``, ``X-Content-Type-Options:
nosniff``, and, for pages (not static files), ``Cache-Control: no-store``.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pullflow.web.session import COOKIE, set_session_cookie

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

#: Paths of the web board (everything else is the API's).
PAGE_PREFIXES = ("/sign-in", "/sign-out", "/account", "/b/", "/static/")


def is_page(path: str) -> bool:
    """Whether ``path`` belongs to the web board rather than to the API."""
    return path == "/" or path == "/b" or path.startswith(PAGE_PREFIXES)


#: Where the signed-in visitor's session secret is noted for the cookie to be renewed.
RENEW = "session_cookie"


class PageHeaders:
    """Add the security headers to the web board's responses (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_page(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if not static:
                    headers.setdefault("Cache-Control", "no-store")
                    _renew_cookie(scope, headers)
            await send(message)

        await self.app(scope, receive, with_headers)


def _renew_cookie(scope: Scope, headers: MutableHeaders) -> None:
    """Send the session cookie again with a fresh lifetime, unless the answer sets it."""
    secret = scope.get("state", {}).get(RENEW)
    if not secret:
        return
    if any(value.startswith(f"{COOKIE}=") for value in headers.getlist("set-cookie")):
        return
    renewed = Response()
    set_session_cookie(Request(scope), renewed, secret)
    for value in renewed.headers.getlist("set-cookie"):
        headers.append("set-cookie", value)

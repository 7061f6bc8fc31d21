"""Running the API and the web board with uvicorn: ``serve(db_url, host, port, workers)``.

With one worker the application is made here; with several, each worker process makes its
own from ``PULLFLOW_DATABASE_URL`` (set here for them), since a worker cannot be handed an
application object.

A database without a site admin gets one before serving: the user ``admin``, with a password
no one can type, and a one-time sign-in link printed once (``first_admin_link``). The link
lives in the database, so it works whichever worker answers it.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from ipaddress import ip_address

import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

from pullflow.api.app import create_app
from pullflow.services import Invalid, Store
from pullflow.services.sessions import create_first_admin, issue_sign_in_link

URL_VARIABLE = "PULLFLOW_DATABASE_URL"


#: How long the first admin's sign-in link works, in minutes.
LINK_MINUTES = 15

#: Seconds a stopping server waits for requests to finish; live update streams never do.
SHUTDOWN_SECONDS = 5


def site_url(host: str, port: int) -> str:
    """The address a browser reaches the server at (``localhost`` for a wildcard host)."""
    shown = host
    try:
        address = ip_address(host.strip("[]"))
    except ValueError:
        address = None
    if address is not None and address.is_unspecified:
        shown = "localhost"
    elif address is not None and address.version == 6:
        shown = f"[{address}]"
    return f"http://{shown}:{port}"


def first_admin_link(store: Store, *, host: str, port: int, at: datetime) -> str | None:
    """Make the first site admin if there is none; return the line that says how to sign in.

    None when the database has a site admin already (nothing is made then).
    """
    name = create_first_admin(store.unit_of_work(), at=at)
    if name is None:
        return None
    secret = issue_sign_in_link(store.unit_of_work(), user=name, at=at, minutes=LINK_MINUTES)
    return (
        f"Sign in as {name}: {site_url(host, port)}/sign-in/once/{secret} (the link works "
        f"once, for {LINK_MINUTES} minutes; then set a password at /account)"
    )


def serve(
    db_url: str,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    *,
    announce: Callable[[str], None] = print,
) -> None:
    """Serve the API and the web board on ``host:port`` until interrupted.

    The database must exist already. Without a site admin one is made first, and
    ``announce`` is handed the line with its one-time sign-in link.
    """
    if not 1 <= workers <= 64:
        raise Invalid(f"{workers} workers were refused: run 1 to 64 worker processes.")
    if not 0 < port < 65536:
        raise Invalid(f"Port {port} was refused: choose a port from 1 to 65535.")
    app = create_app(db_url)  # opens the database now, so a bad URL is said before serving
    line = first_admin_link(app.state.server.store, host=host, port=port, at=datetime.now(UTC))
    if line is not None:
        announce(line)
    if workers == 1:
        uvicorn.run(
            app,
            host=host,
            port=port,
            proxy_headers=True,
            timeout_graceful_shutdown=SHUTDOWN_SECONDS,
        )
        return
    app.state.server.store.close()  # each worker opens its own
    os.environ[URL_VARIABLE] = db_url
    config = uvicorn.Config(
        "pullflow.api.serve:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        timeout_graceful_shutdown=SHUTDOWN_SECONDS,
    )
    with contextlib.suppress(KeyboardInterrupt):
        Multiprocess(config, sockets=[tcp_socket(host, port)]).run()


def tcp_socket(host: str, port: int) -> socket.socket:
    """A listening socket the worker processes share, made as a TCP socket by name.

    asyncio turns Nagle's algorithm off (TCP_NODELAY) only on connections accepted from a
    socket whose protocol is IPPROTO_TCP; a socket made without it would hold every small
    answer back until the client's delayed ACK, about 40 ms a request.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as error:
        sock.close()
        raise Invalid(
            f"{host}:{port} was refused: {error.strerror or error}; choose another --port or "
            "--host."
        ) from None
    sock.set_inheritable(True)
    return sock


def app_from_environment() -> FastAPI:
    """The application on the database ``PULLFLOW_DATABASE_URL`` names (for worker processes)."""
    url = os.environ.get(URL_VARIABLE)
    if not url:
        raise Invalid(f"{URL_VARIABLE} is not set: name the database the server works on.")
    return create_app(url)

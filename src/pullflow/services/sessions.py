"""Web sessions: signing in with a password or a one-time link, the session's life, sign-out.

A session's secret lives only in the visitor's cookie; the database keeps its SHA-256, its
user, its CSRF token (which every form of the session carries back) and when it ends. The
lifetime slides: each use moves the end to ``SESSION_DAYS`` days later (noted at most once a
minute). A one-time link holds a secret as well (only its hash is kept); it works once and
for a few minutes, and since it lives in the database it works whichever server process
answers it.

Failed sign-ins are counted in the database, so the limit holds across server processes:
after ``NAME_FAILURES`` failures for one user name, or ``CLIENT_FAILURES`` from one client
address, within ``FAILURE_WINDOW``, sign-in is refused with one sentence, before any password
is checked, and alike for names that exist and names that do not.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pullflow.domain.accounts import (
    MAX_USER_NAME,
    Principal,
    check_password,
    check_user_name,
    user_key,
)
from pullflow.domain.errors import Refused, Unauthorised
from pullflow.services import accounts
from pullflow.services.accounts import authenticate_password, principal_of
from pullflow.store import SqlUnitOfWork

__all__ = [
    "CLIENT_FAILURES",
    "FAILURE_WINDOW",
    "LINK_USED",
    "NAME_FAILURES",
    "SESSION_DAYS",
    "SESSION_ENDED",
    "TOO_MANY_FAILURES",
    "Session",
    "TooManyFailures",
    "create_first_admin",
    "csrf_matches",
    "has_site_admin",
    "issue_sign_in_link",
    "redeem_link",
    "session_of",
    "set_password",
    "sign_in",
    "sign_out",
]

SESSION_DAYS = 14
NAME_FAILURES = 5
CLIENT_FAILURES = 20
FAILURE_WINDOW = timedelta(minutes=15)
#: A session used again sooner than this writes nothing.
SEEN_RESOLUTION = timedelta(minutes=1)
SECRET_BYTES = 32
#: No secret we make is longer; a longer one is refused before it is hashed.
MAX_SECRET = 100

TOO_MANY_FAILURES = (
    "Sign-in is paused after too many failed attempts: wait 15 minutes and try again, or ask "
    "a site admin for a sign-in link."
)
SESSION_ENDED = "Your session has ended or was signed out: sign in again."
LINK_USED = (
    "This sign-in link is not valid: it was used already, has expired, or was never issued; "
    "ask a site admin for a new one."
)
#: A password no one can type: argon2 cannot read it as a hash, so it never matches.
UNUSABLE_PASSWORD = "!unusable"


class TooManyFailures(Unauthorised):
    """Sign-in is paused for this name or client after too many failures."""


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in visitor: who, their roles, and the session's CSRF token."""

    user: str
    principal: Principal
    csrf: str
    expires_at: datetime


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def csrf_matches(expected: str, given: str | None) -> bool:
    """Whether a form's CSRF token is the session's (compared in constant time)."""
    if not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def _failure_keys(name: str, client: str | None) -> list[str]:
    keys = [f"name:{user_key(name)[: MAX_USER_NAME * 2]}"]
    if client:
        keys.append(f"client:{client[:100]}")
    return keys


def _start_session(uow: SqlUnitOfWork, user_id: int, at: datetime) -> tuple[str, str]:
    """Add a session for the user in the open transaction; return its secret and CSRF token."""
    secret, csrf = _new_secret(), _new_secret()
    uow.accounts.forget_sessions(before=at)
    uow.accounts.add_session(
        user_id=user_id,
        sha256=_digest(secret),
        csrf=csrf,
        at=at,
        expires_at=at + timedelta(days=SESSION_DAYS),
    )
    return secret, csrf


# ---------------------------------------------------------------------------- signing in


def sign_in(
    uow: SqlUnitOfWork, *, name: str, password: str, client: str | None, at: datetime
) -> tuple[str, str]:
    """Sign in with a password; return the new session's secret and CSRF token.

    A wrong password and an unknown name fail alike (``Unauthorised``); too many recent
    failures for the name or the client are refused (``TooManyFailures``) before any
    password is checked.
    """
    keys = _failure_keys(name, client)
    since = at - FAILURE_WINDOW
    with uow.reading():
        name_failures = uow.accounts.failures(keys[0], since=since)
        client_failures = uow.accounts.failures(keys[1], since=since) if client else 0
    if name_failures >= NAME_FAILURES or client_failures >= CLIENT_FAILURES:
        raise TooManyFailures(TOO_MANY_FAILURES)
    try:
        principal = authenticate_password(uow, name=name, password=password, at=at)
    except Unauthorised:
        with uow:
            uow.accounts.forget_failures(before=since)
            uow.accounts.add_failures(keys, at=at)
            uow.commit()
        raise
    with uow:
        stored = uow.accounts.user(principal.user)
        if stored is None:
            raise Unauthorised(accounts.WRONG_PASSWORD)
        uow.accounts.clear_failures(keys[0])
        started = _start_session(uow, stored.id, at)
        uow.commit()
    return started


def session_of(uow: SqlUnitOfWork, *, secret: str, at: datetime) -> Session:
    """The session a cookie's secret opens, or ``Unauthorised`` (unknown, ended, expired).

    Using a session moves its end ``SESSION_DAYS`` days on.
    """
    if not secret or len(secret) > MAX_SECRET:
        raise Unauthorised(SESSION_ENDED)
    digest = _digest(secret)
    with uow.reading():
        stored = uow.accounts.session_by_hash(digest)
    if stored is None or stored.expires_at <= at:
        raise Unauthorised(SESSION_ENDED)
    principal = principal_of(uow, user=stored.user)
    expires_at = stored.expires_at
    if at - stored.last_seen_at >= SEEN_RESOLUTION:
        expires_at = at + timedelta(days=SESSION_DAYS)
        with uow:
            uow.accounts.session_seen(stored.id, at=at, expires_at=expires_at)
            uow.commit()
    return Session(user=stored.user, principal=principal, csrf=stored.csrf, expires_at=expires_at)


def sign_out(uow: SqlUnitOfWork, *, secret: str) -> None:
    """End the session (signing out of one that has ended already changes nothing)."""
    if not secret or len(secret) > MAX_SECRET:
        return
    with uow:
        uow.accounts.end_session(_digest(secret))
        uow.commit()


# ------------------------------------------------------------------------ one-time links


def issue_sign_in_link(uow: SqlUnitOfWork, *, user: str, at: datetime, minutes: int = 15) -> str:
    """Make a link's secret for the user that signs in once within ``minutes`` minutes."""
    secret = _new_secret()
    with uow:
        stored = uow.accounts.user(user)
        if stored is None:
            raise Refused(f"No user named {user.strip()!r}: add one with pullflow user add.")
        uow.accounts.add_link(
            user_id=stored.id, sha256=_digest(secret), expires_at=at + timedelta(minutes=minutes)
        )
        uow.commit()
    return secret


def redeem_link(uow: SqlUnitOfWork, *, secret: str, at: datetime) -> tuple[str, str]:
    """Sign in with a one-time link; return the session's secret and CSRF token.

    A link used already, expired or unknown is refused with ``Unauthorised``.
    """
    if not secret or len(secret) > MAX_SECRET:
        raise Unauthorised(LINK_USED)
    with uow:
        user_id = uow.accounts.use_link(_digest(secret), at=at)
        if user_id is None:
            raise Unauthorised(LINK_USED)
        started = _start_session(uow, user_id, at)
        uow.commit()
    return started


# ------------------------------------------------------------------------------ passwords


def set_password(
    uow: SqlUnitOfWork, *, user: str, password: str, at: datetime, keep: str | None = None
) -> None:
    """Give the user a new password and end their other sessions (``keep``: this one's secret)."""
    hashed = accounts._hasher.hash(check_password(password))
    with uow:
        stored = uow.accounts.user(user)
        if stored is None:
            raise Unauthorised(SESSION_ENDED)
        uow.accounts.set_password_hash(stored.id, hashed)
        uow.accounts.end_sessions_of(stored.id, keep=_digest(keep) if keep else None)
        uow.commit()


# ----------------------------------------------------------------------- the first admin


def has_site_admin(uow: SqlUnitOfWork) -> bool:
    with uow.reading():
        return uow.accounts.has_site_admin()


def create_first_admin(uow: SqlUnitOfWork, *, at: datetime, name: str = "admin") -> str | None:
    """Make ``name`` a site admin with a password no one can type, unless a site admin exists.

    Returns the user's name, or None when a site admin was there already. A user of that name
    who is not a site admin is refused: the first admin needs a name of its own.
    """
    cleaned = check_user_name(name)
    with uow:
        if uow.accounts.has_site_admin():
            return None
        if uow.accounts.user(cleaned) is not None:
            raise Refused(
                f"A user named {cleaned!r} exists but no site admin does: make one with "
                "pullflow user add NAME --site-admin."
            )
        uow.accounts.add_user(name=cleaned, password_hash=UNUSABLE_PASSWORD, site_admin=True, at=at)
        uow.commit()
    return cleaned

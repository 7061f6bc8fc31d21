"""Accounts: users and their passwords, roles on boards, API tokens, and who is asking.

Each change runs in one transaction of the unit of work it is given. Passwords are kept as
argon2 hashes only (argon2-cffi's defaults) and hashed outside any transaction, so that a
slow hash never holds the write lock. A token's secret is ``pf_`` and 32 random URL-safe
bytes; it is shown once, and only its SHA-256 is kept. Signing in with a wrong password and
with a name no one has fail alike: the same sentence, after about the same time (a made-up
hash is checked when there is no user). Entry points decide who may call what (a site admin
adds users; a board admin grants roles on it); these functions only keep the rules of the
accounts themselves.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pullflow.domain.accounts import (
    ACTIONS,
    MAX_PASSWORD,
    Principal,
    Role,
    allows,
    board_key,
    check_label,
    check_password,
    check_user_name,
    parse_role,
)
from pullflow.domain.errors import Forbidden, Invalid, NotFound, Unauthorised
from pullflow.store import SqlUnitOfWork
from pullflow.store.accounts import StoredToken, StoredUser
from pullflow.store.repository import MAX_INTEGER

__all__ = [
    "ACTIONS",
    "BAD_TOKEN",
    "TOKEN_PREFIX",
    "WRONG_PASSWORD",
    "Forbidden",
    "Principal",
    "Role",
    "TokenView",
    "Unauthorised",
    "UserView",
    "allows",
    "authenticate_password",
    "authenticate_token",
    "check_user_name",
    "create_user",
    "forget_responses",
    "grant",
    "issue_token",
    "members",
    "parse_role",
    "principal_of",
    "revoke_role",
    "revoke_token",
    "role_of",
    "tokens",
    "users",
]

#: The one sentence for a failed sign-in, whether the name or the password was wrong.
WRONG_PASSWORD = (
    "The user name or password is not right: check both and sign in again, or ask a site "
    "admin to add you."
)

#: The one sentence for a token that is malformed, unknown or revoked.
BAD_TOKEN = (
    "The token is not valid: it is unknown or was revoked; create a new one with "
    "pullflow token create."
)

TOKEN_PREFIX = "pf_"
TOKEN_BYTES = 32
#: No secret we make is longer; a longer one is refused before it is hashed.
MAX_SECRET = 100

#: ``last_used_at`` is kept to this: a token used again sooner writes nothing.
LAST_USED_RESOLUTION = timedelta(minutes=1)

#: Kept for a user added without a password: argon2 cannot read it, so no password matches.
NO_PASSWORD = "!unusable"

_hasher = PasswordHasher()


@cache
def _made_up_hash() -> str:
    """A hash of no one's password, checked when no user has the name (to take as long)."""
    return _hasher.hash(secrets.token_urlsafe(16))


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


# ------------------------------------------------------------------------------- views


@dataclass(frozen=True, slots=True)
class UserView:
    """A user as shown: never their password or its hash."""

    name: str
    site_admin: bool
    created_at: datetime
    last_login_at: datetime | None
    #: Board name (as stored) → role, boards in the order they were created.
    roles: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "site_admin": self.site_admin,
            "roles": dict(self.roles),
            "created_at": _iso(self.created_at),
            "last_login_at": _iso(self.last_login_at),
        }


@dataclass(frozen=True, slots=True)
class TokenView:
    """A token as shown: never its secret."""

    id: int
    user: str
    label: str
    #: The boards it is limited to (as stored), or None when it names no board.
    boards: tuple[str, ...] | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "user": self.user,
            "label": self.label,
            "boards": list(self.boards) if self.boards is not None else None,
            "created_at": _iso(self.created_at),
            "last_used_at": _iso(self.last_used_at),
            "revoked_at": _iso(self.revoked_at),
            "revoked_by": self.revoked_by,
        }


def _token_view(token: StoredToken) -> TokenView:
    return TokenView(
        id=token.id,
        user=token.user,
        label=token.label,
        boards=token.boards,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
        revoked_by=token.revoked_by,
    )


# ------------------------------------------------------------------------------ lookups


def _known_user(uow: SqlUnitOfWork, name: str) -> StoredUser:
    stored = uow.accounts.user(name)
    if stored is None:
        shown = name.strip()
        raise NotFound(f"No user named {shown!r}: add one with pullflow user add {shown}.")
    return stored


def _known_board(uow: SqlUnitOfWork, name: str) -> tuple[int, str]:
    """The board's id and stored name (the refusal names no other board)."""
    found = uow.accounts.board(name)
    if found is None:
        raise NotFound(
            f"No board named {' '.join(name.split())!r}: check the name with pullflow board list."
        )
    return found


def _principal(
    uow: SqlUnitOfWork, user: StoredUser, token_boards: Sequence[str] | None
) -> Principal:
    memberships = uow.accounts.memberships([user.id]).get(user.id, [])
    return Principal(
        user=user.name,
        site_admin=user.site_admin,
        roles={membership.board: membership.role for membership in memberships},
        token_boards=None if token_boards is None else frozenset(token_boards),
    )


# ------------------------------------------------------------------------------ changes


def create_user(
    uow: SqlUnitOfWork,
    *,
    name: str,
    password: str | None,
    site_admin: bool = False,
    at: datetime,
) -> None:
    """Add a user with a password of at least 10 characters (kept as an argon2 hash).

    Without a password (None) the user cannot sign in with one: they use tokens or a
    one-time sign-in link instead.
    """
    cleaned = check_user_name(name)
    hashed = NO_PASSWORD if password is None else _hasher.hash(check_password(password))
    with uow:
        uow.accounts.add_user(name=cleaned, password_hash=hashed, site_admin=site_admin, at=at)
        uow.commit()


def grant(
    uow: SqlUnitOfWork, *, board: str, user: str, role: Role | None, at: datetime, by: str
) -> None:
    """Give the user ``role`` on the board, replacing any they had; None takes it away."""
    with uow:
        stored = _known_user(uow, user)
        board_id, _ = _known_board(uow, board)
        if role is None:
            uow.accounts.remove_role(user_id=stored.id, board_id=board_id)
        else:
            uow.accounts.set_role(
                user_id=stored.id, board_id=board_id, role=Role(role), at=at, by=by
            )
        uow.commit()


def revoke_role(uow: SqlUnitOfWork, *, board: str, user: str) -> None:
    """Take the user's role on the board away; refused when they hold none there."""
    with uow:
        stored = _known_user(uow, user)
        board_id, board_name = _known_board(uow, board)
        if not uow.accounts.remove_role(user_id=stored.id, board_id=board_id):
            raise NotFound(
                f"{stored.name} has no role on board {board_name}, so there is none to take "
                "away: see the board's members."
            )
        uow.commit()


def issue_token(
    uow: SqlUnitOfWork,
    *,
    user: str,
    boards: Sequence[str] | None,
    at: datetime,
    label: str = "",
) -> tuple[int, str]:
    """Make a token for the user; return its id and its secret, to be shown this once.

    With ``boards`` the token reaches those boards only (each one the user holds a role on);
    with None it reaches whatever the user may.
    """
    cleaned_label = check_label(label)
    if boards is not None and not boards:
        raise Invalid(
            "A token limited to boards needs at least one board: name one, or name none for a "
            "token that reaches every board its user may."
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    with uow:
        stored = _known_user(uow, user)
        scope = None if boards is None else _scope(uow, stored, boards)
        token_id = uow.accounts.add_token(
            user_id=stored.id, sha256=_digest(secret), boards=scope, label=cleaned_label, at=at
        )
        uow.commit()
    return token_id, secret


def _scope(uow: SqlUnitOfWork, user: StoredUser, boards: Sequence[str]) -> list[int]:
    """The ids of the boards a token is limited to, refusing one the user cannot read.

    A board that does not exist is refused in the same words as one the user has no role on.
    """
    held = {board_key(m.board) for m in uow.accounts.memberships([user.id]).get(user.id, [])}
    ids: list[int] = []
    for name in boards:
        found = uow.accounts.board(name)
        if found is None or not (user.site_admin or board_key(found[1]) in held):
            shown = " ".join(name.split())
            raise Forbidden(
                f"A token for {user.name} cannot reach board {shown!r}: {user.name} has no role "
                f"on a board of that name; grant one first with pullflow user grant."
            )
        if found[0] not in ids:
            ids.append(found[0])
    return ids


def revoke_token(uow: SqlUnitOfWork, *, token: int, by: str, at: datetime) -> None:
    """Revoke a token: it is refused from now on (revoking it again changes nothing)."""
    with uow:
        stored = uow.accounts.token(token) if abs(token) <= MAX_INTEGER else None
        if stored is None:
            raise NotFound(
                f"No token #{token}: see the tokens with pullflow token list --user NAME."
            )
        if stored.revoked_at is None:
            uow.accounts.revoke_token(stored.id, at=at, by=by)
        uow.commit()


# ---------------------------------------------------------------------------- who asks


def authenticate_password(
    uow: SqlUnitOfWork, *, name: str, password: str, at: datetime
) -> Principal:
    """The principal of a user signing in with their password, or ``Unauthorised``."""
    with uow.reading():
        stored = uow.accounts.user(name) if len(name) <= 100 else None
    if len(password) > MAX_PASSWORD:
        raise Unauthorised(WRONG_PASSWORD)
    if stored is None:
        _matches(_made_up_hash(), password)
        raise Unauthorised(WRONG_PASSWORD)
    if not _matches(stored.password_hash, password):
        raise Unauthorised(WRONG_PASSWORD)
    fresh = _hasher.hash(password) if _hasher.check_needs_rehash(stored.password_hash) else None
    with uow:
        # Read again under the write lock: the user may have gone in the meantime.
        current = uow.accounts.user(stored.name)
        if current is None:
            raise Unauthorised(WRONG_PASSWORD)
        uow.accounts.signed_in(current.id, at=at, password_hash=fresh)
        principal = _principal(uow, current, None)
        uow.commit()
    return principal


def authenticate_token(uow: SqlUnitOfWork, *, secret: str, at: datetime) -> Principal:
    """The principal behind a token, or ``Unauthorised`` for an unknown or revoked one.

    Using a token notes when it was last used (to the minute: a token used again within a
    minute writes nothing).
    """
    cleaned = secret.strip()
    if not cleaned.startswith(TOKEN_PREFIX) or len(cleaned) > MAX_SECRET:
        raise Unauthorised(BAD_TOKEN)
    with uow.reading():
        token = uow.accounts.token_by_hash(_digest(cleaned))
        if token is None or token.revoked_at is not None:
            raise Unauthorised(BAD_TOKEN)
        user = _known_user(uow, token.user)
        principal = _principal(uow, user, token.boards)
    if token.last_used_at is None or at - token.last_used_at >= LAST_USED_RESOLUTION:
        with uow:
            uow.accounts.token_used(token.id, at=at)
            uow.commit()
    return principal


def principal_of(uow: SqlUnitOfWork, *, user: str) -> Principal:
    """The principal of a user already signed in (the session is kept by the server)."""
    with uow.reading():
        stored = uow.accounts.user(user)
        if stored is None:
            raise Unauthorised("The signed-in user is not known any more: sign in again.")
        return _principal(uow, stored, None)


# ------------------------------------------------------------------------------- reads


def users(uow: SqlUnitOfWork) -> list[UserView]:
    """Every user with their roles, in the order they were added."""
    with uow.reading():
        stored = uow.accounts.users()
        roles = uow.accounts.memberships(user.id for user in stored)
    return [
        UserView(
            name=user.name,
            site_admin=user.site_admin,
            created_at=user.created_at,
            last_login_at=user.last_login_at,
            roles={m.board: m.role.value for m in roles.get(user.id, [])},
        )
        for user in stored
    ]


@dataclass(frozen=True, slots=True)
class MemberView:
    """A user's role on one board."""

    user: str
    role: str

    def to_json(self) -> dict[str, Any]:
        return {"user": self.user, "role": self.role}


def members(uow: SqlUnitOfWork, *, board: str) -> tuple[str, list[MemberView]]:
    """The board's name as stored and every user with a role on it, in the order added."""
    with uow.reading():
        _, name = _known_board(uow, board)
        stored = uow.accounts.users()
        roles = uow.accounts.memberships(user.id for user in stored)
    key = board_key(name)
    return name, [
        MemberView(user.name, membership.role.value)
        for user in stored
        for membership in roles.get(user.id, [])
        if board_key(membership.board) == key
    ]


def role_of(uow: SqlUnitOfWork, *, board: str, user: str) -> tuple[str, str, Role | None]:
    """The board's and the user's names as stored, and the user's role there (None: none)."""
    with uow.reading():
        stored = _known_user(uow, user)
        _, name = _known_board(uow, board)
        held = uow.accounts.memberships([stored.id]).get(stored.id, [])
    key = board_key(name)
    role = next((m.role for m in held if board_key(m.board) == key), None)
    return name, stored.name, role


def tokens(uow: SqlUnitOfWork, *, user: str) -> list[TokenView]:
    """The user's tokens, revoked ones included, oldest first (never their secrets)."""
    with uow.reading():
        stored = _known_user(uow, user)
        return [_token_view(token) for token in uow.accounts.tokens_of(stored.id)]


# -------------------------------------------------------------------- idempotent requests


def forget_responses(uow: SqlUnitOfWork, *, before: datetime) -> int:
    """Drop the responses to idempotent requests kept before ``before``; return how many went.

    (``pullflow.services.idempotency`` keeps and replays them.)
    """
    with uow:
        dropped = uow.accounts.forget_responses(before=before)
        uow.commit()
    return dropped

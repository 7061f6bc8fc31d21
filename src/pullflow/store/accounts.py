"""The accounts repository: users, roles on boards, API tokens, web sessions and responses.

Everything here is plain rows read and written in the unit of work's transaction; the rules
(who may do what, what a good name or password is) live in ``pullflow.domain.accounts`` and
the use cases in ``pullflow.services.accounts``. User names are looked up by their lower-case
key and board names whatever their case, as everywhere else.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Executable, Result, Row, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pullflow.domain.accounts import Role, board_key, user_key
from pullflow.domain.errors import AlreadyExists, Refused
from pullflow.store import tables

#: A row another change inserted at the same moment (the unit of work then rolls back).
COLLIDED = (
    "The change collided with another made at the same moment and was not saved: look again "
    "and retry."
)


@dataclass(frozen=True, slots=True)
class StoredUser:
    """A user as kept: the name as written, the password's argon2 hash, the site-admin flag."""

    id: int
    name: str
    password_hash: str
    site_admin: bool
    created_at: datetime
    last_login_at: datetime | None


@dataclass(frozen=True, slots=True)
class Membership:
    """A user's role on one board (the board's name as stored)."""

    board: str
    role: Role


@dataclass(frozen=True, slots=True)
class StoredToken:
    """A token as kept: never its secret, only the secret's SHA-256.

    ``boards`` holds the names of the boards it is limited to that still exist, or is None
    for a token that names no board.
    """

    id: int
    user_id: int
    user: str
    boards: tuple[str, ...] | None
    label: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None


@dataclass(frozen=True, slots=True)
class StoredSession:
    """A web session as kept: the secret's SHA-256 only, its user, and its CSRF token."""

    id: int
    user_id: int
    user: str
    csrf: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """The answer once given to a request made with an idempotency key."""

    method: str
    path: str
    status: int
    body: Any
    created_at: datetime


def _user(row: Row[Any]) -> StoredUser:
    return StoredUser(
        id=row.id,
        name=row.name,
        password_hash=row.password_hash,
        site_admin=bool(row.site_admin),
        created_at=row.created_at,
        last_login_at=row.last_login_at,
    )


class AccountRepository:
    """Users, memberships, tokens and idempotent responses, in one session's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _insert(self, statement: Executable, refusal: Refused) -> Result[Any]:
        """Run an INSERT, turning a unique key that refuses it into ``refusal``."""
        try:
            return self.session.execute(statement)
        except IntegrityError:
            raise refusal from None

    # ------------------------------------------------------------------------------ users

    def user(self, name: str) -> StoredUser | None:
        """The user of that name, whatever its case, or None."""
        users = tables.users.c
        row = self.session.execute(
            select(tables.users).where(users.name_key == user_key(name))
        ).first()
        return _user(row) if row is not None else None

    def users(self) -> list[StoredUser]:
        """Every user, in the order they were added."""
        rows = self.session.execute(select(tables.users).order_by(tables.users.c.id))
        return [_user(row) for row in rows]

    def add_user(self, *, name: str, password_hash: str, site_admin: bool, at: datetime) -> int:
        """Add a user, refusing a name another user has whatever its case; return its id.

        Two users added at the same moment under one name both pass this check; the unique
        key then refuses the second when it commits.
        """
        existing = self.user(name)
        if existing is not None:
            raise AlreadyExists(
                f"A user named {existing.name!r} already exists: choose another name."
            )
        statement = insert(tables.users).values(
            name=name,
            name_key=user_key(name),
            password_hash=password_hash,
            site_admin=site_admin,
            created_at=at,
        )
        taken = AlreadyExists(f"A user named {name!r} already exists: choose another name.")
        return int(self._insert(statement.returning(tables.users.c.id), taken).scalar_one())

    def signed_in(self, user_id: int, *, at: datetime, password_hash: str | None = None) -> None:
        """Note a sign-in, and store a fresh hash when the old one used weaker parameters."""
        values: dict[str, Any] = {"last_login_at": at}
        if password_hash is not None:
            values["password_hash"] = password_hash
        self.session.execute(
            update(tables.users).where(tables.users.c.id == user_id).values(**values)
        )

    # ------------------------------------------------------------------------ memberships

    def board(self, name: str) -> tuple[int, str] | None:
        """The id and stored name of the board so named, whatever its case, or None."""
        boards = tables.boards.c
        row = self.session.execute(
            select(boards.id, boards.name).where(func.lower(boards.name) == board_key(name))
        ).first()
        return (int(row.id), str(row.name)) if row is not None else None

    def memberships(self, user_ids: Iterable[int]) -> dict[int, list[Membership]]:
        """Each user's roles, by user id, boards in the order they were created."""
        wanted = list(user_ids)
        found: dict[int, list[Membership]] = defaultdict(list)
        if not wanted:
            return found
        members, boards = tables.memberships.c, tables.boards.c
        rows = self.session.execute(
            select(members.user_id, members.role, boards.name)
            .join(tables.boards, boards.id == members.board_id)
            .where(members.user_id.in_(wanted))
            .order_by(members.user_id, boards.id)
        )
        for row in rows:
            found[row.user_id].append(Membership(board=row.name, role=Role(row.role)))
        return found

    def set_role(self, *, user_id: int, board_id: int, role: Role, at: datetime, by: str) -> None:
        """Give the user this role on the board, replacing the one they had."""
        members = tables.memberships.c
        mine = (members.user_id == user_id) & (members.board_id == board_id)
        values = {"role": role, "granted_at": at, "granted_by": by}
        changed = self.session.execute(update(tables.memberships).where(mine).values(**values))
        if changed.rowcount == 0:  # type: ignore[attr-defined]
            added = insert(tables.memberships).values(user_id=user_id, board_id=board_id, **values)
            self._insert(added, Refused(COLLIDED))

    def remove_role(self, *, user_id: int, board_id: int) -> bool:
        """Take the user's role on the board away; return whether they held one."""
        members = tables.memberships.c
        removed = self.session.execute(
            delete(tables.memberships).where(
                (members.user_id == user_id) & (members.board_id == board_id)
            )
        )
        return bool(removed.rowcount)  # type: ignore[attr-defined]

    # ----------------------------------------------------------------------------- tokens

    def add_token(
        self,
        *,
        user_id: int,
        sha256: str,
        boards: Sequence[int] | None,
        label: str,
        at: datetime,
    ) -> int:
        """Keep a new token (its hash only) and return its id."""
        statement = insert(tables.tokens).values(
            user_id=user_id,
            sha256=sha256,
            boards=list(boards) if boards is not None else None,
            label=label,
            created_at=at,
        )
        added = self._insert(statement.returning(tables.tokens.c.id), Refused(COLLIDED))
        return int(added.scalar_one())

    def token_by_hash(self, sha256: str) -> StoredToken | None:
        found = self._tokens(tables.tokens.c.sha256 == sha256)
        return found[0] if found else None

    def token(self, token_id: int) -> StoredToken | None:
        found = self._tokens(tables.tokens.c.id == token_id)
        return found[0] if found else None

    def tokens_of(self, user_id: int) -> list[StoredToken]:
        """The user's tokens, revoked ones included, oldest first."""
        return self._tokens(tables.tokens.c.user_id == user_id)

    def token_used(self, token_id: int, *, at: datetime) -> None:
        self.session.execute(
            update(tables.tokens).where(tables.tokens.c.id == token_id).values(last_used_at=at)
        )

    def revoke_token(self, token_id: int, *, at: datetime, by: str) -> None:
        self.session.execute(
            update(tables.tokens)
            .where(tables.tokens.c.id == token_id)
            .values(revoked_at=at, revoked_by=by)
        )

    def _tokens(self, condition: Any) -> list[StoredToken]:
        tokens, users = tables.tokens.c, tables.users.c
        rows = list(
            self.session.execute(
                select(tables.tokens, users.name.label("user_name"))
                .join(tables.users, users.id == tokens.user_id)
                .where(condition)
                .order_by(tokens.id)
            )
        )
        names = self._board_names(
            board for row in rows if row.boards is not None for board in row.boards
        )
        return [
            StoredToken(
                id=row.id,
                user_id=row.user_id,
                user=row.user_name,
                boards=None
                if row.boards is None
                else tuple(names[board] for board in row.boards if board in names),
                label=row.label,
                created_at=row.created_at,
                last_used_at=row.last_used_at,
                revoked_at=row.revoked_at,
                revoked_by=row.revoked_by,
            )
            for row in rows
        ]

    def _board_names(self, ids: Iterable[int]) -> dict[int, str]:
        """The stored names of the boards with these ids (boards since deleted are left out)."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        boards = tables.boards.c
        rows = self.session.execute(select(boards.id, boards.name).where(boards.id.in_(wanted)))
        return {int(row.id): str(row.name) for row in rows}

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self.session.execute(
            update(tables.users)
            .where(tables.users.c.id == user_id)
            .values(password_hash=password_hash)
        )

    def has_site_admin(self) -> bool:
        """Whether any user is a site admin."""
        users = tables.users.c
        found = self.session.execute(select(users.id).where(users.site_admin).limit(1)).first()
        return found is not None

    # --------------------------------------------------------------------------- sessions

    def add_session(
        self, *, user_id: int, sha256: str, csrf: str, at: datetime, expires_at: datetime
    ) -> None:
        statement = insert(tables.sessions).values(
            sha256=sha256,
            user_id=user_id,
            csrf=csrf,
            created_at=at,
            last_seen_at=at,
            expires_at=expires_at,
        )
        self._insert(statement, Refused(COLLIDED))

    def session_by_hash(self, sha256: str) -> StoredSession | None:
        kept, users = tables.sessions.c, tables.users.c
        row = self.session.execute(
            select(tables.sessions, users.name.label("user_name"))
            .join(tables.users, users.id == kept.user_id)
            .where(kept.sha256 == sha256)
        ).first()
        if row is None:
            return None
        return StoredSession(
            id=row.id,
            user_id=row.user_id,
            user=row.user_name,
            csrf=row.csrf,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            expires_at=row.expires_at,
        )

    def session_seen(self, session_id: int, *, at: datetime, expires_at: datetime) -> None:
        self.session.execute(
            update(tables.sessions)
            .where(tables.sessions.c.id == session_id)
            .values(last_seen_at=at, expires_at=expires_at)
        )

    def end_session(self, sha256: str) -> None:
        self.session.execute(delete(tables.sessions).where(tables.sessions.c.sha256 == sha256))

    def end_sessions_of(self, user_id: int, *, keep: str | None = None) -> None:
        """End every session of the user, but the one whose hash is ``keep``."""
        kept = tables.sessions.c
        condition = kept.user_id == user_id
        if keep is not None:
            condition = condition & (kept.sha256 != keep)
        self.session.execute(delete(tables.sessions).where(condition))

    def forget_sessions(self, *, before: datetime) -> None:
        """Drop the sessions that expired before ``before``."""
        self.session.execute(delete(tables.sessions).where(tables.sessions.c.expires_at < before))

    # --------------------------------------------------------------------- sign-in links

    def add_link(self, *, user_id: int, sha256: str, expires_at: datetime) -> None:
        statement = insert(tables.sign_in_links).values(
            sha256=sha256, user_id=user_id, expires_at=expires_at
        )
        self._insert(statement, Refused(COLLIDED))

    def use_link(self, sha256: str, *, at: datetime) -> int | None:
        """Mark an unused, unexpired link used; return its user's id, or None.

        The update is guarded, so of two processes redeeming one link at once only one
        succeeds.
        """
        links = tables.sign_in_links.c
        row = self.session.execute(
            select(links.id, links.user_id).where(links.sha256 == sha256)
        ).first()
        if row is None:
            return None
        used = self.session.execute(
            update(tables.sign_in_links)
            .where((links.id == row.id) & links.used_at.is_(None) & (links.expires_at > at))
            .values(used_at=at)
        )
        return int(row.user_id) if used.rowcount == 1 else None  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ failed sign-ins

    def failures(self, key: str, *, since: datetime) -> int:
        """How many failed sign-ins were counted against ``key`` since ``since``."""
        tried = tables.sign_in_attempts.c
        counted = self.session.execute(
            select(func.count()).where((tried.key == key) & (tried.at >= since))
        ).scalar_one()
        return int(counted)

    def add_failures(self, keys: Iterable[str], *, at: datetime) -> None:
        rows = [{"key": key, "at": at} for key in keys]
        if rows:
            self.session.execute(insert(tables.sign_in_attempts), rows)

    def forget_failures(self, *, before: datetime) -> None:
        """Drop the failures counted before ``before`` (they no longer count)."""
        tried = tables.sign_in_attempts.c
        self.session.execute(delete(tables.sign_in_attempts).where(tried.at < before))

    def clear_failures(self, key: str) -> None:
        """Drop every failure counted against ``key`` (after a sign-in that succeeded)."""
        tried = tables.sign_in_attempts.c
        self.session.execute(delete(tables.sign_in_attempts).where(tried.key == key))

    # ------------------------------------------------------------------ idempotent requests

    def remembered(self, *, user_id: int, key: str) -> StoredResponse | None:
        """The response once given to the user's request with this idempotency key, or None."""
        kept = tables.idempotency.c
        row = self.session.execute(
            select(tables.idempotency).where((kept.user_id == user_id) & (kept.key == key))
        ).first()
        if row is None:
            return None
        return StoredResponse(
            method=row.method,
            path=row.path,
            status=row.status,
            body=row.body,
            created_at=row.created_at,
        )

    def remember(
        self,
        *,
        user_id: int,
        key: str,
        method: str,
        path: str,
        status: int,
        body: Any,
        at: datetime,
    ) -> None:
        """Keep a response under the user's idempotency key.

        A second response under the same user and key raises ``IntegrityError`` (the unique
        key refuses it), for the caller to tell a retry from a new request; the unit of work
        must then be left without committing, which rolls it back.
        """
        self.session.execute(
            insert(tables.idempotency).values(
                user_id=user_id,
                key=key,
                method=method,
                path=path,
                status=status,
                body=body,
                created_at=at,
            )
        )

    def forget_responses(self, *, before: datetime) -> int:
        """Drop the responses kept since before ``before``; return how many went."""
        result = self.session.execute(
            delete(tables.idempotency).where(tables.idempotency.c.created_at < before)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

"""Who may do what: user names, passwords, roles on boards, and the principal behind a request.

A user holds at most one role on each board. A *viewer* reads the board; a *member* also
changes work on it (every verb of the pull engine); an *admin* also changes its settings,
limits and memberships. A site admin may create users and boards and is an admin of every
board. A request is made by a ``Principal``: the user, their roles, and, when they came with
a token limited to some boards, that scope. Refusals name only the board that was asked for,
and say the same whether or not a board of that name exists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from pullflow.domain.errors import Forbidden, Invalid
from pullflow.domain.text import squeeze


class Role(StrEnum):
    """What a user may do on one board."""

    VIEWER = "viewer"  # reads the board
    MEMBER = "member"  # reads and changes work on it (every verb of the pull engine)
    ADMIN = "admin"  # and its settings, limits and memberships


#: What a request may want to do to a board, from the least to the most.
ACTIONS = ("read", "change", "admin")

#: The actions each role allows.
_ALLOWED: Mapping[Role, frozenset[str]] = {
    Role.VIEWER: frozenset({"read"}),
    Role.MEMBER: frozenset({"read", "change"}),
    Role.ADMIN: frozenset(ACTIONS),
}

#: The least role that allows each action.
_NEEDED = {"read": Role.VIEWER, "change": Role.MEMBER, "admin": Role.ADMIN}

#: Each action as a verb whose object is the board.
_VERBS = {"read": "read", "change": "change work on", "admin": "manage"}

#: Written for a role to say "no role" (revoking one).
NO_ROLE = "none"

MAX_USER_NAME = 40
_USER_NAME = re.compile(rf"[A-Za-z0-9._-]{{1,{MAX_USER_NAME}}}")

MIN_PASSWORD = 10
#: Longer passwords are refused so that hashing one stays cheap.
MAX_PASSWORD = 1024

MAX_LABEL = 100


def check_action(action: str) -> str:
    """The action if it is one of ``ACTIONS``, else a refusal naming them."""
    if action not in _NEEDED:
        raise Invalid(f"Unknown action {action!r}: choose one of {', '.join(ACTIONS)}.")
    return action


def allows(role: Role, action: str) -> bool:
    """Whether ``role`` lets its holder do ``action`` (read, change or admin) on its board."""
    return check_action(action) in _ALLOWED[role]


def parse_role(text: str) -> Role | None:
    """Read a role: viewer, member or admin, whatever their case; ``none`` for no role."""
    cleaned = squeeze(text).lower()
    if cleaned == NO_ROLE:
        return None
    try:
        return Role(cleaned)
    except ValueError:
        choices = ", ".join([*(role.value for role in Role), NO_ROLE])
        raise Invalid(f"Unknown role {text!r}: choose one of {choices}.") from None


def check_user_name(name: str) -> str:
    """A user name of 1 to 40 letters, digits, dots, underscores and hyphens (ends trimmed)."""
    cleaned = name.strip()
    if not _USER_NAME.fullmatch(cleaned):
        raise Invalid(
            f"User name {cleaned[:MAX_USER_NAME]!r} was refused: use 1 to {MAX_USER_NAME} "
            "letters (a-z, A-Z), digits, dots, underscores or hyphens."
        )
    return cleaned


def user_key(name: str) -> str:
    """What a user name is looked up by: user names match whatever their case."""
    return name.strip().lower()


def board_key(name: str) -> str:
    """What a board name is looked up by: board names match whatever their case."""
    return squeeze(name).lower()


def check_password(password: str) -> str:
    """The password if it is 10 to 1,024 characters long (kept exactly as typed)."""
    if len(password) < MIN_PASSWORD:
        raise Invalid(
            f"The password was refused: it has {len(password)} characters and needs at least "
            f"{MIN_PASSWORD}; choose a longer one."
        )
    if len(password) > MAX_PASSWORD:
        raise Invalid(
            f"The password was refused: it is longer than {MAX_PASSWORD:,} characters; "
            "choose a shorter one."
        )
    return password


def check_label(label: str) -> str:
    """A token's label: free text of at most 100 characters (may be empty)."""
    cleaned = squeeze(label)
    if len(cleaned) > MAX_LABEL:
        raise Invalid(
            f"The token label {cleaned[:20]!r}… was refused: keep it under {MAX_LABEL} characters."
        )
    return cleaned


def _frozen_roles(roles: Mapping[str, Role | str]) -> Mapping[str, Role]:
    return MappingProxyType({board_key(board): Role(role) for board, role in roles.items()})


def _frozen_scope(boards: Iterable[str] | None) -> frozenset[str] | None:
    return None if boards is None else frozenset(board_key(board) for board in boards)


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user, their roles on boards, and the scope of the token they used.

    Board names in ``roles`` and ``token_boards`` are kept in lower case (they are lowered
    on the way in); ``token_boards`` is None when no token limits the request.
    """

    user: str
    site_admin: bool
    roles: Mapping[str, Role] = field(default_factory=dict)
    token_boards: frozenset[str] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", _frozen_roles(self.roles))
        object.__setattr__(self, "token_boards", _frozen_scope(self.token_boards))

    def covers(self, board: str) -> bool:
        """Whether the token used (if any) reaches the board."""
        return self.token_boards is None or board_key(board) in self.token_boards

    def role_on(self, board: str) -> Role | None:
        """The role on the board: None when there is none, or the board is outside the token."""
        if not self.covers(board):
            return None
        if self.site_admin:
            return Role.ADMIN
        return self.roles.get(board_key(board))

    def may(self, board: str, action: str) -> bool:
        """Whether the principal may do ``action`` (read, change or admin) on the board."""
        check_action(action)
        role = self.role_on(board)
        return role is not None and allows(role, action)

    def require(self, board: str, action: str) -> None:
        """Refuse with ``Forbidden`` unless the principal may do ``action`` on the board."""
        if self.may(board, action):
            return
        shown = squeeze(board)
        verb = _VERBS[action]
        if not self.covers(board):
            raise Forbidden(
                f"You may not {verb} board {shown!r} with this token: it does not cover that "
                "board; use a token issued for it, or one that names no board."
            )
        role = self.role_on(board)
        if role is None:
            raise Forbidden(
                f"You may not {verb} board {shown!r}: you have no role on a board of that name; "
                "ask an admin of the board to grant you one."
            )
        raise Forbidden(
            f"You may not {verb} board {shown!r}: you are a {role.value} there, and that takes "
            f"the {_NEEDED[action].value} role; ask an admin of the board for it."
        )

    def require_site_admin(self, doing: str) -> None:
        """Refuse with ``Forbidden`` unless a site admin asks, with a token naming no board.

        ``doing`` completes "Only a site admin may …", as in ``create users``.
        """
        if not self.site_admin:
            raise Forbidden(f"Only a site admin may {doing}: ask one to do it for you.")
        if self.token_boards is not None:
            raise Forbidden(
                f"A token limited to some boards may not {doing}: use a token that names no "
                "board, or sign in with your password."
            )

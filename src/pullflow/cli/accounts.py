"""``pullflow user`` and ``pullflow token``: the team server's users, their roles and tokens.

Whoever can open the database may run these (they are how the first site admin is made);
the server itself checks roles on every request, and through it (``--server``) they run with
the token's user's rights: a token made there is that user's. A token's secret is printed
once, alone on standard output so that a script can capture it, with a sentence on standard
error saying that it will not be shown again.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pullflow.cli import render
from pullflow.cli.backend import connect
from pullflow.cli.context import Actor, BoardName, Db, Json, Server, number
from pullflow.services import Invalid
from pullflow.services.accounts import TokenView, UserView, parse_role

user_app = typer.Typer(
    help="Add users, list them, and grant them roles on boards.", no_args_is_help=True
)
token_app = typer.Typer(help="Create, list and revoke API tokens.", no_args_is_help=True)

#: --board of ``token create``: repeatable, and never taken from PULLFLOW_BOARD (a token
#: should not be limited by a setting the one creating it may have forgotten).
TokenBoards = Annotated[
    list[str] | None,
    typer.Option(
        "--board",
        "-b",
        metavar="NAME",
        help="A board the token is limited to (repeatable); without it the token reaches every "
        "board its user may.",
    ),
]


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if moment is not None else ""


def _password(from_stdin: bool, from_file: Path | None = None) -> str:
    """The new user's password: from a file, from standard input, or typed twice, hidden."""
    if from_file is not None:
        try:
            lines = from_file.read_text(encoding="utf-8").splitlines()
        except OSError as error:
            raise Invalid(
                f"{from_file} could not be read ({error.strerror or error}), so no user was "
                "added: give a file whose first line is the password."
            ) from None
        return lines[0] if lines else ""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first: str = typer.prompt("Password", hide_input=True)
    second: str = typer.prompt("Password again", hide_input=True)
    if first != second:
        raise Invalid(
            "The two passwords differ, so no user was added: run the command again and type "
            "the same password twice."
        )
    return first


# -------------------------------------------------------------------------------- users


@user_app.command("add")
def add_user(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The user's name.")],
    admin: Annotated[
        bool, typer.Option("--admin", help="A site admin: adds users and boards, admin of all.")
    ] = False,
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from standard input (one line)."),
    ] = False,
    password_file: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="Read the password from the first line of FILE."),
    ] = None,
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Add a user with a password of at least 10 characters (asked for twice, unless piped)."""
    backend = connect(db, as_, server)
    password = _password(password_stdin, password_file)
    backend.create_user(name=name, password=password, site_admin=admin)
    kind = "site admin" if admin else "user"
    render.say(f"Added {kind} {name.strip()}.")


@user_app.command("list")
def list_users(
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
    json: Json = False,
) -> None:
    """List the users and their roles (with --board, those who hold a role on that board)."""
    found = connect(db, as_, server).users()
    if board is not None:
        found = [view for view in found if view.site_admin or _role_on(view, board)]
    if json:
        render.print_json([view.to_json() for view in found])
        return
    if not found:
        render.say("No users yet: add one with pullflow user add NAME --admin.")
        return
    render.out.print(_users_table(found))


def _role_on(view: UserView, board: str) -> str | None:
    wanted = " ".join(board.split()).lower()
    return next((role for name, role in view.roles.items() if name.lower() == wanted), None)


def _users_table(found: list[UserView]) -> Table:
    table = Table(show_edge=False, pad_edge=False, expand=False)
    for heading in ("user", "site admin", "created (UTC)", "last sign-in (UTC)"):
        table.add_column(heading, no_wrap=True)
    table.add_column("roles", overflow="fold")
    for view in found:
        roles = ", ".join(f"{board}: {role}" for board, role in view.roles.items())
        table.add_row(
            view.name,
            "yes" if view.site_admin else "",
            _when(view.created_at),
            _when(view.last_login_at),
            roles,
        )
    return table


@user_app.command("grant")
def grant_role(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The user.")],
    role: Annotated[
        str, typer.Argument(metavar="ROLE", help="viewer, member, admin, or none to take it away.")
    ],
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Give a user a role on the board named by --board (none takes their role away)."""
    chosen = parse_role(role)
    if board is None:
        raise Invalid(
            f"No board was named for the role: write pullflow user grant {name} {role} "
            "--board BOARD."
        )
    connect(db, as_, server).grant(board=board, user=name, role=chosen)
    shown_board = " ".join(board.split())
    if chosen is None:
        render.say(f"{name.strip()} now has no role on board {shown_board}.")
    else:
        article = "an" if chosen.value[0] in "aeiou" else "a"
        render.say(f"{name.strip()} is now {article} {chosen.value} of board {shown_board}.")


# ------------------------------------------------------------------------------- tokens


@token_app.command("create")
def create_token(
    user: Annotated[str, typer.Option("--user", metavar="NAME", help="Whose token it is.")],
    label: Annotated[
        str, typer.Option(metavar="TEXT", help="What the token is for, to know it again.")
    ] = "",
    db: Db = None,
    server: Server = None,
    board: TokenBoards = None,
    as_: Actor = None,
) -> None:
    """Create an API token for a user and print its secret, this once."""
    token_id, secret = connect(db, as_, server).issue_token(
        user=user, boards=board or None, label=label
    )
    print(secret)
    scope = f"boards {', '.join(board)}" if board else "every board the user may"
    render.err.print(
        f"Created token #{token_id} for {user.strip()}, reaching {scope}: copy its secret now, "
        "as it will not be shown again.",
        markup=False,
        soft_wrap=True,
    )


@token_app.command("list")
def list_tokens(
    user: Annotated[str, typer.Option("--user", metavar="NAME", help="Whose tokens to list.")],
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
    json: Json = False,
) -> None:
    """List a user's tokens, revoked ones too (with --board, those that reach that board)."""
    found = connect(db, as_, server).tokens(user=user)
    if board is not None:
        wanted = " ".join(board.split()).lower()
        found = [
            view
            for view in found
            if view.boards is None or wanted in {name.lower() for name in view.boards}
        ]
    if json:
        render.print_json([view.to_json() for view in found])
        return
    if not found:
        render.say(f"No tokens: create one with pullflow token create --user {user.strip()}.")
        return
    render.out.print(_tokens_table(found))


def _tokens_table(found: list[TokenView]) -> Table:
    table = Table(show_edge=False, pad_edge=False, expand=False)
    for heading in ("#", "created (UTC)", "last used (UTC)", "revoked (UTC)"):
        table.add_column(heading, no_wrap=True)
    for heading in ("boards", "label"):
        table.add_column(heading, overflow="fold")
    for view in found:
        table.add_row(
            str(view.id),
            _when(view.created_at),
            _when(view.last_used_at),
            _when(view.revoked_at),
            ", ".join(view.boards) if view.boards is not None else "all",
            view.label,
        )
    return table


@token_app.command("revoke")
def revoke(
    token: Annotated[str, typer.Argument(metavar="ID", help="The token's number.")],
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Revoke a token: every request with it is refused from now on."""
    token_id = number(token, "Token")
    connect(db, as_, server).revoke_token(token=token_id)
    render.say(f"Token #{token_id} is revoked.")

"""``pullflow user`` and ``pullflow token``: adding users, granting roles, making tokens."""

from __future__ import annotations

import io
import sys
from typing import Any

import pytest
import typer

from pullflow.services.accounts import Role, authenticate_password, authenticate_token
from pullflow.services.unit import open_store
from tests.cli.helpers import Cli, sqlite_only
from tests.conftest import START

PASSWORD = "correct horse battery"


def add(runner: Cli, monkeypatch: pytest.MonkeyPatch, name: str, *options: str) -> Any:
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    return runner.ok("user", "add", name, "--password-stdin", *options)


@pytest.fixture
def team(bml: Cli, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """Board main (from init); root, a site admin; ana, a member of main."""
    add(bml, monkeypatch, "root", "--admin")
    add(bml, monkeypatch, "ana")
    bml.ok("user", "grant", "ana", "member", "--board", "main")
    return bml


# ---------------------------------------------------------------------------- users


def test_a_user_is_added_with_a_password_from_standard_input(
    bml: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert add(bml, monkeypatch, "root", "--admin").text == "Added site admin root."
    assert add(bml, monkeypatch, "Ana").text == "Added user Ana."
    listed = bml.json("user", "list")
    assert [(u["name"], u["site_admin"], u["roles"]) for u in listed] == [
        ("root", True, {}),
        ("Ana", False, {}),
    ]
    assert listed[0]["created_at"] == START.isoformat()
    store = open_store(bml.url)
    try:
        principal = authenticate_password(
            store.unit_of_work(), name="ana", password=PASSWORD, at=START
        )
    finally:
        store.close()
    assert (principal.user, principal.site_admin) == ("Ana", False)


def test_a_typed_password_is_asked_for_twice_and_hidden(
    bml: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[str, bool]] = []
    answers = iter([PASSWORD, PASSWORD, PASSWORD, "something else entirely"])

    def prompt(text: str, hide_input: bool = False, **_: Any) -> str:
        asked.append((text, hide_input))
        return next(answers)

    monkeypatch.setattr(typer, "prompt", prompt)
    assert bml.ok("user", "add", "ana").text == "Added user ana."
    assert asked == [("Password", True), ("Password again", True)]
    refused = bml.fails(2, "user", "add", "bo")
    assert refused.error == (
        "The two passwords differ, so no user was added: run the command again and type the "
        "same password twice."
    )
    assert [u["name"] for u in bml.json("user", "list")] == ["ana"]


@sqlite_only
def test_a_short_password_or_a_taken_name_is_refused_in_one_sentence(
    bml: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("too short\n"))
    refused = bml.fails(2, "user", "add", "ana", "--password-stdin")
    assert refused.error == (
        "The password was refused: it has 9 characters and needs at least 10; choose a longer one."
    )
    add(bml, monkeypatch, "ana")
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    taken = bml.fails(1, "user", "add", "ANA", "--password-stdin")
    assert taken.error == "A user named 'ana' already exists: choose another name."
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    bad = bml.fails(2, "user", "add", "ana smith", "--password-stdin")
    assert bad.error.startswith("User name 'ana smith' was refused: use 1 to 40 letters")


@sqlite_only
def test_the_user_table_shows_names_admins_and_roles(team: Cli) -> None:
    lines = team.ok("user", "list").out.splitlines()
    assert lines[0].split() == ["user", "┃", "site", "admin", "┃", "created", "(UTC)", "┃",
                                "last", "sign-in", "(UTC)", "┃", "roles"]  # fmt: skip
    rows = [[cell.strip() for cell in line.split("│")] for line in lines[2:]]
    assert rows == [
        ["root", "yes", "2026-11-02 09:00", "", ""],
        ["ana", "", "2026-11-02 09:00", "", "main: member"],
    ]


@sqlite_only
def test_with_no_users_the_list_says_how_to_add_one(bml: Cli) -> None:
    assert bml.ok("user", "list").text == (
        "No users yet: add one with pullflow user add NAME --admin."
    )
    assert bml.json("user", "list") == []


# ---------------------------------------------------------------------------- roles


def test_a_role_is_granted_replaced_and_taken_away(team: Cli) -> None:
    assert team.ok("user", "grant", "ANA", "Admin", "--board", "MAIN").text == (
        "ANA is now an admin of board MAIN."
    )
    assert team.json("user", "list")[1]["roles"] == {"main": "admin"}
    assert team.ok("user", "grant", "ana", "viewer", "-b", "main").text == (
        "ana is now a viewer of board main."
    )
    assert team.json("user", "list")[1]["roles"] == {"main": "viewer"}
    assert team.ok("user", "grant", "ana", "none", "--board", "main").text == (
        "ana now has no role on board main."
    )
    assert team.json("user", "list")[1]["roles"] == {}


def test_with_board_the_list_shows_who_holds_a_role_there(team: Cli) -> None:
    team.ok("board", "create", "ops", "--stages", "Options,Build:2,Done")
    # root is a site admin (admin of every board); ana holds a role on main only.
    assert [u["name"] for u in team.json("user", "list", "--board", "main")] == ["root", "ana"]
    assert [u["name"] for u in team.json("user", "list", "--board", "OPS")] == ["root"]


@sqlite_only
def test_a_grant_names_a_known_board_a_known_user_and_a_role(team: Cli) -> None:
    unknown_board = team.fails(2, "user", "grant", "ana", "viewer", "--board", "web")
    assert unknown_board.error == "No board named 'web': check the name with pullflow board list."
    unknown_user = team.fails(2, "user", "grant", "cy", "viewer", "--board", "main")
    assert unknown_user.error == "No user named 'cy': add one with pullflow user add cy."
    no_board = team.fails(2, "user", "grant", "ana", "viewer")
    assert no_board.error == (
        "No board was named for the role: write pullflow user grant ana viewer --board BOARD."
    )
    bad_role = team.fails(2, "user", "grant", "ana", "owner", "--board", "main")
    assert bad_role.error == "Unknown role 'owner': choose one of viewer, member, admin, none."
    assert team.json("user", "list")[1]["roles"] == {"main": "member"}


# --------------------------------------------------------------------------- tokens


def test_a_token_secret_is_printed_once_alone_on_standard_output(team: Cli) -> None:
    made = team.ok("token", "create", "--user", "ana", "--board", "main", "--label", "ci")
    secret = made.out.strip()
    assert made.out == secret + "\n"
    assert secret.startswith("pf_")
    assert len(secret) == 46
    assert made.error == (
        "Created token #1 for ana, reaching boards main: copy its secret now, as it will not be "
        "shown again."
    )
    [listed] = team.json("token", "list", "--user", "ana")
    assert listed == {
        "id": 1,
        "user": "ana",
        "label": "ci",
        "boards": ["main"],
        "created_at": START.isoformat(),
        "last_used_at": None,
        "revoked_at": None,
        "revoked_by": None,
    }
    assert secret not in team.ok("token", "list", "--user", "ana").out
    store = open_store(team.url)
    try:
        principal = authenticate_token(store.unit_of_work(), secret=secret, at=START)
    finally:
        store.close()
    assert (principal.user, principal.role_on("main"), principal.token_boards) == (
        "ana",
        Role.MEMBER,
        frozenset({"main"}),
    )


def test_a_token_names_no_board_unless_told_even_with_pullflow_board_set(
    team: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULLFLOW_BOARD", "main")
    made = team.ok("token", "create", "--user", "root")
    assert "reaching every board the user may" in made.error
    assert team.json("token", "list", "--user", "root")[0]["boards"] is None


def test_a_revoked_token_is_refused_and_listed_as_revoked(team: Cli) -> None:
    secret = team.ok("token", "create", "--user", "ana").out.strip()
    team.at("2026-11-03T10:00:00+00:00")
    assert team.ok("token", "revoke", "#1", "--as", "root").text == "Token #1 is revoked."
    [listed] = team.json("token", "list", "--user", "ana")
    assert (listed["revoked_at"], listed["revoked_by"]) == ("2026-11-03T10:00:00+00:00", "root")
    table = team.ok("token", "list", "--user", "ana").out.splitlines()
    assert [cell.strip() for cell in table[2].split("│")] == [
        "1",
        "2026-11-02 09:00",
        "",
        "2026-11-03 10:00",
        "all",
        "",
    ]
    store = open_store(team.url)
    try:
        from pullflow.services.accounts import Unauthorised

        with pytest.raises(Unauthorised, match="unknown or was revoked"):
            authenticate_token(store.unit_of_work(), secret=secret, at=START)
    finally:
        store.close()


@sqlite_only
def test_token_refusals_are_one_sentence(team: Cli) -> None:
    assert team.fails(2, "token", "revoke", "9").error == (
        "No token #9: see the tokens with pullflow token list --user NAME."
    )
    assert team.fails(2, "token", "revoke", "nine").error == (
        "Token 'nine' was not understood: write its number, such as 3."
    )
    assert team.fails(2, "token", "create", "--user", "cy").error == (
        "No user named 'cy': add one with pullflow user add cy."
    )
    team.ok("board", "create", "ops", "--stages", "Options,Build:2,Done")
    scope = team.fails(2, "token", "create", "--user", "ana", "--board", "ops", board="main")
    assert scope.error == (
        "A token for ana cannot reach board 'ops': ana has no role on a board of that name; "
        "grant one first with pullflow user grant."
    )
    unknown = team.fails(2, "token", "list", "--user", "cy", board="main")
    assert unknown.error.startswith("No user named 'cy'")
    assert team.ok("token", "list", "--user", "ana").text == (
        "No tokens: create one with pullflow token create --user ana."
    )


def test_with_board_the_token_list_shows_those_that_reach_it(team: Cli) -> None:
    team.ok("board", "create", "ops", "--stages", "Options,Build:2,Done")
    team.ok("token", "create", "--user", "root", "--board", "ops")
    team.ok("token", "create", "--user", "root")
    # #1 reaches ops only; #2 names no board, so it reaches main too.
    assert [t["id"] for t in team.json("token", "list", "--user", "root", "-b", "Main")] == [2]
    assert [t["id"] for t in team.json("token", "list", "--user", "root", "-b", "ops")] == [1, 2]


@sqlite_only
def test_a_password_can_come_from_the_first_line_of_a_file(bml: Cli, tmp_path: Any) -> None:
    secret = tmp_path / "password.txt"
    secret.write_text(PASSWORD + "\nanything after the first line\n", encoding="utf-8")
    assert bml.ok("user", "add", "bo", "--password-file", str(secret)).text == "Added user bo."
    store = open_store(bml.url)
    try:
        principal = authenticate_password(
            store.unit_of_work(), name="bo", password=PASSWORD, at=START
        )
    finally:
        store.close()
    assert principal.user == "bo"
    missing = bml.fails(2, "user", "add", "cy", "--password-file", str(tmp_path / "none.txt"))
    assert "could not be read" in missing.error

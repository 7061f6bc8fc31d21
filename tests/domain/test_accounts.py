"""Roles, the principal behind a request, and the rules for names, passwords and labels."""

from __future__ import annotations

import pytest

from pullflow.domain.accounts import (
    ACTIONS,
    Principal,
    Role,
    allows,
    check_label,
    check_password,
    check_user_name,
    parse_role,
)
from pullflow.domain.errors import DomainError, Forbidden, Invalid, Refused, Unauthorised


def test_each_role_allows_what_it_says_and_nothing_more() -> None:
    # viewer: read; member: read + change; admin: read + change + admin.
    table = {role: [action for action in ACTIONS if allows(role, action)] for role in Role}
    assert table == {
        Role.VIEWER: ["read"],
        Role.MEMBER: ["read", "change"],
        Role.ADMIN: ["read", "change", "admin"],
    }


def test_an_unknown_action_is_refused_rather_than_allowed() -> None:
    with pytest.raises(Invalid, match="Unknown action 'delete': choose one of read, change, admin"):
        allows(Role.ADMIN, "delete")
    with pytest.raises(Invalid, match="Unknown action"):
        Principal(user="ana", site_admin=True).require("main", "delete")


def test_roles_are_read_whatever_their_case_and_none_takes_a_role_away() -> None:
    assert [parse_role(text) for text in ("viewer", " Member ", "ADMIN", "none")] == [
        Role.VIEWER,
        Role.MEMBER,
        Role.ADMIN,
        None,
    ]
    with pytest.raises(Invalid) as refused:
        parse_role("owner")
    assert refused.value.message == (
        "Unknown role 'owner': choose one of viewer, member, admin, none."
    )


def test_the_two_new_refusals_are_domain_errors_of_their_own() -> None:
    for kind in (Unauthorised, Forbidden):
        assert issubclass(kind, DomainError)
        assert not issubclass(kind, (Refused, Invalid))


def test_a_principal_holds_its_roles_per_board_whatever_the_case() -> None:
    bo = Principal(user="bo", site_admin=False, roles={"Main": Role.MEMBER, "ops": Role.VIEWER})
    assert dict(bo.roles) == {"main": Role.MEMBER, "ops": Role.VIEWER}
    assert (bo.role_on("MAIN"), bo.role_on(" ops "), bo.role_on("web")) == (
        Role.MEMBER,
        Role.VIEWER,
        None,
    )
    bo.require("main", "change")
    bo.require("Ops", "read")


def test_a_site_admin_is_an_admin_of_every_board_even_without_a_membership() -> None:
    root = Principal(user="root", site_admin=True, roles={"main": Role.VIEWER})
    assert root.role_on("main") is Role.ADMIN
    assert root.role_on("a board that may not exist") is Role.ADMIN
    root.require("anything", "admin")
    root.require_site_admin("create users")


def test_a_token_limits_the_principal_to_its_boards() -> None:
    scoped = Principal(
        user="bo",
        site_admin=False,
        roles={"main": Role.ADMIN, "ops": Role.ADMIN},
        token_boards=frozenset({"MAIN"}),
    )
    assert scoped.token_boards == frozenset({"main"})
    assert (scoped.role_on("Main"), scoped.role_on("ops")) == (Role.ADMIN, None)
    admin_scoped = Principal(user="root", site_admin=True, token_boards=frozenset({"main"}))
    # A site admin with a scoped token: admin inside the scope, nothing outside it.
    assert (admin_scoped.role_on("main"), admin_scoped.role_on("ops")) == (Role.ADMIN, None)


def _refusal(principal: Principal, board: str, action: str) -> str:
    with pytest.raises(Forbidden) as refused:
        principal.require(board, action)
    return refused.value.message


def test_a_refusal_is_one_sentence_naming_only_the_board_asked_for() -> None:
    bo = Principal(user="bo", site_admin=False, roles={"main": Role.VIEWER, "secret": Role.ADMIN})
    assert _refusal(bo, "main", "change") == (
        "You may not change work on board 'main': you are a viewer there, and that takes the "
        "member role; ask an admin of the board for it."
    )
    member = Principal(user="cy", site_admin=False, roles={"main": Role.MEMBER})
    assert _refusal(member, "Main", "admin") == (
        "You may not manage board 'Main': you are a member there, and that takes the admin "
        "role; ask an admin of the board for it."
    )
    for message in (_refusal(bo, "ops", "read"), _refusal(member, "ops", "read")):
        assert "secret" not in message
        assert "main" not in message.lower()
        assert message.count(".") == 1
        assert message.endswith(".")


def test_a_board_without_a_role_is_refused_the_same_whether_or_not_it_exists() -> None:
    """The principal cannot tell the two apart, so neither can its refusal."""
    cy = Principal(user="cy", site_admin=False, roles={})
    assert _refusal(cy, "ops", "read") == (
        "You may not read board 'ops': you have no role on a board of that name; ask an admin "
        "of the board to grant you one."
    )


def test_a_board_outside_the_token_is_refused_by_the_token() -> None:
    scoped = Principal(
        user="bo", site_admin=False, roles={"ops": Role.ADMIN}, token_boards=frozenset({"main"})
    )
    assert _refusal(scoped, "ops", "read") == (
        "You may not read board 'ops' with this token: it does not cover that board; use a "
        "token issued for it, or one that names no board."
    )


def test_only_a_site_admin_with_an_unlimited_token_may_do_what_site_admins_do() -> None:
    with pytest.raises(Forbidden) as refused:
        Principal(user="bo", site_admin=False).require_site_admin("create users")
    assert refused.value.message == "Only a site admin may create users: ask one to do it for you."
    scoped = Principal(user="root", site_admin=True, token_boards=frozenset({"main"}))
    with pytest.raises(Forbidden, match="A token limited to some boards may not create boards"):
        scoped.require_site_admin("create boards")


def test_a_principal_cannot_be_changed_after_it_is_made() -> None:
    bo = Principal(user="bo", site_admin=False, roles={"main": Role.VIEWER})
    with pytest.raises(TypeError):
        bo.roles["main"] = Role.ADMIN  # type: ignore[index]
    with pytest.raises(AttributeError):
        bo.site_admin = True  # type: ignore[misc]


@pytest.mark.parametrize("name", ["a", "ana", "Ana.Lopez", "bo_2", "x-y", "a" * 40])
def test_user_names_of_letters_digits_dots_underscores_and_hyphens_are_taken(name: str) -> None:
    assert check_user_name(f" {name} ") == name


@pytest.mark.parametrize("name", ["", "   ", "a" * 41, "ana lopez", "ana@example", "josé", "a/b"])
def test_other_user_names_are_refused_with_what_to_do(name: str) -> None:
    with pytest.raises(Invalid) as refused:
        check_user_name(name)
    assert refused.value.message.endswith(
        "was refused: use 1 to 40 letters (a-z, A-Z), digits, dots, underscores or hyphens."
    )


def test_a_password_needs_ten_characters_and_is_kept_exactly_as_typed() -> None:
    assert check_password(" 123456789") == " 123456789"  # the space counts: 10 characters
    with pytest.raises(Invalid) as refused:
        check_password("123456789")
    assert refused.value.message == (
        "The password was refused: it has 9 characters and needs at least 10; choose a longer one."
    )
    with pytest.raises(Invalid, match="longer than 1,024 characters"):
        check_password("x" * 1025)


def test_a_token_label_is_squeezed_and_kept_short() -> None:
    assert check_label("  ci   deploys ") == "ci deploys"
    assert check_label("") == ""
    with pytest.raises(Invalid, match="keep it under 100 characters"):
        check_label("x" * 101)

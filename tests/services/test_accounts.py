"""Users, roles, tokens and signing in, through the real unit of work on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

import pullflow.services.accounts as accounts
from pullflow.domain.errors import AlreadyExists, Forbidden, Invalid, NotFound
from pullflow.services import SqlUnitOfWork, Store
from pullflow.services.accounts import (
    BAD_TOKEN,
    WRONG_PASSWORD,
    Principal,
    Role,
    Unauthorised,
    authenticate_password,
    authenticate_token,
    create_user,
    forget_responses,
    grant,
    issue_token,
    principal_of,
    revoke_token,
    tokens,
    users,
)
from pullflow.services.boards import create_board
from pullflow.store import tables
from tests.conftest import Clock

UowFactory = Callable[[], SqlUnitOfWork]

PASSWORD = "correct horse battery"


def _rows(store: Store, table: Any) -> list[dict[str, Any]]:
    with store.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(select(table))]


def _boards(uow: UowFactory, clock: Clock, *names: str) -> None:
    for name in names:
        create_board(uow(), name=name, stages="Options,Build:2,Done", actor="root", at=clock())


@pytest.fixture
def team(uow: UowFactory, clock: Clock) -> UowFactory:
    """Boards Main and Ops; root (site admin), ana (member of Main) and bo (no role)."""
    _boards(uow, clock, "Main", "Ops")
    create_user(uow(), name="root", password=PASSWORD, site_admin=True, at=clock())
    create_user(uow(), name="Ana", password=PASSWORD, at=clock())
    create_user(uow(), name="bo", password=PASSWORD, at=clock())
    grant(uow(), board="main", user="ana", role=Role.MEMBER, at=clock(), by="root")
    return uow


# ------------------------------------------------------------------------- users


def test_a_password_is_kept_as_an_argon2_hash_only(
    store: Store, uow: UowFactory, clock: Clock
) -> None:
    create_user(uow(), name="Ana", password=PASSWORD, at=clock())
    [row] = _rows(store, tables.users)
    assert (row["name"], row["name_key"], row["site_admin"]) == ("Ana", "ana", False)
    assert row["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in " ".join(str(value) for value in row.values())
    assert PasswordHasher().verify(row["password_hash"], PASSWORD)


def test_user_names_are_unique_whatever_their_case(uow: UowFactory, clock: Clock) -> None:
    create_user(uow(), name="Ana", password=PASSWORD, at=clock())
    with pytest.raises(AlreadyExists) as refused:
        create_user(uow(), name="ANA", password=PASSWORD, at=clock())
    assert refused.value.message == "A user named 'Ana' already exists: choose another name."
    assert [view.name for view in users(uow())] == ["Ana"]


def test_a_bad_name_or_short_password_adds_no_one(uow: UowFactory, clock: Clock) -> None:
    with pytest.raises(Invalid, match="needs at least 10"):
        create_user(uow(), name="ana", password="short", at=clock())
    with pytest.raises(Invalid, match="User name 'ana lopez' was refused"):
        create_user(uow(), name="ana lopez", password=PASSWORD, at=clock())
    assert users(uow()) == []


def test_users_are_listed_with_their_roles_and_never_their_hashes(
    team: UowFactory, clock: Clock
) -> None:
    listed = [view.to_json() for view in users(team())]
    # The fixture's clock stands at its start, 2 November 2026 09:00 UTC.
    assert [(u["name"], u["site_admin"], u["roles"]) for u in listed] == [
        ("root", True, {}),
        ("Ana", False, {"Main": "member"}),
        ("bo", False, {}),
    ]
    assert listed[1]["created_at"] == "2026-11-02T09:00:00+00:00"
    assert all("hash" not in key and "password" not in key for u in listed for key in u)


# ------------------------------------------------------------------------ signing in


def test_the_right_password_signs_in_and_notes_when(
    store: Store, team: UowFactory, clock: Clock
) -> None:
    moment = clock(hours=1)
    principal = authenticate_password(team(), name="ANA", password=PASSWORD, at=moment)
    assert principal == Principal(user="Ana", site_admin=False, roles={"main": Role.MEMBER})
    assert principal.token_boards is None
    [ana] = [row for row in _rows(store, tables.users) if row["name"] == "Ana"]
    assert ana["last_login_at"] == moment


def test_a_wrong_password_and_an_unknown_user_fail_in_the_same_words(
    team: UowFactory, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    real = accounts._hasher

    class Counting:
        """The real hasher, counting the hashes it checks."""

        def verify(self, password_hash: str, password: str) -> bool:
            checked.append(password_hash)
            return real.verify(password_hash, password)

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

    monkeypatch.setattr(accounts, "_hasher", Counting())
    messages = []
    for name, password in (("ana", "not the password"), ("nobody", PASSWORD), ("ana", "")):
        with pytest.raises(Unauthorised) as refused:
            authenticate_password(team(), name=name, password=password, at=clock())
        messages.append(refused.value.message)
    assert messages == [WRONG_PASSWORD] * 3
    assert WRONG_PASSWORD.startswith("The user name or password is not right: ")
    # One argon2 check each, the unknown user's against a made-up hash: about as long.
    assert len(checked) == 3
    assert all(password_hash.startswith("$argon2id$") for password_hash in checked)


def test_a_hash_made_with_weaker_parameters_is_replaced_at_sign_in(
    store: Store, uow: UowFactory, clock: Clock
) -> None:
    create_user(uow(), name="ana", password=PASSWORD, at=clock())
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    with store.engine.begin() as connection:
        connection.execute(update(tables.users).values(password_hash=weak))
    authenticate_password(uow(), name="ana", password=PASSWORD, at=clock())
    [row] = _rows(store, tables.users)
    assert row["password_hash"] != weak
    assert not PasswordHasher().check_needs_rehash(row["password_hash"])
    authenticate_password(uow(), name="ana", password=PASSWORD, at=clock())


def test_a_session_finds_its_user_and_their_current_roles(team: UowFactory, clock: Clock) -> None:
    assert principal_of(team(), user="bo").roles == {}
    grant(team(), board="Ops", user="bo", role=Role.VIEWER, at=clock(), by="root")
    assert principal_of(team(), user="BO").role_on("ops") is Role.VIEWER
    with pytest.raises(Unauthorised, match="sign in again"):
        principal_of(team(), user="nobody")


# --------------------------------------------------------------------------- roles


def test_a_grant_replaces_the_role_and_none_takes_it_away(
    store: Store, team: UowFactory, clock: Clock
) -> None:
    grant(team(), board="MAIN", user="Ana", role=Role.ADMIN, at=clock(hours=1), by="root")
    principal = principal_of(team(), user="ana")
    assert dict(principal.roles) == {"main": Role.ADMIN}
    principal.require("Main", "admin")
    [row] = _rows(store, tables.memberships)
    assert (row["role"], row["granted_by"], row["granted_at"]) == ("admin", "root", clock.now)
    grant(team(), board="main", user="ana", role=None, at=clock(), by="root")
    assert principal_of(team(), user="ana").role_on("main") is None
    grant(team(), board="main", user="ana", role=None, at=clock(), by="root")  # nothing to take
    assert _rows(store, tables.memberships) == []


def test_a_site_admin_is_admin_of_every_board_without_a_grant(team: UowFactory) -> None:
    root = principal_of(team(), user="root")
    assert root.roles == {}
    assert (root.role_on("main"), root.role_on("ops")) == (Role.ADMIN, Role.ADMIN)


def test_a_grant_on_an_unknown_board_or_to_an_unknown_user_is_refused(
    store: Store, team: UowFactory, clock: Clock
) -> None:
    before = _rows(store, tables.memberships)
    with pytest.raises(NotFound) as refused:
        grant(team(), board="Web", user="ana", role=Role.VIEWER, at=clock(), by="root")
    # The sentence names no other board.
    assert refused.value.message == "No board named 'Web': check the name with pullflow board list."
    with pytest.raises(NotFound) as unknown:
        grant(team(), board="main", user="cy", role=Role.VIEWER, at=clock(), by="root")
    assert unknown.value.message == "No user named 'cy': add one with pullflow user add cy."
    assert _rows(store, tables.memberships) == before


# -------------------------------------------------------------------------- tokens


def test_a_token_is_shown_once_and_kept_as_its_sha256(
    store: Store, team: UowFactory, clock: Clock
) -> None:
    token_id, secret = issue_token(team(), user="ana", boards=None, at=clock(), label=" ci ")
    # "pf_" + 32 bytes in URL-safe base64 without padding: 3 + ceil(32 * 4 / 3) = 46.
    assert token_id == 1
    assert secret.startswith("pf_")
    assert len(secret) == 46
    [row] = _rows(store, tables.tokens)
    assert row["sha256"] == hashlib.sha256(secret.encode()).hexdigest()
    assert (row["boards"], row["label"], row["last_used_at"]) == (None, "ci", None)
    assert secret[3:] not in " ".join(str(value) for value in row.values())
    _, other = issue_token(team(), user="ana", boards=None, at=clock())
    assert other != secret


def test_a_token_signs_in_as_its_user_and_notes_its_use_to_the_minute(
    store: Store, team: UowFactory, clock: Clock
) -> None:
    _, secret = issue_token(team(), user="ana", boards=None, at=clock())
    first = clock(hours=1)
    principal = authenticate_token(team(), secret=secret, at=first)
    assert principal == Principal(user="Ana", site_admin=False, roles={"main": Role.MEMBER})
    assert _rows(store, tables.tokens)[0]["last_used_at"] == first
    authenticate_token(team(), secret=secret, at=first + timedelta(seconds=30))
    assert _rows(store, tables.tokens)[0]["last_used_at"] == first  # within the minute
    later = clock(hours=2)
    authenticate_token(team(), secret=f" {secret}\n", at=later)
    assert _rows(store, tables.tokens)[0]["last_used_at"] == later


def test_a_token_limited_to_boards_reaches_only_those(team: UowFactory, clock: Clock) -> None:
    grant(team(), board="ops", user="ana", role=Role.ADMIN, at=clock(), by="root")
    _, secret = issue_token(team(), user="ana", boards=["MAIN", "main"], at=clock())
    principal = authenticate_token(team(), secret=secret, at=clock())
    assert principal.token_boards == frozenset({"main"})
    assert (principal.role_on("main"), principal.role_on("ops")) == (Role.MEMBER, None)
    with pytest.raises(Forbidden, match="with this token"):
        principal.require("ops", "read")
    [view] = tokens(team(), user="ana")
    assert view.boards == ("Main",)


def test_a_token_cannot_reach_a_board_its_user_may_not_read(team: UowFactory, clock: Clock) -> None:
    messages = []
    for board in ("ops", "web"):  # ops exists (bo has no role there); web does not
        with pytest.raises(Forbidden) as refused:
            issue_token(team(), user="bo", boards=[board], at=clock())
        messages.append(refused.value.message.replace(repr(board), "BOARD"))
    assert (
        messages[0]
        == messages[1]
        == (
            "A token for bo cannot reach board BOARD: bo has no role on a board of that name; "
            "grant one first with pullflow user grant."
        )
    )
    root_id, _ = issue_token(team(), user="root", boards=["ops"], at=clock())
    with pytest.raises(Invalid, match="needs at least one board"):
        issue_token(team(), user="bo", boards=[], at=clock())
    with pytest.raises(NotFound, match="No user named 'cy'"):
        issue_token(team(), user="cy", boards=None, at=clock())
    assert [view.id for user in ("bo", "root") for view in tokens(team(), user=user)] == [root_id]


def test_a_revoked_or_unknown_token_is_refused_in_the_same_words(
    team: UowFactory, clock: Clock
) -> None:
    token_id, secret = issue_token(team(), user="ana", boards=None, at=clock())
    revoked_at = clock(hours=1)
    revoke_token(team(), token=token_id, by="root", at=revoked_at)
    revoke_token(team(), token=token_id, by="ana", at=clock(hours=1))  # already: nothing changes
    messages = []
    for attempt in (secret, "pf_" + "x" * 43, "not a token", "", "pf_" + "x" * 200):
        with pytest.raises(Unauthorised) as refused:
            authenticate_token(team(), secret=attempt, at=clock())
        messages.append(refused.value.message)
    assert messages == [BAD_TOKEN] * 5
    [view] = tokens(team(), user="ana")
    assert (view.revoked_at, view.revoked_by, view.active) == (revoked_at, "root", False)
    assert view.to_json()["revoked_at"] == revoked_at.isoformat()
    for unknown in (99, 2**40):
        with pytest.raises(NotFound, match=f"No token #{unknown}: see the tokens"):
            revoke_token(team(), token=unknown, by="root", at=clock())


def test_a_token_sees_the_roles_its_user_holds_now(team: UowFactory, clock: Clock) -> None:
    _, secret = issue_token(team(), user="ana", boards=None, at=clock())
    grant(team(), board="main", user="ana", role=Role.VIEWER, at=clock(), by="root")
    principal = authenticate_token(team(), secret=secret, at=clock())
    with pytest.raises(Forbidden, match="you are a viewer there"):
        principal.require("main", "change")


def test_a_refused_change_writes_nothing(store: Store, team: UowFactory, clock: Clock) -> None:
    before = {name: _rows(store, table) for name, table in tables.metadata.tables.items()}
    with pytest.raises(NotFound):
        grant(team(), board="main", user="nobody", role=Role.ADMIN, at=clock(), by="root")
    with pytest.raises(Forbidden):
        issue_token(team(), user="ana", boards=["main", "ops"], at=clock())
    after = {name: _rows(store, table) for name, table in tables.metadata.tables.items()}
    assert after == before


# --------------------------------------------------------------- idempotent requests


def _remember(unit: SqlUnitOfWork, user: str, key: str, body: Any, at: Any) -> None:
    stored = unit.accounts.user(user)
    assert stored is not None
    unit.accounts.remember(
        user_id=stored.id, key=key, method="POST", path="/boards/main/items", status=201,
        body=body, at=at,
    )  # fmt: skip


def test_a_response_is_kept_once_per_user_and_key(team: UowFactory, clock: Clock) -> None:
    key = "3f1c0a8e-idempotent"
    with team() as unit:
        _remember(unit, "ana", key, {"id": 4}, clock())
        _remember(unit, "bo", key, None, clock())  # another user may use the same key
        unit.commit()
    with team() as unit, pytest.raises(IntegrityError):
        _remember(unit, "ANA", key, {"id": 5}, clock())
    unit = team()
    with unit.reading():
        ana, bo = unit.accounts.user("ana"), unit.accounts.user("bo")
        assert ana is not None
        assert bo is not None
        kept = unit.accounts.remembered(user_id=ana.id, key=key)
        none_kept = unit.accounts.remembered(user_id=bo.id, key=key)
        assert unit.accounts.remembered(user_id=ana.id, key="other") is None
    assert kept is not None
    assert none_kept is not None
    assert (kept.method, kept.path, kept.status, kept.body) == (
        "POST",
        "/boards/main/items",
        201,
        {"id": 4},
    )
    assert none_kept.body is None  # SQL NULL, not the JSON value null
    # Both kept at the clock's start; forgetting those older than an hour later drops both.
    assert forget_responses(team(), before=clock.now) == 0
    assert forget_responses(team(), before=clock(hours=1)) == 2

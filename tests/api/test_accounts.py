"""Users (site admin), a board's members (its admins) and the caller's tokens over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from pullflow.services.accounts import Unauthorised, authenticate_password, issue_token, users
from tests.api.checks import problem
from tests.api.conftest import PASSWORD, Api

# ---------------------------------------------------------------------------------- users


def test_a_site_admin_lists_the_users_with_their_roles_and_no_passwords(api: Api) -> None:
    answer = api.as_("root").get("/users")
    assert answer.status_code == 200
    listed = answer.json()
    assert [(u["name"], u["site_admin"], u["boards"]) for u in listed] == [
        ("root", True, {}),
        ("ana", False, {"main": "member"}),
        ("vic", False, {"main": "viewer"}),
        ("adm", False, {"main": "admin"}),
        ("bo", False, {"other": "member"}),
    ]
    assert {u["created_at"] for u in listed} == {api.clock.now.isoformat()}
    assert PASSWORD not in answer.text
    assert "argon2" not in answer.text
    assert "password" not in answer.text


@pytest.mark.parametrize("user", ["ana", "adm", None])
def test_only_a_site_admin_lists_the_users(api: Api, user: str | None) -> None:
    answer = api.as_(user).get("/users")
    if user is None:
        problem(answer, 401)
        return
    assert problem(answer, 403)["detail"] == (
        "Only a site admin may list the users: ask one to do it for you."
    )


def test_a_site_admin_adds_a_user_whose_password_is_never_shown(api: Api) -> None:
    answer = api.as_("root").post(
        "/users", {"name": " carla ", "password": "a long password", "site_admin": True}
    )
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"name": "carla", "site_admin": True}
    assert "a long password" not in answer.text
    added = {view.name: view for view in users(api.store.unit_of_work())}["carla"]
    assert added.site_admin
    signed = authenticate_password(
        api.store.unit_of_work(), name="carla", password="a long password", at=api.clock.now
    )
    assert signed.user == "carla"


def test_a_user_added_without_a_password_cannot_sign_in_with_one(api: Api) -> None:
    answer = api.as_("root").post("/users", {"name": "dora"})
    assert answer.status_code == 201
    assert answer.json() == {"name": "dora", "site_admin": False}
    for guess in ("", "!unusable", PASSWORD):
        with pytest.raises(Unauthorised):
            authenticate_password(
                api.store.unit_of_work(), name="dora", password=guess, at=api.clock.now
            )
    # A token still works for them.
    _, secret = issue_token(api.store.unit_of_work(), user="dora", boards=None, at=api.clock.now)
    assert api.client.get("/boards", headers={"Authorization": f"Bearer {secret}"}).json() == []


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        (
            {"name": "ANA", "password": PASSWORD},
            409,
            "A user named 'ana' already exists: choose another name.",
        ),
        (
            {"name": "ana lopez", "password": PASSWORD},
            422,
            "User name 'ana lopez' was refused: use 1 to 40 letters (a-z, A-Z), digits, dots, "
            "underscores or hyphens.",
        ),
        (
            {"name": "eve", "password": "short"},
            422,
            "The password was refused: it has 5 characters and needs at least 10; choose a "
            "longer one.",
        ),
    ],
)
def test_a_user_that_cannot_be_added_is_refused_in_one_sentence(
    api: Api, body: dict[str, Any], status: int, detail: str
) -> None:
    before = [view.name for view in users(api.store.unit_of_work())]
    assert problem(api.as_("root").post("/users", body), status)["detail"] == detail
    assert [view.name for view in users(api.store.unit_of_work())] == before


def test_only_a_site_admin_with_a_token_for_every_board_adds_users(api: Api) -> None:
    detail = problem(api.as_("adm").post("/users", {"name": "eve"}), 403)["detail"]
    assert detail == "Only a site admin may add users: ask one to do it for you."
    _, scoped = issue_token(
        api.store.unit_of_work(), user="root", boards=["main"], at=api.clock.now
    )
    answer = api.client.post(
        "/users", json={"name": "eve"}, headers={"Authorization": f"Bearer {scoped}"}
    )
    assert problem(answer, 403)["detail"] == (
        "A token limited to some boards may not add users: use a token that names no board, "
        "or sign in with your password."
    )
    assert "eve" not in [view.name for view in users(api.store.unit_of_work())]


def test_a_retried_user_is_added_once(api: Api) -> None:
    root = api.as_("root")
    first = root.post("/users", {"name": "eve", "password": PASSWORD}, key="u-1")
    again = root.post("/users", {"name": "eve", "password": PASSWORD}, key="u-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() == {"name": "eve", "site_admin": False}
    assert again.headers["idempotent-replayed"] == "true"
    assert [view.name for view in users(api.store.unit_of_work())].count("eve") == 1
    other = root.post("/users", {"name": "fay", "password": PASSWORD}, key="u-1")
    assert problem(other, 422)["detail"].startswith("The Idempotency-Key 'u-1' was refused")


# -------------------------------------------------------------------------------- members


def test_a_board_admin_lists_its_members(api: Api) -> None:
    answer = api.as_("adm").get("/boards/main/members")
    assert answer.status_code == 200
    assert answer.json() == [
        {"user": "ana", "role": "member"},
        {"user": "vic", "role": "viewer"},
        {"user": "adm", "role": "admin"},
    ]
    assert api.as_("root").get("/boards/other/members").json() == [{"user": "bo", "role": "member"}]


def test_members_are_for_the_boards_admins(api: Api) -> None:
    assert problem(api.as_("ana").get("/boards/main/members"), 403)["detail"] == (
        "You may not manage board 'main': you are a member there, and that takes the admin "
        "role; ask an admin of the board for it."
    )
    problem(api.as_("bo").get("/boards/main/members"), 403)
    problem(api.as_("root").get("/boards/ghost/members"), 404)


def test_an_admin_gives_a_role_and_it_holds_at_once(api: Api) -> None:
    adm = api.as_("adm")
    assert problem(api.as_("bo").get("/boards/main"), 403)
    answer = adm.put("/boards/MAIN/members/BO", {"role": "viewer"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"board": "main", "user": "bo", "role": "viewer"}
    assert api.as_("bo").get("/boards/main").status_code == 200
    problem(api.as_("bo").post("/boards/main/items", {"title": "x"}), 403)
    adm.ok("PUT", "/boards/main/members/bo", {"role": "member"})
    assert api.as_("bo").post("/boards/main/items", {"title": "x"}).status_code == 201
    assert {"user": "bo", "role": "member"} in adm.get("/boards/main/members").json()


def test_a_role_for_no_one_or_of_no_kind_is_refused(api: Api) -> None:
    adm = api.as_("adm")
    assert problem(adm.put("/boards/main/members/zed", {"role": "viewer"}), 404)["detail"] == (
        "No user named 'zed': add one with pullflow user add zed."
    )
    body = problem(adm.put("/boards/main/members/bo", {"role": "owner"}), 422)
    assert body["errors"][0]["location"] == "body.role"
    problem(api.as_("ana").put("/boards/main/members/bo", {"role": "admin"}), 403)
    assert api.as_("bo").get("/boards/main").status_code == 403


def test_an_admin_takes_a_role_away(api: Api) -> None:
    adm = api.as_("adm")
    answer = adm.delete("/boards/main/members/vic")
    assert answer.status_code == 204
    assert answer.content == b""
    problem(api.as_("vic").get("/boards/main"), 403)
    assert problem(adm.delete("/boards/main/members/vic"), 404)["detail"] == (
        "vic has no role on board main, so there is none to take away: see the board's members."
    )
    problem(adm.delete("/boards/main/members/zed"), 404)
    problem(api.as_("ana").delete("/boards/main/members/adm"), 403)


def test_retried_role_changes_are_made_once(api: Api) -> None:
    adm = api.as_("adm")
    first = adm.put("/boards/main/members/bo", {"role": "viewer"}, key="r-1")
    again = adm.put("/boards/main/members/bo", {"role": "viewer"}, key="r-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    gone = adm.delete("/boards/main/members/bo", key="r-2")
    gone_again = adm.delete("/boards/main/members/bo", key="r-2")
    assert gone.status_code == gone_again.status_code == 204
    assert gone_again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in gone.headers
    assert api.as_("bo").get("/boards/main").status_code == 403


# --------------------------------------------------------------------------------- tokens


def test_the_caller_lists_their_tokens_without_secrets(api: Api) -> None:
    answer = api.as_("ana").get("/tokens")
    assert answer.status_code == 200
    assert answer.json() == [
        {
            "id": api.token_ids["ana"],
            "user": "ana",
            "label": "",
            "boards": None,
            "created": api.clock.now.isoformat(),
            "last_used": api.clock.now.isoformat(),
        }
    ]
    assert api.tokens["ana"] not in answer.text


def test_a_new_token_is_shown_once_and_works(api: Api) -> None:
    ana = api.as_("ana")
    answer = ana.post("/tokens", {"label": "laptop"})
    assert answer.status_code == 201, answer.text
    made = answer.json()
    assert set(made) == {"id", "token", "label", "boards"}
    assert made["label"] == "laptop"
    assert made["boards"] is None
    assert made["token"].startswith("pf_")
    headers = {"Authorization": f"Bearer {made['token']}"}
    assert api.client.get("/boards", headers=headers).json() == [{"name": "main", "role": "member"}]
    listed = ana.get("/tokens")
    assert [t["id"] for t in listed.json()] == [api.token_ids["ana"], made["id"]]
    assert made["token"] not in listed.text


def test_a_token_reaches_only_boards_its_user_may_read(api: Api) -> None:
    ana = api.as_("ana")
    made = ana.post("/tokens", {"boards": ["MAIN"]}).json()
    assert made["boards"] == ["main"]
    assert problem(ana.post("/tokens", {"boards": ["other"]}), 403)["detail"] == (
        "You may not read board 'other': you have no role on a board of that name; ask an "
        "admin of the board to grant you one."
    )
    problem(ana.post("/tokens", {"boards": ["ghost"]}), 403)
    problem(ana.post("/tokens", {"boards": []}), 422)
    assert len(ana.get("/tokens").json()) == 2


def test_a_token_limited_to_boards_makes_tokens_no_wider(api: Api) -> None:
    _, scoped = issue_token(
        api.store.unit_of_work(), user="root", boards=["other"], at=api.clock.now
    )
    headers = {"Authorization": f"Bearer {scoped}"}
    made = api.client.post("/tokens", json={}, headers=headers).json()
    assert made["boards"] == ["other"]
    wider = api.client.post("/tokens", json={"boards": ["main"]}, headers=headers)
    assert problem(wider, 403)["detail"] == (
        "You may not read board 'main' with this token: it does not cover that board; use a "
        "token issued for it, or one that names no board."
    )


def test_a_retried_token_is_made_once_and_its_secret_not_shown_again(api: Api) -> None:
    ana = api.as_("ana")
    first = ana.post("/tokens", {"label": "ci"}, key="t-1")
    assert first.status_code == 201
    again = ana.post("/tokens", {"label": "ci"}, key="t-1")
    assert problem(again, 409)["detail"] == (
        "A token was made already with this Idempotency-Key, and its secret is shown only "
        "once: find it with GET /tokens, revoke it with DELETE /tokens/ID if its secret is "
        "lost, and send a new key to make another."
    )
    assert [t["label"] for t in ana.get("/tokens").json()] == ["", "ci"]


def test_the_caller_revokes_their_token(api: Api) -> None:
    ana = api.as_("ana")
    made = ana.post("/tokens", {"label": "old"}).json()
    answer = ana.delete(f"/tokens/{made['id']}")
    assert answer.status_code == 204
    assert answer.content == b""
    gone = api.client.get("/boards", headers={"Authorization": f"Bearer {made['token']}"})
    problem(gone, 401)
    assert [t["id"] for t in ana.get("/tokens").json()] == [api.token_ids["ana"]]
    # Revoking the token the request carries works too; it is refused from then on.
    assert ana.delete(f"/tokens/{api.token_ids['ana']}").status_code == 204
    problem(ana.get("/tokens"), 401)


def test_only_a_site_admin_revokes_someone_elses_token(api: Api) -> None:
    vic_token = api.token_ids["vic"]
    assert problem(api.as_("ana").delete(f"/tokens/{vic_token}"), 404)["detail"] == (
        f"No token #{vic_token} of yours: see your tokens with GET /tokens."
    )
    assert api.as_("vic").get("/boards/main").status_code == 200
    assert problem(api.as_("ana").delete("/tokens/999"), 404)["detail"] == (
        "No token #999 of yours: see your tokens with GET /tokens."
    )
    assert api.as_("root").delete(f"/tokens/{vic_token}").status_code == 204
    problem(api.as_("vic").get("/boards/main"), 401)
    assert problem(api.as_("root").delete("/tokens/999"), 404)["detail"] == (
        "No token #999: see the tokens with pullflow token list --user NAME."
    )


def test_a_retried_revocation_answers_alike(api: Api) -> None:
    ana = api.as_("ana")
    made = ana.post("/tokens", {}).json()
    first = ana.delete(f"/tokens/{made['id']}", key="d-1")
    again = ana.delete(f"/tokens/{made['id']}", key="d-1")
    assert first.status_code == again.status_code == 204
    assert again.headers["idempotent-replayed"] == "true"

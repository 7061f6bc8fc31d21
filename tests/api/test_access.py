"""Who may do what: bearer tokens, roles on boards, token scopes, and the actor of a change."""

from __future__ import annotations

import pytest

from pullflow.services.accounts import issue_token, revoke_token
from pullflow.services.queries import event_log
from tests.api.conftest import Api

PROBLEM = "application/problem+json"


def _problem(answer: object, status: int) -> dict[str, object]:
    assert answer.status_code == status, answer.text  # type: ignore[attr-defined]
    assert answer.headers["content-type"] == PROBLEM  # type: ignore[attr-defined]
    body: dict[str, object] = answer.json()  # type: ignore[attr-defined]
    assert set(body) >= {"type", "title", "status", "detail", "instance"}
    assert body["status"] == status
    return body


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/boards"),
        ("GET", "/boards/main"),
        ("POST", "/boards/main/pull"),
        ("GET", "/boards/main/metrics"),
        ("PUT", "/boards/main/stages/Build/limit"),
    ],
)
def test_every_route_needs_a_token(api: Api, method: str, path: str) -> None:
    # Even a malformed body is answered 401 first: nothing is said to someone unknown.
    answer = api.client.request(method, path, content=b"{not json")
    body = _problem(answer, 401)
    assert answer.headers["www-authenticate"] == 'Bearer realm="pullflow"'
    assert body["detail"] == (
        "The request carries no token: send the header Authorization: Bearer followed by a "
        "pf_ token of yours (create one with pullflow token create)."
    )


def test_an_unknown_or_malformed_token_is_401_invalid_token(api: Api) -> None:
    for header in ("Bearer pf_not-a-token", "Bearer nonsense", "Bearer " + "pf_" + "x" * 500):
        answer = api.client.get("/boards", headers={"Authorization": header})
        body = _problem(answer, 401)
        assert answer.headers["www-authenticate"] == (
            'Bearer realm="pullflow", error="invalid_token"'
        )
        assert str(body["detail"]).startswith("The token is not valid")
    answer = api.client.get("/boards", headers={"Authorization": "Basic YW5hOnB3"})
    assert _problem(answer, 401)["detail"] == (
        "The Authorization header was not understood: write it as Bearer followed by a pf_ "
        "token of yours."
    )


def test_a_revoked_token_gets_401(api: Api) -> None:
    assert api.as_("ana").get("/boards/main").status_code == 200
    revoke_token(api.store.unit_of_work(), token=api.token_ids["ana"], by="root", at=api.clock())
    answer = api.as_("ana").get("/boards/main")
    body = _problem(answer, 401)
    assert body["type"] == "urn:pullflow:problem:unauthorised"
    assert str(body["detail"]).startswith("The token is not valid: it is unknown or was revoked")
    assert api.as_("ana").post("/boards/main/items", {"title": "x"}).status_code == 401


def test_a_viewer_reads_but_cannot_change(api: Api) -> None:
    vic = api.as_("vic")
    assert vic.get("/boards/main").status_code == 200
    assert vic.get("/boards/main/events").status_code == 200
    for path, body in [
        ("/boards/main/items", {"title": "sneaky"}),
        ("/boards/main/pull", {"stage": "Build"}),
        ("/boards/main/andon/stop", {"reason": "no"}),
    ]:
        problem = _problem(vic.post(path, body), 403)
        assert problem["detail"] == (
            "You may not change work on board 'main': you are a viewer there, and that takes "
            "the member role; ask an admin of the board for it."
        )
        assert problem["type"] == "urn:pullflow:problem:forbidden"
    # Nothing was written: the log still holds only the board's creation.
    assert [e.event.type.value for e in event_log(api.store.unit_of_work(), board="main")] == [
        "board.created"
    ]


def test_limits_and_settings_need_an_admin(api: Api) -> None:
    ana = api.as_("ana")
    problem = _problem(ana.put("/boards/main/stages/Build/limit", {"limit": 9}), 403)
    assert problem["detail"] == (
        "You may not manage board 'main': you are a member there, and that takes the admin "
        "role; ask an admin of the board for it."
    )
    _problem(ana.patch("/boards/main", {"pull_signal": "experiment"}), 403)
    assert api.as_("adm").put("/boards/main/stages/Build/limit", {"limit": 9}).status_code == 200


def test_a_member_of_one_board_cannot_read_another_nor_learn_whether_it_exists(api: Api) -> None:
    bo = api.as_("bo")
    assert bo.get("/boards/other").status_code == 200
    real = _problem(bo.get("/boards/main"), 403)
    ghost = _problem(bo.get("/boards/ghost"), 403)
    assert real["detail"] == (
        "You may not read board 'main': you have no role on a board of that name; ask an "
        "admin of the board to grant you one."
    )
    # The same words, the board's name aside, whether or not the board exists.
    assert str(ghost["detail"]).replace("ghost", "main") == real["detail"]
    assert {k: v for k, v in real.items() if k not in {"detail", "instance"}} == {
        k: v for k, v in ghost.items() if k not in {"detail", "instance"}
    }
    for path in ("/boards/main/items/1", "/boards/main/metrics", "/boards/main/andon"):
        _problem(bo.get(path), 403)
    _problem(bo.post("/boards/main/pull", {"stage": "Build"}), 403)


def test_a_token_limited_to_one_board_reaches_no_other(api: Api) -> None:
    _, secret = issue_token(api.store.unit_of_work(), user="root", boards=["other"], at=api.clock())
    scoped = {"Authorization": f"Bearer {secret}"}
    assert api.client.get("/boards/other", headers=scoped).status_code == 200
    problem = _problem(api.client.get("/boards/main", headers=scoped), 403)
    assert problem["detail"] == (
        "You may not read board 'main' with this token: it does not cover that board; use a "
        "token issued for it, or one that names no board."
    )
    assert api.client.get("/boards", headers=scoped).json() == [{"name": "other", "role": "admin"}]


def test_the_actor_is_the_tokens_user_whatever_the_body_says(api: Api) -> None:
    ana = api.as_("ana")
    added = ana.post("/boards/main/items", {"title": "x", "actor": "mallory", "as": "mallory"})
    assert added.status_code == 201
    pulled = ana.post("/boards/main/pull", {"stage": "Build", "actor": "mallory", "user": "adm"})
    assert pulled.json()["events"][0]["actor"] == "ana"
    stored = event_log(api.store.unit_of_work(), board="main")
    # board.created by the set-up; then ana's add and pull, whatever the bodies named.
    assert [(e.event.type.value, e.event.actor) for e in stored] == [
        ("board.created", "setup"),
        ("item.added", "ana"),
        ("item.pulled", "ana"),
    ]

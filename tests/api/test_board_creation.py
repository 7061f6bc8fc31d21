"""``POST /boards``: a site admin creates a board from a template or a list of stages."""

from __future__ import annotations

from typing import Any

import pytest

from pullflow.services.accounts import issue_token
from tests.api.checks import log_of, problem
from tests.api.conftest import Api


def _names(api: Api) -> list[str]:
    return [entry["name"] for entry in api.as_("root").get("/boards").json()]


def test_a_board_from_stages_answers_its_creation_and_where_it_is(api: Api) -> None:
    answer = api.as_("root").post(
        "/boards", {"name": "web", "stages": "Options,Doing:2,Done", "timezone": "Europe/Berlin"}
    )
    assert answer.status_code == 201, answer.text
    assert answer.headers["location"] == "/boards/web"
    change = answer.json()
    assert change["board"] == "web"
    assert [event["type"] for event in change["events"]] == ["board.created"]
    assert change["events"][0]["actor"] == "root"
    board = api.as_("root").get("/boards/web").json()
    assert [(s["name"], s["limit"]) for s in board["stages"]] == [
        ("Options", None),
        ("Doing", 2),
        ("Done", None),
    ]
    assert (board["pull_signal"], board["experiment_limit"], board["timezone"]) == (
        "capacity",
        None,
        "Europe/Berlin",
    )
    assert log_of(api, "web") == [("board.created", "root")]


def test_a_template_gives_stages_signal_and_limit_and_the_body_may_replace_them(
    api: Api,
) -> None:
    root = api.as_("root")
    root.ok("POST", "/boards", {"name": "lab", "template": "Build-Measure-Learn"}, status=201)
    lab = root.get("/boards/lab").json()
    assert [(s["name"], s["limit"]) for s in lab["stages"]] == [
        ("Options", None),
        ("Build", 3),
        ("Measure", 2),
        ("Learn", 2),
        ("Done", None),
    ]
    assert (lab["pull_signal"], lab["experiment_limit"]) == ("experiment", 2)
    body = {"name": "lab2", "template": "build-measure-learn", "experiment_limit": None}
    root.ok("POST", "/boards", {**body, "pull_signal": "capacity"}, status=201)
    lab2 = root.get("/boards/lab2").json()
    assert (lab2["pull_signal"], lab2["experiment_limit"]) == ("capacity", None)


def test_a_name_with_spaces_is_escaped_in_its_location(api: Api) -> None:
    answer = api.as_("root").post("/boards", {"name": "Team Web", "template": "simple"})
    assert answer.headers["location"] == "/boards/Team%20Web"
    assert api.as_("root").get(answer.headers["location"]).json()["board"] == "Team Web"


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        (
            {"name": "x", "template": "simple", "stages": "Options,Done"},
            422,
            "A new board needs exactly one of template or stages: send template (one of "
            "build-measure-learn, simple) or stages, such as Options,Build:3,Done.",
        ),
        (
            {"name": "x"},
            422,
            "A new board needs exactly one of template or stages: send template (one of "
            "build-measure-learn, simple) or stages, such as Options,Build:3,Done.",
        ),
        (
            {"name": "x", "template": "kanban"},
            422,
            "Unknown template 'kanban': choose one of build-measure-learn, simple.",
        ),
        (
            {"name": "MAIN", "stages": "Options,Doing,Done"},
            409,
            None,
        ),
    ],
)
def test_a_board_that_cannot_be_made_is_refused(
    api: Api, body: dict[str, Any], status: int, detail: str | None
) -> None:
    answer = problem(api.as_("root").post("/boards", body), status)
    if detail is not None:
        assert answer["detail"] == detail
    else:
        assert answer["type"] == "urn:pullflow:problem:already-exists"
    assert _names(api) == ["main", "other"]


def test_a_stage_list_the_domain_refuses_is_422_in_its_words(api: Api) -> None:
    body = problem(api.as_("root").post("/boards", {"name": "x", "stages": "Options"}), 422)
    assert body["type"] == "urn:pullflow:problem:invalid"
    assert "stage" in body["detail"]
    assert _names(api) == ["main", "other"]


def test_only_a_site_admin_creates_boards(api: Api) -> None:
    body = {"name": "mine", "template": "simple"}
    assert problem(api.as_("adm").post("/boards", body), 403)["detail"] == (
        "Only a site admin may create boards: ask one to do it for you."
    )
    problem(api.as_(None).post("/boards", body), 401)
    _, scoped = issue_token(
        api.store.unit_of_work(), user="root", boards=["main"], at=api.clock.now
    )
    answer = api.client.post("/boards", json=body, headers={"Authorization": f"Bearer {scoped}"})
    problem(answer, 403)
    assert _names(api) == ["main", "other"]


def test_a_retried_creation_makes_one_board(api: Api) -> None:
    root = api.as_("root")
    body = {"name": "web", "template": "simple"}
    first = root.post("/boards", body, key="b-1")
    again = root.post("/boards", body, key="b-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == "/boards/web"
    assert _names(api) == ["main", "other", "web"]

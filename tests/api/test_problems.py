"""Errors as RFC 9457 problems with the domain's sentence; no input gets a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pullflow.api import create_app
from tests.api.conftest import FIVE_WHYS, Api, TestClient

PROBLEM = "application/problem+json"


def _problem(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    body: dict[str, Any] = answer.json()
    assert {"type", "title", "status", "detail", "instance"} <= set(body)
    assert body["status"] == status
    return body


def test_a_rule_that_refuses_is_409_with_the_domains_sentence(api: Api) -> None:
    ana = api.as_("ana")
    for title in ("a", "b", "c"):
        ana.add(title)
    ana.ok("POST", "/boards/main/pull", {"stage": "Build"})
    ana.ok("POST", "/boards/main/pull", {"stage": "Build"})
    body = _problem(ana.post("/boards/main/pull", {"stage": "Build"}), 409)
    # Build holds 2 of its 2: the third pull is refused (policy block).
    assert body == {
        "type": "urn:pullflow:problem:wip-limit-reached",
        "title": "WIP limit reached",
        "status": 409,
        "detail": "Build is at its WIP limit (2/2): finish or discard an item in Build, or "
        'raise its limit with pullflow board limit "Build" 3.',
        "instance": "/boards/main/pull",
    }


def test_something_not_there_is_404(api: Api) -> None:
    ana = api.as_("ana")
    body = _problem(ana.get("/boards/main/items/99"), 404)
    assert body["detail"] == "No item #99 on board main: see the items with pullflow board show."
    assert body["type"] == "urn:pullflow:problem:not-found"
    body = _problem(ana.post("/boards/main/pull", {"stage": "Deploy"}), 404)
    assert body["detail"] == (
        "No stage named 'Deploy' on board main: choose one of Options, Build, Measure, Done."
    )
    _problem(
        ana.post(
            "/boards/main/experiments/7/conclude",
            {
                "verdict": "validated",
                "decision": "stop",
                "we_observed": "x",
                "from_that_we_learned": "y",
                "therefore_we_will": "z",
            },
        ),
        404,
    )


def test_an_invalid_request_is_422_with_the_domains_sentence(api: Api) -> None:
    ana = api.as_("ana")
    item = ana.add("x")
    body = _problem(ana.post(f"/boards/main/items/{item}/block", {"reason": "   "}), 422)
    assert body["detail"] == 'To block an item a reason is required: add "reason": "why".'
    assert body["type"] == "urn:pullflow:problem:invalid"
    body = _problem(api.as_("adm").put("/boards/main/stages/Build/limit", {"limit": 0}), 422)
    assert body["detail"] == (
        "A WIP limit of 0 was refused: a limit is a whole number of at least 1 and at most "
        "100000, or none for no limit."
    )
    body = _problem(ana.post("/boards/main/andon/stop", {"reason": "x", "people": 0}), 422)
    assert body["detail"] == "0 people affected was refused: give a number from 1 to 10000."


def test_a_missing_field_is_422_naming_it(api: Api) -> None:
    body = _problem(api.as_("ana").post("/boards/main/pull", {"item": 1}), 422)
    assert body["detail"] == "The request was refused: stage is missing from the body; add it."
    assert body["errors"] == [{"location": "body.stage", "message": "field required"}]
    assert body["type"] == "urn:pullflow:problem:invalid-request"


def test_a_wrong_type_is_422_saying_what_was_sent(api: Api) -> None:
    body = _problem(
        api.as_("ana").post("/boards/main/pull", {"stage": "Build", "item": "three"}), 422
    )
    assert body["detail"] == (
        "The request was refused: item in the body ('three') is not accepted: input should be "
        "a valid integer, unable to parse string as an integer; correct it and send it again."
    )
    body = _problem(api.as_("ana").post("/boards/main/items", {"title": ["a"], "class": 7}), 422)
    assert body["detail"].endswith("(1 more problem listed).")
    assert [e["location"] for e in body["errors"]] == ["body.title", "body.class"]


@pytest.mark.parametrize(
    ("content", "sentence"),
    [
        (
            b"{not json",
            "The request was refused: its body is not valid JSON; send a JSON "
            "object (Content-Type: application/json).",
        ),
        (b"", "The request was refused: it needs a JSON body; send one."),
        (
            b"[1, 2]",
            "The request was refused: its body must be a JSON object with the fields "
            "this route takes (input should be a valid dictionary or object to extract "
            "fields from).",
        ),
    ],
)
def test_a_body_that_is_not_a_json_object_is_422(api: Api, content: bytes, sentence: str) -> None:
    answer = api.client.post(
        "/boards/main/pull",
        content=content,
        headers={**api.headers("ana"), "Content-Type": "application/json"},
    )
    assert _problem(answer, 422)["detail"] == sentence


def test_a_folder_of_the_zone_database_is_no_time_zone(api: Api) -> None:
    body = _problem(api.as_("adm").patch("/boards/main", {"timezone": "Europe"}), 422)
    assert body["detail"] == (
        "The request was refused: timezone in the body ('Europe') is not accepted: unknown "
        "time zone 'Europe': use an IANA name such as UTC or Europe/Berlin; correct it and "
        "send it again."
    )
    body = _problem(api.as_("adm").patch("/boards/main", {"timezone": "Mars/Olympus"}), 422)
    assert body["detail"] == (
        "Unknown time zone 'Mars/Olympus': use an IANA name such as UTC or Europe/Berlin."
    )


def test_a_huge_body_is_413(api: Api) -> None:
    answer = api.as_("ana").post("/boards/main/items", {"title": "x" * 1_100_000})
    body = _problem(answer, 413)
    assert body["detail"] == (
        "The request was refused: its body is longer than 1,000,000 bytes; send less."
    )


def test_a_huge_streamed_body_is_413_too(api: Api) -> None:
    # Sent in chunks, without a Content-Length: counted as it arrives.
    chunks = iter([b'{"title": "', b"x" * 600_000, b"x" * 600_000, b'"}'])
    answer = api.client.post(
        "/boards/main/items",
        content=chunks,
        headers={**api.headers("ana"), "Content-Type": "application/json"},
    )
    assert "content-length" not in answer.request.headers
    assert _problem(answer, 413)["type"] == "urn:pullflow:problem:body-too-large"


def test_unknown_routes_and_methods_are_problems_too(api: Api) -> None:
    body = _problem(api.as_("ana").get("/nowhere"), 404)
    assert body["type"] == "about:blank"
    assert (
        body["detail"]
        == "There is nothing at /nowhere: see /docs for the routes this server answers."
    )
    answer = api.as_("ana").send("DELETE", "/boards/main/pull")
    body = _problem(answer, 405)
    assert body["detail"] == (
        "DELETE is not allowed on /boards/main/pull: see /docs for the methods it takes."
    )
    assert answer.headers["allow"] == "POST"


def test_unicode_is_kept_on_both_backends(api: Api) -> None:
    ana = api.as_("ana")
    title = "Überprüfung der Kasse 🚀 日本語 — «ok»"
    number = ana.add(title, attributes={"équipe": "café"})
    card = ana.get(f"/boards/main/items/{number}").json()
    assert (card["title"], card["attributes"]) == (title, {"équipe": "café"})
    body = _problem(ana.post("/boards/main/pull", {"stage": "Büild"}), 404)
    assert body["detail"].startswith("No stage named 'Büild' on board main")


#: Bodies no board takes, sent to every route that changes something: none may answer 500.
ODD_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    2**31,
    10**40,
    -(10**40),
    1.5,
    1e308,
    "",
    " ",
    "x" * 20_000,
    "nul\u0000byte",
    "bell\u0007",
    "🚀" * 300,
    "\u202eright-to-left",
    "'; DROP TABLE items; --",
    "Europe",
    "../../etc/passwd",
    [],
    [1, "a"],
    {},
    {"nested": {"deep": [1]}},
]

CHANGES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "POST",
        "/boards/main/items",
        {
            "title": "t",
            "class": "standard",
            "due": "2026-12-01",
            "experiment": 1,
            "rank": 1,
            "override": "o",
            "type": "bug",
            "attributes": {"k": "v"},
        },
    ),
    ("POST", "/boards/main/pull", {"stage": "Build", "item": 1, "override": "why"}),
    ("POST", "/boards/main/items/1/finish", {"deliver": True}),
    ("POST", "/boards/main/items/1/block", {"reason": "why"}),
    ("POST", "/boards/main/items/1/discard", {"reason": "why"}),
    ("POST", "/boards/main/items/1/return", {"stage": "Build", "reason": "why", "override": "o"}),
    ("PUT", "/boards/main/stages/Build/limit", {"limit": 3, "policy": "warn"}),
    (
        "PATCH",
        "/boards/main",
        {
            "pull_signal": "capacity",
            "experiment_limit": 2,
            "timezone": "UTC",
            "commitment": "Build",
            "delivery": "Done",
        },
    ),
    (
        "POST",
        "/boards/main/hypotheses",
        {
            "we_believe_that": "a",
            "to_verify_that_we_will": "b",
            "and_measure": "c",
            "we_are_right_if": "d",
        },
    ),
    ("POST", "/boards/main/experiments", {"hypothesis": 1, "title": "t"}),
    ("POST", "/boards/main/experiments/1/items", {"item": 1}),
    (
        "POST",
        "/boards/main/experiments/1/conclude",
        {
            "verdict": "validated",
            "decision": "stop",
            "we_observed": "x",
            "from_that_we_learned": "y",
            "therefore_we_will": "z",
        },
    ),
    (
        "POST",
        "/boards/main/andon/stop",
        {"reason": "r", "stage": "Build", "tags": ["t"], "fix": 1, "people": 2},
    ),
    ("POST", "/boards/main/andon/resume", {"stop": 1, "five_whys": FIVE_WHYS}),
]


def test_no_odd_field_value_gets_a_500(api: Api) -> None:
    adm = api.as_("adm")  # an admin may send every change
    adm.add("one")
    statuses: set[int] = set()
    for method, path, good in CHANGES:
        for field in good:
            for value in ODD_VALUES:
                answer = adm.send(method, path, {**good, field: value})
                assert answer.status_code < 500, (method, path, field, value, answer.text)
                if answer.status_code >= 400:
                    assert answer.headers["content-type"] == PROBLEM
                    assert answer.json()["detail"]
                statuses.add(answer.status_code)
    # Bad values are refused as invalid (422), good ones may meet a rule (409) or pass.
    assert {409, 422} <= statuses


@pytest.mark.parametrize(
    "path",
    [
        "/boards/main/items/0",
        "/boards/main/items/-4",
        "/boards/main/items/99999999999999999999999",
        "/boards/main/items/1e3",
        "/boards/ma%00in",
        "/boards/%F0%9F%9A%80",
        "/boards/" + "m" * 300,
        "/boards/main/events?limit=0",
        "/boards/main/events?item=99999999999999999999",
        "/boards/main/metrics?from=2026-02-30",
        "/boards/main/metrics?from=9999-12-31&to=0001-01-01",
        "/boards/main/forecast/when?items=abc",
        "/boards/main/forecast/when?items=5&seed=-1",
        "/boards/main/forecast/when?items=5&trials=0",
        "/boards/main/forecast/how-many?by=99999-01-01",
        "/boards/main/forecast/how-many",
    ],
)
def test_odd_paths_and_queries_are_problems_not_500s(api: Api, path: str) -> None:
    answer = api.as_("ana").get(path)
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.headers["content-type"] == PROBLEM


def test_control_characters_and_lone_surrogates_are_refused(api: Api) -> None:
    ana = api.as_("ana")
    body = _problem(ana.post("/boards/main/items", {"title": "a\u0000b"}), 422)
    assert body["detail"] == (
        "The request was refused: title in the body ('a\\x00b') is not accepted: the text "
        "holds the control character U+0000; remove it; correct it and send it again."
    )
    raw = b'{"title": "\\ud800 lone"}'
    answer = api.client.post(
        "/boards/main/items",
        content=raw,
        headers={**api.headers("ana"), "Content-Type": "application/json"},
    )
    assert _problem(answer, 422)["errors"][0]["location"] == "body.title"
    # A title with a line break is taken: the domain folds the whitespace.
    number = ana.add("two\nlines")
    assert ana.get(f"/boards/main/items/{number}").json()["title"] == "two lines"


def test_a_bug_is_a_500_problem_without_a_trace(db_url: str) -> None:
    from pullflow.services.unit import initialise_store

    store, _ = initialise_store(db_url)
    store.close()
    app = create_app(db_url)

    @app.get("/broken")
    def broken() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/broken")
    body = _problem(answer, 500)
    assert body["type"] == "urn:pullflow:problem:unexpected-failure"
    assert "secret internals" not in json.dumps(body)
    assert "Traceback" not in answer.text

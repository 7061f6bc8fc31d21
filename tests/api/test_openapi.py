"""The OpenAPI 3 description and the reference page that works offline."""

from __future__ import annotations

import json
import re

import pytest

from tests.api.conftest import Api

#: Every route the API answers, with its methods (the brief's list, and unlink and settings).
ROUTES = {
    "/boards": {"get", "post"},
    "/boards/{board}": {"get", "patch"},
    "/boards/{board}/items": {"post"},
    "/boards/{board}/items/{n}": {"get", "patch"},
    "/boards/{board}/items/{n}/rank": {"post"},
    "/boards/{board}/pull": {"post"},
    "/boards/{board}/items/{n}/finish": {"post"},
    "/boards/{board}/items/{n}/block": {"post"},
    "/boards/{board}/items/{n}/unblock": {"post"},
    "/boards/{board}/items/{n}/discard": {"post"},
    "/boards/{board}/items/{n}/return": {"post"},
    "/boards/{board}/stages/{stage}/limit": {"put"},
    "/boards/{board}/events": {"get"},
    "/boards/{board}/live": {"get"},
    "/boards/{board}/hypotheses": {"get", "post"},
    "/boards/{board}/experiments": {"get", "post"},
    "/boards/{board}/experiments/{e}/items": {"post"},
    "/boards/{board}/experiments/{e}/items/{n}": {"delete"},
    "/boards/{board}/experiments/{e}/conclude": {"post"},
    "/boards/{board}/andon": {"get"},
    "/boards/{board}/andon/stop": {"post"},
    "/boards/{board}/andon/resume": {"post"},
    "/boards/{board}/metrics": {"get"},
    "/boards/{board}/forecast/when": {"get"},
    "/boards/{board}/forecast/how-many": {"get"},
    "/boards/{board}/members": {"get"},
    "/boards/{board}/members/{user}": {"put", "delete"},
    "/boards/{board}/simulations/twin": {"post"},
    "/users": {"get", "post"},
    "/tokens": {"get", "post"},
    "/tokens/{id}": {"delete"},
    "/simulations": {"post"},
}

#: Operations sent as POST that change nothing: what-ifs, which take no Idempotency-Key.
WHAT_IFS = {"/simulations", "/boards/{board}/simulations/twin"}


@pytest.fixture
def document(api: Api) -> dict[str, object]:
    answer = api.client.get("/openapi.json")
    assert answer.status_code == 200
    loaded: dict[str, object] = json.loads(answer.text)
    return loaded


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_document_is_openapi_3_listing_every_route(document: dict[str, object]) -> None:
    assert str(document["openapi"]).startswith("3.")
    paths = document["paths"]
    assert isinstance(paths, dict)
    assert {path: set(item) for path, item in paths.items()} == ROUTES


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_operation_needs_the_token_and_answers_problems(document: dict) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["token"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "pf_…",
        "description": "An API token: Authorization: Bearer pf_…",
    }
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation["security"] == [{"token": []}], (method, path)
            answers = operation["responses"]
            assert {"401", "500"} <= set(answers), (method, path)
            for status, answer in answers.items():
                if int(status) >= 400:
                    assert set(answer["content"]) == {"application/problem+json"}
                    schema = answer["content"]["application/problem+json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Problem"}
            if method != "get" and path not in WHAT_IFS:
                assert "409" in answers, (method, path)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_changes_take_an_idempotency_key(document: dict) -> None:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
            change = method != "get" and path not in WHAT_IFS
            assert change == ("Idempotency-Key" in headers), (method, path)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_reference_resolves(document: dict) -> None:
    text = json.dumps(document)
    schemas = document["components"]["schemas"]
    for name in re.findall(r'"#/components/schemas/([^"]+)"', text):
        assert name in schemas


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_reference_page_needs_no_network(api: Api) -> None:
    page = api.client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "<script" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    # Every route is on the page.
    for path in ROUTES:
        assert f"<span class='path'>{path}</span>" in html
    assert api.client.get("/redoc").status_code == 404

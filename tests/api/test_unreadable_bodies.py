"""A body that cannot even be read (bytes that are not UTF-8) is 422, like any bad JSON.

FastAPI answers such a body 400, which no operation declares; Schemathesis found it.
"""

from __future__ import annotations

import pytest

from tests.api.checks import log_of, problem
from tests.api.conftest import Api


@pytest.mark.parametrize(
    ("user", "path"),
    [("ana", "/boards/main/items"), ("root", "/users"), ("ana", "/tokens"), ("bo", "/simulations")],
)
def test_a_body_that_is_not_utf8_is_refused_as_not_json(api: Api, user: str, path: str) -> None:
    answer = api.client.post(
        path,
        content=b'{"title": "\xff\xfe"}',
        headers={**api.headers(user), "Content-Type": "application/json"},
    )
    body = problem(answer, 422)
    assert body["detail"] == (
        "The request was refused: its body is not valid JSON; send a JSON object "
        "(Content-Type: application/json)."
    )
    assert body["type"] == "urn:pullflow:problem:invalid-request"
    assert log_of(api) == [("board.created", "setup")]

"""The API against its own OpenAPI description: Schemathesis, through ASGI, on both backends.

The description is read from ``/openapi.json`` of an application made at import (the same code
as the one under test); every operation in it is then tried with generated requests, sent by a
site admin and by a member of board main, and each answer is checked: no 500, a status the
description declares, a content type it declares, and a body that matches its schema. The
examples are drawn from a fixed seed, a bounded number per operation. Every operation of one
backend works on one database (the API tests' boards and users), so that what one operation
made, the next may find.

The live stream (``GET /boards/{board}/live``) stays open until its client leaves, which a
request through the test client never does: before it is called the hub is closed, so that an
allowed stream answers how to reconnect and ends, and is checked like any other answer.
"""

from __future__ import annotations

import tempfile
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import create_engine, text

from pullflow.api import create_app
from pullflow.services import Store
from pullflow.services.flow import add_item, finish_item, pull_item
from pullflow.services.learning import start_experiment, state_hypothesis
from pullflow.services.unit import initialise_store
from tests.api.conftest import Api, populate
from tests.conftest import POSTGRES_URL, Clock, _driver_url, require_postgres

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
#: Examples per operation and caller (the whole run stays within about two minutes).
EXAMPLES = 8


def _document() -> dict[str, Any]:
    """The OpenAPI document, as ``/openapi.json`` of an application on a fresh database."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'described.db'}"
        store, _ = initialise_store(url)
        store.close()
        with TestClient(create_app(url)) as client:
            document: dict[str, Any] = client.get("/openapi.json").json()
    return document


schema = schemathesis.openapi.from_dict(_document())
schema.config.generation.update(max_examples=EXAMPLES, deterministic=True)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One database per backend for the whole module (a fresh schema on PostgreSQL)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('described') / 'pullflow.db'}"
        return
    require_postgres()
    schema_name = f"pf_{uuid.uuid4().hex[:12]}"
    engine = create_engine(_driver_url(POSTGRES_URL))
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema_name}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema_name}"
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema_name}" CASCADE'))
        engine.dispose()


def _work_on_main(store: Store, clock: Clock) -> None:
    """History on board main for the figures and forecasts: items done, one in each stage."""
    for title in ("a", "b", "c", "d"):
        added = add_item(store.unit_of_work(), board="main", title=title, at=clock(), actor="setup")
        item = added.events[0].item
        assert item is not None
        for stage in ("Build", "Measure"):
            pull_item(
                store.unit_of_work(),
                board="main",
                stage=stage,
                item=item,
                at=clock(),
                actor="setup",
            )
            finish_item(
                store.unit_of_work(),
                board="main",
                item=item,
                deliver=stage == "Measure",
                at=clock(days=1),
                actor="setup",
            )
    add_item(store.unit_of_work(), board="main", title="waiting", at=clock(), actor="setup")
    state_hypothesis(
        store.unit_of_work(),
        board="main",
        belief="b",
        test="t",
        metric="m",
        criterion="c",
        at=clock(),
        actor="setup",
    )
    start_experiment(store.unit_of_work(), board="main", hypothesis=1, at=clock(), actor="setup")


@pytest.fixture(scope="module")
def served(db_url: str) -> Iterator[Api]:
    """The API tests' boards, users and tokens behind one application, for every operation."""
    clock = Clock()
    store, _ = initialise_store(db_url)
    tokens, ids = populate(store, clock)
    _work_on_main(store, clock)
    with (
        warnings.catch_warnings(),
        TestClient(create_app(db_url, clock=lambda: clock.now)) as client,
    ):
        warnings.simplefilter("ignore")
        yield Api(client, store, clock, tokens, ids)
    store.close()


@pytest.fixture(params=["root", "ana"])
def caller(request: pytest.FixtureRequest) -> str:
    user: str = request.param
    return user


def _send(api: Any, case: Any, headers: dict[str, str]) -> Any:
    """The case sent through the test client of the application under test."""
    sent = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
    body = sent.pop("data", None)
    if body is not None:
        sent["content"] = body
    sent.pop("timeout", None)
    sent.pop("verify", None)
    sent.pop("allow_redirects", None)
    if not sent.get("cookies"):
        sent.pop("cookies", None)
    return api.client.request(**sent)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_matches_the_description(case: Any, served: Api, caller: str) -> None:
    if case.operation.path.endswith("/live"):
        served.client.app.state.hub.close()  # type: ignore[attr-defined]
    headers = served.headers(caller)
    response = _send(served, case, headers)
    case.validate_response(response, checks=CHECKS, headers=headers)

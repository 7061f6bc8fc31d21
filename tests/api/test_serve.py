"""Serving the API with uvicorn, and what a server says when its database is away."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx
import pytest

from pullflow.api import create_app
from pullflow.api.serve import app_from_environment, serve
from pullflow.services import Invalid, StoreUnavailable
from pullflow.services.unit import initialise_store
from tests.api.conftest import TestClient

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@sqlite_only
def test_serve_answers_over_http(db_url: str) -> None:
    store, _ = initialise_store(db_url)
    store.close()
    port = _free_port()
    program = f"from pullflow.api.serve import serve; serve({db_url!r}, port={port})"
    server = subprocess.Popen(
        [sys.executable, "-c", program], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        answer = None
        for _ in range(100):
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/boards", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert answer is not None, "the server did not start"
        assert answer.status_code == 401
        assert answer.headers["content-type"] == "application/problem+json"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_refuses_bad_settings_in_a_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(Invalid, match="0 workers were refused"):
        serve("sqlite:///nowhere.db", workers=0)
    with pytest.raises(Invalid, match="Port 70000 was refused"):
        serve("sqlite:///nowhere.db", port=70000)
    monkeypatch.delenv("PULLFLOW_DATABASE_URL", raising=False)
    with pytest.raises(Invalid, match="PULLFLOW_DATABASE_URL is not set"):
        app_from_environment()


def test_a_database_not_initialised_is_refused_before_serving(tmp_path: object) -> None:
    with pytest.raises(Invalid, match="No pullflow database at"):
        create_app(f"sqlite:///{tmp_path}/missing.db")


@sqlite_only
def test_a_database_out_of_reach_is_503_without_its_url(db_url: str) -> None:
    store, _ = initialise_store(db_url)
    store.close()
    app = create_app(db_url)

    @app.get("/away")
    def away() -> None:
        raise StoreUnavailable(
            "Cannot open the database at postgresql://pf@db.internal/pf (connection refused): "
            "check --db or PULLFLOW_DATABASE_URL."
        )

    with TestClient(app) as client:
        answer = client.get("/away")
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "5"
    body = answer.json()
    assert body["detail"] == (
        "The database cannot be reached just now, so nothing was read or written: try again in "
        "a moment."
    )
    assert "db.internal" not in answer.text

"""Old idempotent answers are swept from the write path, at most once an hour."""

from __future__ import annotations

from datetime import datetime

import pytest

from pullflow.api import context
from pullflow.services import SqlUnitOfWork, idempotency
from pullflow.services.accounts import forget_responses
from pullflow.services.idempotency import Answer, Attempt
from tests.api.checks import log_of
from tests.api.conftest import Api


def _pulls(api: Api) -> int:
    return [kind for kind, _ in log_of(api)].count("item.pulled")


def test_an_answer_is_replayed_for_a_day_then_forgotten(api: Api) -> None:
    ana = api.as_("ana")
    for title in ("a", "b", "c"):
        ana.add(title)
    assert ana.post("/boards/main/pull", {"stage": "Build"}, key="old").status_code == 200
    api.clock(hours=23)
    ana.add("d")  # a change sweeps, but the answer is not a day old yet
    replay = ana.post("/boards/main/pull", {"stage": "Build"}, key="old")
    assert replay.headers["idempotent-replayed"] == "true"
    api.clock(hours=2)
    ana.add("e")  # 25 hours on, and an hour since the last sweep: this one forgets it
    again = ana.post("/boards/main/pull", {"stage": "Build"}, key="old")
    assert again.status_code == 200
    assert "idempotent-replayed" not in again.headers
    assert _pulls(api) == 2


def test_the_answers_are_swept_at_most_once_an_hour(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    sweeps: list[datetime] = []

    def counted(uow: SqlUnitOfWork, *, before: datetime) -> int:
        sweeps.append(before)
        return forget_responses(uow, before=before)

    monkeypatch.setattr(context, "forget_responses", counted)
    ana = api.as_("ana")
    start = api.clock.now
    ana.add("a")
    api.clock(hours=0.5)
    ana.add("b")
    api.as_("adm").ok("PUT", "/boards/main/stages/Build/limit", {"limit": 3})
    api.clock(hours=0.49)
    ana.add("c")
    assert sweeps == [start - context.KEEP_ANSWERS]
    api.clock(hours=0.02)
    ana.add("d")
    assert len(sweeps) == 2
    # Reads never sweep.
    api.clock(hours=5)
    ana.get("/boards/main")
    assert len(sweeps) == 2


def test_a_pull_refused_because_its_twin_got_there_first_answers_as_the_twin(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.as_("adm").ok("PUT", "/boards/main/stages/Build/limit", {"limit": 1})
    ana = api.as_("ana")
    for title in ("a", "b"):
        ana.add(title)
    first = ana.post("/boards/main/pull", {"stage": "Build"}, key="twin")
    assert first.status_code == 200
    # The second request with that key looked before the first had stored its answer; its
    # own pull is then refused (Build is full), and it answers what the first one stored.
    original = idempotency.recall
    looks: list[Attempt] = []

    def late(uow: SqlUnitOfWork, attempt: Attempt) -> Answer | None:
        looks.append(attempt)
        return None if len(looks) == 1 else original(uow, attempt)

    monkeypatch.setattr(idempotency, "recall", late)
    second = ana.post("/boards/main/pull", {"stage": "Build"}, key="twin")
    assert second.status_code == 200
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    assert len(looks) == 2
    assert _pulls(api) == 1


def test_a_user_added_by_the_twin_of_a_request_answers_as_that_request(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = api.as_("root")
    body = {"name": "eve", "password": "a long password"}
    assert root.post("/users", body, key="twin").status_code == 201
    original = idempotency.recall
    looks: list[Attempt] = []

    def late(uow: SqlUnitOfWork, attempt: Attempt) -> Answer | None:
        looks.append(attempt)
        return None if len(looks) == 1 else original(uow, attempt)

    monkeypatch.setattr(idempotency, "recall", late)
    second = root.post("/users", body, key="twin")
    assert second.status_code == 201
    assert second.headers["idempotent-replayed"] == "true"
    # Without a key, the same request is refused: the user exists.
    assert root.post("/users", body).status_code == 409

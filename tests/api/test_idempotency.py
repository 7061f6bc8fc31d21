"""Idempotency-Key: a retried change answers as the first did and is not made again."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from pullflow.services import Outcome, SqlUnitOfWork, idempotency
from pullflow.services.flow import pull_item
from pullflow.services.idempotency import Answer, Attempt, once
from pullflow.services.queries import board_view, event_log
from tests.api.conftest import Api


def _in_build(api: Api) -> list[int]:
    view = board_view(api.store.unit_of_work(), board="main", at=api.clock.now)
    build = view.stages[1]
    return [card.number for card in (*build.doing, *build.done)]


def _pulls(api: Api) -> int:
    stored = event_log(api.store.unit_of_work(), board="main")
    return sum(e.event.type.value == "item.pulled" for e in stored)


def test_a_retried_pull_with_the_same_key_pulls_once(api: Api) -> None:
    ana = api.as_("ana")
    ana.add("first")
    ana.add("second")
    first = ana.post("/boards/main/pull", {"stage": "Build"}, key="pull-1")
    again = ana.post("/boards/main/pull", {"stage": "Build"}, key="pull-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    # One pull: item 1 (first by rank) is in Build, item 2 still waits.
    assert _in_build(api) == [1]
    assert _pulls(api) == 1


def test_two_keys_pull_twice(api: Api) -> None:
    ana = api.as_("ana")
    ana.add("first")
    ana.add("second")
    one = ana.post("/boards/main/pull", {"stage": "Build"}, key="k-1").json()
    two = ana.post("/boards/main/pull", {"stage": "Build"}, key="k-2").json()
    assert (one["events"][0]["item"], two["events"][0]["item"]) == (1, 2)
    assert _in_build(api) == [1, 2]


def test_the_same_key_of_two_users_is_two_changes(api: Api) -> None:
    ana, adm = api.as_("ana"), api.as_("adm")
    ana.add("first")
    ana.add("second")
    assert ana.post("/boards/main/pull", {"stage": "Build"}, key="same").status_code == 200
    answer = adm.post("/boards/main/pull", {"stage": "Build"}, key="same")
    assert answer.status_code == 200
    assert answer.json()["events"][0]["actor"] == "adm"
    assert _pulls(api) == 2


def test_a_key_sent_with_another_request_is_refused(api: Api) -> None:
    ana = api.as_("ana")
    ana.add("first")
    ana.add("second")
    assert ana.post("/boards/main/pull", {"stage": "Build"}, key="once").status_code == 200
    other_body = ana.post("/boards/main/pull", {"stage": "Build", "item": 2}, key="once")
    assert other_body.status_code == 422
    assert other_body.json()["detail"] == (
        "The Idempotency-Key 'once' was refused: it was first sent with another request "
        "(POST /boards/main/pull); send a new key with each new change."
    )
    other_path = ana.post("/boards/main/items/1/block", {"reason": "x"}, key="once")
    assert other_path.status_code == 422
    assert _pulls(api) == 1


def test_a_refused_change_is_not_remembered_so_its_retry_is_tried_again(api: Api) -> None:
    ana = api.as_("ana")
    for title in ("a", "b", "c"):
        ana.add(title)
    ana.ok("POST", "/boards/main/pull", {"stage": "Build"})
    ana.ok("POST", "/boards/main/pull", {"stage": "Build"})
    refused = ana.post("/boards/main/pull", {"stage": "Build"}, key="third")
    assert refused.status_code == 409
    ana.ok("POST", "/boards/main/items/1/discard", {"reason": "dropped"})
    retried = ana.post("/boards/main/pull", {"stage": "Build"}, key="third")
    # Nothing was pulled the first time; now Build has room and item 3 comes in.
    assert retried.status_code == 200
    assert "idempotent-replayed" not in retried.headers
    assert retried.json()["events"][0]["item"] == 3


def test_a_retried_add_adds_one_item_and_says_where_it_is_again(api: Api) -> None:
    ana = api.as_("ana")
    first = ana.post("/boards/main/items", {"title": "only once"}, key="add-1")
    again = ana.post("/boards/main/items", {"title": "only once"}, key="add-1")
    assert first.status_code == again.status_code == 201
    assert first.headers["location"] == again.headers["location"] == "/boards/main/items/1"
    board = api.as_("vic").get("/boards/main").json()
    assert [card["title"] for card in board["stages"][0]["done"]] == ["only once"]


def test_a_key_must_be_visible_ascii(api: Api) -> None:
    api.as_("ana").add("x")
    answer = api.as_("ana").post("/boards/main/pull", {"stage": "Build"}, key="has space")
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("The Idempotency-Key was refused")
    too_long = api.as_("ana").post("/boards/main/pull", {"stage": "Build"}, key="k" * 256)
    assert too_long.status_code == 422
    assert _pulls(api) == 0


def test_the_same_key_sent_twice_at_once_pulls_once(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = api.as_("ana")
    for title in ("a", "b"):
        ana.add(title)
    attempt = Attempt("ana", "race", "POST", "/boards/main/pull", "same-body")
    start = threading.Barrier(2)
    # Both requests look for an earlier answer before either has stored one; so both make
    # the change, and the one that commits second collides on the key.
    looked = threading.Barrier(2)
    first_look = threading.local()
    original_recall = idempotency.recall

    def recall_together(uow: SqlUnitOfWork, wanted: Attempt) -> Answer | None:
        found = original_recall(uow, wanted)
        if not getattr(first_look, "done", False):
            first_look.done = True
            looked.wait(timeout=30)
        return found

    monkeypatch.setattr(idempotency, "recall", recall_together)
    answers: list[Answer] = []
    failures: list[BaseException] = []

    def pull(uow: SqlUnitOfWork) -> Outcome:
        return pull_item(uow, board="main", stage="Build", actor="ana", at=api.clock.now)

    def respond(outcome: Outcome) -> tuple[int, dict[str, Any]]:
        return 200, {"items": [e.item for e in outcome.events]}

    def send() -> None:
        try:
            start.wait()
            answers.append(once(api.store, attempt, at=api.clock.now, change=pull, respond=respond))
        except BaseException as error:  # reported below
            failures.append(error)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    # Both got the first answer (item 1 pulled); one of them as a replay.
    assert [a.body for a in answers] == [{"items": [1]}, {"items": [1]}]
    assert sorted(a.replayed for a in answers) == [False, True]
    assert _in_build(api) == [1]

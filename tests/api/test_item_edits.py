"""Editing an item (``PATCH``) and ranking the options (``POST …/rank``)."""

from __future__ import annotations

from tests.api.checks import log_of, problem
from tests.api.conftest import Api


def _options(api: Api) -> list[int]:
    board = api.as_("vic").get("/boards/main").json()
    return [card["id"] for card in board["stages"][0]["done"]]


def test_a_member_edits_an_items_title_class_and_due_date(api: Api) -> None:
    ana = api.as_("ana")
    item = ana.add("Signup")
    answer = ana.patch(
        f"/boards/main/items/{item}",
        {"title": "Signup form", "service_class": "fixed-date", "due": "2026-12-24"},
    )
    assert answer.status_code == 200, answer.text
    change = answer.json()
    assert change["board"] == "main"
    assert [(e["type"], e["item"], e["actor"]) for e in change["events"]] == [
        ("item.edited", item, "ana")
    ]
    assert change["events"][0]["data"] == {
        "title": "Signup form",
        "service_class": "fixed-date",
        "due": "2026-12-24",
    }
    card = ana.get(f"/boards/main/items/{item}").json()
    assert (card["title"], card["class"], card["due"]) == (
        "Signup form",
        "fixed-date",
        "2026-12-24",
    )
    # "class" is taken as well, as when adding an item.
    ana.ok("PATCH", f"/boards/main/items/{item}", {"class": "standard"})
    assert ana.get(f"/boards/main/items/{item}").json()["class"] == "standard"


def test_an_edit_that_cannot_be_made_is_refused(api: Api) -> None:
    ana = api.as_("ana")
    item = ana.add("Signup")
    before = log_of(api)
    assert problem(ana.patch(f"/boards/main/items/{item}", {}), 422)["detail"] == (
        "Nothing to change was given: send title, service_class or due."
    )
    fixed = ana.patch(f"/boards/main/items/{item}", {"service_class": "fixed-date"})
    # The domain's sentence names the field of the API, not the command line's flag.
    assert problem(fixed, 422)["detail"] == (
        f'Item #{item} cannot be fixed-date without a due date: add "due": "YYYY-MM-DD".'
    )
    problem(ana.patch(f"/boards/main/items/{item}", {"due": "tomorrow"}), 422)
    problem(ana.patch("/boards/main/items/99", {"title": "x"}), 404)
    problem(api.as_("vic").patch(f"/boards/main/items/{item}", {"title": "x"}), 403)
    problem(api.as_("bo").patch(f"/boards/main/items/{item}", {"title": "x"}), 403)
    assert log_of(api) == before


def test_a_retried_edit_is_made_once(api: Api) -> None:
    ana = api.as_("ana")
    item = ana.add("Signup")
    first = ana.patch(f"/boards/main/items/{item}", {"title": "Two"}, key="e-1")
    again = ana.patch(f"/boards/main/items/{item}", {"title": "Two"}, key="e-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert [kind for kind, _ in log_of(api)].count("item.edited") == 1


def test_a_member_ranks_an_option(api: Api) -> None:
    ana = api.as_("ana")
    for title in ("a", "b", "c"):
        ana.add(title)
    answer = ana.post("/boards/main/items/3/rank", {"position": 1})
    assert answer.status_code == 200, answer.text
    assert [(e["type"], e["item"], e["data"]) for e in answer.json()["events"]] == [
        ("item.reranked", 3, {"position": 1, "previous_position": 3})
    ]
    assert _options(api) == [3, 1, 2]
    # The next pull takes the first by rank.
    pulled = ana.ok("POST", "/boards/main/pull", {"stage": "Build"})
    assert pulled["events"][0]["item"] == 3


def test_a_rank_that_cannot_be_given_is_refused(api: Api) -> None:
    ana = api.as_("ana")
    for title in ("a", "b"):
        ana.add(title)
    ana.ok("POST", "/boards/main/pull", {"stage": "Build", "item": 2})
    before = log_of(api)
    problem(ana.post("/boards/main/items/1/rank", {"position": 0}), 422)
    problem(ana.post("/boards/main/items/1/rank", {}), 422)
    assert problem(ana.post("/boards/main/items/2/rank", {"position": 1}), 409)["detail"] == (
        "Item #2 has left Options: only waiting options are ranked."
    )
    problem(ana.post("/boards/main/items/9/rank", {"position": 1}), 404)
    problem(api.as_("vic").post("/boards/main/items/1/rank", {"position": 1}), 403)
    assert log_of(api) == before


def test_a_retried_rank_is_made_once(api: Api) -> None:
    ana = api.as_("ana")
    for title in ("a", "b", "c"):
        ana.add(title)
    first = ana.post("/boards/main/items/3/rank", {"position": 1}, key="k-1")
    again = ana.post("/boards/main/items/3/rank", {"position": 1}, key="k-1")
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert _options(api) == [3, 1, 2]
    assert [kind for kind, _ in log_of(api)].count("item.reranked") == 1

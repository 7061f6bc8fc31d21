"""The board page and its forms: stages, WIP badges, when Pull is enabled, every card verb
sent as a plain form, refusals, roles, and what other boards' members are told."""

from __future__ import annotations

from typing import Any

import pytest

from pullflow.services import EventType, PullSignal, ServiceClass
from pullflow.services.accounts import Role, grant
from pullflow.services.boards import create_board
from pullflow.services.flow import add_item, block_item, finish_item, pull_item
from pullflow.services.learning import link_item, start_experiment, state_hypothesis
from tests.web.conftest import Web
from tests.web.markup import parse


def add(web: Web, *titles: str, board: str = "main", **options: Any) -> list[int]:
    numbers = []
    for title in titles:
        outcome = add_item(
            web.store.unit_of_work(),
            board=board,
            title=title,
            actor="setup",
            at=web.clock.now,
            **options,
        )
        numbers.append(outcome.events[0].item)
    return numbers


def pull(web: Web, stage: str, board: str = "main") -> None:
    pull_item(web.store.unit_of_work(), board=board, stage=stage, actor="setup", at=web.clock.now)


def board_page(web: Web, user: str = "ana", board: str = "main") -> Any:
    answer = web.browser(user).get(f"/b/{board}")
    assert answer.status_code == 200, answer.text
    return parse(answer.text)


def test_the_board_shows_its_stages_lanes_and_wip(web: Web) -> None:
    add(web, "Signup form", "Pricing page")
    pull(web, "Build")

    page = board_page(web)

    stages = [section.attrs["data-stage"] for section in page.find_all("section", class_="stage")]
    assert stages == ["Options", "Build", "Measure", "Done"]
    assert [page.stage(name).one("h2").text for name in stages] == stages
    build = page.stage("Build").one("span", class_="wip")
    assert (build.text, build.attrs["data-state"]) == ("WIP 1/2", "under")
    assert page.stage("Options").one("span", class_="wip").text == "WIP 1"
    assert page.cards("Build doing") == [1]
    assert page.cards("Build done") == []
    assert page.cards("Options done") == [2]
    assert page.one("section", class_="expedite").attrs["aria-label"] == "Expedite"
    assert page.one("li", data_item="1").one("a").text.startswith("#1 Signup form")


def test_pull_is_enabled_only_with_room_and_something_ready(web: Web) -> None:
    page = board_page(web)
    assert page.button("Pull into Build").disabled  # nothing waits in the options
    assert page.button("Pull into Measure").disabled

    add(web, "One", "Two", "Three")
    page = board_page(web)
    assert not page.button("Pull into Build").disabled
    assert page.button("Pull into Measure").disabled  # nothing finished in Build

    pull(web, "Build")
    pull(web, "Build")
    page = board_page(web)
    badge = page.stage("Build").one("span", class_="wip")
    assert (badge.text, badge.attrs["data-state"]) == ("WIP 2/2", "at")
    assert "at the limit" in page.stage("Build").text
    assert page.button("Pull into Build").disabled  # full

    finish_item(web.store.unit_of_work(), board="main", item=1, actor="setup", at=web.clock.now)
    page = board_page(web)
    assert not page.button("Pull into Measure").disabled
    assert page.cards("Build done") == [1]

    block_item(
        web.store.unit_of_work(),
        board="main",
        item=1,
        reason="waiting",
        actor="s",
        at=web.clock.now,
    )
    page = board_page(web)
    assert page.button("Pull into Measure").disabled  # the only finished item is blocked
    assert "Blocked: waiting" in page.one("li", data_item="1").text


def test_an_expedite_item_may_be_pulled_into_a_full_stage(web: Web) -> None:
    add(web, "One", "Two")
    pull(web, "Build")
    pull(web, "Build")
    assert board_page(web).button("Pull into Build").disabled

    add(web, "Hotfix", service_class=ServiceClass.EXPEDITE)

    page = board_page(web)
    assert not page.button("Pull into Build").disabled
    assert "Hotfix" in page.one("section", class_="expedite").text


def test_on_a_board_pulled_by_experiments_only_linked_work_is_ready(web: Web) -> None:
    at = web.clock.now
    uow = web.store.unit_of_work
    create_board(
        uow(),
        name="lab",
        stages="Options,Try:2,Done",
        actor="setup",
        at=at,
        pull_signal=PullSignal.EXPERIMENT,
    )
    grant(uow(), board="lab", user="ana", role=Role.MEMBER, at=at, by="root")
    add(web, "Idea", "Other idea", board="lab")
    assert board_page(web, board="lab").button("Pull into Try").disabled

    state_hypothesis(
        uow(), board="lab", belief="b", test="t", metric="m", criterion="c", actor="s", at=at
    )
    start_experiment(uow(), board="lab", hypothesis=1, actor="s", at=at)
    link_item(uow(), board="lab", experiment=1, item=2, actor="s", at=at)

    page = board_page(web, board="lab")
    assert not page.button("Pull into Try").disabled
    assert web.browser("ana").post("/b/lab/pull", {"stage": "Try"}).status_code == 303
    assert board_page(web, board="lab").cards("Try doing") == [2]


def actors_of(web: Web, kind: EventType) -> list[str]:
    return [stored.event.actor for stored in web.events() if stored.event.type is kind]


def test_every_card_verb_works_as_a_plain_form_and_names_the_signed_in_user(web: Web) -> None:
    ana = web.browser("ana")
    forged = {"actor": "mallory", "as": "mallory", "user": "mallory"}
    steps: list[tuple[str, dict[str, str], EventType]] = [
        ("/b/main/items", {"title": "Signup form", "class": "standard"}, EventType.ITEM_ADDED),
        ("/b/main/items", {"title": "Pricing page", "due": "2026-12-01"}, EventType.ITEM_ADDED),
        ("/b/main/items/2/rank", {"position": "1"}, EventType.ITEM_RERANKED),
        ("/b/main/pull", {"stage": "Build"}, EventType.ITEM_PULLED),
        ("/b/main/items/2/block", {"reason": "waiting for copy"}, EventType.ITEM_BLOCKED),
        ("/b/main/items/2/unblock", {}, EventType.ITEM_UNBLOCKED),
        ("/b/main/items/2/finish", {}, EventType.ITEM_FINISHED),
        ("/b/main/items/2/return", {"stage": "Options", "reason": "redo"}, EventType.ITEM_RETURNED),
        ("/b/main/items/1/discard", {"reason": "not needed"}, EventType.ITEM_DISCARDED),
    ]
    for path, fields, kind in steps:
        answer = ana.post(path, {**fields, **forged})
        assert answer.status_code == 303, (path, answer.text)
        assert answer.headers["location"] == "/b/main"
        assert actors_of(web, kind)[-1] == "ana"

    board = web.board()
    assert [card.number for card in board.stages[0].done] == [2]
    assert board.stages[0].done[0].service_class == "fixed-date"
    assert {stored.event.actor for stored in web.events() if stored.event.item} == {"ana"}


def test_the_item_page_shows_the_card_and_its_history_and_sends_back_to_itself(web: Web) -> None:
    add(web, "Signup form")
    pull(web, "Build")
    ana = web.browser("ana")

    page = parse(ana.get("/b/main/items/1").text)
    assert page.one("h1").text == "#1 Signup form"
    history = page.one("table", class_="events").text
    assert "item.added" in history
    assert "item.pulled" in history

    answer = ana.post("/b/main/items/1/finish", {"back": "/b/main/items/1"})
    assert (answer.status_code, answer.headers["location"]) == (303, "/b/main/items/1")
    answer = ana.post("/b/main/items/1/finish", {"back": "/b/main/items/1"})
    assert answer.status_code == 409
    page = parse(answer.text)
    assert (
        page.alert() == "Item #1 is already finished in Build: it waits to be pulled into Measure."
    )
    assert page.one("h1").text == "#1 Signup form"


def test_a_pull_into_a_full_stage_answers_409_with_the_sentence_and_writes_nothing(
    web: Web,
) -> None:
    add(web, "One", "Two", "Three")
    pull(web, "Build")
    pull(web, "Build")
    before = len(web.events())

    answer = web.browser("ana").post("/b/main/pull", {"stage": "Build"})

    assert answer.status_code == 409
    page = parse(answer.text)
    assert page.alert().startswith("Build is at its WIP limit (2/2): finish or discard an item")
    assert page.cards("Build doing") == [1, 2]  # the board, re-rendered as it is
    assert len(web.events()) == before


def test_at_an_override_limit_the_page_offers_an_override_reason(web: Web) -> None:
    at = web.clock.now
    uow = web.store.unit_of_work
    create_board(uow(), name="ovr", stages="Options,Build:1:override,Done", actor="s", at=at)
    grant(uow(), board="ovr", user="ana", role=Role.MEMBER, at=at, by="root")
    add(web, "One", "Two", board="ovr")
    pull(web, "Build", board="ovr")
    ana = web.browser("ana")

    refused = ana.post("/b/ovr/pull", {"stage": "Build"})
    assert refused.status_code == 409
    page = parse(refused.text)
    assert '--override "reason"' in page.alert()  # the sentence is kept as it is
    override = page.label_for("Override reason")
    assert override.attrs["name"] == "override"

    answer = ana.post("/b/ovr/pull", {"stage": "Build", "override": "customer demo today"})
    assert answer.status_code == 303
    exceeded = [s.event for s in web.events("ovr") if s.event.type is EventType.WIP_EXCEEDED]
    assert [(e.actor, e.reason) for e in exceeded] == [("ana", "customer demo today")]


def test_bad_fields_answer_422_with_a_sentence(web: Web) -> None:
    add(web, "One")
    ana = web.browser("ana")

    answer = ana.post("/b/main/items/1/rank", {"position": "first"})
    assert answer.status_code == 422
    assert (
        parse(answer.text).alert() == "Position 'first' was refused: give a whole number such as 3."
    )

    answer = ana.post("/b/main/items", {"title": "Two", "due": "next week"})
    assert answer.status_code == 422
    assert "YYYY-MM-DD" in parse(answer.text).alert()

    answer = ana.post("/b/main/items/99/finish", {})
    assert answer.status_code == 404


def test_a_viewer_sees_the_board_without_actions_and_may_not_post(web: Web) -> None:
    add(web, "One")
    vic = web.browser("vic")
    page = parse(vic.get("/b/main").text)
    assert page.cards("Options done") == [1]
    assert page.button_names() == ["Sign out"]
    assert not page.find_all("form", action="/b/main/items")
    before = len(web.events())

    answer = vic.post("/b/main/pull", {"stage": "Build"})

    assert answer.status_code == 403
    page = parse(answer.text)
    assert "you are a viewer there" in page.alert()
    assert "As a viewer of this board you may read it" in page.text
    assert len(web.events()) == before


def test_a_member_of_another_board_is_told_nothing_about_this_one(web: Web) -> None:
    bo = web.browser("bo")

    real = bo.get("/b/main")
    missing = bo.get("/b/nosuch")
    posted = bo.post("/b/main/pull", {"stage": "Build"})

    assert real.status_code == missing.status_code == posted.status_code == 403
    assert parse(real.text).alert() == parse(missing.text).alert().replace("nosuch", "main")
    assert "Build" not in real.text
    index = parse(bo.get("/").text)
    assert [link.text for link in index.one("ul", class_="board-list").find_all("a")] == ["other"]


@pytest.mark.parametrize(
    ("csrf", "origin", "sentence"),
    [
        (None, None, "security token"),
        ("wrong", None, "security token"),
        ("right", "https://evil.example", "another site"),
    ],
)
def test_a_form_without_the_sessions_token_or_from_another_site_is_refused(
    web: Web, csrf: str | None, origin: str | None, sentence: str
) -> None:
    add(web, "One")
    ana = web.browser("ana")
    before = len(web.events())
    fields = {"stage": "Build"}
    if csrf is not None:
        fields["csrf"] = ana.csrf if csrf == "right" else csrf
    headers = {"Origin": origin} if origin else {}

    answer = ana.client.post("/b/main/pull", data=fields, headers=headers, follow_redirects=False)

    assert answer.status_code == 403
    assert sentence in parse(answer.text).alert()
    assert len(web.events()) == before


def test_dragging_reranks_with_the_token_in_a_header(web: Web) -> None:
    add(web, "One", "Two", "Three")
    ana = web.browser("ana")
    page = parse(ana.get("/b/main").text)
    assert page.lane("Options done").attrs["data-rerank"] == "/b/main/items"
    assert page.one("li", data_item="3").attrs["draggable"] == "true"
    assert page.has_button("Move up #3")
    assert not page.has_button("Move up #1")
    assert not page.has_button("Move down #3")

    answer = ana.client.post(
        "/b/main/items/3/rank",
        data={"position": "1"},
        headers={"X-CSRF-Token": ana.csrf, "Origin": "http://testserver"},
        follow_redirects=False,
    )

    assert answer.status_code == 303
    assert parse(ana.get("/b/main").text).cards("Options done") == [3, 1, 2]


def test_the_fragment_is_the_live_part_of_the_board_only(web: Web) -> None:
    add(web, "One")
    answer = web.browser("ana").get("/b/main/fragment")

    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<div id="board-live"')
    assert "<html" not in answer.text
    assert parse(answer.text).cards("Options done") == [1]


def test_the_history_page_lists_the_boards_events(web: Web) -> None:
    add(web, "One")
    pull(web, "Build")
    page = parse(web.browser("vic").get("/b/main/history").text)

    rows = page.one("table", class_="events").find_all("tr")
    kinds = [row.find_all("td")[2].text for row in rows[1:]]
    assert kinds == [stored.event.type.value for stored in web.events()]
    assert page.one("a", aria_current="page").text == "History"


def test_the_live_stream_needs_read_access_and_speaks_server_sent_events(web: Web) -> None:
    assert web.browser("bo").get("/b/main/live").status_code == 403
    assert web.browser().get("/b/main/live").status_code == 303
    web.app.state.hub.close()  # a closed hub ends each stream after its first message

    answer = web.browser("vic").get("/b/main/live")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/event-stream")
    assert answer.text.startswith("retry: 1000")
    page = parse(web.browser("vic").get("/b/main").text)
    live = page.one("div", id="board-live")
    assert (live.attrs["data-live"], live.attrs["data-fragment"]) == (
        "/b/main/live",
        "/b/main/fragment",
    )


def test_the_script_and_style_are_served_from_this_site(web: Web) -> None:
    visitor = web.browser()
    script = visitor.get("/static/pullflow.js")
    style = visitor.get("/static/pullflow.css")

    assert script.status_code == style.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert "EventSource" in script.text
    assert 'data-state="over"' in style.text
    assert ":focus-visible" in style.text

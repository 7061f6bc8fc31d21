"""The learning page: Test Cards and Learning Cards as a viewer reads them, and the forms that
state a hypothesis, start an experiment, link and unlink items and conclude, as a member sends
them; viewers, forms without the session's token and bad fields change nothing."""

from __future__ import annotations

from typing import Any

import pytest

from pullflow.services import EventType
from pullflow.services.queries import experiments_view, hypotheses_view
from tests.web.conftest import Browser, Web
from tests.web.markup import Element, parse
from tests.web.pages.page_helpers import BELIEFS, links, work_through

TEST_CARD = {
    "we_believe_that": "people finish the tour when it has three steps",
    "to_verify_that_we_will": "show the short tour to new accounts",
    "and_measure": "tours finished a week",
    "we_are_right_if": "twice as many finish it",
}
LEARNING_CARD = {
    "we_observed": "tours finished went from 12 to 30 a week",
    "from_that_we_learned": "short tours are finished",
    "therefore_we_will": "cut the other tours to three steps",
    "verdict": "validated",
    "decision": "persevere",
}


def learning_page(browser: Browser) -> Element:
    answer = browser.get("/b/main/learning")
    assert answer.status_code == 200, answer.text
    return parse(answer.text)


def actors(web: Web, kind: EventType) -> list[str]:
    return [stored.event.actor for stored in web.events() if stored.event.type is kind]


def sent(browser: Browser, path: str, fields: dict[str, str], status: int = 303) -> Any:
    answer = browser.post(path, fields)
    assert answer.status_code == status, answer.text
    if status == 303:
        assert answer.headers["location"] == "/b/main/learning"
    return answer


def test_a_viewer_reads_the_test_cards_the_experiments_and_their_items(web: Web) -> None:
    work_through(web, learning=True)

    page = learning_page(web.browser("vic"))

    first = page.one("li", data_hypothesis="1")
    assert [term.text for term in first.find_all("dt")] == [
        "We believe that",
        "To verify that, we will",
        "And measure",
        "We are right if",
    ]
    assert [value.text for value in first.find_all("dd")] == [
        BELIEFS[0],
        "ship it to half the visitors",
        "signups a day",
        "signups rise by 10%",
    ]
    statuses = {h.number: h.status for h in hypotheses_view(web.store.unit_of_work(), board="main")}
    assert statuses == {1: "validated", 2: "testing"}
    for number, status in statuses.items():
        card = page.one("li", data_hypothesis=str(number))
        assert card.one("span", class_="status").text == status

    running = page.one("li", data_experiment="2")
    assert running.attrs["data-status"] == "running"
    assert "Tests H2: we believe that a digest brings people back" in running.text
    assert links(running.one("ul", class_="pulled")) == ["/b/main/items/7"]
    assert running.one("li", data_item="7").one("a").text == "#7 Search the archive"

    concluded = page.one("li", data_experiment="1")
    assert concluded.attrs["data-status"] == "concluded"
    card = concluded.one("dl", class_="learning-card")
    assert dict(
        zip(
            [term.text for term in card.find_all("dt")],
            [value.text for value in card.find_all("dd")],
            strict=True,
        )
    ) == {
        "We observed": "signups rose by 14%",
        "From that we learned": "a short form helps",
        "Therefore we will": "keep the short form",
        "Verdict": "validated",
        "Decision": "persevere",
    }
    assert links(concluded.one("ul", class_="pulled")) == ["/b/main/items/1", "/b/main/items/2"]
    assert page.button_names() == ["Sign out"]  # a viewer gets no form to change anything


def test_a_member_states_a_hypothesis_as_themself(web: Web) -> None:
    ana = web.browser("ana")
    form = learning_page(ana).one("form", action="/b/main/learning/hypotheses")
    for name, label in zip(
        TEST_CARD,
        ("We believe that", "To verify that, we will", "And measure", "We are right if"),
        strict=True,
    ):
        assert form.label_for(label).attrs["name"] == name

    sent(ana, "/b/main/learning/hypotheses", {**TEST_CARD, "actor": "mallory"})

    (stated,) = hypotheses_view(web.store.unit_of_work(), board="main")
    assert (stated.belief, stated.test, stated.metric, stated.criterion) == tuple(
        TEST_CARD.values()
    )
    assert (stated.status, stated.stated_by) == ("untested", "ana")
    assert actors(web, EventType.HYPOTHESIS_STATED) == ["ana"]
    card = learning_page(ana).one("li", data_hypothesis="1")
    assert TEST_CARD["we_believe_that"] in card.text
    assert card.has_button("Start an experiment on H1")


def test_a_member_starts_links_unlinks_and_concludes_an_experiment(web: Web) -> None:
    work_through(web)
    ana = web.browser("ana")
    sent(ana, "/b/main/learning/hypotheses", TEST_CARD)
    sent(ana, "/b/main/learning/experiments", {"hypothesis": "1", "title": "Three steps"})
    page = learning_page(ana)
    experiment = page.one("li", data_experiment="1")
    assert experiment.one("h3").text.startswith("E1 Three steps")
    options = [o.attrs["value"] for o in experiment.label_for("Item").find_all("option")]
    assert options == ["7", "8"]  # the active items; #1-#6 are done

    sent(ana, "/b/main/learning/experiments/1/items", {"item": "8"})
    sent(ana, "/b/main/learning/experiments/1/items", {"item": "7"})
    sent(ana, "/b/main/learning/experiments/1/unlink", {"item": "8"})
    (running,) = experiments_view(web.store.unit_of_work(), board="main")
    assert (running.status, running.items, running.started_by) == ("running", (7,), "ana")
    shown = learning_page(ana).one("li", data_experiment="1")
    assert links(shown.one("ul", class_="pulled")) == ["/b/main/items/7"]
    assert shown.has_button("Unlink #7 from E1")

    sent(ana, "/b/main/learning/experiments/1/conclude", LEARNING_CARD)

    (done,) = experiments_view(web.store.unit_of_work(), board="main")
    assert (done.status, done.verdict, done.decision) == ("concluded", "validated", "persevere")
    assert (done.observed, done.learned, done.next_step) == (
        LEARNING_CARD["we_observed"],
        LEARNING_CARD["from_that_we_learned"],
        LEARNING_CARD["therefore_we_will"],
    )
    (hypothesis,) = hypotheses_view(web.store.unit_of_work(), board="main")
    assert hypothesis.status == "validated"
    for kind in (
        EventType.EXPERIMENT_STARTED,
        EventType.EXPERIMENT_LINKED,
        EventType.EXPERIMENT_UNLINKED,
        EventType.EXPERIMENT_CONCLUDED,
    ):
        assert set(actors(web, kind)) == {"ana"}, kind
    card = learning_page(ana).one("li", data_experiment="1")
    assert "We observed tours finished went from 12 to 30 a week" in card.text
    assert not card.find_all("form")  # a concluded experiment keeps its items


FORMS = (
    ("/b/main/learning/hypotheses", TEST_CARD),
    ("/b/main/learning/experiments", {"hypothesis": "1"}),
    ("/b/main/learning/experiments/1/items", {"item": "8"}),
    ("/b/main/learning/experiments/1/unlink", {"item": "7"}),
    ("/b/main/learning/experiments/2/conclude", LEARNING_CARD),
)


@pytest.mark.parametrize(("path", "fields"), FORMS)
def test_a_viewers_form_is_refused_and_writes_nothing(
    web: Web, path: str, fields: dict[str, str]
) -> None:
    work_through(web, learning=True)
    before = len(web.events())

    answer = web.browser("vic").post(path, fields)

    assert answer.status_code == 403
    assert "you are a viewer there" in parse(answer.text).alert()
    assert len(web.events()) == before


def test_a_form_without_the_sessions_token_is_refused(web: Web) -> None:
    work_through(web, learning=True)
    ana = web.browser("ana")
    before = len(web.events())

    for path, fields in FORMS:
        missing = ana.post(path, fields, csrf=False)
        forged = ana.post(path, {**fields, "csrf": "not-the-token"}, csrf=False)
        assert missing.status_code == forged.status_code == 403, path
    assert "security token" in parse(missing.text).alert()
    assert len(web.events()) == before


@pytest.mark.parametrize(
    ("path", "fields", "sentence"),
    [
        (
            "/b/main/learning/hypotheses",
            {**TEST_CARD, "we_believe_that": "  "},
            'The card needs "We believe that": fill in that field and send the form again.',
        ),
        (
            "/b/main/learning/hypotheses",
            {**TEST_CARD, "and_measure": "tours\x00finished"},
            '"And measure" was refused: it holds the control character U+0000; remove it and '
            "send the form again.",
        ),
        (
            "/b/main/learning/hypotheses",
            {**TEST_CARD, "we_are_right_if": "x" * 10_001},
            '"We are right if" was refused: it holds 10,001 characters; keep it to 10,000 and '
            "send the form again.",
        ),
        (
            "/b/main/learning/experiments",
            {"hypothesis": "first"},
            "Hypothesis 'first' was refused: give a whole number such as 3.",
        ),
        (
            "/b/main/learning/experiments/2/items",
            {"item": "-4"},
            "Item '-4' was refused: give a whole number such as 3.",
        ),
        (
            "/b/main/learning/experiments/2/conclude",
            {**LEARNING_CARD, "verdict": "maybe"},
            "Unknown verdict 'maybe': choose one of validated, invalidated, inconclusive.",
        ),
        (
            "/b/main/learning/experiments/2/conclude",
            {**LEARNING_CARD, "therefore_we_will": ""},
            'The card needs "Therefore we will": fill in that field and send the form again.',
        ),
    ],
)
def test_bad_fields_get_a_sentence_and_422(
    web: Web, path: str, fields: dict[str, str], sentence: str
) -> None:
    work_through(web, learning=True)
    before = len(web.events())

    answer = web.browser("ana").post(path, fields)

    assert answer.status_code == 422
    page = parse(answer.text)
    assert page.alert() == sentence
    assert page.one("h1").text == "Learning"  # the page again, with the sentence
    assert len(web.events()) == before


def test_a_refused_form_comes_back_filled_in(web: Web) -> None:
    work_through(web, learning=True)
    fields = {**LEARNING_CARD, "we_observed": "", "decision": "pivot"}

    answer = web.browser("ana").post("/b/main/learning/experiments/2/conclude", fields)

    assert answer.status_code == 422
    form = parse(answer.text).one("form", action="/b/main/learning/experiments/2/conclude")
    assert form.label_for("From that we learned").text == LEARNING_CARD["from_that_we_learned"]
    chosen = form.label_for("Decision").one("option", selected="")
    assert chosen.attrs["value"] == "pivot"


def test_a_change_the_board_refuses_answers_409_with_its_sentence(web: Web) -> None:
    work_through(web, learning=True)
    ana = web.browser("ana")
    before = len(web.events())

    again = ana.post("/b/main/learning/experiments/1/conclude", LEARNING_CARD)
    unlinked = ana.post("/b/main/learning/experiments/2/unlink", {"item": "8"})

    assert again.status_code == unlinked.status_code == 409
    assert parse(again.text).alert() == (
        "E1 was already concluded (validated): start a new experiment to test the hypothesis again."
    )
    assert parse(unlinked.text).alert() == (
        "Item #8 does not serve E2: there is no link to remove."
    )
    assert len(web.events()) == before


def test_the_page_needs_a_role_on_the_board(web: Web) -> None:
    answer = web.browser("bo").get("/b/main/learning")

    assert answer.status_code == 403
    assert web.browser().get("/b/main/learning").status_code == 303  # sign in first

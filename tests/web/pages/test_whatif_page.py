"""The what-if page: a field per working stage prefilled with its limit, the twin run for a
viewer too (nothing is written), the current limits against the proposed ones with the twin's
own numbers, and bad fields, missing tokens and boards with nothing finished refused."""

from __future__ import annotations

from typing import Any

import pytest

from pullflow.services.flow import add_item, pull_item
from pullflow.sim.twin import twin
from pullflow.web.routes.whatif import interval, number
from tests.web.conftest import Browser, Web
from tests.web.markup import Element, parse
from tests.web.pages.page_helpers import SETUP, flow_history, rows, work_through

PROPOSAL = {"limit1": "1", "limit2": "", "reps": "6", "units": "60", "seed": "3"}
FIGURES = ("throughput_steady", "cycle_time_steady", "wip_mean")


def run(browser: Browser, fields: dict[str, str], status: int = 200) -> Element:
    answer = browser.post("/b/main/what-if", fields)
    assert answer.status_code == status, answer.text
    return parse(answer.text)


@pytest.fixture
def worked(web: Web) -> Web:
    return work_through(web)


def test_the_form_has_a_field_per_working_stage_with_its_limit(worked: Web) -> None:
    answer = worked.browser("vic").get("/b/main/what-if")

    assert answer.status_code == 200
    form = parse(answer.text).one("form", action="/b/main/what-if")
    assert form.attrs["method"] == "post"
    assert form.one("input", name="csrf").attrs["value"]
    assert form.label_for("Build WIP limit").attrs["value"] == "2"
    assert form.label_for("Measure WIP limit").attrs["value"] == "2"
    assert not [label for label in form.find_all("label") if "Options" in label.text]
    assert form.label_for("Replications").attrs["value"] == "30"
    assert form.label_for("Items per replication").attrs["value"] == "500"
    assert form.label_for("Seed").attrs["value"] == "1"
    assert form.has_button("Run the what-if")


def test_a_viewer_runs_the_twin_and_sees_both_sets_of_limits(worked: Web) -> None:
    history = flow_history(worked)
    before = len(worked.events())

    page = run(worked.browser("vic"), PROPOSAL)

    expected = twin(
        history,
        current={"Options": None, "Build": 2, "Measure": 2, "Done": None},
        proposed={"Build": 1, "Measure": None},
        units=60,
        reps=6,
        seed=3,
    )
    table = page.one("table", class_="comparison")
    head = [cell.text for cell in table.one("thead").find_all("th")]
    assert head == ["Figure", "Current limits", "Proposed limits"]
    assert rows(table) == [
        [
            label,
            interval(expected.current.estimate(key)),
            interval(expected.proposed.estimate(key)),
        ]
        for label, key in zip(
            ("Throughput (items a day)", "Cycle time (days)", "WIP (items)"), FIGURES, strict=True
        )
    ]
    assert rows(page.one("table", class_="stages-compared")) == [
        ["Build", "6 items", str(expected.capacity["Build"]), "2", "1"],
        ["Measure", "6 items", str(expected.capacity["Measure"]), "2", "no limit"],
    ]
    reading = page.one("p", class_="reading").text
    assert reading.startswith("In the twin the proposed limits would ")
    assert reading.endswith("do not overlap).")
    for key in ("throughput_steady", "cycle_time_steady"):
        assert number(expected.current.estimate(key).mean) in reading
    assert "seed 3" in page.one("table", class_="comparison").one("caption").text
    assert (
        page.one("form", action="/b/main/what-if").label_for("Build WIP limit").attrs["value"]
        == "1"
    )
    assert len(worked.events()) == before


def test_the_same_seed_gives_the_same_answer(worked: Web) -> None:
    vic = worked.browser("vic")

    first = rows(run(vic, PROPOSAL).one("table", class_="comparison"))
    second = rows(run(vic, PROPOSAL).one("table", class_="comparison"))
    other = rows(run(vic, {**PROPOSAL, "seed": "4"}).one("table", class_="comparison"))

    assert first == second
    assert other != first


def test_the_current_limits_proposed_again_say_so(worked: Web) -> None:
    page = run(worked.browser("vic"), {**PROPOSAL, "limit1": "2", "limit2": "2"})

    current, proposed = zip(
        *(row[1:] for row in rows(page.one("table", class_="comparison"))), strict=True
    )
    assert current == proposed
    assert page.one("p", class_="reading").text.startswith("The proposed limits are the current")


def test_a_form_without_the_sessions_token_is_refused(worked: Web) -> None:
    vic = worked.browser("vic")

    missing = vic.post("/b/main/what-if", PROPOSAL, csrf=False)
    forged = vic.post("/b/main/what-if", {**PROPOSAL, "csrf": "forged"}, csrf=False)

    assert missing.status_code == forged.status_code == 403
    assert not parse(missing.text).find_all("table", class_="comparison")


@pytest.mark.parametrize(
    ("fields", "sentence"),
    [
        (
            {"limit1": "two"},
            "The WIP limit 'two' for Build was refused: give a whole number, 1 or more, or leave "
            "it empty for no limit.",
        ),
        (
            {"limit2": "0"},
            "The WIP limit '0' for Measure was refused: give a whole number, 1 or more, or leave "
            "it empty for no limit.",
        ),
        (
            {"units": "100000"},
            "Items per replication '100000' was refused: give a whole number from 10 to 500 "
            "(500 unless you need more).",
        ),
        (
            {"reps": "0"},
            "Replications '0' was refused: give a whole number from 1 to 50 (30 unless you need "
            "more).",
        ),
        (
            {"seed": "-2"},
            "The seed '-2' was refused: give a whole number from 0 to 4,294,967,295 (1 unless "
            "you need more).",
        ),
    ],
)
def test_bad_fields_get_a_sentence_and_422(
    worked: Web, fields: dict[str, str], sentence: str
) -> None:
    sent = {**PROPOSAL, **fields}

    page = run(worked.browser("vic"), sent, status=422)

    assert page.alert() == sentence
    assert not page.find_all("table", class_="comparison")
    form = page.one("form", action="/b/main/what-if")
    name, value = next(iter(fields.items()))
    assert form.one("input", name=name).attrs["value"] == value


def test_a_board_with_nothing_finished_gets_the_twins_sentence(web: Web) -> None:
    uow = web.store.unit_of_work
    add_item(uow(), board="other", title="First", actor=SETUP, at=web.clock.now)
    pull_item(uow(), board="other", stage="Doing", item=1, actor=SETUP, at=web.clock.now)
    bo = web.browser("bo")

    answer: Any = bo.post("/b/other/what-if", {"limit1": "2"})

    assert answer.status_code == 409
    assert parse(answer.text).alert() == (
        "No finished item has a time in Doing, so the twin cannot draw times there: simulate a "
        "history with finished items."
    )


def test_the_page_needs_a_role_on_the_board(worked: Web) -> None:
    bo = worked.browser("bo")

    assert bo.get("/b/main/what-if").status_code == 403
    assert bo.post("/b/main/what-if", PROPOSAL).status_code == 403

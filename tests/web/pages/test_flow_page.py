"""The flow page: the board's figures from its own history, its charts as inline SVG with
their data as tables, and the two forecasts, whose numbers are the flow functions' for the
same seed; bad forecast fields get a sentence and 422, and a board with nothing finished gets
the analytics' own sentence instead of an error."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from pullflow.charts.common import number_text
from pullflow.charts.report import sle_sentence
from pullflow.flow.forecast import daily_throughput, forecast_how_many, forecast_when
from pullflow.flow.history import History, day_of
from pullflow.flow.metrics import measure
from pullflow.flow.percentiles import LEVELS, METHOD
from pullflow.services import DomainError
from pullflow.services.flow import add_item, finish_item, pull_item
from tests.web.conftest import Browser, Web
from tests.web.markup import Element, parse
from tests.web.pages.page_helpers import SETUP, cells, flow_history, rows, work_through

TRIALS = 10_000
CHARTS = ("cfd", "scatter", "aging", "throughput")


def flow_page(browser: Browser, query: str = "", status: int = 200) -> Element:
    answer = browser.get(f"/b/main/flow{query}")
    assert answer.status_code == status, answer.text
    return parse(answer.text)


def by_row(table: Element) -> dict[str, list[str]]:
    """A table's body rows by the text of their first cell."""
    return {row[0]: row[1:] for row in rows(table)}


def refusal_of(work: Any) -> str:
    with pytest.raises(DomainError) as refused:
        work()
    message: str = refused.value.message
    return message


@pytest.fixture
def worked(web: Web) -> Web:
    return work_through(web, learning=True)


def test_a_viewer_sees_the_boards_figures_from_its_history(worked: Web) -> None:
    metrics = measure(flow_history(worked))

    page = flow_page(worked.browser("vic"))

    assert page.one("p", class_="sle").text == sle_sentence(metrics)
    assert METHOD in page.one("p", class_="method").text
    cycle = by_row(page.one("table", aria_label="Cycle time and lead time"))
    for level in LEVELS:
        assert cycle[f"P{level}"][0] == number_text(metrics.cycle_time.percentiles[level])
    assert cycle["Items"][0] == str(len(metrics.completed.values)) == "6"
    flow = by_row(page.one("table", aria_label="Throughput, work in progress and flow"))
    assert flow["Throughput: items finished"] == [str(int(metrics.throughput.sum()))]
    assert flow["WIP at the window's end"] == [str(int(metrics.wip[-1]))]
    assert metrics.flow_efficiency is not None
    assert f"{metrics.flow_efficiency:.1%}" in page.one("section", id="throughput").text
    (aging,) = metrics.aging
    (row,) = page.one("table", id="aging-table").one("tbody").find_all("tr")
    assert row.one("a").attrs["href"] == "/b/main/items/7"
    assert cells(row) == [
        "#7 Search the archive",
        "Build",
        f"{aging.age} days",
        f"{aging.pace:.0f}%",
        "at risk" if aging.at_risk else "",
    ]
    assert aging.at_risk
    little = page.one("section", id="littles-law")
    for _, sentence in metrics.littles_law.violations:
        assert sentence in little.text
    learning = by_row(page.one("table", aria_label="Learning"))
    assert metrics.learning is not None
    assert learning["Experiments concluded"] == [str(metrics.learning.concluded)]


def test_the_charts_are_inline_svg_with_a_text_alternative(worked: Web) -> None:
    metrics = measure(flow_history(worked))
    answer = worked.browser("vic").get("/b/main/flow")
    page = parse(answer.text)

    for name in CHARTS:
        figure = page.one("figure", id=f"chart-{name}")
        drawing = figure.one("div", role="img")
        assert drawing.attrs["aria-label"].strip()
        assert [child.tag for child in drawing.children if isinstance(child, Element)] == ["svg"]
        assert rows(figure.one("table", id=f"chart-{name}-table"))
    scripts = re.findall(r"<script[^>]*>", answer.text)
    assert scripts == ['<script src="/static/pullflow.js" defer>']  # the layout's, no other
    assert "script-src 'self'" in answer.headers["content-security-policy"]

    throughput = rows(page.one("table", id="chart-throughput-table"))
    assert sum(int(row[1]) for row in throughput) == int(metrics.throughput.sum())
    cfd = rows(page.one("table", id="chart-cfd-table"))
    assert cfd[-1] == [day_of(metrics.last).isoformat(), *(str(n) for n in metrics.cfd[-1])]
    scatter = rows(page.one("table", id="chart-scatter-table"))
    assert [row[2] for row in scatter] == [number_text(v) for v in metrics.completed.values]


def test_an_items_title_stays_text_in_the_charts(web: Web) -> None:
    work_through(web)
    uow = web.store.unit_of_work
    title = '<script>alert("x")</script> & <b>bold</b>'
    add_item(uow(), board="main", title=title, actor=SETUP, at=web.clock.now)
    pull_item(uow(), board="main", stage="Build", item=9, actor=SETUP, at=web.clock.now)
    web.clock(days=1)
    finish_item(uow(), board="main", item=9, actor=SETUP, at=web.clock.now)

    answer = web.browser("vic").get("/b/main/flow")

    assert answer.status_code == 200
    assert "<script>alert" not in answer.text
    assert "<b>bold" not in answer.text
    assert title in parse(answer.text).one("table", id="aging-table").text


def when_rows(history: History, items: int, seed: int, window: int = 90) -> list[list[str]]:
    forecast = forecast_when(history, items, trials=TRIALS, seed=seed, window_days=window)
    return [
        [f"{level}%", forecast.dates[level].isoformat(), str(forecast.days[level])]
        for level in LEVELS
    ]


def test_when_will_n_be_done_gives_the_flow_functions_numbers(worked: Web) -> None:
    history = flow_history(worked)
    vic = worked.browser("vic")

    page = flow_page(vic, "?items=5&seed=11")

    answer = page.one("section", id="forecast-when")
    assert rows(answer.one("table")) == when_rows(history, 5, 11)
    forecast = forecast_when(history, 5, trials=TRIALS, seed=11)
    assert answer.one("p", role="status").text == (
        f"85% chance that 5 more items are done by {forecast.dates[85].isoformat()} "
        f"({forecast.days[85]} days from {forecast.start.isoformat()})."
    )
    assert "10,000 trials, seed 11" in answer.one("caption").text
    link = answer.one("a").attrs["href"]
    assert link == "/b/main/flow?items=5&seed=11&window=90#forecast-when"
    again = flow_page(vic, link.split("/b/main/flow")[1].split("#")[0])
    assert rows(again.one("section", id="forecast-when").one("table")) == when_rows(history, 5, 11)
    form = page.one("form", action="/b/main/flow#forecast-when")
    assert form.attrs["method"] == "get"
    assert form.label_for("Items left to do").attrs["value"] == "5"
    assert form.label_for("Seed").attrs["value"] == "11"


def test_how_many_by_a_date_gives_the_flow_functions_numbers(worked: Web) -> None:
    history = flow_history(worked)
    by = day_of(history.last_event_day) + timedelta(days=30)

    page = flow_page(worked.browser("vic"), f"?by={by.isoformat()}&seed=4&window=14")

    forecast = forecast_how_many(history, by, trials=TRIALS, seed=4, window_days=14)
    answer = page.one("section", id="forecast-how-many")
    assert rows(answer.one("table")) == [
        [f"{level}%", str(forecast.at_least[level])] for level in LEVELS
    ]
    assert answer.one("p", role="status").text == (
        f"85% chance of at least {forecast.at_least[85]} items from "
        f"{forecast.start.isoformat()} to {by.isoformat()}."
    )


def test_a_forecast_without_a_seed_shows_the_one_it_used(worked: Web) -> None:
    history = flow_history(worked)

    page = flow_page(worked.browser("vic"), "?items=3&window=30")

    answer = page.one("section", id="forecast-when")
    found = re.search(r"seed (\d+)", answer.one("caption").text)
    assert found
    assert rows(answer.one("table")) == when_rows(history, 3, int(found.group(1)), window=30)


@pytest.mark.parametrize(
    ("query", "sentence"),
    [
        ("?items=many", "Items left to do 'many' was refused: give a whole number such as 3."),
        ("?items=0", "Items left to do '0' was refused: give a whole number such as 3."),
        ("?by=2026-02-30", "The date '2026-02-30' was refused: write it as YYYY-MM-DD."),
        (
            "?by=",
            "The forecast was refused: it needs the last day to count to; give a date as "
            "YYYY-MM-DD.",
        ),
        (
            "?items=3&seed=-1",
            "The seed '-1' was refused: a seed is a whole number, 0 or more, such as 7; leave "
            "it empty for a fresh one.",
        ),
        (
            "?items=3&window=0",
            "The throughput window '0' was refused: give a whole number such as 3.",
        ),
    ],
)
def test_bad_forecast_fields_get_a_sentence_and_422(worked: Web, query: str, sentence: str) -> None:
    page = flow_page(worked.browser("vic"), query, status=422)

    assert page.alert() == sentence
    assert page.find_all("figure", class_="flow-chart")  # the rest of the page is still there


def test_a_forecast_the_history_cannot_give_gets_the_forecasts_sentence(worked: Web) -> None:
    history = flow_history(worked)
    too_early = day_of(history.last_event_day).isoformat()
    vic = worked.browser("vic")

    early = flow_page(vic, f"?by={too_early}", status=422)
    far = flow_page(vic, "?items=2000000000", status=422)

    assert early.alert() == refusal_of(
        lambda: forecast_how_many(history, day_of(history.last_event_day), trials=TRIALS)
    )
    assert far.alert() == refusal_of(lambda: forecast_when(history, 2_000_000_000, trials=TRIALS))


def test_a_board_with_nothing_finished_shows_the_analytics_sentence(web: Web) -> None:
    uow = web.store.unit_of_work
    add_item(uow(), board="other", title="First", actor=SETUP, at=web.clock.now)
    pull_item(uow(), board="other", stage="Doing", item=1, actor=SETUP, at=web.clock.now)
    web.clock(days=2)
    history = flow_history(web, "other")
    bo = web.browser("bo")

    answer = bo.get("/b/other/flow")

    assert answer.status_code == 200
    page = parse(answer.text)
    assert page.alert() == refusal_of(lambda: daily_throughput(history))
    assert page.one("p", class_="sle").text == sle_sentence(measure(history))
    assert "no P85 to hold their age against" in page.one("section", id="aging-wip").text
    asked = bo.get("/b/other/flow?items=3&seed=1")
    assert asked.status_code == 422
    assert parse(asked.text).alert() == refusal_of(lambda: forecast_when(history, 3, seed=1))


def test_a_board_without_any_move_shows_the_analytics_sentence(web: Web) -> None:
    history = flow_history(web, "other")

    answer = web.browser("bo").get("/b/other/flow")

    assert answer.status_code == 200
    page = parse(answer.text)
    assert page.alert() == refusal_of(lambda: measure(history))
    assert not page.find_all("figure")
    assert page.one("form", action="/b/other/flow#forecast-when")


def test_the_page_needs_a_role_on_the_board(web: Web) -> None:
    assert web.browser("bo").get("/b/main/flow").status_code == 403
    assert web.browser().get("/b/main/flow?items=3").status_code == 303

"""A board with a history to measure, and readers of what the learning, flow and what-if pages show.

The board's history is built through the services as the tests' clock moves.

``work_through(web)`` adds eight items to board ``main`` (Options, Build:2, Measure:2, Done)
and takes #1-#6, one after another, through Build and Measure into Done, each spending a
different time in Measure; #7 is pulled into Build and left there to age, #8 waits in the options.
``flow_history(web)`` is the flow history the pages measure: the board's events as of now.
"""

from __future__ import annotations

from pullflow.flow.board_events import history_from_events
from pullflow.flow.history import History
from pullflow.services import Decision, Verdict
from pullflow.services.flow import add_item, finish_item, pull_item
from pullflow.services.learning import (
    conclude_experiment,
    link_item,
    start_experiment,
    state_hypothesis,
)
from pullflow.services.queries import board_events
from tests.web.conftest import Web
from tests.web.markup import Element

TITLES = (
    "Signup form",
    "Pricing page",
    "Welcome mail",
    "Invite a colleague",
    "Export to CSV",
    "Dark mode",
    "Search the archive",
    "Weekly digest",
)
#: Days each of #1-#6 spends in Measure before it is delivered.
MEASURE_DAYS = (0, 1, 3, 1, 2, 5)
SETUP = "setup"
BELIEFS = ("people sign up when the form is short", "a digest brings people back")


def work_through(web: Web, board: str = "main", *, learning: bool = False) -> Web:
    """Eight items, six delivered over a fortnight or so, one in progress, one waiting.

    With ``learning``, the work tests two hypotheses: E1 (on H1) pulls #1 and #2 and is
    concluded once both are delivered; E2 (on H2) runs, and pulls #7.
    """
    uow = web.store.unit_of_work
    for title in TITLES:
        add_item(uow(), board=board, title=title, actor=SETUP, at=web.clock.now)
    if learning:
        _hypotheses(web, board)
    for number, measure_days in enumerate(MEASURE_DAYS, start=1):
        web.clock(days=1)
        pull_item(uow(), board=board, stage="Build", item=number, actor=SETUP, at=web.clock.now)
        web.clock(hours=4)
        finish_item(uow(), board=board, item=number, actor=SETUP, at=web.clock.now)
        pull_item(uow(), board=board, stage="Measure", item=number, actor=SETUP, at=web.clock.now)
        web.clock(days=measure_days, hours=2)
        finish_item(uow(), board=board, item=number, actor=SETUP, at=web.clock.now, deliver=True)
        if learning and number == 2:
            _conclude_first(web, board)
    if learning:
        start_experiment(
            uow(), board=board, hypothesis=2, title="Digest", actor=SETUP, at=web.clock.now
        )
        link_item(uow(), board=board, experiment=2, item=7, actor=SETUP, at=web.clock.now)
    web.clock(days=1)
    pull_item(uow(), board=board, stage="Build", item=7, actor=SETUP, at=web.clock.now)
    web.clock(days=9)
    return web


def _hypotheses(web: Web, board: str) -> None:
    uow = web.store.unit_of_work
    for belief in BELIEFS:
        state_hypothesis(
            uow(),
            board=board,
            belief=belief,
            test="ship it to half the visitors",
            metric="signups a day",
            criterion="signups rise by 10%",
            actor=SETUP,
            at=web.clock.now,
        )
    start_experiment(
        uow(), board=board, hypothesis=1, title="Short form", actor=SETUP, at=web.clock.now
    )
    for item in (1, 2):
        link_item(uow(), board=board, experiment=1, item=item, actor=SETUP, at=web.clock.now)


def _conclude_first(web: Web, board: str) -> None:
    conclude_experiment(
        web.store.unit_of_work(),
        board=board,
        experiment=1,
        verdict=Verdict.VALIDATED,
        decision=Decision.PERSEVERE,
        observed="signups rose by 14%",
        learned="a short form helps",
        next_step="keep the short form",
        actor=SETUP,
        at=web.clock.now,
    )


def flow_history(web: Web, board: str = "main") -> History:
    """The board's flow history as the pages read it: its events, measured now."""
    _, events = board_events(web.store.unit_of_work(), board=board)
    return history_from_events(events, as_of=web.clock.now.timestamp())


def cells(row: Element) -> list[str]:
    """The text of a row's header and data cells, in order."""
    return [
        child.text
        for child in row.children
        if isinstance(child, Element) and child.tag in {"th", "td"}
    ]


def rows(table: Element) -> list[list[str]]:
    """The body rows of a table, each as the text of its cells."""
    return [cells(row) for row in table.one("tbody").find_all("tr")]


def links(element: Element) -> list[str]:
    """The targets of the links inside an element, in order."""
    return [link.attrs["href"] for link in element.find_all("a")]

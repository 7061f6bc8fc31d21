"""``pullflow demo``: a guided walk through a pull system on a throw-away database.

It builds a build-measure-learn board, lets an experiment pull work, shows a pull refused at
a WIP limit, stops the line with the andon and resumes it with a Five Whys, printing the board
as it goes. The clock is simulated (starting ten days ago) so that ages look like a real week.
``build_demo`` takes the same steps without printing (``pullflow serve --demo`` starts from it).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.rule import Rule

from pullflow.cli import analytics_render as show_flow
from pullflow.cli import render
from pullflow.cli.context import Actor, BoardName, Db, Server, actor, connection
from pullflow.flow.board_events import history_from_events
from pullflow.flow.metrics import measure
from pullflow.services import (
    Decision,
    DomainError,
    FiveWhys,
    Invalid,
    Outcome,
    ServiceClass,
    SqlUnitOfWork,
    Verdict,
)
from pullflow.services.andon import resume_line, stop_line
from pullflow.services.boards import create_from_template
from pullflow.services.flow import add_item, finish_item, pull_item
from pullflow.services.learning import (
    conclude_experiment,
    link_item,
    start_experiment,
    state_hypothesis,
)
from pullflow.services.queries import board_view, event_log
from pullflow.services.unit import initialise_store

BOARD = "Newsletter"
TEAM = ("ana", "bo", "chen")

FIVE_WHYS = {
    "problem": "The signup form loses every address typed with a plus sign",
    "people_affected": 3,
    "whys": [
        {
            "question": "Why were the addresses lost?",
            "answer": "The validator rejects '+' and the form swallows the error",
            "countermeasure": "Show validation errors next to the field",
            "owner": "ana",
            "effort": "1h",
        },
        {
            "question": "Why did the validator reject '+'?",
            "answer": "It was copied from an old service with a hand-written regex",
            "countermeasure": "Use the email library's validator",
            "owner": "bo",
            "effort": "2h",
        },
        {
            "question": "Why did no test catch it?",
            "answer": "Signup has no tests with real-world addresses",
            "countermeasure": "Add a table of real addresses to the signup tests",
            "owner": "chen",
            "effort": "3h",
        },
    ],
    "root_cause": "Signup changes ship without tests that use real-world addresses",
}


class Walk:
    """The demo's store, clock and narration."""

    def __init__(self, url: str, board: str, *, quiet: bool = False) -> None:
        self.store, _ = initialise_store(url)
        self.board = board
        self.quiet = quiet
        self.at = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=10)

    def later(self, hours: float) -> datetime:
        self.at += timedelta(hours=hours)
        return self.at

    def say(self, text: str) -> None:
        if not self.quiet:
            render.say(text)

    def step(self, title: str, text: str) -> None:
        if self.quiet:
            return
        render.out.print()
        render.out.print(Rule(title, align="left", style="cyan"))
        render.say(text)

    def do(self, action: Callable[[], Outcome]) -> Outcome:
        outcome = action()
        if not self.quiet:
            render.events(outcome.events)
        return outcome

    def refused(self, action: Callable[[], Outcome]) -> None:
        try:
            action()
        except DomainError as error:
            if not self.quiet:
                render.out.print(f"[bold red]Refused:[/] {error.message}", highlight=False)
        else:
            raise RuntimeError("the demo expected a refusal here")

    def show(self) -> None:
        if self.quiet:
            return
        render.board(board_view(self.store.unit_of_work(), board=self.board, at=self.at))

    def uow(self) -> SqlUnitOfWork:
        return self.store.unit_of_work()


def demo(
    keep: Annotated[
        Path | None,
        typer.Option(help="Keep the demo database in this SQLite file instead of deleting it."),
    ] = None,
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Walk through pulls, a refused pull, an experiment, an andon stop and its Five Whys.

    The demo runs on a throw-away SQLite database, or in the database --db names (it adds a
    board there, named by --board); --as names the first of its three team members. It never
    uses a server (with --server, it still runs on its own throw-away database).
    """
    connection(db, server)
    name = board or BOARD
    first = actor(as_) if as_ is not None else TEAM[0]
    if db is not None:
        _walk(db, name, first)
        render.say(f"\nThe demo board {name} is in {db}: pullflow board show {name} --db {db}")
        return
    if keep is not None:
        if keep.exists():
            raise Invalid(f"{keep} already exists: choose a new file for --keep.")
        _walk(f"sqlite:///{keep.resolve()}", name, first)
        render.say(f"\nThe demo board is kept in {keep}: pullflow board show --db sqlite:///{keep}")
        return
    with tempfile.TemporaryDirectory(prefix="pullflow-demo-") as folder:
        _walk(f"sqlite:///{Path(folder) / 'demo.db'}", name, first)


def build_demo(url: str, board: str = BOARD) -> None:
    """Build the demo board in the database at ``url`` (made if need be), printing nothing."""
    walk = _walk(url, board, TEAM[0], quiet=True)
    walk.store.close()


def _walk(url: str, board: str, first: str, *, quiet: bool = False) -> Walk:
    walk = Walk(url, board, quiet=quiet)
    ana, bo, chen = first, *TEAM[1:]
    walk.step(
        "1. A board that pulls",
        "A build-measure-learn board: work waits in the options and leaves them only when a "
        "running experiment pulls it. Build takes 3 items at most, Measure and Learn 2.",
    )
    walk.do(
        lambda: create_from_template(
            walk.uow(), template_name="build-measure-learn", name=walk.board, actor=ana, at=walk.at
        )
    )
    titles = [
        "Landing page with signup form",
        "Welcome email",
        "Weekly digest template",
        "Referral link",
        "Dark mode",
    ]
    for title in titles:
        walk.do(
            lambda title=title: add_item(  # type: ignore[misc]
                walk.uow(), board=walk.board, title=title, actor=ana, at=walk.later(0.5)
            )
        )
    walk.show()

    walk.step(
        "2. No experiment, no pull",
        "Build has room, but nothing in the options serves an experiment yet, so it pulls "
        "nothing: room alone is not a reason to start work.",
    )
    walk.refused(
        lambda: pull_item(walk.uow(), board=walk.board, stage="Build", actor=bo, at=walk.later(1))
    )

    walk.step(
        "3. A hypothesis and an experiment pull work",
        "We state a Test Card, start an experiment, and link the items it needs.",
    )
    walk.do(
        lambda: state_hypothesis(
            walk.uow(),
            board=walk.board,
            belief="readers will sign up for a weekly newsletter about lean product work",
            test="put a landing page with a signup form in front of 500 visitors",
            metric="the share of visitors who sign up",
            criterion="at least 5% sign up within two weeks",
            actor=ana,
            at=walk.later(2),
        )
    )
    walk.do(
        lambda: start_experiment(
            walk.uow(),
            board=walk.board,
            hypothesis=1,
            title="Smoke-test landing page",
            actor=ana,
            at=walk.later(1),
        )
    )
    for item in (1, 2, 3, 4):
        walk.do(
            lambda item=item: link_item(  # type: ignore[misc]
                walk.uow(), board=walk.board, experiment=1, item=item, actor=ana, at=walk.later(0.2)
            )
        )
    for person in (ana, bo, chen):
        walk.do(
            lambda person=person: pull_item(  # type: ignore[misc]
                walk.uow(), board=walk.board, stage="Build", actor=person, at=walk.later(1)
            )
        )
    walk.show()

    walk.step(
        "4. The limit holds",
        "Build is full (3/3). A fourth pull is refused, with what to do instead.",
    )
    walk.refused(
        lambda: pull_item(walk.uow(), board=walk.board, stage="Build", actor=bo, at=walk.later(0.5))
    )

    walk.step(
        "5. Finishing makes room downstream; pulling moves work on",
        "Finished work waits in Build's done lane until Measure pulls it.",
    )
    walk.do(lambda: finish_item(walk.uow(), board=walk.board, item=1, actor=ana, at=walk.later(30)))
    walk.do(
        lambda: pull_item(
            walk.uow(), board=walk.board, stage="Measure", actor=chen, at=walk.later(2)
        )
    )
    walk.do(
        lambda: pull_item(walk.uow(), board=walk.board, stage="Build", actor=bo, at=walk.later(1))
    )
    walk.show()

    walk.step(
        "6. Stop the line",
        "Measuring shows signups with a '+' in the address vanish. Chen pulls the andon: "
        "nothing new is pulled until the root cause is found, except the fix, which goes in "
        "as expedite work: it may pass Build's limit, and that is recorded.",
    )
    walk.do(
        lambda: add_item(
            walk.uow(),
            board=walk.board,
            title="Fix: accept '+' in emails",
            service_class=ServiceClass.EXPEDITE,
            actor=chen,
            at=walk.later(0.5),
        )
    )
    walk.do(
        lambda: stop_line(
            walk.uow(),
            board=walk.board,
            reason="signups with '+' in the address are lost",
            tags=["signup", "validation"],
            fix=6,
            people=3,
            actor=chen,
            at=walk.later(0.1),
        )
    )
    walk.refused(
        lambda: pull_item(walk.uow(), board=walk.board, stage="Learn", actor=bo, at=walk.later(0.5))
    )
    walk.do(
        lambda: pull_item(
            walk.uow(), board=walk.board, stage="Build", item=6, actor=bo, at=walk.later(0.5)
        )
    )
    walk.show()

    walk.step(
        "7. Five Whys, then resume",
        "The team asks why until it reaches the root cause, with a countermeasure at every "
        "level. Resuming shows what the stop cost and the investment it suggests.",
    )
    walk.do(
        lambda: resume_line(
            walk.uow(),
            board=walk.board,
            five_whys=FiveWhys.from_data(FIVE_WHYS),
            actor=chen,
            at=walk.later(4),
        )
    )
    walk.do(lambda: finish_item(walk.uow(), board=walk.board, item=6, actor=bo, at=walk.later(3)))

    walk.step(
        "8. Through to done",
        "The landing page has been measured: Learn pulls it, and finishing it in the last "
        "stage delivers it into Done.",
    )
    walk.do(
        lambda: finish_item(walk.uow(), board=walk.board, item=1, actor=chen, at=walk.later(20))
    )
    walk.do(
        lambda: pull_item(walk.uow(), board=walk.board, stage="Learn", actor=ana, at=walk.later(1))
    )
    walk.do(
        lambda: finish_item(
            walk.uow(), board=walk.board, item=1, deliver=True, actor=ana, at=walk.later(5)
        )
    )

    walk.step(
        "9. Learn",
        "Two weeks of measuring later, the experiment is concluded with a Learning Card.",
    )
    walk.do(
        lambda: conclude_experiment(
            walk.uow(),
            board=walk.board,
            experiment=1,
            verdict=Verdict.VALIDATED,
            decision=Decision.PERSEVERE,
            observed="7.2% of 540 visitors signed up",
            learned="there is demand for the newsletter at this price of attention",
            next_step="build the weekly digest and measure retention",
            actor=ana,
            at=walk.later(48),
        )
    )
    walk.show()
    history = event_log(walk.uow(), board=walk.board)
    walk.say(
        f"\nEvery change above is an event ({len(history)} in all); see them with pullflow log."
    )

    walk.step(
        "10. Measure the flow",
        "The same events give the flow figures: cycle time, WIP, aging work, Little's Law, and "
        "how long the hypothesis took to reach its verdict (pullflow metrics; pullflow report "
        "-o report.html draws them all).",
    )
    if not walk.quiet:
        measured = history_from_events(
            (stored.event for stored in history), as_of=walk.at.timestamp()
        )
        show_flow.metrics(measure(measured), f"board {walk.board}")
    return walk

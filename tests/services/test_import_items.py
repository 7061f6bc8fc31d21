"""Recording an imported history through the store, in one transaction, on both backends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from pullflow.domain.board import Board
from pullflow.domain.errors import Invalid, NotFound, WipLimitReached
from pullflow.domain.imported import ImportedHistory, ImportedItem
from pullflow.services import SqlUnitOfWork
from pullflow.services.boards import create_board
from pullflow.services.flow import add_item, pull_item
from pullflow.services.imports import import_history
from pullflow.services.queries import board_events, board_history, board_names, event_log
from tests.conftest import Clock
from tests.snapshot import snapshot

UowFactory = Callable[[], SqlUnitOfWork]

T = datetime(2024, 3, 4, 9, tzinfo=UTC)
RUN = datetime(2026, 11, 30, 9, tzinfo=UTC)
STAGES = ("Backlog", "In progress", "Review", "Done")


def days(n: float) -> datetime:
    return T + timedelta(days=n)


def history(*items: ImportedItem, stages: tuple[str, ...] = STAGES) -> ImportedHistory:
    return ImportedHistory(stages, items)


def imported(source_id: str, *entries: tuple[int, datetime], **more: object) -> ImportedItem:
    return ImportedItem(source_id, f"item {source_id}", entries, **more)  # type: ignore[arg-type]


#: A delivered item with attributes, one still in progress, one discarded from the backlog.
THREE = (
    imported(
        "A-1", (0, days(0)), (1, days(1)), (2, days(2)), (3, days(3)), attributes={"type": "bug"}
    ),
    imported("A-2", (0, days(0.5)), (1, days(2))),
    imported("A-3", (0, days(1)), discarded_at=days(4)),
)


def same(stored: Board, replayed: Board) -> None:
    assert snapshot(stored) == snapshot(replayed)
    assert (stored.commitment, stored.delivery) == (replayed.commitment, replayed.delivery)
    assert {i.number: i.attributes for i in stored.items} == {
        i.number: i.attributes for i in replayed.items
    }


def test_an_import_creates_the_board_it_names_from_the_history(uow: UowFactory) -> None:
    outcome = import_history(
        uow(),
        board="Legacy",
        history=history(*THREE),
        actor="ana",
        at=RUN,
        timezone="Europe/Berlin",
    )
    assert outcome.board == "Legacy"
    types = [e.type.value for e in outcome.events]
    # board.created, then 3 added, 4 pulls (A-1 three, A-2 one), 1 discard
    assert (types[0], len(types)) == ("board.created", 9)
    assert outcome.events[0].at == days(0)  # the board begins with its history
    stored, stored_events = board_history(uow(), board="legacy")
    assert [(s.name, s.limit) for s in stored.stages] == [(name, None) for name in STAGES]
    assert (stored.pull_signal.value, stored.timezone) == ("capacity", "Europe/Berlin")
    assert [
        (i.number, i.stage.name, i.state.value)
        for i in sorted(stored.items, key=lambda i: i.number)
    ] == [
        (1, "Done", "done"),
        (2, "In progress", "active"),
        (3, "Backlog", "discarded"),
    ]
    assert stored.item(1).attributes == {"type": "bug"}
    assert [s.event for s in stored_events] == outcome.events
    same(stored, Board.replay(s.event for s in stored_events))


def test_board_events_reads_the_name_and_every_event_oldest_first(uow: UowFactory) -> None:
    outcome = import_history(uow(), board="Legacy", history=history(*THREE), actor="ana", at=RUN)
    name, events = board_events(uow(), board="LEGACY")
    assert name == "Legacy"
    assert events == outcome.events
    assert board_events(uow(), board=None) == (name, events)


def test_an_import_onto_a_board_matches_its_stages_whatever_their_case(
    uow: UowFactory, clock: Clock
) -> None:
    create_board(uow(), name="team", stages="Options,Build:1,Measure:1,Done", actor="a", at=clock())
    add_item(uow(), board="team", title="made here", actor="a", at=clock())
    # Build takes one item, and on day 1 all three imported items were in it: history passes
    # the limit by. The source's third stage, done, is the board's fourth.
    the_history = history(
        imported("J-1", (0, days(0)), (1, days(1)), (2, days(2))),
        imported("J-2", (1, days(1))),
        imported("J-3", (1, days(1)), (2, days(2))),
        stages=("OPTIONS", " build ", "done"),
    )
    outcome = import_history(uow(), board="Team", history=the_history, actor="bo", at=RUN)
    assert outcome.board == "team"
    # numbers go on from #1 (J-1 is #2); by time, and in the order of the file when equal:
    # day 0 #2 added; day 1 #2 into Build, #3 added and into Build, #4 added and into Build;
    # day 2 #2 and #4 into Done
    assert [(e.type.value, e.item, e.to_stage) for e in outcome.events] == [
        ("item.added", 2, "Options"),
        ("item.pulled", 2, "Build"),
        ("item.added", 3, "Options"),
        ("item.pulled", 3, "Build"),
        ("item.added", 4, "Options"),
        ("item.pulled", 4, "Build"),
        ("item.pulled", 2, "Done"),
        ("item.pulled", 4, "Done"),
    ]
    stored, stored_events = board_history(uow(), board="team")
    assert stored.wip(stored.stage("Build")) == 1
    assert [s.event.type.value for s in stored_events][:2] == ["board.created", "item.added"]
    same(stored, Board.replay(s.event for s in stored_events))
    # the board works on as before: the next item is #5, and Build (holding #3) is at its limit
    assert add_item(uow(), board="team", title="next", actor="a", at=clock()).events[0].item == 5
    with pytest.raises(WipLimitReached, match=r"Build is at its WIP limit \(1/1\)"):
        pull_item(uow(), board="team", stage="Build", actor="a", at=clock())


def test_a_stage_the_board_lacks_is_refused_naming_its_stages(
    uow: UowFactory, clock: Clock
) -> None:
    create_board(uow(), name="team", stages="Options,Build,Measure,Done", actor="a", at=clock())
    before = event_log(uow(), board="team")
    with pytest.raises(Invalid) as refused:
        import_history(
            uow(),
            board="team",
            history=history(imported("A", (0, days(0))), stages=("Options", "Deploy", "Done")),
            actor="bo",
            at=RUN,
        )
    assert str(refused.value) == (
        "Stage 'Deploy' of the import is not on board team: its stages are Options, Build, "
        "Measure, Done, so rename the stage in the file or import into a new board."
    )
    assert event_log(uow(), board="team") == before


def test_stages_in_another_order_than_the_board_are_refused(uow: UowFactory, clock: Clock) -> None:
    create_board(uow(), name="team", stages="Options,Build,Measure,Done", actor="a", at=clock())
    with pytest.raises(Invalid) as refused:
        import_history(
            uow(),
            board="team",
            history=history(stages=("Options", "Measure", "Build", "Done")),
            actor="bo",
            at=RUN,
        )
    assert str(refused.value) == (
        "Stage 'Build' comes after 'Measure' in the import but not on board team, whose stages "
        "are Options, Build, Measure, Done: put the stages of the file in the board's order."
    )


def test_a_bad_item_in_the_middle_writes_nothing_not_even_the_new_board(
    uow: UowFactory, clock: Clock
) -> None:
    create_board(uow(), name="other", stages="Options,Build,Done", actor="a", at=clock())
    bad = imported("B-2", (2, days(1)), (1, days(2)))
    the_history = history(THREE[0], bad, THREE[1])
    with pytest.raises(Invalid, match="Imported item 'B-2' was refused: it enters In progress"):
        import_history(uow(), board="Legacy", history=the_history, actor="ana", at=RUN)
    assert board_names(uow()) == ["other"]
    # and on an existing board: no item, no event, and numbering goes on as if nothing happened
    create_board(uow(), name="Legacy", stages=",".join(STAGES), actor="a", at=clock())
    before = event_log(uow(), board="Legacy")
    with pytest.raises(Invalid, match="Imported item 'B-2' was refused"):
        import_history(uow(), board="Legacy", history=the_history, actor="ana", at=RUN)
    assert event_log(uow(), board="Legacy") == before
    stored, _ = board_history(uow(), board="Legacy")
    assert (stored.items, stored.item_seq) == ([], 0)
    assert add_item(uow(), board="Legacy", title="x", actor="a", at=clock()).events[0].item == 1


def test_a_new_board_needs_three_stages(uow: UowFactory) -> None:
    with pytest.raises(Invalid) as refused:
        import_history(
            uow(), board="Legacy", history=history(stages=("Todo", "Done")), actor="a", at=RUN
        )
    assert str(refused.value) == (
        "A board cannot be made from an import with 2 stages: a board needs the options, at "
        "least one working stage and done, so import into an existing board or give the file "
        "more stages."
    )
    assert board_names(uow()) == []


def test_without_create_a_missing_board_is_refused(uow: UowFactory, clock: Clock) -> None:
    create_board(uow(), name="team", stages="Options,Build,Done", actor="a", at=clock())
    with pytest.raises(NotFound, match="No board named 'Legacy': the boards are team"):
        import_history(
            uow(), board="Legacy", history=history(*THREE), actor="a", at=RUN, create=False
        )
    assert board_names(uow()) == ["team"]


def test_without_a_name_the_history_goes_onto_the_only_board(uow: UowFactory, clock: Clock) -> None:
    with pytest.raises(NotFound) as refused:
        import_history(uow(), board=None, history=history(*THREE), actor="a", at=RUN)
    assert str(refused.value) == (
        "There is no board to import into: name the new board to create with --board."
    )
    create_board(uow(), name="team", stages=",".join(STAGES), actor="a", at=clock())
    outcome = import_history(uow(), board=None, history=history(*THREE), actor="a", at=RUN)
    assert (outcome.board, len(outcome.events)) == ("team", 8)  # 3 added, 4 pulls, 1 discard


def test_importing_onto_a_board_made_by_an_import_goes_on_numbering(uow: UowFactory) -> None:
    import_history(uow(), board="Legacy", history=history(*THREE), actor="a", at=RUN)
    newer = imported("A-4", (0, days(2)), (1, days(3)))
    again = import_history(
        uow(), board="legacy", history=history(newer), actor="a", at=RUN, create=True
    )
    assert [e.type.value for e in again.events] == ["item.added", "item.pulled"]
    assert again.events[0].item == 4


def test_importing_the_same_items_again_adds_only_the_new_ones(uow: UowFactory) -> None:
    import_history(uow(), board="Legacy", history=history(*THREE), actor="a", at=RUN)
    same = import_history(uow(), board="Legacy", history=history(*THREE), actor="a", at=RUN)
    assert same.events == []
    newer = imported("A-4", (0, days(2)))
    both = import_history(uow(), board="Legacy", history=history(*THREE, newer), actor="a", at=RUN)
    assert [(e.type.value, e.item) for e in both.events] == [("item.added", 4)]
    _, events = board_events(uow(), board="Legacy")
    assert sum(e.type.value == "item.added" for e in events) == 4


@pytest.mark.slow
def test_ten_thousand_items_are_imported_in_one_transaction(uow: UowFactory) -> None:
    items = tuple(
        imported(f"A-{n}", *((s, days(n / 24 + s)) for s in range(4)), attributes={"type": "x"})
        for n in range(10_000)
    )
    outcome = import_history(uow(), board="Big", history=history(*items), actor="a", at=RUN)
    # 1 board.created + 10,000 × (1 added + 3 pulls)
    assert len(outcome.events) == 40_001
    name, events = board_events(uow(), board="big")
    assert (name, len(events)) == ("Big", 40_001)

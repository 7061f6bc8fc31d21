"""Writers: the JSON event log reads back exactly, the ActionableAgile CSV to the same days."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from pullflow.domain.board import Board
from pullflow.domain.stages import parse_stages
from pullflow.flow.board_events import history_from_events
from pullflow.flow.history import DOING, DONE, Catalogue, History, Kind, Moves, Workflow
from pullflow.imports.actionable_agile import read_actionable_agile, write_actionable_agile
from pullflow.imports.convert import to_history
from pullflow.imports.event_log import read_event_log, write_event_log
from pullflow.imports.files import read_file, read_history
from tests.imports.helpers import SAMPLES, days, refused, same, write

BASE = datetime(2026, 3, 2, 8, 0, 0, 123456, tzinfo=UTC)  # 09:00 in Berlin (UTC+1)
E, F, B, U, D = Kind.ENTER, Kind.FINISH, Kind.BLOCK, Kind.UNBLOCK, Kind.DISCARD


def hours(value: float) -> float:
    return (BASE + timedelta(hours=value)).timestamp()


def rich_history() -> History:
    """Lanes, a block, a finish, a return, a skipped stage, a discard, a missing creation time."""
    workflow = Workflow(
        ("Options", "Build", "Review", "Done"),
        commitment=1,
        delivery=3,
        timezone="Europe/Berlin",
        lanes=True,
        waiting=frozenset({2}),
    )
    catalogue = Catalogue.of(
        ["101", "102", "103", "104"],
        ["Search", "Cart", "Invoices", "Emails"],
        ["expedite", "standard", "standard", "standard"],
        [hours(0), np.nan, hours(2), hours(3)],
        {"team": ["red", "", "", ""]},
    )
    rows = [
        # item, hours, kind, stage, lane
        (0, 0, E, 0, DOING),
        (0, 26, E, 1, DOING),
        (0, 28, B, -1, DOING),
        (0, 31, U, -1, DOING),
        (0, 34, F, -1, DOING),
        (0, 47, E, 2, DOING),
        (0, 55, E, 1, DOING),  # back to Build
        (0, 60, E, 2, DONE),
        (0, 87, E, 3, DONE),  # 2026-03-05 23:00Z = 03-06 00:00 in Berlin
        (1, 1, E, 0, DOING),
        (1, 30, E, 2, DOING),  # skipped Build
        (2, 2, E, 0, DOING),
        (2, 50, E, 1, DOING),
        (2, 75, D, -1, DOING),
        (3, 3, E, 0, DOING),
    ]
    moves = Moves.of(
        [r[0] for r in rows],
        [hours(r[1]) for r in rows],
        [r[2] for r in rows],
        [r[3] for r in rows],
        [r[4] for r in rows],
    )
    return History(workflow, catalogue, moves, as_of=hours(100))


def board_history() -> History:
    """A board's own history, from its events."""
    moment = [datetime(2026, 3, 2, 8, 0, 0, 654321, tzinfo=UTC)]

    def at(step: float = 1) -> datetime:
        moment[0] += timedelta(hours=step)
        return moment[0]

    board = Board.create(
        "main",
        parse_stages("Options,Build:3,Measure:2,Done"),
        actor="ana",
        at=at(),
        timezone="Europe/Berlin",
    )
    for n in range(3):
        board.add_item(
            f"item {n + 1}", actor="ana", at=at(), attributes={"team": "red"} if n == 0 else None
        )
    board.pull("Build", actor="ana", at=at(), item=1)
    board.block(1, reason="waiting on the API", actor="ana", at=at(2))
    board.unblock(1, actor="ana", at=at(3))
    board.finish(1, actor="ana", at=at(5))
    board.pull("Measure", actor="ana", at=at(7), item=1)
    board.pull("Build", actor="ana", at=at(), item=2)
    board.finish(1, actor="ana", at=at(20))
    board.pull("Done", actor="ana", at=at(1), item=1)
    board.discard(3, reason="no longer needed", actor="ana", at=at(2))
    return history_from_events(board.take_events(), as_of=at(30).timestamp())


DERIVED = (
    "entered",
    "reached",
    "started",
    "finished",
    "discarded",
    "created",
    "dwell",
    "active_seconds",
    "blocked_seconds",
    "went_backwards",
)


def assert_same_history(read: History, original: History) -> None:
    assert read.workflow == original.workflow
    assert read.as_of == original.as_of
    for column in DERIVED:
        assert np.array_equal(getattr(read, column), getattr(original, column), equal_nan=True), (
            column
        )
    for column in ("ids", "titles", "service_class"):
        assert list(getattr(read.catalogue, column)) == list(getattr(original.catalogue, column))
    assert {k: list(v) for k, v in read.catalogue.attributes.items()} == {
        k: list(v) for k, v in original.catalogue.attributes.items()
    }


@pytest.mark.parametrize("make", [rich_history, board_history])
def test_event_log_reads_back_exactly(tmp_path: Path, make: Callable[[], History]) -> None:
    original = make()
    path = write(tmp_path, "log.json", write_event_log(original))
    assert_same_history(read_event_log(path), original)
    assert_same_history(read_history("json", path), original)


def test_event_log_document_by_hand() -> None:
    document = json.loads(write_event_log(rich_history()))
    assert {
        key: document[key] for key in ("format", "version", "stages", "commitment", "delivery")
    } == {
        "format": "pullflow-events",
        "version": 1,
        "stages": ["Options", "Build", "Review", "Done"],
        "commitment": "Build",
        "delivery": "Done",
    }
    assert (document["timezone"], document["lanes"], document["waiting"]) == (
        "Europe/Berlin",
        True,
        ["Review"],
    )
    # as_of = BASE + 100 h = 2026-03-06 12:00:00.123456 UTC.
    assert document["as_of"] == "2026-03-06T12:00:00.123456Z"
    assert document["items"][1] == {
        "id": "102",
        "title": "Cart",
        "service_class": "standard",
        "created": None,
        "attributes": {},
    }
    assert document["items"][0]["attributes"] == {"team": "red"}
    assert document["moves"][2] == {
        "item": "101",
        "at": "2026-03-03T12:00:00.123456Z",  # BASE + 28 h
        "kind": "block",
        "stage": None,
        "lane": None,
    }
    assert document["moves"][7] == {
        "item": "101",
        "at": "2026-03-04T20:00:00.123456Z",  # BASE + 60 h
        "kind": "enter",
        "stage": "Review",
        "lane": "done",
    }
    assert len(document["moves"]) == 15


def test_event_log_as_an_import_keeps_entries_and_discards(tmp_path: Path) -> None:
    path = write(tmp_path, "log.json", write_event_log(rich_history()))
    imported = read_file("json", path)
    assert imported.stages == ("Options", "Build", "Review", "Done")
    search = imported.items[0]
    # First entries kept: Build at 26 h, not the return at 55 h.
    assert [(stage, moment.timestamp()) for stage, moment in search.entries] == [
        (0, hours(0)),
        (1, hours(26)),
        (2, hours(47)),
        (3, hours(87)),
    ]
    assert search.service_class == "expedite"
    assert imported.items[2].discarded_at is not None
    assert imported.items[2].discarded_at.timestamp() == hours(75)
    assert imported.notes == (
        "An import keeps stage entries and discards only; the log's lanes, finishes and blocks "
        "are left out (read it as a history to keep them).",
        "1 item went backwards; the first entry into each stage was kept (a stage first entered "
        "after a later one takes that later stage's date).",
    )


def test_read_history_of_a_log_may_move_the_points(tmp_path: Path) -> None:
    path = write(tmp_path, "log.json", write_event_log(rich_history()))
    moved = read_history("json", path, commitment="Review", waiting=())
    assert (moved.workflow.commitment, moved.workflow.waiting, moved.workflow.lanes) == (
        2,
        frozenset({2}),
        True,
    )
    # Search reached Review at 47 h: 2026-03-04 07:00Z, 08:00 in Berlin.
    assert same(moved.days(moved.started[:1]), days("2026-03-04"))


def test_actionable_agile_export_by_hand() -> None:
    # Days in Berlin: Search Options 0 h (03-02), Build 26 h (03-03 10:00Z), Review 47 h
    # (03-04 07:00Z), Done 87 h (03-05 23:00Z = 03-06 00:00 Berlin). Cart skipped Build.
    # Invoices: Build 50 h (03-04), discarded 75 h (03-05 11:00Z).
    assert write_actionable_agile(rich_history()) == (
        "ID,Name,Options,Build,Review,Done,Discarded,Class of Service,team\n"
        "101,Search,2026-03-02,2026-03-03,2026-03-04,2026-03-06,,expedite,red\n"
        "102,Cart,2026-03-02,,2026-03-03,,,standard,\n"
        "103,Invoices,2026-03-02,2026-03-04,,,2026-03-05,standard,\n"
        "104,Emails,2026-03-02,,,,,standard,\n"
    )


@pytest.mark.parametrize("make", [rich_history, board_history])
def test_actionable_agile_reads_back_to_the_same_days(
    tmp_path: Path, make: Callable[[], History]
) -> None:
    original = make()
    path = write(tmp_path, "aa.csv", write_actionable_agile(original))
    zone = original.workflow.timezone
    read = to_history(read_actionable_agile(path, timezone=zone), timezone=zone)
    assert read.stages == original.stages
    assert same(read.days(read.started), original.days(original.started))
    assert same(read.days(read.finished), original.days(original.finished))
    assert list(read.is_discarded) == list(original.is_discarded)


def test_an_import_goes_round_both_writers(tmp_path: Path) -> None:
    history = read_history("events", SAMPLES / "events_clean.csv", timezone="Europe/Berlin")
    log = write(tmp_path, "log.json", write_event_log(history))
    assert_same_history(read_event_log(log), history)
    csv = write(tmp_path, "aa.csv", write_actionable_agile(history))
    again = read_history("aa", csv, timezone="Europe/Berlin")
    # E-1 started 05-02, finished 05-06; E-2 started 05-03, finished 05-08 (Berlin days).
    assert same(again.days(again.started), days("2024-05-02", "2024-05-03"))
    assert same(again.days(again.finished), days("2024-05-06", "2024-05-08"))


def test_broken_logs_are_refused(tmp_path: Path) -> None:
    document = json.loads(write_event_log(rich_history()))
    other = write(tmp_path, "other.json", json.dumps({**document, "format": "something"}))
    assert refused(lambda: read_event_log(other)).startswith(
        f"{other}:1: this is not a pullflow event log"
    )
    newer = write(tmp_path, "newer.json", json.dumps({**document, "version": 2}))
    assert refused(lambda: read_event_log(newer)).startswith(
        f"{newer}:1: the event log has version 2"
    )
    moves = [dict(move) for move in document["moves"]]
    moves[2]["item"] = "999"
    stranger = write(tmp_path, "stranger.json", json.dumps({**document, "moves": moves}))
    assert refused(lambda: read_event_log(stranger)) == (
        f"{stranger}:move 3: the move names the item '999', which the log does not list."
    )
    moves = [dict(move) for move in document["moves"]]
    moves[4]["at"] = "soon"
    late = write(tmp_path, "late.json", json.dumps({**document, "moves": moves}))
    assert refused(lambda: read_event_log(late)).startswith(
        f'{late}:move 5: the time "soon" is not a date'
    )


def test_times_with_other_utc_spellings_read_the_same(tmp_path: Path) -> None:
    original = rich_history()
    # "+00:00" instead of "Z" takes the one-by-one path; the moments are the same.
    text = write_event_log(original).replace('Z"', '+00:00"')
    assert '+00:00"' in text
    assert_same_history(read_event_log(write(tmp_path, "log.json", text)), original)

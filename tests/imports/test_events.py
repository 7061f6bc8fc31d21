"""Events CSV: one row per stage entry, stage order from the file or the caller."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pullflow.imports.convert import to_history
from pullflow.imports.events import read_events
from tests.imports.helpers import SAMPLES, days, refused, same, write

CLEAN = SAMPLES / "events_clean.csv"
HOUR = 3600.0


def test_stage_order_of_first_appearance_and_notes() -> None:
    imported = read_events(CLEAN, timezone="Europe/Berlin")
    assert imported.stages == ("Backlog", "Build", "Test", "Done")
    assert [item.source_id for item in imported.items] == ["E-1", "E-2"]
    assert [item.title for item in imported.items] == ["Onboarding email", "Billing fix"]
    assert imported.notes == (
        "The stages are in the order they first appear in the file: Backlog, Build, Test, Done; "
        "give the stages in workflow order to set it.",
        "1 row repeating an earlier row exactly was read once.",
        "1 item went backwards; the first entry into each stage was kept (a stage first entered "
        "after a later one takes that later stage's date).",
    )


def test_started_finished_and_dwell_by_hand() -> None:
    history = to_history(read_events(CLEAN, timezone="Europe/Berlin"), timezone="Europe/Berlin")
    # E-1 Build 2024-05-02 10:00Z (12:00 Berlin); Done 2024-05-06 11:00Z.
    # E-2 Build 2024-05-03T08:00+02:00 = 06:00Z; Done 2024-05-07 23:30Z = 05-08 01:30 Berlin.
    assert same(history.days(history.started), days("2024-05-02", "2024-05-03"))
    assert same(history.days(history.finished), days("2024-05-06", "2024-05-08"))
    assert history.started[1] == datetime(2024, 5, 3, 6, tzinfo=UTC).timestamp()
    # E-1's Test row has no zone: 2024-05-03 16:30 Berlin = 14:30Z, so Build lasted
    # 10:00Z 05-02 → 14:30Z 05-03 = 28.5 h, Test 14:30Z 05-03 → 11:00Z 05-06 = 68.5 h.
    assert history.dwell[0, 1] == 28.5 * HOUR
    assert history.dwell[0, 2] == 68.5 * HOUR
    # E-2 went back from Test to Build; its first entries are kept: Test from 05-04 09:00Z.
    assert history.entered[1, 2] == datetime(2024, 5, 4, 9, tzinfo=UTC).timestamp()


def test_in_utc_the_late_finish_stays_on_its_day() -> None:
    history = to_history(read_events(CLEAN))
    # 2024-05-07 23:30Z is still 05-07 in UTC.
    assert same(history.days(history.finished), days("2024-05-06", "2024-05-07"))


def test_given_stages_set_the_order_and_refuse_others() -> None:
    imported = read_events(CLEAN, stages=["backlog", "Build", "Test", "Done"])
    assert imported.stages == ("backlog", "Build", "Test", "Done")
    assert not any("first appear" in note for note in imported.notes)
    # The first row naming Test is line 5.
    assert refused(lambda: read_events(CLEAN, stages=["Backlog", "Build", "Done"])) == (
        f'{CLEAN}:5: the stage "Test" is not among the stages given (Backlog, Build, Done); '
        "add it to them or correct the row."
    )


def test_first_bad_row_is_named() -> None:
    path = SAMPLES / "events_bad.csv"
    # Line 4 has no timestamp; line 5's 2024-05-40 comes later.
    assert refused(lambda: read_events(path)) == (
        f"{path}:4: the row has no timestamp; give every row an item, a stage and a time."
    )


def test_bad_timestamp_and_missing_columns(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.csv", "item,stage,timestamp\n1,A,2024-05-01\n1,B,yesterday\n")
    assert refused(lambda: read_events(bad)).startswith(
        f'{bad}:3: the timestamp "yesterday" is not a date'
    )
    headless = write(tmp_path, "headless.csv", "1,A,2024-05-01\n1,B,2024-05-02\n")
    assert refused(lambda: read_events(headless)).startswith(
        f"{headless}:1: the header has no item or stage or timestamp column"
    )


def test_semicolons_bom_blank_rows_aliases_and_attributes(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "semi.csv",
        "\ufeffID; Status ; Date ; Name ; Team\n\n"
        "7 ; Options ; 14.02.2024 ; Kiosk mode ; red\n"
        ";;;;\n"
        "7 ; Doing ; 16.02.2024 ; ; \n"
        "8 ; Options ; 15.02.2024 ; Offline ; blue|green\n",
    )
    imported = read_events(path)
    assert imported.stages == ("Options", "Doing")
    kiosk, offline = imported.items
    assert kiosk.title == "Kiosk mode"
    assert kiosk.entries == (
        (0, datetime(2024, 2, 14, tzinfo=UTC)),
        (1, datetime(2024, 2, 16, tzinfo=UTC)),
    )
    assert kiosk.attributes == {"Team": "red"}
    assert offline.attributes == {"Team": "blue|green"}


def test_slash_timestamps_need_an_order(tmp_path: Path) -> None:
    path = write(tmp_path, "us.csv", "item,stage,timestamp\n1,A,02/03/2024\n1,B,02/05/2024\n")
    assert refused(lambda: read_events(path)).startswith(
        f'{path}:2: the timestamp "02/03/2024" could be day/month/year or month/day/year'
    )
    history = to_history(read_events(path, date_order="mdy"), commitment="B")
    # mdy: B entered on 5 February.
    assert same(history.days(history.started), days("2024-02-05"))


def test_one_stage_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "one.csv", "item,stage,timestamp\n1,A,2024-01-01\n")
    assert refused(lambda: read_events(path)) == (
        f"{path}:1: the file names 1 stage (A); a workflow needs at least two."
    )

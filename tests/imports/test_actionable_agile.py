"""ActionableAgile CSV: stage columns, skipped stages, messy files, refusals at their line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pullflow.imports.actionable_agile import read_actionable_agile
from pullflow.imports.convert import to_history
from tests.imports.helpers import SAMPLES, days, refused, same, write

CLEAN = SAMPLES / "aa_clean.csv"
MESSY = SAMPLES / "aa_messy.csv"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_clean_file_stages_entries_and_attributes() -> None:
    imported = read_actionable_agile(CLEAN)
    assert imported.stages == ("Backlog", "Analysis", "Build", "Done")
    assert [item.source_id for item in imported.items] == ["A-1", "A-2", "A-3", "A-4"]
    first = imported.items[0]
    assert first.title == "Login page"
    assert first.entries == (
        (0, at("2024-03-01")),
        (1, at("2024-03-04")),
        (2, at("2024-03-06")),
        (3, at("2024-03-11")),
    )
    # A-2 skipped Build: the stage is simply absent.
    assert [stage for stage, _ in imported.items[1].entries] == [0, 1, 3]
    assert dict(first.attributes) == {
        "Link": "https://tracker.example.org/A-1",
        "Type": "Story",
        "Labels": "web|auth",
    }
    # "auth; email" is a list: kept as auth|email.
    assert imported.items[1].attributes["Labels"] == "auth|email"
    assert imported.notes == ()


def test_clean_file_started_and_finished_by_hand() -> None:
    history = to_history(read_actionable_agile(CLEAN))
    # Commitment = Analysis (second stage), delivery = Done.
    # A-1 Analysis 03-04, Done 03-11; A-2 03-05 and 03-08; A-3 started 03-07, open; A-4 not started.
    assert same(history.days(history.started), days("2024-03-04", "2024-03-05", "2024-03-07", None))
    assert same(history.days(history.finished), days("2024-03-11", "2024-03-08", None, None))
    # A-2's skipped Build takes Done's date, 03-08.
    assert same(
        history.days(history.reached[1]),
        days("2024-03-02", "2024-03-05", "2024-03-08", "2024-03-08"),
    )
    # A file holds no creation time: created is the first stage date.
    assert same(
        history.days(history.created), days("2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04")
    )


def test_messy_file_bom_semicolons_blank_rows_dotted_dates_spaces() -> None:
    imported = read_actionable_agile(MESSY)
    assert imported.stages == ("To Do", "Doing", "Done")
    # B-4 appears twice (lines 5 and 8) and is merged; first appearance keeps its place.
    assert [item.source_id for item in imported.items] == ["B-1", "B-2", "B-4", "B-3"]
    checkout = imported.items[0]
    assert checkout.title == "Checkout"  # " Checkout " stripped
    assert checkout.entries[0] == (0, at("2024-04-01"))  # 01.04.2024 is 1 April
    assert checkout.service_class == "expedite"
    assert imported.items[3].service_class == "fixed-date"  # "Fixed Date"
    assert imported.notes == (
        "1 duplicate id (B-4) was merged: each stage kept its earliest date, and the title and "
        "other fields come from the first row that has them.",
        "1 item has dates that go backwards across stages; the first entry was kept: a stage "
        "dated after a later stage takes the later stage's date, as a skipped stage does.",
    )


def test_messy_file_by_hand() -> None:
    history = to_history(read_actionable_agile(MESSY))
    # B-1: Doing 03.04, Done 05.04.
    # B-2: Doing 08.04 but Done 06.04: Doing takes 06.04, so it started and finished on 06.04.
    # B-4: merged; Doing 05.04 from its second row, not finished. B-3: only To Do.
    assert same(history.days(history.started), days("2024-04-03", "2024-04-06", "2024-04-05", None))
    assert same(history.days(history.finished), days("2024-04-05", "2024-04-06", None, None))
    assert list(history.catalogue.titles) == ["Checkout", "Search", "Wishlist", "Cart"]
    assert list(history.catalogue.service_class) == [
        "expedite",
        "standard",
        "standard",
        "fixed-date",
    ]


def test_slash_dates_need_an_order() -> None:
    path = SAMPLES / "aa_slash.csv"
    message = refused(lambda: read_actionable_agile(path))
    assert message == (
        f'{path}:2: in the column "Backlog", "03/04/2024" could be day/month/year or '
        'month/day/year; pass date_order "dmy" (day first) or "mdy" (month first).'
    )
    us = to_history(read_actionable_agile(path, date_order="mdy"))
    # mdy: Build 03/05 = 5 March, Done 03/12 = 12 March.
    assert same(us.days(us.started[:1]), days("2024-03-05"))
    assert same(us.days(us.finished[:1]), days("2024-03-12"))
    europe = to_history(read_actionable_agile(path, date_order="dmy"))
    # dmy: Build 03/05 = 3 May, Done 03/12 = 3 December.
    assert same(europe.days(europe.started[:1]), days("2024-05-03"))
    assert same(europe.days(europe.finished[:1]), days("2024-12-03"))


def test_first_bad_row_is_named_with_its_physical_line() -> None:
    path = SAMPLES / "aa_bad_date.csv"
    # Line 3 is blank; line 4 holds 2024-02-30, line 5 a word: the first one is reported.
    message = refused(lambda: read_actionable_agile(path))
    assert message.startswith(f'{path}:4: in the column "Build", "2024-02-30" is not a real date')


def test_a_stray_word_in_a_date_column_is_refused_at_its_row(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "stray.csv",
        "ID,Name,Backlog,Build,Done\n"
        "1,a,2024-01-01,2024-01-02,2024-01-03\n"
        "2,b,2024-01-01,2024-01-02,2024-01-03\n"
        "3,c,2024-01-01,tbd,\n",
    )
    assert refused(lambda: read_actionable_agile(path)) == (
        f'{path}:4: in the stage column "Build", "tbd" is not a date; correct it, or name the '
        "stage columns with the stages option."
    )


def test_rows_without_id_and_headers_without_id_are_refused(tmp_path: Path) -> None:
    no_id = write(tmp_path, "no_id.csv", "ID,Name,A,B\n1,x,2024-01-01,\n,y,2024-01-02,\n")
    assert refused(lambda: read_actionable_agile(no_id)) == (
        f"{no_id}:3: the row has no ID; give every item an ID or delete the row."
    )
    wrong = write(tmp_path, "wrong.csv", "Key,Summary,A,B\n1,x,2024-01-01,\n")
    assert refused(lambda: read_actionable_agile(wrong)).startswith(
        f"{wrong}:1: an ActionableAgile CSV starts with the columns ID, Link (optional) and Name"
    )


def test_a_row_with_too_many_values_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "wide.csv",
        "ID,Name,A,B\n1,x,2024-01-01,2024-01-02\n2,Fix, now,2024-01-01,2024-01-02\n",
    )
    assert refused(lambda: read_actionable_agile(path)) == (
        f"{path}:3: the row has 5 values but the header names 4 columns; put quotes around "
        'values that contain ",".'
    )


def test_a_single_stage_column_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "one.csv", "ID,Name,Backlog,Team\n1,x,2024-01-01,red\n")
    message = refused(lambda: read_actionable_agile(path))
    assert message.startswith(f"{path}:1: ")
    assert "the stage columns found are: Backlog" in message


def test_named_stage_columns_and_stage_count(tmp_path: Path) -> None:
    # A Due column of dates right after the stages would be taken for a stage.
    path = write(
        tmp_path,
        "due.csv",
        "ID,Name,Backlog,Build,Done,Due\n1,x,2024-01-01,2024-01-03,2024-01-05,2024-02-01\n",
    )
    assert read_actionable_agile(path).stages == ("Backlog", "Build", "Done", "Due")
    named = read_actionable_agile(path, stages=["backlog", "Build", "Done"])
    assert named.stages == ("Backlog", "Build", "Done")
    assert named.items[0].attributes == {"Due": "2024-02-01"}
    counted = read_actionable_agile(path, stage_count=3)
    assert counted.stages == ("Backlog", "Build", "Done")
    message = refused(lambda: read_actionable_agile(path, stages=["Backlog", "Review"]))
    assert message.startswith(f'{path}:1: there is no column "Review"')


def test_an_empty_stage_column_is_kept_with_a_note(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.csv", "ID,Name,Backlog,Build,Done\n1,x,2024-01-01,2024-01-03,\n")
    imported = read_actionable_agile(path)
    assert imported.stages == ("Backlog", "Build", "Done")
    assert imported.notes == (
        "The stage column Done has no dates and was read as a stage; name the stage columns "
        "with the stages option if that is wrong.",
    )


def test_discarded_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "gone.csv",
        "ID,Name,Backlog,Build,Done,Discarded,Team\n"
        "1,x,2024-01-01,2024-01-03,,2024-01-04,red\n"
        "2,y,2024-01-01,2024-01-02,2024-01-06,,blue\n",
    )
    imported = read_actionable_agile(path)
    assert imported.stages == ("Backlog", "Build", "Done")
    assert imported.items[0].discarded_at == at("2024-01-04")
    assert imported.items[0].attributes == {"Team": "red"}
    history = to_history(imported)
    # Item 1 is discarded: neither started nor finished; item 2 started 01-02, finished 01-06.
    assert same(history.days(history.started), days(None, "2024-01-02"))
    assert same(history.days(history.finished), days(None, "2024-01-06"))


def test_dates_are_local_midnights_of_the_time_zone() -> None:
    zone = ZoneInfo("America/New_York")
    imported = read_actionable_agile(CLEAN, timezone="America/New_York")
    assert imported.items[0].entries[0][1] == datetime(2024, 3, 1, tzinfo=zone)
    history = to_history(imported, timezone="America/New_York")
    # Same calendar days as in UTC when read and counted in the same zone.
    assert same(history.days(history.started), days("2024-03-04", "2024-03-05", "2024-03-07", None))
    # 1 March 2024, midnight in New York (UTC-5) is 05:00 UTC.
    assert history.created[0] == datetime(2024, 3, 1, 5, tzinfo=UTC).timestamp()


def test_items_without_any_date_are_left_out_with_a_note(tmp_path: Path) -> None:
    path = write(tmp_path, "bare.csv", "ID,Name,A,B\n1,x,2024-01-01,2024-01-02\n2,y,,\n")
    imported = read_actionable_agile(path)
    assert [item.source_id for item in imported.items] == ["1"]
    assert imported.notes == ("1 item with no stage date was left out (2).",)


def test_tabs_are_a_delimiter_too(tmp_path: Path) -> None:
    path = write(tmp_path, "tabs.tsv", "ID\tName\tA\tB\n1\tx, y\t2024-01-01\t2024-01-02\n")
    imported = read_actionable_agile(path)
    assert imported.items[0].title == "x, y"
    assert imported.stages == ("A", "B")

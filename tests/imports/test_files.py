"""The one entry point: formats and aliases, options per format, unreadable files."""

from __future__ import annotations

from pathlib import Path

import pytest

from pullflow.imports import FORMATS, read_file, read_history
from pullflow.imports.actionable_agile import write_actionable_agile
from pullflow.imports.event_log import write_event_log
from pullflow.imports.files import ALIASES, CSV_FORMATS, EXPORTS, detect_csv_format, export_text
from tests.imports.helpers import SAMPLES, days, refused, same, write


def test_formats_and_aliases() -> None:
    assert FORMATS == ("actionable-agile", "jira", "trello", "events", "json")
    assert set(ALIASES.values()) <= set(FORMATS)
    clean = SAMPLES / "aa_clean.csv"
    assert (
        read_file("aa", clean)
        == read_file("ActionableAgile", clean)
        == read_file("actionable-agile", clean)
    )


def test_unknown_and_ambiguous_formats_are_refused() -> None:
    path = SAMPLES / "aa_clean.csv"
    assert refused(lambda: read_file("excel", path)) == (
        '"excel" is not an import format; choose one of actionable-agile, jira, trello, events, '
        "json."
    )
    assert refused(lambda: read_file("csv", path)).startswith(
        'The format "csv" could be either CSV format'
    )


def test_missing_folder_empty_and_non_utf8_files(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.csv"
    assert refused(lambda: read_file("events", missing)) == (
        f"{missing} does not exist; check the path and the file name."
    )
    assert refused(lambda: read_file("events", tmp_path)) == (
        f"{tmp_path} is a folder, not a file; give the export file itself."
    )
    empty = write(tmp_path, "empty.csv", "")
    assert refused(lambda: read_file("aa", empty)) == (
        f"{empty} is empty; export the board again and give that file."
    )
    blank = write(tmp_path, "blank.json", "\ufeff \n\n")
    assert refused(lambda: read_file("jira", blank)) == (
        f"{blank} is empty; export the board again and give that file."
    )
    latin = write(
        tmp_path, "latin.csv", "item,stage,timestamp\n1,Réview,2024-01-01\n", encoding="latin-1"
    )
    assert refused(lambda: read_file("events", latin)) == (
        f"{latin}:2: the file is not UTF-8 text; save it again as UTF-8 "
        "(in a spreadsheet: CSV UTF-8)."
    )


def test_options_the_format_has_no_use_for_are_refused() -> None:
    mapping = SAMPLES / "jira_mapping.yaml"
    assert refused(lambda: read_file("events", SAMPLES / "events_clean.csv", mapping=mapping)) == (
        "A mapping file is for jira and trello files, not events; give the stages instead."
    )
    assert refused(lambda: read_file("jira", SAMPLES / "jira_search.json", stages=["A", "B"])) == (
        "Stages are given for actionable-agile and events files, not jira; "
        "give a mapping file instead."
    )


@pytest.mark.parametrize(
    ("format", "name", "options", "started", "finished"),
    [
        # Hand-read from the samples (see the per-format tests for the reasoning).
        (
            "aa",
            "aa_clean.csv",
            {},
            ["2024-03-04", "2024-03-05", "2024-03-07", None],
            ["2024-03-11", "2024-03-08", None, None],
        ),
        (
            "events",
            "events_clean.csv",
            {"timezone": "Europe/Berlin"},
            ["2024-05-02", "2024-05-03"],
            ["2024-05-06", "2024-05-08"],
        ),
        (
            "jira",
            "jira_search.json",
            {"mapping": SAMPLES / "jira_mapping.yaml"},
            ["2024-06-05", "2024-06-06", None, None],
            ["2024-06-10", None, None, None],
        ),
        (
            "trello",
            "trello_board.json",
            {},
            ["2024-03-13", "2024-03-14", None, None, None],
            ["2024-03-15", None, None, None, None],
        ),
    ],
)
def test_read_history_of_each_format(
    format: str,
    name: str,
    options: dict[str, object],
    started: list[str | None],
    finished: list[str | None],
) -> None:
    history = read_history(format, SAMPLES / name, **options)  # type: ignore[arg-type]
    assert same(history.days(history.started), days(*started))
    assert same(history.days(history.finished), days(*finished))


def test_read_history_takes_the_points_and_waiting_stages() -> None:
    history = read_history(
        "aa", SAMPLES / "aa_clean.csv", commitment="Build", delivery="Done", waiting=["Analysis"]
    )
    assert (history.workflow.commitment, history.workflow.delivery) == (2, 3)
    # A-1 Build 03-06; A-2 skipped Build: reached with Done on 03-08; A-3 Build 03-09.
    assert same(history.days(history.started), days("2024-03-06", "2024-03-08", "2024-03-09", None))
    assert refused(
        lambda: read_history("aa", SAMPLES / "aa_clean.csv", delivery="Shipped")
    ).startswith('there is no stage "Shipped" for the delivery point')


def test_csv_formats_are_told_apart_by_their_header(tmp_path: Path) -> None:
    assert CSV_FORMATS == ("actionable-agile", "events")
    assert detect_csv_format(SAMPLES / "aa_clean.csv") == "actionable-agile"
    assert detect_csv_format(SAMPLES / "aa_messy.csv") == "actionable-agile"  # BOM, semicolons
    assert detect_csv_format(SAMPLES / "events_clean.csv") == "events"
    other = write(tmp_path, "other.csv", "\nKey;When;What\n1;2024-01-01;x\n")
    assert refused(lambda: detect_csv_format(other)).startswith(
        f"{other} is neither an ActionableAgile CSV"
    )


def test_export_text_writes_either_export() -> None:
    history = read_history("events", SAMPLES / "events_clean.csv", timezone="Europe/Berlin")
    assert EXPORTS == ("actionable-agile", "json")
    assert export_text("aa", history) == write_actionable_agile(history)
    assert export_text("json", history) == write_event_log(history)
    assert refused(lambda: export_text("jira", history)) == (
        '"jira" is not an export format; choose one of actionable-agile, json.'
    )

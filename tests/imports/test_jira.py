"""Jira issue search with changelogs: mapping files, statuses as stages, refusals by key."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from pullflow.imports.convert import to_history
from pullflow.imports.jira import read_jira
from tests.imports.helpers import SAMPLES, days, refused, same, write

SEARCH = SAMPLES / "jira_search.json"
MAPPING = SAMPLES / "jira_mapping.yaml"


def utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_with_mapping_stages_entries_discards_and_attributes() -> None:
    imported = read_jira(SEARCH, mapping=MAPPING)
    assert imported.stages == ("Backlog", "Build", "Done")
    assert [item.source_id for item in imported.items] == ["PF-1", "PF-2", "PF-3", "PF-4"]
    first = imported.items[0]
    assert first.title == "Pull signal on the board"
    # Histories come out of order in the file; sorted, PF-1 enters Build on 06-05 (In
    # Progress; In Review is Build too) and Done on 06-10.
    assert [(stage, moment.isoformat()) for stage, moment in first.entries] == [
        (0, "2024-06-03T09:00:00+02:00"),
        (1, "2024-06-05T10:00:00+02:00"),
        (2, "2024-06-10T17:00:00+02:00"),
    ]
    assert first.attributes == {"type": "Story", "priority": "High", "labels": "flow|board"}
    assert imported.items[2].discarded_at is not None
    assert imported.items[2].discarded_at.timestamp() == utc("2024-06-06T10:00")
    # PF-2 went In Progress → Open → In Progress.
    assert imported.notes == (
        "1 item went backwards; the first entry into each stage was kept (a stage first entered "
        "after a later one takes that later stage's date).",
    )


def test_with_mapping_by_hand() -> None:
    history = to_history(read_jira(SEARCH, mapping=MAPPING))
    # PF-1 Build 06-05 08:00Z, Done 06-10 15:00Z; PF-2 Build 06-06 07:30Z, still in Build;
    # PF-3 discarded from Backlog; PF-4 in Backlog since its creation.
    assert same(history.days(history.started), days("2024-06-05", "2024-06-06", None, None))
    assert same(history.days(history.finished), days("2024-06-10", None, None, None))
    assert list(history.is_discarded) == [False, False, True, False]
    assert history.created[3] == utc("2024-06-06T14:45")
    assert list(history.catalogue.attributes["type"]) == ["Story", "Story", "Bug", "Task"]
    assert list(history.catalogue.attributes["priority"]) == ["High", "Medium", "", "Low"]


def test_days_are_counted_in_the_chosen_zone() -> None:
    history = to_history(read_jira(SEARCH, mapping=MAPPING), timezone="Asia/Tokyo")
    # PF-1 reached Done at 2024-06-10 15:00Z = 06-11 00:00 in Tokyo (UTC+9).
    assert same(history.days(history.finished[:1]), days("2024-06-11"))


def test_unmapped_status_names_the_status_and_the_mapping_file() -> None:
    partial = SAMPLES / "jira_mapping_partial.json"
    assert refused(lambda: read_jira(SEARCH, mapping=partial)) == (
        f'{SEARCH}:PF-1: the status "In Review" is not in the mapping file {partial}; add it to '
        "the statuses of one of its stages (or to discarded)."
    )


def test_without_mapping_statuses_are_stages_in_order_of_appearance() -> None:
    imported = read_jira(SEARCH)
    # PF-1: To Do, In Progress, In Review, Done; then PF-2 adds Open, PF-3 Won't Do.
    assert imported.stages == ("To Do", "In Progress", "In Review", "Done", "Open", "Won't Do")
    assert imported.notes[0] == (
        "Without a mapping file each status is a stage, in the order statuses first appear "
        "along the changelogs: To Do, In Progress, In Review, Done, Open, Won't Do; give a "
        "mapping file to set the stages."
    )


def test_pages_and_duplicate_issues_are_merged() -> None:
    imported = read_jira(SAMPLES / "jira_pages.json")
    assert [item.source_id for item in imported.items] == ["PF-10", "PF-11", "PF-12"]
    assert imported.notes[1] == (
        "1 duplicate id (PF-10) was merged: each stage kept its earliest date, and the title "
        "and other fields come from the first occurrence that has them."
    )
    history = to_history(imported)
    # PF-10: In Progress on 07-02 (both pages), Done on 07-04 (second page only).
    assert same(history.days(history.started), days("2024-07-02", None, None))
    assert same(history.days(history.finished), days("2024-07-04", None, None))


def test_a_list_of_issues_is_accepted(tmp_path: Path) -> None:
    issues = json.loads(SEARCH.read_text())["issues"]
    path = write(tmp_path, "issues.json", json.dumps(issues))
    assert read_jira(path, mapping=MAPPING) == read_jira(SEARCH, mapping=MAPPING)


def test_broken_issues_are_named_by_key(tmp_path: Path) -> None:
    def issue(key: str, created: object) -> dict[str, object]:
        return {
            "key": key,
            "fields": {"summary": key, "created": created, "status": {"name": "To Do"}},
        }

    missing = write(
        tmp_path,
        "missing.json",
        json.dumps({"issues": [issue("PF-1", "2024-06-01"), issue("PF-7", None)]}),
    )
    assert refused(lambda: read_jira(missing)) == (
        f"{missing}:PF-7: fields.created is missing; export the issues with it."
    )
    bad = write(tmp_path, "bad.json", json.dumps({"issues": [issue("PF-8", "last week")]}))
    assert refused(lambda: read_jira(bad)).startswith(
        f'{bad}:PF-8: fields.created "last week" is not a date'
    )
    keyless = write(
        tmp_path,
        "keyless.json",
        json.dumps({"issues": [issue("PF-1", "2024-06-01"), {"fields": {}}]}),
    )
    assert refused(lambda: read_jira(keyless)) == (
        f"{keyless}:issue 2: the issue has no key; export the issues again."
    )


def test_invalid_json_names_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path, "broken.json", '{"issues": [\n  {"key": "PF-1"}\n  {"key": "PF-2"}\n]}\n'
    )
    assert refused(lambda: read_jira(path)).startswith(f"{path}:3: the file is not valid JSON")


def test_not_a_search_export(tmp_path: Path) -> None:
    path = write(tmp_path, "board.json", json.dumps({"lists": [], "cards": []}))
    assert refused(lambda: read_jira(path)).startswith(
        f"{path}:1: this is not a Jira issue search export"
    )


def test_mapping_file_mistakes(tmp_path: Path) -> None:
    twice = write(
        tmp_path,
        "twice.yaml",
        "stages:\n  - {name: A, statuses: [Open]}\n  - {name: B, statuses: [open]}\n",
    )
    assert refused(lambda: read_jira(SEARCH, mapping=twice)) == (
        f'{twice}: "open" is mapped twice (again under "B"); list each of the statuses under '
        "one stage only."
    )
    broken = write(tmp_path, "broken.yaml", "stages:\n  - name: A\n    statuses: [Open\n")
    assert refused(lambda: read_jira(SEARCH, mapping=broken)).startswith(f"{broken}:")
    empty = write(tmp_path, "nothing.yaml", "workflow: []\n")
    assert refused(lambda: read_jira(SEARCH, mapping=empty)).startswith(
        f"{empty}: the mapping has no list of stages"
    )

"""Jira: the JSON of an issue search with ``expand=changelog``, one page or several.

Accepted: ``{"issues": [...]}``, a list of such pages, or a list of issues. Each issue is in its
initial status from ``fields.created`` (the status the first status change left, else its
current status), and every ``status`` item of its changelog (oldest first) moves it on.

With a mapping file, statuses go to its stages in its order; a status the file does not map is
refused, naming the status and the file; an item whose last status is one of the mapping's
``discarded`` statuses was discarded when it moved there. Without a mapping every status is a
stage, in the order statuses first appear along the changelogs (stated in a note).

Attributes: the issue type as ``type``, ``labels`` (as ``a|b``) and ``priority``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pullflow.domain.imported import ImportedHistory
from pullflow.imports.assemble import Draft, assemble
from pullflow.imports.dates import Moments
from pullflow.imports.mapping import DISCARDED, StageMapping, read_mapping
from pullflow.imports.source import BadValue, plural, read_json, refusal


@dataclass(frozen=True)
class _Issue:
    key: str
    title: str
    created: datetime
    statuses: tuple[tuple[datetime, str], ...]
    attributes: dict[str, str]


def read_jira(
    path: Path,
    *,
    mapping: Path | None = None,
    timezone: str = "UTC",
    date_order: str | None = None,
) -> ImportedHistory:
    """The items of a Jira issue search export (see the module for the rules)."""
    moments = Moments(timezone, date_order)
    path = Path(path)
    stage_mapping = read_mapping(Path(mapping)) if mapping is not None else None
    issues: list[_Issue] = []
    for number, raw in enumerate(_raw_issues(path, read_json(path)), 1):
        issue = _issue(path, number, raw, moments)
        if stage_mapping is not None:
            _check_mapped(path, issue, stage_mapping)
        issues.append(issue)
    if stage_mapping is not None:
        drafts = [_mapped_draft(issue, stage_mapping) for issue in issues]
        return assemble(stage_mapping.stages, drafts, moves=True, record="occurrence")
    return _by_appearance(path, issues)


def _by_appearance(path: Path, issues: list[_Issue]) -> ImportedHistory:
    """Without a mapping: each status a stage, in the order statuses first appear."""
    order: dict[str, str] = {}
    for issue in issues:
        for _, status in issue.statuses:
            order.setdefault(status.lower(), status)
    stages = list(order.values())
    if len(stages) < 2:
        raise refusal(
            path,
            issues[0].key if issues else "issues",
            f"the issues show {plural(len(stages), 'status', 'statuses')}; a workflow needs at "
            "least two stages, so give a mapping file or an export with more history.",
        )
    position = {status: index for index, status in enumerate(order)}
    drafts = [
        _draft(issue, [(at, position[s.lower()]) for at, s in issue.statuses], None)
        for issue in issues
    ]
    note = (
        f"Without a mapping file each status is a stage, in the order statuses first appear "
        f"along the changelogs: {', '.join(stages)}; give a mapping file to set the stages."
    )
    return assemble(stages, drafts, moves=True, notes=[note], record="occurrence")


def _raw_issues(path: Path, document: object) -> list[object]:
    pages: Sequence[object] = document if isinstance(document, list) else [document]
    issues: list[object] = []
    for page in pages:
        if isinstance(page, dict) and isinstance(page.get("issues"), list):
            issues.extend(page["issues"])
        elif isinstance(page, dict) and "key" in page:
            issues.append(page)
        else:
            raise refusal(
                path,
                1,
                'this is not a Jira issue search export; expected {"issues": [...]} '
                "(or a list of such pages) from a search with expand=changelog.",
            )
    return issues


def _issue(path: Path, number: int, raw: object, moments: Moments) -> _Issue:
    if not isinstance(raw, dict) or not str(raw.get("key") or "").strip():
        raise refusal(path, f"issue {number}", "the issue has no key; export the issues again.")
    key = str(raw["key"]).strip()
    fields = raw.get("fields")
    if not isinstance(fields, dict):
        raise refusal(path, key, "the issue has no fields; export the search with its fields.")
    created = _moment(path, key, "fields.created", fields.get("created"), moments)
    changes = _status_changes(path, key, raw.get("changelog"), moments)
    current = _name(fields.get("status"))
    initial = changes[0][1] if changes else current
    if not initial:
        raise refusal(
            path, key, "the issue has no status and no status changes; export fields.status."
        )
    statuses = ((created, initial), *((at, to) for at, _, to in changes))
    return _Issue(
        key, str(fields.get("summary") or "").strip(), created, statuses, _attributes(fields)
    )


def _status_changes(
    path: Path, key: str, changelog: object, moments: Moments
) -> list[tuple[datetime, str, str]]:
    """(when, from status, to status) of the status items of a changelog, oldest first."""
    histories = changelog.get("histories", []) if isinstance(changelog, dict) else []
    if not isinstance(histories, list):
        raise refusal(path, key, "changelog.histories is not a list; export with expand=changelog.")
    changes: list[tuple[datetime, str, str]] = []
    for history in histories:
        items = history.get("items", []) if isinstance(history, dict) else []
        status_items = [
            item
            for item in items
            if isinstance(item, dict)
            and str(item.get("field") or item.get("fieldId") or "").lower() == "status"
        ]
        if not status_items:
            continue
        at = _moment(path, key, "a changelog entry's created", history.get("created"), moments)
        for item in status_items:
            target = str(item.get("toString") or "").strip()
            if not target:
                raise refusal(
                    path, key, "a status change has no toString; export with expand=changelog."
                )
            changes.append((at, str(item.get("fromString") or "").strip(), target))
    changes.sort(key=lambda change: change[0])
    return changes


def _moment(path: Path, key: str, what: str, value: object, moments: Moments) -> datetime:
    if not isinstance(value, str) or not value.strip():
        raise refusal(path, key, f"{what} is missing; export the issues with it.")
    try:
        return moments.parse(value)
    except BadValue as error:
        raise refusal(path, key, f"{what} {error}") from None


def _name(value: object) -> str:
    return str(value.get("name") or "").strip() if isinstance(value, dict) else ""


def _attributes(fields: dict[str, object]) -> dict[str, str]:
    attributes = {"type": _name(fields.get("issuetype")), "priority": _name(fields.get("priority"))}
    labels = fields.get("labels")
    if isinstance(labels, list):
        attributes["labels"] = "|".join(
            str(label).strip() for label in labels if str(label).strip()
        )
    return {key: value for key, value in attributes.items() if value}


def _check_mapped(path: Path, issue: _Issue, mapping: StageMapping) -> None:
    for _, status in issue.statuses:
        if mapping.place(status) is None:
            raise refusal(
                path,
                issue.key,
                f'the status "{status}" is not in the mapping file {mapping.path}; add it to '
                "the statuses of one of its stages (or to discarded).",
            )


def _mapped_draft(issue: _Issue, mapping: StageMapping) -> Draft:
    places = [(at, mapping.place(status)) for at, status in issue.statuses]
    entries = [(at, place) for at, place in places if place is not None and place != DISCARDED]
    discarded_at = None
    for at, place in reversed(places):
        if place != DISCARDED:
            break
        discarded_at = at
    return _draft(issue, entries, discarded_at)


def _draft(
    issue: _Issue, entries: list[tuple[datetime, int]], discarded_at: datetime | None
) -> Draft:
    return Draft(
        issue.key, issue.title, entries, issue.created, discarded_at, dict(issue.attributes)
    )

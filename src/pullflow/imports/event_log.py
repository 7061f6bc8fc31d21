"""pullflow's own event log as JSON: a history written out and read back exactly.

The document::

    {"format": "pullflow-events", "version": 1,
     "stages": [...], "commitment": "Build", "delivery": "Done", "timezone": "Europe/Berlin",
     "lanes": true, "waiting": [...], "as_of": "2024-03-05T17:00:00Z",
     "items": [{"id", "title", "service_class", "created", "attributes"}],
     "moves": [{"item": id, "at": ISO UTC, "kind": "enter|finish|block|unblock|discard",
                "stage": name or null, "lane": "doing|done" or null}]}

Times are UTC to the microsecond, so a history whose times are whole microseconds (as every
recorded or imported one is) reads back with every derived figure equal. As an
``ImportedHistory`` the log keeps only stage entries and discards.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from pullflow.domain.imported import ImportedHistory
from pullflow.flow.history import (
    DOING,
    DONE,
    Catalogue,
    Floats,
    History,
    Kind,
    Moves,
    Workflow,
)
from pullflow.imports.assemble import Draft, assemble
from pullflow.imports.dates import Moments, zone_of
from pullflow.imports.source import BadValue, read_json, refusal

FORMAT = "pullflow-events"
VERSION = 1
_KIND_NAMES = {
    Kind.ENTER: "enter",
    Kind.FINISH: "finish",
    Kind.BLOCK: "block",
    Kind.UNBLOCK: "unblock",
    Kind.DISCARD: "discard",
}
_KINDS = {name: kind for kind, name in _KIND_NAMES.items()}
_LANES = {None: DOING, "doing": DOING, "done": DONE}


def write_event_log(history: History) -> str:
    """The JSON event log of a history (one item and one move per line)."""
    workflow, catalogue = history.workflow, history.catalogue
    stages = workflow.stages
    head = {
        "format": FORMAT,
        "version": VERSION,
        "stages": list(stages),
        "commitment": stages[workflow.commitment],
        "delivery": stages[workflow.delivery],
        "timezone": workflow.timezone,
        "lanes": workflow.lanes,
        "waiting": [stages[stage] for stage in sorted(workflow.waiting)],
        "as_of": _iso(np.array([history.as_of]))[0],
    }
    created = _iso(catalogue.created)
    items = [
        {
            "id": str(catalogue.ids[row]),
            "title": str(catalogue.titles[row]),
            "service_class": str(catalogue.service_class[row]),
            "created": created[row],
            "attributes": {
                key: str(values[row]) for key, values in catalogue.attributes.items() if values[row]
            },
        }
        for row in range(len(catalogue))
    ]
    rows = _move_lines(history)
    lines = ["{"]
    lines += [
        f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},"
        for key, value in head.items()
    ]
    lines.append(f'  "items": [{_rows(items)}],')
    lines.append(f'  "moves": [{_joined(rows)}]')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _move_lines(history: History) -> list[str]:
    """One JSON object per move, its pieces encoded once per item, stage, kind and lane."""
    moves, stages = history.moves, history.workflow.stages
    ids = [json.dumps(str(value), ensure_ascii=False) for value in history.catalogue.ids]
    # Position -1 (no stage) picks the last name: null.
    names = [json.dumps(stage, ensure_ascii=False) for stage in stages] + ["null"]
    kinds = {int(kind): json.dumps(name) for kind, name in _KIND_NAMES.items()}
    lanes = {DOING: '"doing"', DONE: '"done"'}
    times = _iso(moves.at)
    return [
        f'{{"item": {ids[item]}, "at": "{at}", "kind": {kinds[kind]}, '
        f'"stage": {names[stage]}, "lane": {lanes[lane] if kind == Kind.ENTER else "null"}}}'
        for item, at, kind, stage, lane in zip(
            moves.item.tolist(),
            times,
            moves.kind.tolist(),
            moves.stage.tolist(),
            moves.lane.tolist(),
            strict=True,
        )
    ]


def _rows(rows: list[dict[str, Any]]) -> str:
    return _joined([json.dumps(row, ensure_ascii=False) for row in rows])


def _joined(lines: list[str]) -> str:
    if not lines:
        return ""
    body = ",\n".join("    " + line for line in lines)
    return f"\n{body}\n  "


def _iso(seconds: Floats) -> list[str | None]:
    """ISO 8601 UTC text of each moment, to the second or the microsecond; None where NaN."""
    known = np.isfinite(seconds)
    micro = np.round(seconds[known] * 1e6).astype(np.int64)
    whole = micro % 1_000_000 == 0
    texts = np.empty(len(micro), dtype=object)
    texts[whole] = np.datetime_as_string(
        (micro[whole] // 1_000_000).astype("datetime64[s]"), unit="s", timezone="UTC"
    )
    texts[~whole] = np.datetime_as_string(
        micro[~whole].astype("datetime64[us]"), unit="us", timezone="UTC"
    )
    out: list[str | None] = [None] * len(seconds)
    for row, text in zip(np.flatnonzero(known).tolist(), texts.tolist(), strict=True):
        out[row] = text
    return out


# -- reading ------------------------------------------------------------------------------------


def read_event_log(path: Path) -> History:
    """The history a pullflow event log holds, exactly as it was written."""
    path = Path(path)
    document = read_json(path)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise refusal(
            path, 1, f'this is not a pullflow event log (its "format" is not "{FORMAT}").'
        )
    if document.get("version") != VERSION:
        raise refusal(
            path,
            1,
            f"the event log has version {document.get('version')!r}; this pullflow reads "
            f"version {VERSION}: export it again with this version.",
        )
    workflow = _workflow(path, document)
    catalogue, position = _catalogue(path, document.get("items"))
    moves = _moves(path, document.get("moves"), workflow, position)
    as_of = _seconds(path, ["as_of"], [document.get("as_of")])[0]
    return History(workflow, catalogue, moves, as_of=None if np.isnan(as_of) else float(as_of))


def _workflow(path: Path, document: dict[str, Any]) -> Workflow:
    stages = document.get("stages")
    if (
        not isinstance(stages, list)
        or len(stages) < 2
        or not all(isinstance(stage, str) and stage for stage in stages)
    ):
        raise refusal(path, "stages", "the log needs a list of at least two stage names.")
    names = tuple(stages)
    timezone = str(document.get("timezone") or "UTC")
    zone_of(timezone)
    points = []
    for role in ("commitment", "delivery"):
        name = document.get(role)
        if name not in names:
            raise refusal(
                path,
                role,
                f"the {role} point {name!r} is not one of the stages {', '.join(names)}.",
            )
        points.append(names.index(name))
    waiting = document.get("waiting") or []
    if not isinstance(waiting, list) or any(name not in names for name in waiting):
        raise refusal(path, "waiting", "the waiting stages must be stage names of the log.")
    if points[0] > points[1]:
        raise refusal(path, "commitment", "the commitment point comes after the delivery point.")
    return Workflow(
        names,
        points[0],
        points[1],
        timezone,
        lanes=bool(document.get("lanes")),
        waiting=frozenset(names.index(name) for name in waiting),
    )


def _catalogue(path: Path, raw: object) -> tuple[Catalogue, dict[str, int]]:
    if not isinstance(raw, list):
        raise refusal(path, "items", "the log has no list of items.")
    position: dict[str, int] = {}
    for number, item in enumerate(raw, 1):
        if not isinstance(item, dict) or item.get("id") in (None, ""):
            raise refusal(path, f"item {number}", "the item has no id.")
        key = str(item["id"])
        if key in position:
            raise refusal(path, f"item {key}", "the id is used by an earlier item; ids are unique.")
        if not isinstance(item.get("attributes") or {}, dict):
            raise refusal(
                path, f"item {key}", "the attributes must be an object of names to values."
            )
        position[key] = number - 1
    items: list[dict[str, Any]] = raw
    names = list(dict.fromkeys(key for item in items for key in (item.get("attributes") or {})))
    created = _seconds(
        path, [f"item {item['id']}" for item in items], [item.get("created") for item in items]
    )
    catalogue = Catalogue.of(
        [str(item["id"]) for item in items],
        [str(item.get("title") or "") for item in items],
        [str(item.get("service_class") or "standard") for item in items],
        created,
        {
            name: [str((item.get("attributes") or {}).get(name, "")) for item in items]
            for name in names
        },
    )
    return catalogue, position


def _moves(path: Path, raw: object, workflow: Workflow, position: dict[str, int]) -> Moves:
    if not isinstance(raw, list):
        raise refusal(path, "moves", "the log has no list of moves.")
    stages = {name: index for index, name in enumerate(workflow.stages)}
    items, kinds, places, lanes = [], [], [], []
    for number, move in enumerate(raw, 1):
        where = f"move {number}"
        if not isinstance(move, dict):
            raise refusal(path, where, "the move is not an object.")
        item, kind = position.get(str(move.get("item"))), _KINDS.get(str(move.get("kind")))
        stage, lane = move.get("stage"), move.get("lane")
        if item is None:
            raise refusal(
                path,
                where,
                f"the move names the item {move.get('item')!r}, which the log does not list.",
            )
        if kind is None:
            raise refusal(
                path, where, f"the kind {move.get('kind')!r} is not one of {', '.join(_KINDS)}."
            )
        if (stage is not None and stage not in stages) or (kind == Kind.ENTER and stage is None):
            raise refusal(path, where, f"the stage {stage!r} is not one of the log's stages.")
        if lane not in _LANES:
            raise refusal(path, where, f'the lane {lane!r} is not "doing", "done" or null.')
        items.append(item)
        kinds.append(int(kind))
        places.append(stages[stage] if stage is not None else -1)
        lanes.append(_LANES[lane])
    times = _seconds(
        path, [f"move {n}" for n in range(1, len(raw) + 1)], [m.get("at") for m in raw]
    )
    if np.isnan(times).any():
        row = int(np.flatnonzero(np.isnan(times))[0])
        raise refusal(path, f"move {row + 1}", "the move has no time (at).")
    return Moves.of(items, times, kinds, places, lanes)


def _seconds(path: Path, places: list[str], texts: list[object]) -> Floats:
    """Seconds since the epoch of ISO UTC texts (NaN for null), numpy first, else one by one."""
    given = [text for text in texts if text is not None]
    strings = [text for text in given if isinstance(text, str) and text.endswith("Z")]
    if len(strings) == len(given):
        try:
            micro = np.array([text[:-1] for text in strings], dtype="datetime64[us]")
        except ValueError:
            micro = None
        if micro is not None and not np.isnat(micro).any():
            out = np.full(len(texts), np.nan)
            known = np.array([text is not None for text in texts], dtype=bool)
            out[known] = micro.astype(np.int64) / 1e6
            return out
    moments = Moments("UTC")
    values = []
    for place, text in zip(places, texts, strict=True):
        if text is None:
            values.append(np.nan)
            continue
        try:
            values.append(moments.parse(str(text)).timestamp())
        except BadValue as error:
            raise refusal(path, place, f"the time {error}") from None
    return np.array(values, dtype=np.float64)


def imported_of(history: History, notes: tuple[str, ...] = ()) -> ImportedHistory:
    """A history as an import: each item's stage entries (first ones kept) and discards."""
    catalogue, moves = history.catalogue, history.moves
    at = [datetime.fromtimestamp(value, UTC) for value in moves.at.tolist()]
    drafts = [
        Draft(
            str(catalogue.ids[row]),
            str(catalogue.titles[row]),
            [],
            _moment(catalogue.created[row]),
            _moment(history.discarded[row]),
            {key: str(values[row]) for key, values in catalogue.attributes.items() if values[row]},
            str(catalogue.service_class[row]),
        )
        for row in range(len(catalogue))
    ]
    for item, moment, kind, stage in zip(
        moves.item.tolist(), at, moves.kind.tolist(), moves.stage.tolist(), strict=True
    ):
        if kind == Kind.ENTER:
            drafts[item].entries.append((moment, stage))
    told = list(notes)
    recorded = np.isin(moves.kind, [Kind.FINISH, Kind.BLOCK, Kind.UNBLOCK]).any()
    if history.workflow.lanes or recorded:
        told.append(
            "An import keeps stage entries and discards only; the log's lanes, finishes and "
            "blocks are left out (read it as a history to keep them)."
        )
    return assemble(history.stages, drafts, moves=True, notes=told, record="item")


def _moment(seconds: float) -> datetime | None:
    return None if np.isnan(seconds) else datetime.fromtimestamp(float(seconds), UTC)

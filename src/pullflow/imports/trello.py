"""Trello: the JSON export of a board (lists, cards and actions).

The stages are the board's open lists in their ``pos`` order, or the stages of a mapping file
(list names go to stages, as Jira statuses do; a list the file does not map is refused).
A card enters its first list at its ``createCard`` action (or ``copyCard``, ``moveCardToBoard``,
``convertToCardFromCheckItem``), else at the moment in the first 8 hex digits of its id (a
Trello id starts with the Unix time it was made); its first list is then the list its earliest
move left, or its current list when it has no move. ``updateCard`` actions with ``listBefore``
and ``listAfter`` are moves. Without a mapping, moves into archived lists are left out (stated
in a note). An archived card that is not in the last stage was discarded at its last activity;
with a mapping, so was a card whose last list is one of its ``discarded`` lists.

Attributes: the card's label names as ``labels`` (``a|b``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pullflow.domain.imported import ImportedHistory
from pullflow.imports.assemble import Draft, assemble
from pullflow.imports.dates import Moments
from pullflow.imports.mapping import DISCARDED, StageMapping, read_mapping
from pullflow.imports.source import BadValue, listing, plural, read_json, refusal

#: Action types (lower case) by which a card comes onto the board in a list.
_ARRIVALS = frozenset({"createcard", "copycard", "movecardtoboard", "converttocardfromcheckitem"})


@dataclass(frozen=True)
class _List:
    id: str
    name: str
    closed: bool


@dataclass
class _Card:
    """What the actions say about one card: its arrival and its moves, by time."""

    arrival: tuple[datetime, str] | None = None
    moves: list[tuple[datetime, str, str]] = field(default_factory=list)


@dataclass
class _Places:
    """Where list ids go: stage positions, DISCARDED, or None for a list that is not a stage."""

    lists: Mapping[str, _List]
    stages: tuple[str, ...]
    mapping: StageMapping | None
    open_positions: Mapping[str, int]
    left_out: dict[str, int] = field(default_factory=dict)

    def place(self, path: Path, card: str, list_id: str) -> int | None:
        known = self.lists.get(list_id)
        if self.mapping is None:
            position = self.open_positions.get(list_id)
            if position is None:
                name = known.name if known else list_id
                self.left_out[name] = self.left_out.get(name, 0) + 1
            return position
        name = known.name if known else list_id
        position = self.mapping.place(name)
        if position is None:
            raise refusal(
                path,
                f"card {card}",
                f'the list "{name}" is not in the mapping file {self.mapping.path}; add it to '
                "the lists of one of its stages (or to discarded).",
            )
        return position


def read_trello(
    path: Path,
    *,
    mapping: Path | None = None,
    timezone: str = "UTC",
    date_order: str | None = None,
) -> ImportedHistory:
    """The cards of a Trello board export (see the module for the rules)."""
    moments = Moments(timezone, date_order)
    path = Path(path)
    stage_mapping = read_mapping(Path(mapping), word="lists") if mapping is not None else None
    document = read_json(path)
    if (
        not isinstance(document, dict)
        or not isinstance(document.get("lists"), list)
        or not (isinstance(document.get("cards"), list))
    ):
        raise refusal(
            path, 1, "this is not a Trello board export; expected lists and cards (Menu → Export)."
        )
    lists = _lists(path, document["lists"])
    places = _places(path, lists, stage_mapping)
    cards = _actions(path, document.get("actions") or [], moments)
    drafts, archived = [], 0
    for number, raw in enumerate(document["cards"], 1):
        draft, was_archived = _draft(path, number, raw, cards, places, moments)
        archived += was_archived
        drafts.append(draft)
    notes = _notes(places, archived, mapped=stage_mapping is not None)
    return assemble(places.stages, drafts, moves=True, notes=notes, record="card")


def _notes(places: _Places, archived: int, *, mapped: bool) -> list[str]:
    notes = []
    if not mapped:
        notes.append(
            f"The stages are the board's open lists in their order: {', '.join(places.stages)}."
        )
    if places.left_out:
        names = listing(sorted(places.left_out))
        count = sum(places.left_out.values())
        notes.append(
            f"{plural(count, 'entry', 'entries')} into archived or unknown lists ({names}) "
            f"{'was' if count == 1 else 'were'} left out; give a mapping file to send those "
            "lists to stages."
        )
    if archived:
        notes.append(
            f"{plural(archived, 'archived card')} outside the last list "
            f"{'was' if archived == 1 else 'were'} read as discarded at the last activity."
        )
    return notes


def _lists(path: Path, raw_lists: list[object]) -> dict[str, _List]:
    ordered: list[tuple[float, int, _List]] = []
    for number, raw in enumerate(raw_lists, 1):
        if not isinstance(raw, dict) or not raw.get("id"):
            raise refusal(path, f"list {number}", "the list has no id; export the board again.")
        pos = raw.get("pos", number)
        ordered.append(
            (
                float(pos) if isinstance(pos, int | float) else float(number),
                number,
                _List(str(raw["id"]), str(raw.get("name") or "").strip(), bool(raw.get("closed"))),
            )
        )
    ordered.sort(key=lambda entry: (entry[0], entry[1]))
    return {entry[2].id: entry[2] for entry in ordered}


def _places(path: Path, lists: dict[str, _List], mapping: StageMapping | None) -> _Places:
    if mapping is not None:
        return _Places(lists, mapping.stages, mapping, {})
    open_lists = [item for item in lists.values() if not item.closed]
    if len(open_lists) < 2:
        raise refusal(
            path,
            "lists",
            f"the board has {len(open_lists)} open list; a workflow needs at least two stages.",
        )
    positions = {item.id: index for index, item in enumerate(open_lists)}
    return _Places(lists, tuple(item.name for item in open_lists), None, positions)


def _actions(path: Path, actions: object, moments: Moments) -> dict[str, _Card]:
    """Per card id, its arrival and moves, oldest first."""
    cards: dict[str, _Card] = {}
    if not isinstance(actions, list):
        raise refusal(path, "actions", "actions is not a list; export the board again.")
    for action in actions:
        if not isinstance(action, dict) or not isinstance(action.get("data"), dict):
            continue
        data = action["data"]
        card_id, kind = _id(data.get("card")), str(action.get("type") or "").lower()
        into, before, after = (
            _id(data.get("list")),
            _id(data.get("listBefore")),
            _id(data.get("listAfter")),
        )
        arrives = kind in _ARRIVALS and bool(into)
        moves = kind == "updatecard" and bool(before) and bool(after)
        if not card_id or not (arrives or moves):
            continue
        at = _moment(path, f"card {card_id}", "the action date", action.get("date"), moments)
        card = cards.setdefault(card_id, _Card())
        if arrives and (card.arrival is None or at < card.arrival[0]):
            card.arrival = (at, into)
        elif moves:
            card.moves.append((at, before, after))
    for card in cards.values():
        card.moves.sort(key=lambda move: move[0])
    return cards


def _draft(
    path: Path,
    number: int,
    raw: object,
    cards: dict[str, _Card],
    places: _Places,
    moments: Moments,
) -> tuple[Draft, bool]:
    """The card as a draft, and whether it was read as discarded for being archived."""
    if not isinstance(raw, dict) or not str(raw.get("id") or "").strip():
        raise refusal(path, f"card {number}", "the card has no id; export the board again.")
    card_id = str(raw["id"]).strip()
    where = f"card {card_id}"
    known = cards.get(card_id, _Card())
    if known.arrival is not None:
        created, first_list = known.arrival
    else:
        created = _id_time(path, where, card_id)
        first_list = known.moves[0][1] if known.moves else str(raw.get("idList") or "").strip()
    if not first_list:
        raise refusal(path, where, "the card has no idList; export the board again.")
    visits = [(created, first_list), *((at, after) for at, _, after in known.moves)]
    located = [(at, places.place(path, card_id, list_id)) for at, list_id in visits]
    entries = [(at, stage) for at, stage in located if stage is not None and stage != DISCARDED]
    discarded_at, archived = _discarded(path, where, raw, located, len(places.stages), moments)
    labels = raw.get("labels")
    names = [
        str(label.get("name") or "").strip()
        for label in (labels if isinstance(labels, list) else [])
        if isinstance(label, dict)
    ]
    attributes = {"labels": "|".join(name for name in names if name)}
    draft = Draft(
        card_id,
        str(raw.get("name") or "").strip(),
        entries,
        created,
        discarded_at,
        {key: value for key, value in attributes.items() if value},
    )
    return draft, archived


def _discarded(
    path: Path,
    where: str,
    raw: dict[str, object],
    located: list[tuple[datetime, int | None]],
    stage_count: int,
    moments: Moments,
) -> tuple[datetime | None, bool]:
    """When the card was discarded (None if it was not), and whether for being archived."""
    last_at, last = located[-1]
    if last == DISCARDED:
        return last_at, False
    if not raw.get("closed") or last == stage_count - 1:
        return None, False
    activity = raw.get("dateLastActivity")
    if activity is None:
        return last_at, True
    return _moment(path, where, "dateLastActivity", activity, moments), True


def _id(value: object) -> str:
    return str(value.get("id") or "").strip() if isinstance(value, dict) else ""


def _id_time(path: Path, where: str, card_id: str) -> datetime:
    head = card_id[:8]
    if len(head) == 8 and all(digit in "0123456789abcdefABCDEF" for digit in head):
        return datetime.fromtimestamp(int(head, 16), UTC)
    raise refusal(
        path,
        where,
        "the card has no createCard action and its id does not start with the time it was "
        "made; export the board with its actions.",
    )


def _moment(path: Path, where: str, what: str, value: object, moments: Moments) -> datetime:
    if not isinstance(value, str) or not value.strip():
        raise refusal(path, where, f"{what} is missing; export the board again.")
    try:
        return moments.parse(value)
    except BadValue as error:
        raise refusal(path, where, f"{what} {error}") from None

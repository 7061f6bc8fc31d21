"""Trello board exports: lists as stages, createCard and id-encoded creation, archived cards."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pullflow.imports.convert import to_history
from pullflow.imports.trello import read_trello
from tests.imports.helpers import SAMPLES, days, refused, same, write

BOARD = SAMPLES / "trello_board.json"
MAPPING = SAMPLES / "trello_mapping.yaml"
SIGN_UP, PRICE, REFERRAL, DARK, CHAT = (
    "65f01990a1b2c3d4e5f60718",
    "65ecf8001c2d3e4f5a6b7c8d",
    "65eef2409f8e7d6c5b4a3928",
    "65f035b0aa11bb22cc33dd44",
    "65f051d0ee55ff6677889900",
)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_open_lists_in_pos_order_are_the_stages() -> None:
    imported = read_trello(BOARD)
    # Lists in the file: Done (49152), Backlog (16384), Old ideas (archived), Doing (32768).
    assert imported.stages == ("Backlog", "Doing", "Done")
    assert [item.source_id for item in imported.items] == [SIGN_UP, PRICE, REFERRAL, DARK, CHAT]
    assert imported.notes == (
        "The stages are the board's open lists in their order: Backlog, Doing, Done.",
        "1 entry into archived or unknown lists (Old ideas) was left out; give a mapping file "
        "to send those lists to stages.",
        "1 archived card outside the last list was read as discarded at the last activity.",
    )


def test_create_card_action_starts_a_card() -> None:
    sign_up = read_trello(BOARD).items[0]
    assert sign_up.created_at == utc("2024-03-12T09:00")
    assert sign_up.entries == (
        (0, utc("2024-03-12T09:00")),
        (1, utc("2024-03-13T10:00")),
        (2, utc("2024-03-15T16:00")),
    )
    assert sign_up.attributes == {"labels": "web|growth"}


def test_without_create_card_the_id_gives_the_creation_time() -> None:
    items = read_trello(BOARD).items
    # 0x65ecf800 = 1710028800 s = 2024-03-10 00:00 UTC; the card was in Backlog (the list its
    # first move left) until it moved to Doing on 03-14 08:00.
    assert items[1].created_at == utc("2024-03-10T00:00")
    assert items[1].entries == ((0, utc("2024-03-10T00:00")), (1, utc("2024-03-14T08:00")))
    # 0x65eef240 = 1710158400 s = 2024-03-11 12:00 UTC; no action at all: in its list since.
    assert items[2].entries == ((0, utc("2024-03-11T12:00")),)


def test_by_hand_started_finished_and_discarded() -> None:
    history = to_history(read_trello(BOARD))
    # Commitment Doing, delivery Done. Dark mode is archived in Doing: discarded on 03-16.
    assert same(history.days(history.started), days("2024-03-13", "2024-03-14", None, None, None))
    assert same(history.days(history.finished), days("2024-03-15", None, None, None, None))
    assert history.discarded[3] == utc("2024-03-16T09:00").timestamp()
    assert list(history.catalogue.attributes["labels"]) == ["web|growth", "", "growth", "", ""]


def test_mapping_sends_lists_to_stages_and_discards() -> None:
    imported = read_trello(BOARD, mapping=MAPPING)
    assert imported.stages == ("Options", "Doing", "Done")
    chat = imported.items[4]
    # Chat widget ended in Old ideas, a discarded list, on 03-14 10:00.
    assert chat.entries == ((0, utc("2024-03-12T13:00")),)
    assert chat.discarded_at == utc("2024-03-14T10:00")
    assert imported.notes == (
        "1 archived card outside the last list was read as discarded at the last activity.",
    )


def test_a_list_missing_from_the_mapping_is_refused(tmp_path: Path) -> None:
    mapping = write(
        tmp_path,
        "lists.yaml",
        "stages:\n  - {name: Options, lists: [Backlog]}\n  - Doing\n  - Done\n",
    )
    assert refused(lambda: read_trello(BOARD, mapping=mapping)) == (
        f'{BOARD}:card {CHAT}: the list "Old ideas" is not in the mapping file {mapping}; add '
        "it to the lists of one of its stages (or to discarded)."
    )


def board(cards: list[dict[str, Any]], actions: list[dict[str, Any]]) -> str:
    lists = [
        {"id": "l1", "name": "To do", "pos": 1, "closed": False},
        {"id": "l2", "name": "Done", "pos": 2, "closed": False},
    ]
    return json.dumps({"lists": lists, "cards": cards, "actions": actions})


def test_a_card_without_create_card_nor_a_time_in_its_id_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "odd.json", board([{"id": "card-1", "name": "x", "idList": "l1"}], []))
    assert refused(lambda: read_trello(path)) == (
        f"{path}:card card-1: the card has no createCard action and its id does not start with "
        "the time it was made; export the board with its actions."
    )


def test_a_bad_action_date_is_refused_by_card(tmp_path: Path) -> None:
    card = {"id": "65f01990a1b2c3d4e5f60718", "name": "x", "idList": "l2"}
    move = {
        "type": "updateCard",
        "date": "yesterday",
        "data": {"card": {"id": card["id"]}, "listBefore": {"id": "l1"}, "listAfter": {"id": "l2"}},
    }
    path = write(tmp_path, "date.json", board([card], [move]))
    assert refused(lambda: read_trello(path)).startswith(
        f'{path}:card 65f01990a1b2c3d4e5f60718: the action date "yesterday" is not a date'
    )


def test_not_a_board_export(tmp_path: Path) -> None:
    path = write(tmp_path, "issues.json", json.dumps({"issues": []}))
    assert refused(lambda: read_trello(path)).startswith(
        f"{path}:1: this is not a Trello board export"
    )

"""Item attributes: short texts by key, given when an item is added and kept in its event."""

from __future__ import annotations

import pytest

from pullflow.domain.board import Board
from pullflow.domain.errors import Invalid
from pullflow.domain.items import check_attributes, parse_attributes
from pullflow.domain.stages import parse_stages
from tests.conftest import Clock
from tests.domain.helpers import ACTOR, board


def test_attributes_are_read_from_key_value_pairs_with_the_type_first() -> None:
    assert parse_attributes(["team=web", " size = S  M ", "link=a=b"], "bug") == {
        "type": "bug",
        "team": "web",
        "size": "S M",  # whitespace squeezed, as in titles
        "link": "a=b",  # only the first = separates the key
    }
    assert parse_attributes([]) == {}


@pytest.mark.parametrize(
    ("pairs", "item_type", "message"),
    [
        (["team"], None, "Attribute 'team' was refused: write it as KEY=VALUE, such as team=web."),
        (
            ["=web"],
            None,
            "An attribute with an empty key was refused: write it as KEY=VALUE, such as team=web.",
        ),
        (["team="], None, "Attribute 'team' has no value: write it as team=VALUE."),
        (["team=web", "team=app"], None, "Attribute 'team' was given twice: give it once."),
        (
            ["type=story"],
            "bug",
            "Attribute 'type' was given twice: give it once, with --type or with --attr "
            "type=VALUE.",
        ),
        (
            ["k" * 41 + "=v"],
            None,
            f"Attribute key {'k' * 40!r} was refused: a key has 1 to 40 printable characters "
            "and no =, such as team.",
        ),
        (
            ["team=" + "w" * 201],
            None,
            "The value of attribute 'team' (201 characters) was refused: keep it to 200 "
            "printable characters.",
        ),
        (
            [f"k{n}=v" for n in range(51)],
            None,
            "51 attributes were refused: an item takes at most 50, so keep the ones that matter.",
        ),
        ([], "", "Attribute 'type' has no value: write it as type=VALUE."),
    ],
)
def test_bad_attributes_are_refused_in_one_sentence(
    pairs: list[str], item_type: str | None, message: str
) -> None:
    with pytest.raises(Invalid) as refused:
        parse_attributes(pairs, item_type)
    assert str(refused.value) == message


def test_at_the_limits_attributes_are_taken() -> None:
    given = {f"k{n}": "v" * 200 for n in range(50)} | {"k" * 40: "v"}
    with pytest.raises(Invalid, match="51 attributes"):
        check_attributes(given)
    del given["k" * 40]
    assert check_attributes(given) == given


def test_trimming_cuts_long_values_and_drops_empty_ones() -> None:
    # what an import does: 250 characters are cut to 200, an empty value is left out
    assert check_attributes({"team": "w" * 250, "size": "  "}, trim=True) == {"team": "w" * 200}
    with pytest.raises(Invalid, match="Attribute key 'a=b' of item 7 was refused"):
        check_attributes({"a=b": "c"}, owner=" of item 7", trim=True)


def test_an_added_item_keeps_its_attributes_in_its_event(clock: Clock) -> None:
    b = board(clock, items=1)
    [event] = b.add_item(
        "Broken link", actor=ACTOR, at=clock(), attributes={"type": "bug", " team ": "web"}
    )
    assert event.data == {
        "title": "Broken link",
        "service_class": "standard",
        "due": None,
        "position": None,
        "attributes": {"type": "bug", "team": "web"},
    }
    assert b.item(2).attributes == {"type": "bug", "team": "web"}
    # an item without attributes records none, as items always have
    assert b.item(1).attributes == {}
    assert "attributes" not in b.add_item("plain", actor=ACTOR, at=clock())[0].data


def test_an_item_with_bad_attributes_is_not_added(clock: Clock) -> None:
    b = board(clock, items=1)
    with pytest.raises(Invalid, match="Attribute 'team' has no value"):
        b.add_item("x", actor=ACTOR, at=clock(), attributes={"team": " "})
    assert (b.item_seq, b.pending_events) == (1, [])


def test_replay_rebuilds_the_attributes(clock: Clock) -> None:
    b = Board.create("main", parse_stages("Options,Build,Done"), actor=ACTOR, at=clock())
    b.add_item("a", actor=ACTOR, at=clock(), attributes={"type": "bug"})
    b.add_item("b", actor=ACTOR, at=clock())
    replayed = Board.replay(b.take_events())
    assert [(i.number, i.attributes) for i in replayed.items] == [(1, {"type": "bug"}), (2, {})]

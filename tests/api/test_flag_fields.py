"""The domain's sentences name the API's fields where they name the command line's flags."""

from __future__ import annotations

import pytest

from pullflow.api.errors import for_api


@pytest.mark.parametrize(
    ("sentence", "on_the_api"),
    [
        (
            "Build is at its WIP limit (3/3): finish or discard an item in Build, or pull with "
            '--override "reason".',
            "Build is at its WIP limit (3/3): finish or discard an item in Build, or pull with "
            '"override": "reason".',
        ),
        (
            "Item #3 cannot be fixed-date without a due date: add --due YYYY-MM-DD.",
            'Item #3 cannot be fixed-date without a due date: add "due": "YYYY-MM-DD".',
        ),
        (
            'The Test Card needs "To verify that, we will": fill it with --verify "…".',
            'The Test Card needs "To verify that, we will": fill it with '
            '"to_verify_that_we_will": "…".',
        ),
        (
            "Item #2 is in the stage before Done: finish it without --deliver.",
            'Item #2 is in the stage before Done: finish it without "deliver": true.',
        ),
        (
            "2 stops are open (#1, #2): name one with --stop N.",
            '2 stops are open (#1, #2): name one with "stop": N.',
        ),
        (
            "Attribute 'type' was given twice: give it once, with --type or with --attr "
            "type=VALUE.",
            "Attribute 'type' was given twice: give it once, with \"type\" or with "
            '"attributes": {"type": "VALUE"}.',
        ),
        (
            "The window ends before its start; give --from before --to.",
            'The window ends before its start; give "from" before "to".',
        ),
    ],
)
def test_a_flag_becomes_the_field(sentence: str, on_the_api: str) -> None:
    assert for_api(sentence) == on_the_api


@pytest.mark.parametrize(
    "sentence",
    [
        # Inside a command, a flag stays the command's.
        'Item #1 is done: send it back with pullflow return 1 STAGE --reason "why" to work on '
        "it again.",
        "The line is stopped: resume with pullflow andon resume --five-whys FILE.",
        "No token #9: see the tokens with pullflow token list --user NAME.",
        # A flag the API has no field for, and a name that only looks like one.
        "Give --horizon in days.",
        "No stage named '--reason' on board main.",
        "A plain sentence without flags.",
    ],
)
def test_commands_and_other_words_are_left_as_they_are(sentence: str) -> None:
    assert for_api(sentence) == sentence

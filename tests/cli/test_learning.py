"""Hypotheses, experiments, and experiments as the pull signal of a build-measure-learn board."""

from __future__ import annotations

from tests.cli.helpers import LOGIN, Cli, ids, sqlite_only
from tests.conftest import START

TEST_CARD = (
    "readers want a weekly digest",
    "--verify",
    "put a signup page in front of 500 visitors",
    "--measure",
    "the share who sign up",
    "--right-if",
    "at least 5% sign up",
)

LEARNING_CARD = (
    "--verdict",
    "validated",
    "--decision",
    "persevere",
    "--observed",
    "7.2% of 540 visitors signed up",
    "--learned",
    "there is demand for the digest",
    "--next",
    "build the weekly digest",
)


def running_experiment(cli: Cli) -> Cli:
    """State H1 and start E1 to test it."""
    cli.ok("hypothesis", "add", *TEST_CARD)
    cli.ok("experiment", "start", "H1")
    return cli


def test_hypothesis_add_states_a_test_card(bml: Cli) -> None:
    result = bml.ok("hypothesis", "add", *TEST_CARD)
    assert result.text == "Stated H1: we believe that readers want a weekly digest."
    assert bml.json("hypothesis", "list") == [
        {
            "id": 1,
            "we_believe_that": "readers want a weekly digest",
            "to_verify_that_we_will": "put a signup page in front of 500 visitors",
            "and_measure": "the share who sign up",
            "we_are_right_if": "at least 5% sign up",
            "status": "untested",
            "stated_at": START.isoformat(),
            "stated_by": LOGIN,
            "experiments": [],
        }
    ]
    text = bml.ok("hypothesis", "list").text
    assert "H1 [untested] We believe that readers want a weekly digest" in text


@sqlite_only
def test_hypothesis_add_refuses_an_empty_part(bml: Cli) -> None:
    result = bml.fails(
        2,
        "hypothesis",
        "add",
        "readers want it",
        "--verify",
        " ",
        "--measure",
        "m",
        "--right-if",
        "r",
    )
    assert result.error.startswith('The card needs "To verify that, we will"')


def test_experiment_start_tests_a_hypothesis(bml: Cli) -> None:
    bml.ok("hypothesis", "add", *TEST_CARD)
    result = bml.ok("experiment", "start", "H1", "--title", "Smoke-test landing page")
    assert result.text == "Started E1 to test H1: Smoke-test landing page."
    [experiment] = bml.json("experiment", "list")
    assert experiment["id"] == 1
    assert experiment["hypothesis"] == 1
    assert experiment["title"] == "Smoke-test landing page"
    assert experiment["status"] == "running"
    assert experiment["items"] == []
    assert experiment["verdict"] is None
    assert bml.json("hypothesis", "list")[0]["status"] == "testing"
    assert bml.board()["running_experiments"] == [1]


@sqlite_only
def test_experiment_start_refuses_an_unknown_hypothesis(bml: Cli) -> None:
    result = bml.fails(2, "experiment", "start", "H3")
    assert (
        result.error == "No hypothesis H3 on board main: list them with pullflow hypothesis list."
    )


def test_the_running_experiment_limit_refuses_one_more(bml: Cli) -> None:
    running_experiment(bml)
    bml.ok("experiment", "start", "1")
    result = bml.fails(1, "experiment", "start", "h1")
    assert result.error == (
        "The board already runs 2 experiments, its limit (2/2): conclude one with pullflow "
        "experiment conclude ID first, or raise the limit with pullflow board set "
        "--experiment-limit N."
    )
    bml.ok("board", "set", "--experiment-limit", "3")
    assert bml.ok("experiment", "start", "H1").text.startswith("Started E3 to test H1")


def test_an_unlinked_item_cannot_leave_the_options_of_an_experiment_board(bml: Cli) -> None:
    running_experiment(bml)
    bml.add("Landing page")
    result = bml.fails(1, "pull", "Build", "1")
    assert result.error == (
        "Item #1 cannot leave Options: this board pulls work only for a running experiment, "
        "so link it first with pullflow experiment link ID 1."
    )
    assert bml.where(1) == ("Options", "done", "active")


def test_a_linked_item_is_pulled_for_its_experiment(bml: Cli) -> None:
    running_experiment(bml)
    bml.add("unrelated")
    bml.add("Landing page")
    assert bml.ok("experiment", "link", "E1", "2").text == "#2 now serves E1."
    assert bml.ok("pull", "Build").text == (
        "Pulled #2 from Options into Build (WIP 1/3), for a running experiment."
    )
    assert bml.events()[-1]["data"]["signal"] == "experiment"
    assert bml.json("experiment", "list")[0]["items"] == [2]
    assert bml.item(2)["experiments"] == [1]
    assert bml.where(1) == ("Options", "done", "active")


@sqlite_only
def test_an_item_added_for_an_experiment_is_linked_at_once(bml: Cli) -> None:
    running_experiment(bml)
    assert bml.add("Landing page", "--experiment", "E1") == 1
    assert [event["type"] for event in bml.events()[-2:]] == [
        "item.added",
        "experiment.linked",
    ]
    bml.ok("pull", "Build")
    assert ids(bml.stage("Build")["doing"]) == [1]


def test_unlinking_takes_the_pull_signal_away(bml: Cli) -> None:
    running_experiment(bml)
    bml.add("Landing page", "--experiment", "E1")
    assert bml.ok("experiment", "unlink", "E1", "1").text == "#1 no longer serves E1."
    result = bml.fails(1, "pull", "Build")
    assert "no item waiting in Options serves a running experiment" in result.error
    again = bml.fails(1, "experiment", "unlink", "E1", "1")
    assert again.error == "Item #1 does not serve E1: there is no link to remove."


@sqlite_only
def test_expedite_work_leaves_the_options_without_an_experiment(bml: Cli) -> None:
    bml.add("outage", "--class", "expedite")
    assert bml.ok("pull", "Build").text == (
        "Pulled #1 from Options into Build (WIP 1/3), as expedite work."
    )


def test_experiment_conclude_records_the_learning_card(bml: Cli) -> None:
    running_experiment(bml)
    bml.add("Landing page", "--experiment", "E1")
    bml.ok("pull", "Build")
    bml.at("2026-11-16T09:00:00+00:00")
    result = bml.ok("experiment", "conclude", "E1", *LEARNING_CARD)
    assert result.text == (
        "Concluded E1: validated, decision persevere; H1 is now validated unless still under test."
    )
    [experiment] = bml.json("experiment", "list")
    assert experiment["status"] == "concluded"
    assert experiment["concluded_at"] == "2026-11-16T09:00:00+00:00"
    assert (experiment["verdict"], experiment["decision"]) == ("validated", "persevere")
    assert experiment["we_observed"] == "7.2% of 540 visitors signed up"
    assert experiment["from_that_we_learned"] == "there is demand for the digest"
    assert experiment["therefore_we_will"] == "build the weekly digest"
    assert experiment["items"] == [1]
    assert bml.json("hypothesis", "list")[0]["status"] == "validated"
    assert bml.board()["running_experiments"] == []
    text = bml.ok("experiment", "list").text
    assert "Verdict: validated, decision: persevere" in text

    again = bml.fails(1, "experiment", "conclude", "E1", *LEARNING_CARD)
    assert again.error.startswith("E1 was already concluded (validated)")


@sqlite_only
def test_a_concluded_experiment_no_longer_pulls_work(bml: Cli) -> None:
    running_experiment(bml)
    bml.add("Landing page", "--experiment", "E1")
    bml.ok("experiment", "conclude", "E1", *LEARNING_CARD)
    assert bml.fails(1, "pull", "Build").error.startswith("Build has nothing to pull")
    linked = bml.fails(1, "experiment", "link", "E1", "1")
    assert linked.error == (
        "E1 is concluded: link work to a running experiment (see pullflow experiment list)."
    )


@sqlite_only
def test_experiment_conclude_refuses_an_unknown_verdict_or_decision(bml: Cli) -> None:
    running_experiment(bml)
    card = list(LEARNING_CARD)
    card[1] = "probably"
    result = bml.fails(2, "experiment", "conclude", "E1", *card)
    assert result.error == (
        "Unknown verdict 'probably': choose one of validated, invalidated, inconclusive."
    )
    card = list(LEARNING_CARD)
    card[3] = "hope"
    result = bml.fails(2, "experiment", "conclude", "E1", *card)
    assert result.error == (
        "Unknown decision 'hope': choose one of persevere, pivot, stop, keep-testing."
    )


@sqlite_only
def test_a_capacity_board_pulls_without_an_experiment(bml: Cli) -> None:
    bml.add("Landing page")
    bml.fails(1, "pull", "Build")
    bml.ok("board", "set", "--pull-signal", "capacity")
    assert bml.ok("pull", "Build").text == "Pulled #1 from Options into Build (WIP 1/3)."

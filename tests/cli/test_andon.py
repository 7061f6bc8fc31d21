"""The andon: stop the line, pull only the fix, resume with a Five Whys, repeats flagged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.cli.helpers import COMPLETE_WHYS, Cli, sqlite_only, without, write_whys

STOPPED_AT = "2026-11-02T09:00:00+00:00"
THREE_HOURS_LATER = "2026-11-02T12:00:00+00:00"


@pytest.fixture
def stopped(capacity: Cli) -> Cli:
    """Items #1 and #2 in the options; the line stopped with #2 named as the fix."""
    capacity.add("Landing page")
    capacity.add("Fix: accept '+' in emails")
    capacity.ok(
        "andon",
        "stop",
        "--reason",
        "signups with '+' are lost",
        "--tag",
        "signup",
        "--tag",
        "Data Loss",
        "--fix",
        "2",
        "--people",
        "3",
    )
    return capacity


def is_stopped(cli: Cli) -> bool:
    return bool(cli.json("andon", "status")["stopped"])


# ------------------------------------------------------------------------------ stop


def test_andon_stop_stops_the_line_and_says_what_may_still_be_pulled(capacity: Cli) -> None:
    capacity.add("Landing page")
    capacity.add("Fix")
    result = capacity.ok(
        "andon", "stop", "--reason", "signups with '+' are lost", "--fix", "2", "--as", "chen"
    )
    assert result.text == (
        "Stopped the line (stop #1): signups with '+' are lost. Only #2, the fix, may be pulled in."
    )
    event = capacity.events()[-1]
    assert (event["type"], event["actor"], event["reason"]) == (
        "andon.stopped",
        "chen",
        "signups with '+' are lost",
    )
    assert "STOPPED" in capacity.ok("board", "show").text


def test_while_stopped_only_the_fix_is_pulled(stopped: Cli) -> None:
    result = stopped.fails(1, "pull", "Build", "1")
    assert result.error == (
        "The line is stopped (stop #1: signups with '+' are lost), so Build pulls only #2, "
        "the fix: resume with pullflow andon resume --five-whys FILE."
    )
    assert stopped.ok("pull", "Build").text == "Pulled #2 from Options into Build (WIP 1/3)."
    assert stopped.fails(1, "pull", "Build").error.startswith("The line is stopped")
    assert stopped.where(1) == ("Options", "done", "active")


@sqlite_only
def test_a_stop_without_a_fix_refuses_every_pull(capacity: Cli) -> None:
    capacity.add("Landing page")
    capacity.ok("andon", "stop", "--reason", "the build server is down")
    result = capacity.fails(1, "pull", "Build")
    assert result.error == (
        "The line is stopped (stop #1: the build server is down), so nothing is pulled into "
        "Build: resume with pullflow andon resume --five-whys FILE."
    )


@sqlite_only
def test_the_fix_leaves_the_options_of_an_experiment_board(bml: Cli) -> None:
    bml.add("Fix")
    bml.ok("andon", "stop", "--reason", "broken", "--fix", "1")
    assert bml.ok("pull", "Build").text.endswith("as the fix of the stopped line.")


def test_stopping_one_stage_leaves_the_others_running(capacity: Cli) -> None:
    capacity.add("a")
    capacity.add("b")
    capacity.ok("pull", "Build")
    capacity.ok("finish", "1")
    result = capacity.ok("andon", "stop", "--reason", "dashboards are wrong", "--stage", "Measure")
    assert result.text == "Stopped Measure (stop #1): dashboards are wrong."
    assert capacity.fails(1, "pull", "Measure").error.startswith(
        "Measure is stopped (stop #1: dashboards are wrong), so nothing is pulled into Measure"
    )
    assert capacity.ok("pull", "Build").text == "Pulled #2 from Options into Build (WIP 2/3)."
    assert capacity.stage("Measure")["stopped_by"] == 1
    assert capacity.stage("Build")["stopped_by"] is None


@sqlite_only
def test_a_stopped_line_cannot_be_stopped_again(stopped: Cli) -> None:
    result = stopped.fails(1, "andon", "stop", "--reason", "again")
    assert result.error == (
        "The line is already stopped (stop #1: signups with '+' are lost): resume it with "
        "pullflow andon resume first."
    )


@sqlite_only
def test_andon_stop_refuses_bad_input(bml: Cli) -> None:
    assert bml.fails(2, "andon", "stop", "--reason", " ").error == (
        'To stop the line a reason is required: add --reason "what is wrong".'
    )
    assert bml.fails(2, "andon", "stop", "--reason", "x", "--fix", "9").error == (
        "No item #9 on board main: see the items with pullflow board show."
    )
    assert bml.fails(2, "andon", "stop", "--reason", "x", "--people", "0").error == (
        "0 people affected was refused: give a number from 1 to 10000."
    )
    assert bml.fails(2, "andon", "stop", "--reason", "x", "--stage", "QA").error.startswith(
        "No stage named 'QA' on board main"
    )


# --------------------------------------------------------------------------- status


def test_andon_status_json_shows_the_open_stop(stopped: Cli) -> None:
    status = stopped.json("andon", "status")
    assert status["board"] == "main"
    assert [open_stop["stop"] for open_stop in status["stopped"]] == [1]
    [stop] = status["stops"]
    assert stop["stop"] == 1
    assert stop["stage"] is None
    assert stop["reason"] == "signups with '+' are lost"
    assert stop["tags"] == ["signup", "data-loss"]
    assert (stop["fix"], stop["people"]) == (2, 3)
    assert stop["stopped_at"] == STOPPED_AT
    assert (stop["resumed_at"], stop["five_whys"], stop["repeat_of"]) == (None, None, None)
    assert stopped.board()["stopped"][0]["stop"] == 1


@sqlite_only
def test_andon_status_says_when_the_line_is_running(capacity: Cli) -> None:
    assert capacity.ok("andon", "status").text == "The line on main is running."
    assert capacity.json("andon", "status") == {"board": "main", "stopped": [], "stops": []}


# ------------------------------------------------------------------------- template


@sqlite_only
def test_andon_template_prints_a_five_whys_to_fill_in(bml: Cli) -> None:
    data = yaml.safe_load(bml.ok("andon", "template").out)
    assert data["problem"] == ""
    assert data["root_cause"] == ""
    assert len(data["whys"]) == 5
    assert set(data["whys"][0]) == {"question", "answer", "countermeasure", "owner", "effort"}


@sqlite_only
def test_andon_template_fills_in_the_open_stop(stopped: Cli) -> None:
    out = stopped.ok("andon", "template").out
    assert out.startswith("# Five Whys for stop #1 on main (the line)\n")
    assert yaml.safe_load(out)["problem"] == "signups with '+' are lost"


def test_andon_template_needs_no_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = Cli(f"sqlite:///{tmp_path / 'none.db'}", capsys, monkeypatch).ok("andon", "template")
    assert set(yaml.safe_load(result.out)) == {"problem", "whys", "root_cause"}
    assert list(tmp_path.iterdir()) == []


@sqlite_only
def test_andon_template_output_writes_a_file_but_never_over_one(
    stopped: Cli, tmp_path: Path
) -> None:
    target = tmp_path / "whys.yaml"
    result = stopped.ok("andon", "template", "-o", str(target))
    assert result.text == (
        f"Wrote {target}: fill it in, then pullflow andon resume --five-whys {target}."
    )
    written = target.read_text(encoding="utf-8")
    assert yaml.safe_load(written)["problem"] == "signups with '+' are lost"

    target.write_text("mine", encoding="utf-8")
    refused = stopped.fails(2, "andon", "template", "--output", str(target))
    assert refused.error == f"{target} already exists: choose another file or remove it first."
    assert target.read_text(encoding="utf-8") == "mine"


# --------------------------------------------------------------------------- resume


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_complete_five_whys_resumes_the_line_and_prices_the_stop(
    stopped: Cli, tmp_path: Path, suffix: str
) -> None:
    whys = write_whys(tmp_path / f"whys{suffix}", COMPLETE_WHYS)
    stopped.at(THREE_HOURS_LATER)
    result = stopped.ok("andon", "resume", "--five-whys", str(whys), "--as", "chen")
    assert result.text == (
        "Resumed stop #1. It cost 3.0 h × 2 people = 6.0 person-hours. Suggested investment "
        "in countermeasures: 6.0 h (3.0 h per level); planned: 2.5 h. Root cause: Signup "
        "changes ship without tests that use real addresses."
    )
    assert not is_stopped(stopped)
    [stop] = stopped.json("andon", "status")["stops"]
    assert (stop["resumed_at"], stop["resumed_by"]) == (THREE_HOURS_LATER, "chen")
    assert stop["five_whys"]["root_cause"] == COMPLETE_WHYS["root_cause"]
    assert [why["effort_hours"] for why in stop["five_whys"]["whys"]] == [2.0, 0.5]
    event = stopped.events()[-1]
    assert event["type"] == "andon.resumed"
    assert event["data"]["investment"] == {
        "hours_stopped": 3.0,
        "people": 2,
        "cost_person_hours": 6.0,
        "suggested_hours": 6.0,
        "suggested_per_level_hours": 3.0,
        "planned_hours": 2.5,
    }
    assert stopped.ok("pull", "Build", "1").text.startswith("Pulled #1 from Options into Build")


@sqlite_only
def test_without_people_affected_the_cost_uses_the_people_of_the_stop(
    stopped: Cli, tmp_path: Path
) -> None:
    whys = write_whys(tmp_path / "whys.yaml", without(COMPLETE_WHYS, "people_affected"))
    stopped.at("2026-11-02T10:30:00+00:00")
    result = stopped.ok("andon", "resume", "--five-whys", str(whys))
    assert "It cost 1.5 h × 3 people = 4.5 person-hours." in result.text


@sqlite_only
@pytest.mark.parametrize(
    ("name", "content", "complaint"),
    [
        (
            "no-owner.yaml",
            yaml.safe_dump(without(COMPLETE_WHYS, "owner", level=2)),
            ': why 2: "owner" is missing: fill it in.',
        ),
        (
            "no-root-cause.yaml",
            yaml.safe_dump(without(COMPLETE_WHYS, "root_cause")),
            ': The Five Whys: "root_cause" is missing: fill it in.',
        ),
        (
            "broken.yaml",
            "problem: [unclosed\nwhys: -\n",
            ": not valid YAML: fix the file (start from pullflow andon template).",
        ),
        (
            "broken.json",
            '{"problem": "x",',
            ": not valid JSON: fix the file (start from pullflow andon template).",
        ),
        (
            "bad-effort.yaml",
            yaml.safe_dump(
                {**COMPLETE_WHYS, "whys": [{**COMPLETE_WHYS["whys"][0], "effort": "a while"}]}
            ),
            ": why 1: effort 'a while' was not understood: write it as 2h, 30m, 1d or 1w.",
        ),
        (
            "no-whys.json",
            json.dumps({**COMPLETE_WHYS, "whys": []}),
            ": The Five Whys has no whys",
        ),
    ],
)
def test_an_incomplete_five_whys_is_refused_naming_the_file(
    stopped: Cli, tmp_path: Path, name: str, content: str, complaint: str
) -> None:
    whys = tmp_path / name
    whys.write_text(content, encoding="utf-8")
    result = stopped.fails(2, "andon", "resume", "--five-whys", str(whys))
    assert result.error.startswith(str(whys))
    assert complaint in result.error
    assert is_stopped(stopped)


@sqlite_only
def test_the_template_as_printed_is_not_yet_a_five_whys(stopped: Cli, tmp_path: Path) -> None:
    whys = tmp_path / "whys.yaml"
    stopped.ok("andon", "template", "-o", str(whys))
    result = stopped.fails(2, "andon", "resume", "--five-whys", str(whys))
    assert result.error == f'{whys}: why 1: "answer" is missing: fill it in.'
    assert is_stopped(stopped)


@sqlite_only
def test_a_missing_five_whys_file_is_refused_naming_it(stopped: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    result = stopped.fails(2, "andon", "resume", "--five-whys", str(missing))
    assert result.error == (
        f"Cannot read {missing} (No such file or directory): give the path of a Five Whys file."
    )
    assert is_stopped(stopped)


@sqlite_only
def test_a_five_whys_file_that_is_not_text_is_refused_naming_it(
    stopped: Cli, tmp_path: Path
) -> None:
    binary = tmp_path / "whys.yaml"
    binary.write_bytes(b"\xff\xfe\x00problem: \xe9")
    result = stopped.fails(2, "andon", "resume", "--five-whys", str(binary))
    assert str(binary) in result.error


@sqlite_only
def test_resume_when_the_line_is_running_is_refused(capacity: Cli, tmp_path: Path) -> None:
    whys = write_whys(tmp_path / "whys.yaml", COMPLETE_WHYS)
    result = capacity.fails(1, "andon", "resume", "--five-whys", str(whys))
    assert result.error == "The line is running: there is no stop to resume."


def test_with_two_open_stops_resume_needs_the_stop_number(stopped: Cli, tmp_path: Path) -> None:
    stopped.ok("andon", "stop", "--reason", "dashboards are wrong", "--stage", "Measure")
    whys = write_whys(tmp_path / "whys.yaml", COMPLETE_WHYS)
    result = stopped.fails(2, "andon", "resume", "--five-whys", str(whys))
    assert result.error == (
        "2 stops are open (#1 (the line), #2 (Measure)): name one with --stop N."
    )
    assert stopped.ok("andon", "resume", "--five-whys", str(whys), "--stop", "2").text.startswith(
        "Resumed stop #2."
    )
    stops = stopped.json("andon", "status")["stops"]
    assert [stop["resumed_at"] is None for stop in stops] == [True, False]


# --------------------------------------------------------------------------- repeats


def test_a_stop_that_repeats_a_tag_is_flagged_as_a_repeat(stopped: Cli, tmp_path: Path) -> None:
    whys = write_whys(tmp_path / "whys.yaml", COMPLETE_WHYS)
    stopped.at(THREE_HOURS_LATER)
    stopped.ok("andon", "resume", "--five-whys", str(whys))
    result = stopped.ok(
        "andon", "stop", "--reason", "signups lost again", "--tag", "SIGNUP", "--tag", "ui"
    )
    assert result.text == (
        "Stopped the line (stop #2): signups lost again. REPEAT: signup stopped the line "
        "before (stop #1): tolerate a mistake once, never twice."
    )
    second = stopped.json("andon", "status")["stops"][1]
    assert (second["repeat_of"], second["repeated_tags"]) == (1, ["signup"])
    assert "REPEAT of stop #1" in stopped.ok("andon", "status").text


@sqlite_only
def test_a_stop_with_new_tags_is_not_a_repeat(stopped: Cli, tmp_path: Path) -> None:
    stopped.ok(
        "andon", "resume", "--five-whys", str(write_whys(tmp_path / "w.yaml", COMPLETE_WHYS))
    )
    result = stopped.ok("andon", "stop", "--reason", "slow pages", "--tag", "performance")
    assert "REPEAT" not in result.text
    assert stopped.json("andon", "status")["stops"][1]["repeat_of"] is None

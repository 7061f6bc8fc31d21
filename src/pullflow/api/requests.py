"""The bodies and parameters the API takes, as Pydantic models with their bounds.

Every text is refused if it holds control characters (other than tabs and line breaks) or
unpaired surrogates, which no board stores; every whole number is bounded by what the
database holds. What the domain checks itself (an empty reason, an unknown stage, a limit of
0) is left to it, so the answer carries the domain's own sentence. Unknown fields are
ignored: in particular, no body can name the actor of a change, which is always the user the
token belongs to.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Path
from pydantic import AfterValidator, AliasChoices, BaseModel, ConfigDict, Field

from pullflow.services import Decision, PullSignal, ServiceClass, Verdict, WipPolicy
from pullflow.services.accounts import Role

#: The largest whole number a board stores (a 32-bit integer column).
MAX_NUMBER = 2**31 - 1
#: The longest free text taken; the domain refuses shorter ones where it has its own limit.
MAX_TEXT = 10_000
#: The longest name taken (boards, stages, tags, attribute keys).
MAX_NAME = 200

_ALLOWED_CONTROLS = frozenset("\t\n\r")


def printable(text: str) -> str:
    """The text unchanged if it holds no control character or unpaired surrogate."""
    for char in text:
        category = unicodedata.category(char)
        if category == "Cs":
            raise ValueError("the text holds an unpaired surrogate; send valid UTF-8")
        if category == "Cc" and char not in _ALLOWED_CONTROLS:
            raise ValueError(f"the text holds the control character U+{ord(char):04X}; remove it")
    return text


def zone_name(text: str) -> str:
    """The text unchanged, unless it names a folder of the zone database (such as Europe).

    Looking such a name up fails with an operating-system error rather than as an unknown
    zone; every other unknown name is left to the domain, which refuses it in its words.
    """
    try:
        ZoneInfo(text)
    except OSError:
        raise ValueError(
            f"unknown time zone {text!r}: use an IANA name such as UTC or Europe/Berlin"
        ) from None
    except (KeyError, ValueError):
        pass
    return text


Text = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(printable)]
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME), AfterValidator(printable)]
Number = Annotated[int, Field(ge=1, le=MAX_NUMBER)]
Count = Annotated[int, Field(ge=-MAX_NUMBER, le=MAX_NUMBER)]

BoardName = Annotated[
    str,
    Path(
        min_length=1,
        max_length=MAX_NAME,
        description="The board's name (any case).",
        examples=["main"],
    ),
    AfterValidator(printable),
]
StageName = Annotated[
    str,
    Path(
        min_length=1,
        max_length=MAX_NAME,
        description="A stage of the board (any case).",
        examples=["Build"],
    ),
    AfterValidator(printable),
]
ItemNumber = Annotated[
    int, Path(ge=1, le=MAX_NUMBER, description="The item's number.", examples=[1])
]
ExperimentNumber = Annotated[
    int, Path(ge=1, le=MAX_NUMBER, description="The experiment's number (E1 is 1).", examples=[1])
]


class Body(BaseModel):
    """A request body: a JSON object; fields it does not define are ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class AddItem(Body):
    """A new item for the options."""

    title: Text = Field(description="Short title of the work.")
    service_class: ServiceClass | None = Field(
        None, alias="class", description="Class of service (default standard)."
    )
    due: date | None = Field(None, description="Due date (makes the item fixed-date).")
    experiment: Number | None = Field(None, description="Running experiment the item serves.")
    rank: Number | None = Field(None, description="Position in the options (1 = next).")
    override: Text | None = Field(
        None, description="Reason to exceed an options limit whose policy is override."
    )
    type: Name | None = Field(None, description='Kind of work, such as bug (attribute "type").')
    attributes: dict[Name, Text] | None = Field(
        None, description='Attributes by key, such as {"team": "web"}.'
    )


class Pull(Body):
    """What a stage pulls: the named item, or the next one by policy."""

    stage: Name = Field(description="The stage that pulls.")
    item: Number | None = Field(None, description="Item to pull; default: the next by policy.")
    override: Text | None = Field(
        None, description="Reason to go past a WIP limit whose policy is override (recorded)."
    )


class Finish(Body):
    """Finishing an item: doing → done lane of its stage."""

    deliver: bool = Field(
        False, description="In the last stage before done, deliver it into done at once."
    )


class Reasoned(Body):
    """A verb that needs a reason."""

    reason: Text = Field(description="Why (required).")


class Return(Body):
    """Sending an item back to an earlier stage."""

    stage: Name = Field(description="The earlier stage to send it back to.")
    reason: Text = Field(description="Why (required).")
    override: Text | None = Field(
        None, description="Reason to go past that stage's WIP limit whose policy is override."
    )


class Limit(Body):
    """A stage's new WIP limit (null for none) and, if given, its policy."""

    limit: Count | None = Field(description="The new WIP limit, or null for no limit.")
    policy: WipPolicy | None = Field(
        None, description="At the limit: block (refuse), warn (allow, record) or override."
    )


class Settings(Body):
    """Board settings to change; fields left out stay as they are."""

    pull_signal: PullSignal | None = Field(
        None, description="What lets work leave the options: experiment or capacity."
    )
    experiment_limit: Count | None = Field(
        None, description="Most experiments running at once; null for no limit."
    )
    timezone: Annotated[Name, AfterValidator(zone_name)] | None = Field(
        None, description="IANA time zone of day-based figures."
    )
    commitment: Name | None = Field(
        None, description="Stage where flow figures count work as started, or default."
    )
    delivery: Name | None = Field(
        None, description="Stage where flow figures count work as finished, or default."
    )


class Hypothesis(Body):
    """A Test Card."""

    we_believe_that: Text
    to_verify_that_we_will: Text
    and_measure: Text
    we_are_right_if: Text


class StartExperiment(Body):
    """An experiment to start on a hypothesis."""

    hypothesis: Number = Field(description="The hypothesis to test (H1 is 1).")
    title: Text | None = Field(None, description="A short name for the experiment.")


class Link(Body):
    """An item that serves a running experiment."""

    item: Number


class Conclude(Body):
    """A Learning Card: the verdict sets the hypothesis's status."""

    verdict: Verdict
    decision: Decision
    we_observed: Text
    from_that_we_learned: Text
    therefore_we_will: Text


class Stop(Body):
    """Stopping the line (or one stage)."""

    reason: Text = Field(description="What is wrong.")
    stage: Name | None = Field(None, description="Stop only this stage (default: the line).")
    tags: list[Name] = Field(
        default_factory=list, max_length=100, description="Tags for the kind of problem."
    )
    fix: Number | None = Field(None, description="The one item that may still be pulled.")
    people: Count = Field(1, description="People held up by the stop.")


class Why(Body):
    """One level of a Five Whys."""

    question: Text
    answer: Text
    countermeasure: Text
    owner: Text
    effort: Annotated[str, Field(max_length=40), AfterValidator(printable)] | float = Field(
        description="Estimated effort: 2h, 30m, 1d (8 h), 1w (40 h), or hours as a number."
    )


class FiveWhys(Body):
    """The analysis that resumes a stopped line."""

    problem: Text
    whys: list[Why] = Field(max_length=100)
    root_cause: Text
    people_affected: Count | None = Field(
        None, description="How many people the stop held up (default: as stopped)."
    )


class Resume(Body):
    """Resuming a stopped line with its Five Whys."""

    five_whys: FiveWhys
    stop: Number | None = Field(None, description="Which stop, when several are open.")


class NewBoard(Body):
    """A new board, from a template or from a list of stages (exactly one of the two)."""

    name: Name = Field(description="The board's name.")
    template: Name | None = Field(
        None, description="A ready-made board: build-measure-learn or simple."
    )
    stages: Annotated[str, Field(min_length=1, max_length=MAX_TEXT), AfterValidator(printable)] | (
        None
    ) = Field(
        None,
        description="Stages in order with optional WIP limits, such as Options,Build:3,Done.",
    )
    pull_signal: PullSignal | None = Field(
        None, description="What lets work leave the options (default: the template's, or capacity)."
    )
    experiment_limit: Count | None = Field(
        None, description="Most experiments running at once (default: the template's, or none)."
    )
    timezone: Annotated[Name, AfterValidator(zone_name)] | None = Field(
        None, description="IANA time zone of day-based figures (default UTC)."
    )


class NewUser(Body):
    """A new user; without a password they sign in with tokens or a one-time link only."""

    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME), AfterValidator(printable)] = (
        Field(description="1 to 40 letters, digits, dots, underscores or hyphens.")
    )
    password: Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(printable)] | None = Field(
        None, description="At least 10 characters; never shown again."
    )
    site_admin: bool = Field(False, description="A site admin adds users and boards.")


class SetRole(Body):
    """A user's role on a board."""

    role: Role = Field(description="viewer reads, member also changes work, admin also settings.")


class NewToken(Body):
    """A token for the caller, reaching every board they may read, or only the ones named."""

    label: Text | None = Field(None, description="What the token is for, such as a laptop.")
    boards: list[Name] | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="Boards it reaches (each one the caller may read); default: all of them.",
    )


class EditItem(Body):
    """An item's new title, class of service or due date; fields left out stay as they are."""

    title: Text | None = Field(None, description="Short title of the work.")
    service_class: ServiceClass | None = Field(
        None,
        validation_alias=AliasChoices("service_class", "class"),
        description="Class of service.",
    )
    due: date | None = Field(None, description="Due date (a fixed-date item needs one).")


class Rank(Body):
    """A new place for an item in the options."""

    position: Number = Field(description="Its place in the options (1 = next to be pulled).")


#: A WIP limit as a what-if proposes it: a whole number from 1, or null for none.
Proposed = Annotated[int, Field(ge=1, le=MAX_NUMBER)] | None


class TwinRun(Body):
    """What the twin of a board runs: proposed limits, items, replications and seed."""

    wip: dict[Name, Proposed] = Field(
        default_factory=dict,
        max_length=100,
        description="Proposed WIP limits by stage (null: none); stages left out keep theirs.",
    )
    units: int = Field(500, ge=10, le=20_000, description="Items to run through each replication.")
    reps: int = Field(30, ge=1, le=100_000, description="Replications of each set of limits.")
    seed: int = Field(1, ge=0, le=2**32 - 1, description="Seed of every random draw.")


class ScenarioRun(Body):
    """A scenario to run, as a scenario file holds it (see the simulator's documentation)."""

    scenario: dict[str, Any] = Field(
        description="name, time_unit, arrivals, release, stations, reps, seed, defects."
    )
    reps: int | None = Field(
        None, ge=1, le=100_000, description="Replications (default: the scenario's)."
    )
    seed: int | None = Field(
        None, ge=0, le=2**32 - 1, description="Seed of every draw (default: the scenario's)."
    )

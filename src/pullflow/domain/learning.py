"""Hypotheses and experiments: the validated-learning side of the board.

A hypothesis is a Test Card: *We believe that* …, *To verify that, we will* …, *And measure* …,
*We are right if* …. An experiment tests one hypothesis; running experiments are what pulls
work out of the options on a board whose pull signal is ``experiment``. Concluding an
experiment records a Learning Card (*We observed*, *From that we learned*, *Therefore we
will*) with a verdict and a decision, and the verdict becomes the hypothesis's status.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pullflow.domain.errors import Invalid
from pullflow.domain.items import Item
from pullflow.domain.text import parse_choice, squeeze


class HypothesisStatus(StrEnum):
    UNTESTED = "untested"
    TESTING = "testing"
    VALIDATED = "validated"
    INVALIDATED = "invalidated"
    INCONCLUSIVE = "inconclusive"


class Verdict(StrEnum):
    """What an experiment found about its hypothesis."""

    VALIDATED = "validated"
    INVALIDATED = "invalidated"
    INCONCLUSIVE = "inconclusive"


class Decision(StrEnum):
    """What the team decides after an experiment."""

    PERSEVERE = "persevere"
    PIVOT = "pivot"
    STOP = "stop"
    KEEP_TESTING = "keep-testing"


class ExperimentStatus(StrEnum):
    RUNNING = "running"
    CONCLUDED = "concluded"


class PullSignal(StrEnum):
    """What lets an item leave the options: a running experiment, or room alone."""

    EXPERIMENT = "experiment"
    CAPACITY = "capacity"


class Hypothesis:
    """A Test Card and its status."""

    def __init__(
        self,
        number: int,
        belief: str,
        test: str,
        metric: str,
        criterion: str,
        at: datetime,
        actor: str,
    ) -> None:
        self.number = number
        self.belief = belief
        self.test = test
        self.metric = metric
        self.criterion = criterion
        self.status = HypothesisStatus.UNTESTED
        self.stated_at = at
        self.stated_by = actor

    def __repr__(self) -> str:
        return f"Hypothesis(H{self.number} {self.status.value}: {self.belief!r})"


class Experiment:
    """A test of one hypothesis, the items it pulled, and, once concluded, its Learning Card."""

    def __init__(
        self, number: int, hypothesis: Hypothesis, title: str, at: datetime, actor: str
    ) -> None:
        self.number = number
        self.hypothesis = hypothesis
        self.title = title
        self.status = ExperimentStatus.RUNNING
        self.started_at = at
        self.started_by = actor
        self.items: list[Item] = []
        self.concluded_at: datetime | None = None
        self.concluded_by: str | None = None
        self.verdict: Verdict | None = None
        self.decision: Decision | None = None
        self.observed: str | None = None
        self.learned: str | None = None
        self.next_step: str | None = None

    @property
    def running(self) -> bool:
        return self.status is ExperimentStatus.RUNNING

    def __repr__(self) -> str:
        return f"Experiment(E{self.number} of H{self.hypothesis.number}, {self.status.value})"


def parse_verdict(text: str) -> Verdict:
    return parse_choice(Verdict, text, "verdict")


def parse_decision(text: str) -> Decision:
    return parse_choice(Decision, text, "decision")


def parse_pull_signal(text: str) -> PullSignal:
    return parse_choice(PullSignal, text, "pull signal")


def required_text(value: str | None, field: str, how: str) -> str:
    """Return a cleaned card field, refusing an empty one with how to fill it."""
    cleaned = squeeze(value)
    if not cleaned:
        raise Invalid(f'The card needs "{field}": {how}.')
    return cleaned

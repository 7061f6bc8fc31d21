"""Learning metrics: how fast hypotheses turn into verdicts, and what the work served.

"Measure how fast an idea moves from hypothesis to validated fact." Over a window of local
days these are:

- time to verdict: stated → the conclusion that gave the hypothesis its status, in calendar
  days both counted (median and P85 by nearest rank), for verdicts inside the window;
- experiments concluded per week in the window;
- hypotheses validated, invalidated and inconclusive (verdicts in the window), and still open;
- the share of completed items that served an experiment which has concluded;
- work discarded on evidence: items discarded after an experiment they served concluded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pullflow.flow.percentiles import METHOD, Summary

if TYPE_CHECKING:
    from pullflow.flow.history import History

VERDICTS = ("validated", "invalidated", "inconclusive")


@dataclass(frozen=True)
class LearningMetrics:
    time_to_verdict: Summary
    concluded: int
    weeks: float
    verdicts: dict[str, int]
    open_hypotheses: int
    completed_items: int
    completed_serving_concluded: int
    discarded_on_evidence: int

    @property
    def concluded_per_week(self) -> float:
        return self.concluded / self.weeks if self.weeks else 0.0

    @property
    def served_share(self) -> float | None:
        if not self.completed_items:
            return None
        return self.completed_serving_concluded / self.completed_items

    def to_json(self) -> dict[str, Any]:
        share = self.served_share
        return {
            "time_to_verdict": {**self.time_to_verdict.to_json(), "unit": "days"},
            "method": METHOD,
            "experiments_concluded": self.concluded,
            "experiments_concluded_per_week": round(self.concluded_per_week, 4),
            "verdicts": dict(self.verdicts),
            "open_hypotheses": self.open_hypotheses,
            "completed_items": self.completed_items,
            "completed_serving_concluded_experiment": self.completed_serving_concluded,
            "completed_serving_concluded_share": None if share is None else round(share, 4),
            "discarded_on_evidence": self.discarded_on_evidence,
        }


def learning_metrics(history: History, first: int, last: int) -> LearningMetrics:
    """The learning metrics of a board's hypotheses and experiments over a window."""
    learning = history.learning
    verdicts = dict.fromkeys(VERDICTS, 0)
    durations = []
    for hypothesis in learning.hypotheses:
        if hypothesis.verdict_at is None:
            continue
        stated, decided = _day(history, hypothesis.stated_at), _day(history, hypothesis.verdict_at)
        if first <= decided <= last and hypothesis.status in verdicts:
            verdicts[hypothesis.status] += 1
            durations.append(decided - stated + 1)
    open_hypotheses = sum(h.verdict_at is None for h in learning.hypotheses)
    concluded = [e for e in learning.experiments if e.concluded_at is not None]
    in_window = sum(
        first <= _day(history, e.concluded_at) <= last
        for e in concluded
        if e.concluded_at is not None
    )
    finish_day = history.days(history.finished)
    with np.errstate(invalid="ignore"):
        completed = (finish_day >= first) & (finish_day <= last)
    served = np.zeros(len(history), dtype=bool)
    for experiment in concluded:
        served[list(experiment.items)] = True
    return LearningMetrics(
        time_to_verdict=Summary.of(np.asarray(durations, dtype=float)),
        concluded=in_window,
        weeks=(last - first + 1) / 7,
        verdicts=verdicts,
        open_hypotheses=open_hypotheses,
        completed_items=int(completed.sum()),
        completed_serving_concluded=int((completed & served).sum()),
        discarded_on_evidence=_discarded_on_evidence(history, first, last),
    )


def _discarded_on_evidence(history: History, first: int, last: int) -> int:
    """Items discarded in the window after an experiment they served had concluded."""
    discarded_day = history.days(history.discarded)
    counted = set()
    for experiment in history.learning.experiments:
        if experiment.concluded_at is None:
            continue
        for item in experiment.items:
            gone = history.discarded[item]
            if np.isnan(gone) or gone < experiment.concluded_at:
                continue
            if first <= discarded_day[item] <= last:
                counted.add(item)
    return len(counted)


def _day(history: History, seconds: float) -> int:
    return int(history.days(np.array([seconds]))[0])

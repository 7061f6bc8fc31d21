"""Factory Physics' laws of a line: its bottleneck rate, raw process time and critical WIP.

For a line whose station i has ``c_i`` servers and mean process time ``t_i``:

- bottleneck rate ``rb = min(c_i / t_i)``, raw process time ``T0 = Σ t_i``, critical WIP
  ``W0 = rb · T0``;
- best case (no variability) at WIP ``w``: ``TH = min(w / T0, rb)``, ``CT = max(T0, w / rb)``;
- practical worst case (a balanced line with exponential times):
  ``TH = rb · w / (W0 + w − 1)``, ``CT = T0 + (w − 1) / rb``.

A sweep draws these curves over its points, so a team sees where its line sits between them.
"""

from __future__ import annotations

from dataclasses import dataclass

from pullflow.sim.scenario import Scenario


@dataclass(frozen=True)
class LineLaws:
    bottleneck_rate: float
    raw_process_time: float

    @property
    def critical_wip(self) -> float:
        return self.bottleneck_rate * self.raw_process_time

    def best_throughput(self, wip: float) -> float:
        return min(wip / self.raw_process_time, self.bottleneck_rate)

    def best_cycle_time(self, wip: float) -> float:
        return max(self.raw_process_time, wip / self.bottleneck_rate)

    def worst_practical_throughput(self, wip: float) -> float:
        return self.bottleneck_rate * wip / (self.critical_wip + wip - 1)

    def worst_practical_cycle_time(self, wip: float) -> float:
        return self.raw_process_time + (wip - 1) / self.bottleneck_rate


def laws_of(scenario: Scenario) -> LineLaws:
    """The laws of a scenario's line, from its stations' mean times and servers."""
    rates = [station.servers / station.service.mean for station in scenario.stations]
    return LineLaws(min(rates), sum(station.service.mean for station in scenario.stations))

"""A scenario: the line, how work is released into it, and how long to run it.

A scenario file is YAML (see docs/simulator.md)::

    name: Newsletter line
    time_unit: minutes
    arrivals: {kind: job, units: 100}        # or {kind: poisson, rate: 0.5, units: 2000}
    release: {policy: push, batch: 10}       # push | kanban | conwip
    stations:
      - {name: Fold, service: exponential(1), setup: constant(5)}
      - {name: Stuff, service: lognormal(0.5, 0.3), servers: 2}
    reps: 30
    seed: 1

``release`` takes ``batch`` (transfer batch, every policy), ``buffers`` (places between
stations, push), ``cards`` (kanban cards per station: one number or one per station) or
``wip`` (the CONWIP cap). A station may have ``defect: {probability: p, detected_at: NAME}``:
with probability p a unit starts a fault there (``from_start: true``: the fault is there from
the first unit), and every unit it makes until the fault is found at NAME is wasted and made
again, from the first station (``defects: scrap``, the default) or from the station of the
fault (``defects: rework``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from pullflow.sim.distributions import BadDistribution, Distribution, parse

POLICIES = ("push", "kanban", "conwip")
DEFECT_POLICIES = ("scrap", "rework")
ARRIVALS = ("job", "poisson", "constant")
MAX_UNITS = 10_000_000
MAX_REPS = 100_000


class BadScenario(ValueError):
    """A scenario that cannot be run, with one sentence: what, why, what to do."""


@dataclass(frozen=True)
class Defect:
    """A fault that starts at a station with some probability per unit and is found later.

    ``from_start``: the fault is there from the first unit (the letters that do not fit the
    envelopes), and once fixed it does not come back.
    """

    probability: float
    detected_at: int
    from_start: bool = False


@dataclass(frozen=True)
class Station:
    name: str
    service: Distribution
    servers: int = 1
    setup: Distribution | None = None
    defect: Defect | None = None


@dataclass(frozen=True)
class Release:
    policy: str = "push"
    batch: int = 1
    buffers: tuple[int | None, ...] | None = None
    cards: tuple[int | None, ...] | None = None
    wip: int | None = None


@dataclass(frozen=True)
class Arrivals:
    """A fixed job of ``units`` at time 0, or ``units`` arriving at ``rate`` per time unit."""

    kind: str = "job"
    units: int = 100
    rate: float | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    stations: tuple[Station, ...]
    release: Release = field(default_factory=Release)
    arrivals: Arrivals = field(default_factory=Arrivals)
    time_unit: str = "minutes"
    reps: int = 30
    seed: int | None = None
    defects: str = "scrap"

    def with_value(self, name: str, value: float) -> Scenario:
        """The scenario with one parameter changed, as a sweep names it.

        ``wip``, ``batch``, ``cards``, ``units``, ``rate`` change the release or arrivals,
        ``setup`` the setup of every station;
        ``STATION.mean``, ``STATION.servers``, ``STATION.setup`` one station (``setup`` and
        ``mean`` scale its times to the new mean).
        """
        key = name.strip().lower()
        whole = key in {"wip", "batch", "cards", "units"} or key.endswith(".servers")
        if whole and value != int(value):
            raise BadScenario(
                f"{name}={value:g} was refused: {name} counts units, so give whole numbers."
            )
        if key == "wip":
            return replace(self, release=replace(self.release, wip=int(value)))
        if key == "batch":
            return replace(self, release=replace(self.release, batch=int(value)))
        if key == "cards":
            cards = (int(value),) * len(self.stations)
            return replace(self, release=replace(self.release, cards=cards))
        if key == "setup":
            every = tuple(
                replace(s, setup=_rescaled(s.setup or parse(0), value)) for s in self.stations
            )
            return replace(self, stations=every)
        if key == "units":
            return replace(self, arrivals=replace(self.arrivals, units=int(value)))
        if key == "rate":
            return replace(self, arrivals=replace(self.arrivals, rate=float(value)))
        station_name, _, part = key.partition(".")
        stations = list(self.stations)
        index = next((i for i, s in enumerate(stations) if s.name.lower() == station_name), None)
        if index is None or part not in {"mean", "servers", "setup"}:
            raise BadScenario(
                f"{name!r} names nothing a sweep can vary: use wip, batch, cards, setup, units, "
                "rate or STATION.mean, STATION.servers, STATION.setup "
                f"(stations: {', '.join(s.name for s in self.stations)})."
            )
        station = stations[index]
        if part == "servers":
            stations[index] = replace(station, servers=int(value))
        elif part == "mean":
            stations[index] = replace(station, service=_rescaled(station.service, value))
        else:
            setup = station.setup or parse(0)
            stations[index] = replace(station, setup=_rescaled(setup, value))
        return replace(self, stations=tuple(stations))


def _rescaled(distribution: Distribution, mean: float) -> Distribution:
    if distribution.mean == 0:
        return parse(float(mean))
    return distribution.scaled(float(mean) / distribution.mean)


def load_scenario(path: Path) -> Scenario:
    """Read a scenario file; a file that cannot be run is refused with the reason."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadScenario(f"{path} was not found: give the path of a scenario file.") from None
    except OSError as error:
        raise BadScenario(f"{path} could not be read ({error.strerror or error}).") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise BadScenario(
            f"{path}{where}: the file is not valid YAML; check its indentation and colons."
        ) from None
    try:
        return scenario_of(data, default_name=path.stem)
    except BadScenario as refused:
        raise BadScenario(f"{path}: {refused}") from None


def scenario_of(data: Any, *, default_name: str = "scenario") -> Scenario:
    """A scenario from plain data (what a YAML file holds)."""
    if not isinstance(data, Mapping):
        raise BadScenario("a scenario is a mapping with at least 'stations'.")
    known = {"name", "time_unit", "arrivals", "release", "stations", "reps", "seed", "defects"}
    unknown = set(data) - known
    if unknown:
        raise BadScenario(f"unknown key {sorted(unknown)[0]!r}: see docs/simulator.md.")
    raw_stations = data.get("stations")
    plain = _stations(raw_stations)
    names = [station.name.lower() for station in plain]
    entries: Sequence[Mapping[str, Any]] = raw_stations or ()
    stations = tuple(
        _with_defect(raw, station, names) for raw, station in zip(entries, plain, strict=True)
    )
    return Scenario(
        name=str(data.get("name") or default_name),
        stations=stations,
        release=_release(data.get("release") or {}, len(stations)),
        arrivals=_arrivals(data.get("arrivals") or {}),
        time_unit=str(data.get("time_unit") or "minutes"),
        reps=_whole(data.get("reps", 30), "reps", 1, MAX_REPS),
        seed=None if data.get("seed") is None else _whole(data["seed"], "seed", 0, 2**32 - 1),
        defects=_defect_policy(data.get("defects", "scrap")),
    )


def _defect_policy(raw: Any) -> str:
    policy = str(raw).strip().lower()
    if policy not in DEFECT_POLICIES:
        raise BadScenario(
            f"defects: {raw!r} is unknown: use scrap (made again from the start) or rework "
            "(made again from the station of the fault)."
        )
    return policy


def _stations(raw: Any) -> tuple[Station, ...]:
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
        raise BadScenario("'stations' must list at least one station, each with a service time.")
    stations = []
    for position, entry in enumerate(raw, start=1):
        if not isinstance(entry, Mapping) or "service" not in entry:
            raise BadScenario(f"station {position} needs a 'service' time, such as exponential(2).")
        name = str(entry.get("name") or f"Station {position}")
        try:
            service = parse(entry["service"])
            setup = parse(entry["setup"]) if entry.get("setup") is not None else None
        except BadDistribution as refused:
            raise BadScenario(f"station {name}: {refused}") from None
        servers = _whole(entry.get("servers", 1), f"station {name}: servers", 1, 1000)
        stations.append(Station(name, service, servers, setup))
    if len({s.name.lower() for s in stations}) < len(stations):
        raise BadScenario("two stations have the same name: give each station its own name.")
    return tuple(stations)


def _with_defect(raw: Mapping[str, Any], station: Station, names: list[str]) -> Station:
    defect = raw.get("defect")
    if defect is None:
        return station
    from_start = defect.get("from_start") is True if isinstance(defect, Mapping) else False
    if not isinstance(defect, Mapping) or ("probability" not in defect and not from_start):
        raise BadScenario(
            f"station {station.name}: a defect needs a probability (or from_start: true) and a "
            "detected_at station."
        )
    probability = _number(
        defect.get("probability", 0.0), f"station {station.name}: defect probability"
    )
    if not 0 <= probability <= 1:
        raise BadScenario(f"station {station.name}: a defect probability is between 0 and 1.")
    found = str(defect.get("detected_at") or station.name).lower()
    if found not in names or names.index(found) < names.index(station.name.lower()):
        raise BadScenario(
            f"station {station.name}: detected_at must name this station or a later one."
        )
    return replace(station, defect=Defect(probability, names.index(found), from_start))


def _release(raw: Any, stations: int) -> Release:
    if not isinstance(raw, Mapping):
        raise BadScenario("'release' is a mapping such as {policy: kanban, cards: 2}.")
    policy = str(raw.get("policy", "push")).lower()
    if policy not in POLICIES:
        raise BadScenario(f"release policy {policy!r} is unknown: use {', '.join(POLICIES)}.")
    batch = _whole(raw.get("batch", 1), "release: batch", 1, MAX_UNITS)
    buffers = _per_gap(raw.get("buffers"), stations - 1, "buffers") if "buffers" in raw else None
    if policy == "kanban" and raw.get("cards") is None:
        raise BadScenario("a kanban release needs cards: one number, or one per station.")
    if policy == "conwip" and raw.get("wip") is None:
        raise BadScenario("a conwip release needs its cap: wip: N.")
    cards = _per_gap(raw.get("cards"), stations, "cards") if policy == "kanban" else None
    if cards is not None and any(card is None or card < 1 for card in cards):
        raise BadScenario("release: every station needs at least 1 kanban card.")
    wip = _whole(raw["wip"], "release: wip", 1, MAX_UNITS) if policy == "conwip" else None
    return Release(policy, batch, buffers, cards, wip)


def _per_gap(raw: Any, count: int, what: str) -> tuple[int | None, ...]:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return (_whole(raw, f"release: {what}", 0, MAX_UNITS),) * count
    if isinstance(raw, Sequence) and not isinstance(raw, str) and len(raw) == count:
        return tuple(
            None if value is None else _whole(value, f"release: {what}", 0, MAX_UNITS)
            for value in raw
        )
    raise BadScenario(f"release: {what} takes one number, or a list of {count}.")


def _arrivals(raw: Any) -> Arrivals:
    if not isinstance(raw, Mapping):
        raise BadScenario("'arrivals' is a mapping such as {kind: job, units: 100}.")
    kind = str(raw.get("kind", "job")).lower()
    if kind not in ARRIVALS:
        raise BadScenario(f"arrivals kind {kind!r} is unknown: use {', '.join(ARRIVALS)}.")
    units = _whole(raw.get("units", 100), "arrivals: units", 1, MAX_UNITS)
    rate = None
    if kind != "job":
        if "rate" not in raw:
            raise BadScenario(f"{kind} arrivals need a rate: units per time unit.")
        rate = _number(raw["rate"], "arrivals: rate")
        if rate <= 0:
            raise BadScenario("arrivals: rate must be above 0.")
    return Arrivals(kind, units, rate)


def _whole(value: Any, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise BadScenario(f"{what} must be a whole number, not {value!r}.")
    if not low <= int(value) <= high:
        raise BadScenario(f"{what} must be between {low} and {high:,}, not {int(value)}.")
    return int(value)


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadScenario(f"{what} must be a number, not {value!r}.")
    return float(value)

"""Flow figures of a board: metrics, and Monte Carlo forecasts from its own history.

As on the command line, the board's events become a flow history
(``flow.board_events.history_from_events``, measured now), filters keep some items, and the
figures are ``flow.metrics.measure`` and ``flow.forecast``'s, in the same JSON.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from pullflow.api import responses
from pullflow.api.auth import Access, Reader
from pullflow.api.requests import MAX_NAME, MAX_NUMBER
from pullflow.api.routes.common import READ_PROBLEMS, Here
from pullflow.flow.board_events import history_from_events
from pullflow.flow.filters import parse_filter, select
from pullflow.flow.forecast import forecast_how_many, forecast_when
from pullflow.flow.history import History
from pullflow.flow.metrics import Window, measure
from pullflow.services import Invalid
from pullflow.services.queries import board_events

router = APIRouter(prefix="/boards/{board}", tags=["flow"])

ClassFilter = Annotated[
    list[str] | None,
    Query(alias="class", description="Only items of this class of service (repeatable)."),
]
TypeFilter = Annotated[
    list[str] | None, Query(alias="type", description="Only items of this type (repeatable).")
]
WhereFilter = Annotated[
    list[str] | None,
    Query(description="Only items whose attribute matches, KEY=VALUE (repeatable)."),
]
Seed = Annotated[
    int | None,
    Query(ge=0, le=2**63 - 1, description="Seed of the random draws (same seed, same result)."),
]
Trials = Annotated[int, Query(ge=1, le=MAX_NUMBER, description="Number of Monte Carlo trials.")]
WindowDays = Annotated[
    int,
    Query(
        alias="window",
        ge=1,
        le=MAX_NUMBER,
        description="Days of throughput to sample, ending on the day of the board's last event.",
    ),
]


def _history(access: Access, here: Here) -> History:
    name, events = board_events(here.unit_of_work(), board=access.board)
    try:
        return history_from_events(events, as_of=here.now().timestamp())
    except ValueError:
        raise Invalid(
            f"Board {name} has no history to measure: its log does not begin with its creation."
        ) from None


def _narrow(
    history: History,
    classes: list[str] | None,
    types: list[str] | None,
    where: list[str] | None,
) -> History:
    """The items the filters keep (all of them when none is given), as the command line does."""
    attributes: dict[str, list[str]] = {}
    for text in where or ():
        key, value = parse_filter(_short(text))
        attributes.setdefault(key, []).append(value)
    if types:
        attributes.setdefault("type", []).extend(_short(t) for t in types)
    chosen = [_short(c) for c in classes or ()]
    kept = select(history, service_classes=chosen, attributes=attributes)
    if len(kept) == 0 and len(history) > 0:
        given = [f"class {c}" for c in chosen]
        given += [f"{key}={value}" for key, values in attributes.items() for value in values]
        raise Invalid(
            f"No item matches {' and '.join(given)}, so there is nothing to measure: loosen the "
            "filters."
        )
    return kept


def _short(text: str) -> str:
    if len(text) > MAX_NAME:
        raise Invalid(
            f"A filter of {len(text)} characters was refused: keep each to {MAX_NAME} characters."
        )
    return text


@router.get("/metrics", response_model=responses.Metrics, responses=READ_PROBLEMS)
def metrics(
    access: Reader,
    here: Here,
    first: Annotated[
        date | None, Query(alias="from", description="First day of the window.")
    ] = None,
    last: Annotated[date | None, Query(alias="to", description="Last day of the window.")] = None,
    hours: Annotated[bool, Query(description="Cycle times and ages in exact hours.")] = False,
    classes: ClassFilter = None,
    types: TypeFilter = None,
    where: WhereFilter = None,
) -> dict[str, Any]:
    """Cycle time, throughput, WIP, aging, CFD, flow efficiency, Little's Law and learning."""
    history = _narrow(_history(access, here), classes, types, where)
    return measure(history, Window(first, last), hours=hours).to_json()


@router.get(
    "/forecast/when",
    response_model=responses.WhenForecast,
    response_model_exclude_unset=True,
    responses=READ_PROBLEMS,
)
def when(
    access: Reader,
    here: Here,
    items: Annotated[
        int, Query(ge=-MAX_NUMBER, le=MAX_NUMBER, description="How many items are left to do.")
    ],
    seed: Seed = None,
    trials: Trials = 10_000,
    window: WindowDays = 90,
    target: Annotated[
        date | None, Query(description="Also give the chance of being done by this date.")
    ] = None,
    classes: ClassFilter = None,
    types: TypeFilter = None,
    where: WhereFilter = None,
) -> dict[str, Any]:
    """When will N more items be done? Percentile dates of a Monte Carlo simulation."""
    history = _narrow(_history(access, here), classes, types, where)
    forecast = forecast_when(
        history, items, trials=trials, seed=seed, window_days=window, target=target
    )
    return forecast.to_json()


@router.get("/forecast/how-many", response_model=responses.HowManyForecast, responses=READ_PROBLEMS)
def how_many(
    access: Reader,
    here: Here,
    by: Annotated[date, Query(description="Last day of the forecast.")],
    seed: Seed = None,
    trials: Trials = 10_000,
    window: WindowDays = 90,
    classes: ClassFilter = None,
    types: TypeFilter = None,
    where: WhereFilter = None,
) -> dict[str, Any]:
    """How many items will be done by a date? "p% chance of at least x" for p = 50 … 95."""
    history = _narrow(_history(access, here), classes, types, where)
    forecast = forecast_how_many(history, by, trials=trials, seed=seed, window_days=window)
    return forecast.to_json()

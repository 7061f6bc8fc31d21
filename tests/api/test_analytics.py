"""Flow metrics and forecasts over HTTP, from a board's own history."""

from __future__ import annotations

from pullflow.flow.board_events import history_from_events
from pullflow.flow.forecast import forecast_when
from pullflow.services.queries import board_events
from tests.api.conftest import Api, Caller


def _deliver_one_a_day(api: Api, ana: Caller, days: int) -> None:
    """Add ``days`` items on day 1 (2026-11-02), then deliver one per day, days 1 to ``days``.

    Each is pulled into Build, finished, pulled into Measure and delivered on its own day.
    """
    numbers = [ana.add(f"item {n}") for n in range(1, days + 1)]
    for day, number in enumerate(numbers):
        if day:
            api.clock(days=1)
        ana.ok("POST", "/boards/main/pull", {"stage": "Build", "item": number})
        ana.ok("POST", f"/boards/main/items/{number}/finish")
        ana.ok("POST", "/boards/main/pull", {"stage": "Measure", "item": number})
        ana.ok("POST", f"/boards/main/items/{number}/finish", {"deliver": True})


def test_metrics_count_what_was_delivered(api: Api) -> None:
    ana = api.as_("ana")
    _deliver_one_a_day(api, ana, 3)
    ana.add("waiting")
    metrics = api.as_("vic").get("/boards/main/metrics")
    assert metrics.status_code == 200, metrics.text
    body = metrics.json()
    # Days 2026-11-02 .. 11-04, one delivery each: throughput 3 over 3 days, each cycle time
    # 1 day (started and finished the same day, both counted); nothing in progress.
    assert body["window"]["first"] == "2026-11-02"
    assert body["window"]["last"] == "2026-11-04"
    assert body["throughput"]["total"] == 3
    assert [d["count"] for d in body["throughput"]["per_day"]] == [1, 1, 1]
    assert body["items"]["completed"] == 3
    assert body["items"]["in_progress"] == 0
    assert body["items"]["not_started"] == 1
    assert body["cycle_time"]["p85"] == 1
    assert body["wip"]["current"] == 0
    one_day = api.as_("vic").get(
        "/boards/main/metrics", params={"from": "2026-11-03", "to": "2026-11-03"}
    )
    assert one_day.json()["throughput"]["total"] == 1


def test_a_forecast_from_a_steady_throughput_is_certain(api: Api) -> None:
    ana = api.as_("ana")
    _deliver_one_a_day(api, ana, 3)
    when = api.as_("vic").get("/boards/main/forecast/when", params={"items": 4, "seed": 7})
    assert when.status_code == 200, when.text
    body = when.json()
    # Every sampled day delivers 1, so 4 items take 4 days after the window's end (11-04):
    # 11-05 .. 11-08, at every percentile.
    assert body["window"]["throughput"] == [1, 1, 1]
    assert set(body["percentiles"].values()) == {"2026-11-08"}
    assert set(body["days"].values()) == {4}
    assert "target" not in body
    how_many = api.as_("vic").get("/boards/main/forecast/how-many", params={"by": "2026-11-10"})
    # From 11-05 to 11-10: 6 days of 1 each.
    assert set(how_many.json()["percentiles"].values()) == {6}
    assert how_many.json()["horizon_days"] == 6
    targeted = api.as_("vic").get(
        "/boards/main/forecast/when", params={"items": 4, "seed": 7, "target": "2026-11-07"}
    )
    # Done on 11-08 in every trial, so never by 11-07.
    assert (targeted.json()["target"], targeted.json()["probability"]) == ("2026-11-07", 0.0)


def test_a_forecast_is_the_flow_forecast_of_the_boards_history(api: Api) -> None:
    ana = api.as_("ana")
    _deliver_one_a_day(api, ana, 2)
    api.clock(days=1)
    ana.ok("POST", "/boards/main/pull", {"stage": "Build", "item": ana.add("late")})
    answer = api.as_("vic").get(
        "/boards/main/forecast/when", params={"items": 5, "seed": 11, "trials": 500}
    )
    _, events = board_events(api.store.unit_of_work(), board="main")
    history = history_from_events(events, as_of=api.clock.now.timestamp())
    expected = forecast_when(history, 5, trials=500, seed=11).to_json()
    assert answer.json() == expected


def test_forecasts_refuse_with_the_flows_sentences(api: Api) -> None:
    vic = api.as_("vic")
    nothing = vic.get("/boards/main/forecast/when", params={"items": 3})
    assert nothing.status_code == 422
    assert nothing.json()["detail"] == (
        "The history has no recorded moves, so there is no throughput to sample: add and "
        "finish items, or import a file with stage dates."
    )
    ana = api.as_("ana")
    _deliver_one_a_day(api, ana, 1)
    early = vic.get("/boards/main/forecast/how-many", params={"by": "2026-11-02"})
    assert early.status_code == 422
    assert early.json()["detail"] == (
        "A forecast of what is done by 2026-11-02 was refused: the forecast starts after the "
        "throughput window, which ends on 2026-11-02; ask for 2026-11-03 or later."
    )
    zero = vic.get("/boards/main/forecast/when", params={"items": 0})
    assert zero.json()["detail"].startswith("A forecast for 0 items was refused")
    far = vic.get("/boards/main/forecast/when", params={"items": 2**31 - 1})
    assert far.status_code == 422
    assert "runs past 100 years" in far.json()["detail"]
    unknown = vic.get("/boards/main/metrics", params={"where": "team=web"})
    assert unknown.status_code == 422
    assert unknown.json()["detail"].startswith("No item has the attribute 'team'")


def test_filters_keep_the_items_of_a_class(api: Api) -> None:
    ana = api.as_("ana")
    number = ana.add("urgent", **{"class": "expedite"})
    ana.add("plain")
    ana.ok("POST", "/boards/main/pull", {"stage": "Build", "item": number})
    body = api.as_("vic").get("/boards/main/metrics", params={"class": "expedite"}).json()
    # Only the expedite item: in progress, none waiting.
    assert (body["items"]["in_progress"], body["items"]["not_started"]) == (1, 0)
    missing = api.as_("vic").get("/boards/main/metrics", params={"class": "fixed-date"})
    assert missing.status_code == 422
    assert missing.json()["detail"] == (
        "No item matches class fixed-date, so there is nothing to measure: loosen the filters."
    )

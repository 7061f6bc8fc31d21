"""The pull engine's verbs and reads over HTTP: each one's happy path, on both backends."""

from __future__ import annotations

from pullflow.services.queries import board_view, event_log, item_view
from pullflow.services.views import event_json
from tests.api.conftest import Api

# The board main: Options, Build (limit 2), Measure (limit 2), Done; pulled by capacity.


def test_board_list_names_only_boards_the_caller_may_read_with_the_role(api: Api) -> None:
    assert api.as_("ana").get("/boards").json() == [{"name": "main", "role": "member"}]
    assert api.as_("bo").get("/boards").json() == [{"name": "other", "role": "member"}]
    # A site admin is an admin of every board, oldest first.
    assert api.as_("root").get("/boards").json() == [
        {"name": "main", "role": "admin"},
        {"name": "other", "role": "admin"},
    ]


def test_board_is_the_views_json(api: Api) -> None:
    ana = api.as_("ana")
    ana.add("signup form")
    shown = ana.get("/boards/MAIN")
    assert shown.status_code == 200
    expected = board_view(api.store.unit_of_work(), board="main", at=api.clock.now).to_json()
    assert shown.json() == expected
    body = shown.json()
    assert [stage["name"] for stage in body["stages"]] == ["Options", "Build", "Measure", "Done"]
    assert [stage["limit"] for stage in body["stages"]] == [None, 2, 2, None]
    # Work waits in the options in its done lane: ready to be pulled.
    assert [card["title"] for card in body["stages"][0]["done"]] == ["signup form"]


def test_add_answers_201_with_the_event_and_where_the_item_is(api: Api) -> None:
    answer = api.as_("ana").post(
        "/boards/main/items",
        {
            "title": "pay by card",
            "class": "fixed-date",
            "due": "2026-12-01",
            "type": "bug",
            "attributes": {"team": "web"},
        },
    )
    assert answer.status_code == 201
    assert answer.headers["location"] == "/boards/main/items/1"
    [added] = answer.json()["events"]
    assert (added["type"], added["item"], added["actor"]) == ("item.added", 1, "ana")
    card = api.as_("vic").get("/boards/main/items/1").json()
    assert (card["class"], card["due"], card["stage"]) == ("fixed-date", "2026-12-01", "Options")
    assert card["attributes"] == {"team": "web", "type": "bug"}


def test_pull_finish_and_deliver_move_the_item_through_the_stages(api: Api) -> None:
    ana = api.as_("ana")
    first = ana.add("first")
    pulled = ana.ok("POST", "/boards/main/pull", {"stage": "Build"})
    [event] = pulled["events"]
    assert (event["type"], event["item"], event["from_stage"], event["to_stage"]) == (
        "item.pulled",
        first,
        "Options",
        "Build",
    )
    assert (event["to_lane"], event["actor"]) == ("doing", "ana")
    finished = ana.ok("POST", f"/boards/main/items/{first}/finish")
    assert finished["events"][0]["to_lane"] == "done"
    ana.ok("POST", "/boards/main/pull", {"stage": "Measure", "item": first})
    delivered = ana.ok("POST", f"/boards/main/items/{first}/finish", {"deliver": True})
    # Finishing in Measure (the last stage before done) with deliver: done lane, then Done.
    assert [e["type"] for e in delivered["events"]][-1] == "item.pulled"
    assert delivered["events"][-1]["to_stage"] == "Done"
    card = api.as_("vic").get(f"/boards/main/items/{first}").json()
    assert (card["stage"], card["state"]) == ("Done", "done")
    # Started and delivered on the same day: a cycle time of 1 day (both ends counted).
    assert card["cycle_time_days"] == 1


def test_block_unblock_discard_and_return(api: Api) -> None:
    ana = api.as_("ana")
    item = ana.add("risky")
    ana.ok("POST", "/boards/main/pull", {"stage": "Build"})
    blocked = ana.ok("POST", f"/boards/main/items/{item}/block", {"reason": "waiting on legal"})
    assert (blocked["events"][0]["type"], blocked["events"][0]["reason"]) == (
        "item.blocked",
        "waiting on legal",
    )
    assert api.as_("vic").get(f"/boards/main/items/{item}").json()["blocked"] == "waiting on legal"
    unblocked = ana.ok("POST", f"/boards/main/items/{item}/unblock")
    assert unblocked["events"][0]["type"] == "item.unblocked"
    ana.ok("POST", f"/boards/main/items/{item}/finish")
    ana.ok("POST", "/boards/main/pull", {"stage": "Measure"})
    returned = ana.ok(
        "POST", f"/boards/main/items/{item}/return", {"stage": "Build", "reason": "bug found"}
    )
    assert (returned["events"][0]["from_stage"], returned["events"][0]["to_stage"]) == (
        "Measure",
        "Build",
    )
    discarded = ana.ok("POST", f"/boards/main/items/{item}/discard", {"reason": "not needed"})
    assert discarded["events"][0]["type"] == "item.discarded"
    card = api.as_("vic").get(f"/boards/main/items/{item}").json()
    assert (card["state"], card["discard_reason"]) == ("discarded", "not needed")


def test_item_detail_is_the_card_with_its_history(api: Api) -> None:
    ana = api.as_("ana")
    item = ana.add("history")
    ana.ok("POST", "/boards/main/pull", {"stage": "Build"})
    shown = api.as_("vic").get(f"/boards/main/items/{item}").json()
    card, history = item_view(api.store.unit_of_work(), board="main", item=item, at=api.clock.now)
    assert shown == {**card.to_json(), "events": [event_json(e) for e in history]}
    assert [e["type"] for e in shown["events"]] == ["item.added", "item.pulled"]


def test_limit_and_settings_are_changed_by_an_admin(api: Api) -> None:
    adm = api.as_("adm")
    changed = adm.ok("PUT", "/boards/main/stages/build/limit", {"limit": 5, "policy": "warn"})
    assert changed["events"][0]["type"] == "stage.limit_changed"
    build = api.as_("vic").get("/boards/main").json()["stages"][1]
    assert (build["limit"], build["policy"]) == (5, "warn")
    adm.ok("PUT", "/boards/main/stages/Build/limit", {"limit": None})
    assert api.as_("vic").get("/boards/main").json()["stages"][1]["limit"] is None
    adm.ok("PATCH", "/boards/main", {"pull_signal": "experiment", "experiment_limit": 3})
    board = api.as_("vic").get("/boards/main").json()
    assert (board["pull_signal"], board["experiment_limit"]) == ("experiment", 3)
    adm.ok("PATCH", "/boards/main", {"experiment_limit": None, "timezone": "Europe/Berlin"})
    board = api.as_("vic").get("/boards/main").json()
    assert (board["experiment_limit"], board["timezone"]) == (None, "Europe/Berlin")


def test_events_are_the_log_oldest_first_or_the_most_recent(api: Api) -> None:
    ana = api.as_("ana")
    ana.add("a")
    ana.add("b")
    ana.ok("POST", "/boards/main/pull", {"stage": "Build"})
    log = api.as_("vic").get("/boards/main/events").json()
    stored = event_log(api.store.unit_of_work(), board="main")
    assert log == [event_json(e) for e in stored]
    # board.created, item.added ×2, item.pulled.
    assert [e["type"] for e in log] == ["board.created", "item.added", "item.added", "item.pulled"]
    recent = api.as_("vic").get("/boards/main/events", params={"limit": 2}).json()
    assert [e["type"] for e in recent] == ["item.added", "item.pulled"]
    of_b = api.as_("vic").get("/boards/main/events", params={"item": 2}).json()
    assert [e["type"] for e in of_b] == ["item.added"]


def test_hypotheses_and_experiments(api: Api) -> None:
    ana = api.as_("ana")
    stated = ana.ok(
        "POST",
        "/boards/main/hypotheses",
        {
            "we_believe_that": "a shorter form raises signups",
            "to_verify_that_we_will": "ship a two-field form",
            "and_measure": "signups per visit",
            "we_are_right_if": "signups rise by 10%",
        },
        status=201,
    )
    assert stated["events"][0]["type"] == "hypothesis.stated"
    [card] = api.as_("vic").get("/boards/main/hypotheses").json()
    assert (card["id"], card["status"], card["stated_by"]) == (1, "untested", "ana")
    started = ana.ok(
        "POST", "/boards/main/experiments", {"hypothesis": 1, "title": "short form"}, status=201
    )
    assert (started["events"][0]["type"], started["events"][0]["experiment"]) == (
        "experiment.started",
        1,
    )
    item = ana.add("two-field form")
    linked = ana.ok("POST", "/boards/main/experiments/1/items", {"item": item})
    assert linked["events"][0]["type"] == "experiment.linked"
    [experiment] = api.as_("vic").get("/boards/main/experiments").json()
    assert (experiment["status"], experiment["items"]) == ("running", [item])
    unlinked = api.as_("ana").delete(f"/boards/main/experiments/1/items/{item}")
    assert unlinked.status_code == 200
    assert api.as_("vic").get("/boards/main/experiments").json()[0]["items"] == []
    concluded = ana.ok(
        "POST",
        "/boards/main/experiments/1/conclude",
        {
            "verdict": "validated",
            "decision": "persevere",
            "we_observed": "signups rose by 14%",
            "from_that_we_learned": "fields cost signups",
            "therefore_we_will": "cut the other forms too",
        },
    )
    assert concluded["events"][0]["type"] == "experiment.concluded"
    assert api.as_("vic").get("/boards/main/hypotheses").json()[0]["status"] == "validated"
    experiment = api.as_("vic").get("/boards/main/experiments").json()[0]
    assert (experiment["verdict"], experiment["we_observed"]) == (
        "validated",
        "signups rose by 14%",
    )


def test_andon_stop_status_and_resume_with_five_whys(api: Api) -> None:
    from tests.api.conftest import FIVE_WHYS

    ana = api.as_("ana")
    ana.add("fix")
    stopped = ana.ok(
        "POST",
        "/boards/main/andon/stop",
        {"reason": "signups lost", "tags": ["email"], "people": 2},
    )
    assert stopped["events"][0]["type"] == "andon.stopped"
    status = api.as_("vic").get("/boards/main/andon").json()
    assert status["board"] == "main"
    assert [stop["reason"] for stop in status["stopped"]] == ["signups lost"]
    # While stopped, a pull into the line is refused (409).
    refused = ana.post("/boards/main/pull", {"stage": "Build"})
    assert refused.status_code == 409
    api.clock(hours=2)
    resumed = ana.ok("POST", "/boards/main/andon/resume", {"five_whys": FIVE_WHYS})
    assert resumed["events"][0]["type"] == "andon.resumed"
    status = api.as_("vic").get("/boards/main/andon").json()
    assert status["stopped"] == []
    [stop] = status["stops"]
    assert stop["resumed_by"] == "ana"
    assert stop["five_whys"]["root_cause"] == FIVE_WHYS["root_cause"]
    assert ana.post("/boards/main/pull", {"stage": "Build"}).status_code == 200


def test_a_pull_past_an_override_limit_records_the_reason(api: Api) -> None:
    api.as_("adm").ok("PUT", "/boards/main/stages/Build/limit", {"limit": 1, "policy": "override"})
    ana = api.as_("ana")
    ana.add("a")
    ana.add("b")
    ana.ok("POST", "/boards/main/pull", {"stage": "Build"})
    refused = ana.post("/boards/main/pull", {"stage": "Build"})
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "Build is at its WIP limit (1/1): finish or discard an item in Build, or pull with "
        '"override": "reason".'
    )
    pulled = ana.ok("POST", "/boards/main/pull", {"stage": "Build", "override": "hotfix"})
    # The pull, then the excess it was allowed: WIP 2 against the limit 1.
    assert [e["type"] for e in pulled["events"]] == ["item.pulled", "wip.exceeded"]
    exceeded = pulled["events"][1]
    assert (exceeded["reason"], exceeded["data"]) == (
        "hotfix",
        {"policy": "override", "wip": 2, "limit": 1},
    )

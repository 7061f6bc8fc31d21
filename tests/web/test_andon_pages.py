"""The andon through the pages: stopping the line, the banner on every page of the board,
pulls refused while stopped, the Five Whys form that resumes it, and repeats flagged."""

from __future__ import annotations

from typing import Any

from pullflow.services import EventType
from pullflow.services.flow import add_item
from tests.cli.helpers import COMPLETE_WHYS
from tests.web.conftest import Browser, Web
from tests.web.markup import parse

REASON = "Signups with a plus sign in the address are lost"
BOARD_PAGES = ("/b/main", "/b/main/andon", "/b/main/history", "/b/main/items/1")


def five_whys_fields(five_whys: dict[str, Any]) -> dict[str, str]:
    """The Five Whys form filled in as a visitor would, level by level."""
    fields = {
        "problem": five_whys["problem"],
        "root_cause": five_whys["root_cause"],
        "people": str(five_whys["people_affected"]),
    }
    for level, why in enumerate(five_whys["whys"], start=1):
        fields |= {
            f"why{level}": why["question"],
            f"answer{level}": why["answer"],
            f"countermeasure{level}": why["countermeasure"],
            f"owner{level}": why["owner"],
            f"effort{level}": why["effort"],
        }
    return fields


def stop(ana: Browser, tags: str = "signup, validation") -> Any:
    return ana.post("/b/main/andon/stop", {"reason": REASON, "tags": tags, "stage": ""})


def test_the_andon_forms_carry_the_labels_of_the_contract(web: Web) -> None:
    ana = web.browser("ana")
    board = parse(ana.get("/b/main").text)
    assert board.one("a", class_="andon-link").attrs["href"] == "/b/main/andon"
    assert board.one("a", class_="andon-link").text == "Stop the line"

    page = parse(ana.get("/b/main/andon").text)
    assert page.label_for("Reason").tag == "textarea"
    assert page.label_for("Tags").attrs["name"] == "tags"
    assert page.has_button("Stop the line")
    assert not page.find_all("section", class_="andon-banner")

    stop(ana)
    page = parse(ana.get("/b/main/andon").text)
    for label in ("Problem", "Root cause", "People affected"):
        page.label_for(label)
    for level in range(1, 6):
        for field in ("Why", "Answer", "Countermeasure", "Owner", "Effort"):
            page.label_for(f"{field} {level}")
    assert page.has_button("Resume the line")
    assert not page.has_button("Stop the line")  # the whole line is stopped already


def test_a_stop_shows_a_banner_on_every_page_and_refuses_pulls(web: Web) -> None:
    add_item(web.store.unit_of_work(), board="main", title="One", actor="s", at=web.clock.now)
    ana = web.browser("ana")

    answer = stop(ana)

    assert (answer.status_code, answer.headers["location"]) == (303, "/b/main/andon")
    stopped = [s.event for s in web.events() if s.event.type is EventType.LINE_STOPPED]
    assert [(e.actor, e.reason) for e in stopped] == [("ana", REASON)]
    for path in BOARD_PAGES:
        page = parse(ana.get(path).text)
        banner = page.one("section", class_="andon-banner")
        assert banner.attrs["aria-label"] == "The line is stopped"
        assert REASON in banner.text
        assert banner.one("a").text == "Resume with a Five Whys"
    assert not parse(ana.get("/").text).find_all("section", class_="andon-banner")
    assert parse(ana.get("/b/main").text).button("Pull into Build").disabled

    refused = ana.post("/b/main/pull", {"stage": "Build"})
    assert refused.status_code == 409
    assert parse(refused.text).alert().startswith(f"The line is stopped (stop #1: {REASON})")


def test_the_five_whys_form_resumes_the_line_and_shows_the_investment(web: Web) -> None:
    ana = web.browser("ana")
    stop(ana)
    web.clock(hours=3)

    page = parse(ana.get("/b/main/andon").text)
    # Three hours stopped, one person affected so far: three hours of countermeasures.
    assert "Suggested investment: 3 h" in page.one("p", class_="investment").text

    answer = ana.post("/b/main/andon/resume", {**five_whys_fields(COMPLETE_WHYS), "stop": "1"})

    assert (answer.status_code, answer.headers["location"]) == (303, "/b/main/andon")
    resumed = [s.event for s in web.events() if s.event.type is EventType.LINE_RESUMED]
    assert len(resumed) == 1
    assert resumed[0].actor == "ana"
    assert resumed[0].data["five_whys"]["whys"][1]["effort_hours"] == 0.5
    assert resumed[0].data["investment"]["people"] == 2
    assert resumed[0].data["investment"]["suggested_hours"] == 6.0
    page = parse(ana.get("/b/main").text)
    assert not page.find_all("section", class_="andon-banner")
    past = parse(ana.get("/b/main/andon").text).one("section", class_="past-stops").text
    assert COMPLETE_WHYS["root_cause"] in past


def test_a_half_filled_level_is_refused_with_the_files_sentence_and_the_form_kept(
    web: Web,
) -> None:
    ana = web.browser("ana")
    stop(ana)
    fields = five_whys_fields(COMPLETE_WHYS)
    del fields["answer2"]

    answer = ana.post("/b/main/andon/resume", fields)

    assert answer.status_code == 422
    page = parse(answer.text)
    assert page.alert() == 'why 2: "answer" is missing: fill it in.'
    assert page.label_for("Countermeasure 2").attrs["value"] == fields["countermeasure2"]
    assert not [s for s in web.events() if s.event.type is EventType.LINE_RESUMED]


def test_a_stop_that_repeats_a_tag_is_flagged(web: Web) -> None:
    ana = web.browser("ana")
    stop(ana, tags="signup")
    ana.post("/b/main/andon/resume", five_whys_fields(COMPLETE_WHYS))

    stop(ana, tags="Signup, email")

    page = parse(ana.get("/b/main/andon").text)
    open_stop = page.one("section", class_="open-stop").text
    assert "Repeat of stop #1" in open_stop
    assert "(repeated: signup)" in open_stop
    assert "a repeat of stop #1" in page.one("section", class_="andon-banner").text


def test_a_viewer_reads_the_andon_but_may_not_stop_the_line(web: Web) -> None:
    vic = web.browser("vic")
    page = parse(vic.get("/b/main/andon").text)
    assert page.button_names() == ["Sign out"]

    answer = stop(vic)

    assert answer.status_code == 403
    assert not [s for s in web.events() if s.event.type is EventType.LINE_STOPPED]

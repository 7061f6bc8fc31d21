"""The web board in a browser: signing in, pulling, WIP limits, the andon, live updates, keyboard
use and a phone's width, each checked by what a user sees (roles and accessible names).
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Locator, Page, expect

from pullflow.services.accounts import WRONG_PASSWORD
from tests.api.conftest import PASSWORD
from tests.browser.conftest import BoardSetup, Site, Web, sign_in
from tests.cli.helpers import COMPLETE_WHYS

STOP_REASON = "Signups with a plus sign in the address are lost"
STOP_TAGS = "signup, validation"
#: How far (CSS pixels) the page may be wider than a phone's screen before it scrolls sideways.
OVERFLOW_TOLERANCE = 2
#: How many times Tab may be pressed to reach a button before the test gives up.
MOST_TABS = 200


def stage(page: Page, name: str) -> Locator:
    return page.locator(f'section.stage[data-stage="{name}"]')


def lane(page: Page, name: str) -> Locator:
    """A lane by its accessible name, such as ``Build doing`` or ``Options done``."""
    return page.get_by_role("list", name=name, exact=True)


def cards(page: Page, lane_name: str) -> Locator:
    return lane(page, lane_name).get_by_role("listitem")


def card(page: Page, lane_name: str, number: int) -> Locator:
    """The card of item ``number`` in the lane: the list item whose link starts ``#N``."""
    link = page.get_by_role("link", name=re.compile(rf"^#{number}\b"))
    return cards(page, lane_name).filter(has=link)


def pull_button(page: Page, stage_name: str) -> Locator:
    return page.get_by_role("button", name=f"Pull into {stage_name}", exact=True)


def wip_badge(page: Page, stage_name: str) -> Locator:
    return stage(page, stage_name).locator(".wip")


def banner(page: Page) -> Locator:
    return page.get_by_role("region", name="The line is stopped", exact=True)


def press_anyway(page: Page, button: Locator) -> Any:
    """Send the button's form even though the page disabled the button; return the answer."""
    with page.expect_response(lambda answer: answer.request.method == "POST") as posted:
        # In one step, so that a live refresh of the board cannot put the attribute back between.
        button.evaluate("button => { button.removeAttribute('disabled'); button.click(); }")
    return posted.value


def options_in_order(page: Page) -> list[str]:
    """The options' item numbers from top to bottom."""
    return [
        str(number)
        for number in cards(page, "Options done").evaluate_all(
            "items => items.map(item => item.dataset.item)"
        )
    ]


def test_signing_in_with_the_form(web: Web, board: BoardSetup) -> None:
    page = web.open(None, board.path)
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))

    sign_in(page, "ana", "not the password")
    expect(page.get_by_role("alert")).to_have_text(WRONG_PASSWORD)
    sign_in(page, "nobody", PASSWORD)
    expect(page.get_by_role("alert")).to_have_text(WRONG_PASSWORD)
    web.snapshot(page, "refused")
    page.goto(board.path)
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    sign_in(page, "ana")
    expect(page).to_have_url(re.compile(rf"{board.path}$"))
    expect(page.get_by_text("Signed in as ana")).to_be_visible()
    expect(page.get_by_role("heading", name="Build", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_pulling_into_build_from_the_board(web: Web, board: BoardSetup) -> None:
    page = web.open("ana", board.path)
    first = board.items[0]
    expect(wip_badge(page, "Build")).to_have_text("WIP 0/1")
    expect(wip_badge(page, "Build")).to_have_attribute("data-state", "under")

    pull_button(page, "Build").click()

    expect(card(page, "Build doing", first)).to_be_visible()
    expect(cards(page, "Build doing")).to_have_count(1)
    expect(card(page, "Options done", first)).to_have_count(0)
    expect(wip_badge(page, "Build")).to_have_text("WIP 1/1")
    expect(wip_badge(page, "Build")).to_have_attribute("data-state", "at")


def test_a_full_stage_refuses_a_pull_and_the_board_stays_as_it_was(
    web: Web, board: BoardSetup
) -> None:
    page = web.open("ana", board.path)
    first, *others = board.items
    pull_button(page, "Build").click()
    expect(card(page, "Build doing", first)).to_be_visible()
    expect(pull_button(page, "Build")).to_be_disabled()

    answer = press_anyway(page, pull_button(page, "Build"))

    assert answer.status == 409
    expect(page.get_by_role("alert")).to_contain_text("Build is at its WIP limit (1/1)")
    expect(cards(page, "Build doing")).to_have_count(1)
    expect(card(page, "Build doing", first)).to_be_visible()
    for number in others:
        expect(card(page, "Options done", number)).to_be_visible()
    expect(wip_badge(page, "Build")).to_have_text("WIP 1/1")
    page.goto(board.path)
    expect(cards(page, "Build doing")).to_have_count(1)
    expect(cards(page, "Options done")).to_have_count(len(others))


def fill_five_whys(page: Page, five_whys: dict[str, Any]) -> None:
    page.get_by_label("Problem", exact=True).fill(five_whys["problem"])
    for level, why in enumerate(five_whys["whys"], start=1):
        page.get_by_label(f"Why {level}", exact=True).fill(why["question"])
        page.get_by_label(f"Answer {level}", exact=True).fill(why["answer"])
        page.get_by_label(f"Countermeasure {level}", exact=True).fill(why["countermeasure"])
        page.get_by_label(f"Owner {level}", exact=True).fill(why["owner"])
        page.get_by_label(f"Effort {level}", exact=True).fill(why["effort"])
    page.get_by_label("Root cause", exact=True).fill(five_whys["root_cause"])
    page.get_by_label("People affected", exact=True).fill(str(five_whys["people_affected"]))


def test_stopping_the_line_refuses_pulls_until_a_five_whys_resumes_it(
    web: Web, board: BoardSetup
) -> None:
    page = web.open("ana", board.path)
    page.get_by_role("link", name="Stop the line", exact=True).click()
    expect(page).to_have_url(re.compile(rf"{board.path}/andon"))
    page.get_by_label("Reason", exact=True).fill(STOP_REASON)
    page.get_by_label("Tags", exact=True).fill(STOP_TAGS)
    page.get_by_role("button", name="Stop the line", exact=True).click()

    expect(banner(page)).to_contain_text(STOP_REASON)
    page.goto(board.path)
    expect(banner(page)).to_contain_text(STOP_REASON)

    answer = press_anyway(page, pull_button(page, "Build"))
    assert answer.status == 409
    expect(page.get_by_role("alert")).to_contain_text(
        f"The line is stopped (stop #1: {STOP_REASON})"
    )
    expect(cards(page, "Build doing")).to_have_count(0)
    expect(cards(page, "Options done")).to_have_count(len(board.items))
    web.snapshot(page, "stopped")

    banner(page).get_by_role("link", name="Resume with a Five Whys").click()
    fill_five_whys(page, COMPLETE_WHYS)
    web.snapshot(page, "five-whys")
    page.get_by_role("button", name="Resume the line", exact=True).click()

    expect(banner(page)).to_have_count(0)
    page.goto(board.path)
    expect(banner(page)).to_have_count(0)
    pull_button(page, "Build").click()
    expect(card(page, "Build doing", board.items[0])).to_be_visible()


def test_a_pull_shows_on_another_visitors_page_without_a_reload(
    web: Web, board: BoardSetup, site: Site
) -> None:
    """On PostgreSQL bo watches through a second server process: the news crosses processes."""
    first = board.items[0]
    watching_server = 1 if site.backend == "postgresql" else 0
    bo = web.open("bo", None, server=watching_server)
    with bo.expect_response(lambda answer: answer.url.endswith(f"{board.path}/live")):
        bo.goto(board.path)
    expect(cards(bo, "Build doing")).to_have_count(0)
    bo.evaluate("window.notReloaded = true")
    ana = web.open("ana", board.path)

    pull_button(ana, "Build").click()

    expect(card(bo, "Build doing", first)).to_be_visible(timeout=1000)
    assert bo.evaluate("window.notReloaded === true"), "bo's page was reloaded"
    expect(wip_badge(bo, "Build")).to_have_text("WIP 1/1")


def press_tab_until_focused(page: Page, target: Locator) -> int:
    """Press Tab until ``target`` has the focus; return how many presses it took."""
    for presses in range(1, MOST_TABS + 1):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return presses
    raise AssertionError(f"{MOST_TABS} presses of Tab did not reach the element")


def test_the_options_are_reordered_and_pulled_with_the_keyboard_alone(
    web: Web, board: BoardSetup
) -> None:
    page = web.open("ana", board.path)
    first, second, third = (str(number) for number in board.items)
    assert options_in_order(page) == [first, second, third]

    move_up = page.get_by_role("button", name=f"Move up #{third}", exact=True)
    press_tab_until_focused(page, move_up)
    page.keyboard.press("Enter")
    expect(cards(page, "Options done").nth(1)).to_have_attribute("data-item", third)
    assert options_in_order(page) == [first, third, second]

    move_up = page.get_by_role("button", name=f"Move up #{third}", exact=True)
    press_tab_until_focused(page, move_up)
    page.keyboard.press("Enter")
    expect(cards(page, "Options done").first).to_have_attribute("data-item", third)
    assert options_in_order(page) == [third, first, second]

    press_tab_until_focused(page, pull_button(page, "Build"))
    page.keyboard.press("Enter")
    expect(card(page, "Build doing", int(third))).to_be_visible()
    assert options_in_order(page) == [first, second]


def test_the_board_fits_a_phone_screen(web: Web, board: BoardSetup) -> None:
    page = web.open("ana", board.path, viewport={"width": 360, "height": 740}, is_mobile=True)
    expect(stage(page, "Build")).to_be_visible()

    page_width = page.evaluate("document.scrollingElement.scrollWidth")

    assert page_width <= 360 + OVERFLOW_TOLERANCE, f"the page is {page_width} px wide"
    button = pull_button(page, "Build")
    button.scroll_into_view_if_needed()
    expect(button).to_be_in_viewport()
    box = button.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 360

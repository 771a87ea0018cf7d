"""The breakout board in a real browser: allocate, drag a card, move one by keyboard, pin,
re-run (pins hold), and axe on every step, in both languages."""
import re

import pytest

from tests.browser.conftest import axe_violations
from tests.browser.test_pages import sign_in

pytestmark = pytest.mark.browser

BOARD = "/manage/events/innovationswerkstatt-7/breakouts"
FACILITATOR = {"email": "moderation@example.org", "password": "werkstatt-moderation-demo"}


def allocate(page):
    button = page.locator("form[action$='/allocate'] button[type=submit]")
    with page.expect_navigation():
        button.click()
    assert page.locator(".kern-alert--success").count() >= 1


def columns(page) -> list[str]:
    return page.locator(".board-column__list[data-group-id]:not([data-group-id=''])") \
        .evaluate_all("lists => lists.map(l => l.dataset.groupId)")


def group_of(page, card_id: str) -> str:
    return page.locator(f"#card-{card_id}").evaluate(
        "card => card.closest('[data-group-list]').dataset.groupId")


def cards_in(page, group_id: str) -> list[str]:
    return page.locator(f"[data-group-list][data-group-id='{group_id}'] .board-card") \
        .evaluate_all("cards => cards.map(c => c.dataset.registrationId)")


def is_pinned(page, card_id: str) -> bool:
    return page.locator(f"#card-{card_id}").get_attribute("class").count("board-card--pinned") == 1


def drag_card(page, card_id: str, group_id: str) -> None:
    """Drag a card with the mouse onto the lower part of a group's first card (both columns
    start level) and wait for the board to reload."""
    card = page.locator(f"#card-{card_id} .board-card__name")
    card.scroll_into_view_if_needed()
    target = page.locator(f"[data-group-list][data-group-id='{group_id}'] .board-card").first
    source_box, target_box = card.bounding_box(), target.bounding_box()
    page.mouse.move(source_box["x"] + 20, source_box["y"] + source_box["height"] / 2)
    page.mouse.down()
    with page.expect_navigation():
        page.mouse.move(target_box["x"] + 40, target_box["y"] + target_box["height"] * 0.75,
                        steps=25)
        page.mouse.up()


@pytest.mark.parametrize("lang", ["de", "en"])
def test_board_and_group_form_pass_axe(live_server, page, lang):
    sign_in(page, live_server, lang, **FACILITATOR)
    page.goto(f"{live_server}{BOARD}")
    allocate(page)
    assert page.locator(".board-card").count() >= 20
    assert axe_violations(page) == []
    page.goto(f"{live_server}{BOARD}/groups/new")
    assert axe_violations(page) == []
    with page.expect_navigation():
        page.get_by_role("button", name="Speichern" if lang == "de" else "Save").click()
    assert page.locator(".kern-error").count() >= 2  # errors next to the empty fields
    assert axe_violations(page) == []


def test_drag_keyboard_move_pin_and_rerun(live_server, page):
    sign_in(page, live_server, "de", **FACILITATOR)
    page.goto(f"{live_server}{BOARD}")
    allocate(page)
    first, second, third = columns(page)[:3]

    # Drag the first card of the first group into the second group.
    dragged = cards_in(page, first)[0]
    drag_card(page, dragged, second)
    assert group_of(page, dragged) == second
    assert is_pinned(page, dragged)  # a hand move holds through re-runs
    assert axe_violations(page) == []

    # The same by keyboard: the card's "Verschieben …" opens the one shared "Verschieben nach"
    # control in that card, with the focus on its select; then its button.
    keyed = next(c for c in cards_in(page, third))
    name = page.locator(f"#card-{keyed} .board-card__name").inner_text().strip()
    page.get_by_role("link", name=f"Verschieben … ({name})").focus()
    page.keyboard.press("Enter")
    select = page.get_by_label(re.compile(rf"^Verschieben nach\W+\({re.escape(name)}\)$"))
    assert select.evaluate("el => el === document.activeElement")
    select.select_option(first)
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert group_of(page, keyed) == first
    assert "Verschoben und angeheftet." in page.locator(".flashes").inner_text()

    # Pin someone the allocator placed, then re-run for the unpinned.
    pinned = next(c for c in cards_in(page, second) if not is_pinned(page, c))
    pinned_group = group_of(page, pinned)
    pin_name = page.locator(f"#card-{pinned} .board-card__name").inner_text().strip()
    page.get_by_role("button", name=re.compile(rf"^Anheften\W+{re.escape(pin_name)}$")).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert is_pinned(page, pinned)
    page.get_by_label("Vor allem Durchmischung").check()
    allocate(page)
    assert group_of(page, dragged) == second
    assert group_of(page, keyed) == first
    assert group_of(page, pinned) == pinned_group
    assert all(is_pinned(page, c) for c in (dragged, keyed, pinned))
    assert page.get_by_label("Vor allem Durchmischung").is_checked()  # the setting is kept
    assert axe_violations(page) == []

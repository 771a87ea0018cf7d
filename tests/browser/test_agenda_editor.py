"""The agenda editor works by keyboard and by mouse, and passes axe in both languages."""
import re

import pytest

from tests.browser.conftest import axe_violations
from tests.browser.test_pages import sign_in

pytestmark = pytest.mark.browser

EDITOR = "/manage/events/innovationswerkstatt-7/agenda"


def button(page, action: str, title: str):
    """A button by its accessible name, e.g. "Nach oben: <title>" (spacing may vary)."""
    return page.get_by_role("button", name=re.compile(rf"^{action}\W+{re.escape(title)}$"))


def item_titles(page) -> list[str]:
    return [t.strip() for t in page.locator("[data-item-id] h3").all_inner_texts()]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_editor_passes_axe(live_server, page, lang):
    sign_in(page, live_server, lang)
    page.goto(f"{live_server}{EDITOR}")
    assert page.locator("[data-item-id]").count() == 5
    assert axe_violations(page) == []
    page.goto(f"{live_server}{EDITOR}/items/"
              + page.locator("[data-item-id]").first.get_attribute("data-item-id"))
    assert axe_violations(page) == []


def test_reordering_and_adding_by_keyboard_alone(live_server, page):
    sign_in(page, live_server, "de")
    page.goto(f"{live_server}{EDITOR}")
    before = item_titles(page)
    second = button(page, "Nach oben", before[1])
    second.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert item_titles(page) == [before[1], before[0], *before[2:]]
    assert page.locator(".kern-alert--success").inner_text().strip().endswith("wurde verschoben.")
    # The times follow the new order: the moved item now starts at 17:00.
    first_time = page.locator("[data-item-id]").first.locator(".agenda-editor__time").inner_text()
    assert first_time.startswith("17:00–17:20")

    # Put it back, then add an item by tabbing through the form.
    with page.expect_navigation():
        button(page, "Nach oben", before[0]).press("Enter")
    assert item_titles(page) == before
    page.get_by_label("Art").focus()
    page.keyboard.press("End")  # the last kind: "Sonstiges"
    page.keyboard.press("Tab")
    page.keyboard.type("Netzwerken")
    page.keyboard.press("Tab")
    page.keyboard.type("10")
    with page.expect_navigation():
        page.get_by_role("button", name="Hinzufügen").press("Enter")
    # 90 minutes are already planned: the new item would end after the edition.
    error = page.locator("#duration_minutes-error").inner_text()
    assert "nach dem Ende der Veranstaltung" in error
    assert page.locator("#duration_minutes").get_attribute("aria-invalid") == "true"
    assert item_titles(page) == before
    assert axe_violations(page) == []


def test_drag_and_drop_with_the_mouse(live_server, page):
    sign_in(page, live_server, "de")
    page.goto(f"{live_server}{EDITOR}")
    before = item_titles(page)
    items = page.locator("[data-item-id]")
    with page.expect_navigation():
        items.nth(4).drag_to(items.nth(3))
    assert item_titles(page) == [*before[:3], before[4], before[3]]
    with page.expect_navigation():
        page.locator("[data-item-id]").nth(4).drag_to(page.locator("[data-item-id]").nth(3))
    assert item_titles(page) == before

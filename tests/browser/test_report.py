"""The report: editor, preview and public page pass axe in both languages; learnings reorder
by keyboard buttons and by drag and drop; the page shows its photo."""
import re

import pytest

from tests.browser.conftest import axe_violations
from tests.browser.test_pages import sign_in

pytestmark = pytest.mark.browser

SIXTH = "innovationswerkstatt-6"
FIFTH = "innovationswerkstatt-5"


def learning_titles(page) -> list[str]:
    return [page.input_value(f"#{el.get_attribute('id')}")
            for el in page.locator("[data-learning-id] input[id$='_title']").all()]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_public_report_passes_axe_and_shows_its_photo(live_server, page, lang):
    page.goto(f"{live_server}/events/{SIXTH}/report?lang={lang}")
    assert page.get_attribute("html", "lang") == lang
    assert page.locator("h1").inner_text() == "Wie können Daten den Alltag von Familien erleichtern?"
    image = page.locator("figure.report-photo img").first
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    assert axe_violations(page) == []
    page.goto(f"{live_server}/?lang={lang}")
    assert axe_violations(page) == []
    page.goto(f"{live_server}/events/{SIXTH}?lang={lang}")
    assert axe_violations(page) == []


@pytest.mark.parametrize("lang", ["de", "en"])
def test_editor_and_preview_pass_axe(live_server, page, lang):
    sign_in(page, live_server, lang)
    for path in [f"/manage/events/{SIXTH}/report", f"/manage/events/{SIXTH}/report/preview",
                 "/manage/events/innovationswerkstatt-7/report",
                 "/manage/events/innovationswerkstatt-7/report/preview"]:
        page.goto(f"{live_server}{path}")
        assert page.get_attribute("html", "lang") == lang, path
        assert axe_violations(page) == [], path


def test_editor_shows_errors_accessibly(live_server, page):
    sign_in(page, live_server, "de")
    page.goto(f"{live_server}/manage/events/{SIXTH}/report")
    page.get_by_label("Learning 1: Überschrift").fill("")
    page.get_by_role("button", name="Speichern", exact=True).first.click()
    assert page.locator("#report-form").is_visible()
    assert "Bitte geben Sie dem Learning eine Überschrift." in page.content()
    assert axe_violations(page) == []


def test_learnings_move_by_keyboard_and_by_drag_and_drop(live_server, page):
    sign_in(page, live_server, "de")
    page.goto(f"{live_server}/manage/events/{FIFTH}/report")
    before = learning_titles(page)
    assert len(before) == 4
    down = page.get_by_role("button", name=re.compile(r"^Nach unten\W+Learning 1$"))
    down.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert learning_titles(page) == [before[1], before[0], before[2], before[3]]
    handle = page.locator("[data-learning-id] .learning-list__handle").first
    target = page.locator("[data-learning-id]").nth(2)
    # The HTML5 drag events themselves, so the test does not depend on where the page scrolled.
    transfer = page.evaluate_handle("() => new DataTransfer()")
    handle.dispatch_event("dragstart", {"dataTransfer": transfer})
    target.dispatch_event("dragover", {"dataTransfer": transfer})
    with page.expect_navigation():
        target.dispatch_event("drop", {"dataTransfer": transfer})
    assert learning_titles(page) == [before[0], before[2], before[1], before[3]]
    # Put the demo back as it was.
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(r"^Nach unten\W+Learning 2$")).click()
    assert learning_titles(page) == before

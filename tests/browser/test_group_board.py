"""The work phase in real browsers: three members of one group write, edit and vote at the
same time and see each other's cards within the polling interval; the facilitator merges
and marks key results; axe on the member board (phone), the facilitator board and the
plenary, in German and English (issue 15)."""
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import Board, BoardCard
from tests.boards.helpers import add_group, member, work_phase_edition
from tests.browser.conftest import axe_violations
from tests.browser.test_pages import sign_in

pytestmark = pytest.mark.browser

POLL_WINDOW = 3_000  # ms: the poll runs every 2 s; a change must show within about 3 s
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def group_world(live_server):
    """A fresh edition in its work phase with a group of three (and a second group)."""
    with live_server.app.app_context():
        event = work_phase_edition(db, title="Daten für Familien")
        group = add_group(db, event)
        other = add_group(db, event, "Vertrauen", "Wem vertrauen Familien?")
        people = [member(db, event, group, name)
                  for name in ("Ada Lovelace", "Bea Beispiel", "Cem Muster")]
        member(db, event, other, "Dora Anders")
        world = {"slug": event.slug, "group_id": group.id,
                 "urls": [f"{live_server}{p.url}" for p in people]}
        db.session.remove()
    return world


def write_card(page, text: str, column: str = "Hindernisse") -> None:
    page.get_by_label("Ihre Karte").fill(text)
    page.get_by_label("Spalte").select_option(label=column)
    with page.expect_navigation():
        page.get_by_role("button", name="Karte anheften").click()


def note(page, text: str):
    """The card whose text is exactly `text` (not one that merely mentions it)."""
    exact = page.locator(".tafel-note__text", has_text=re.compile(f"^{re.escape(text)}$"))
    return page.locator(".tafel-note", has=exact)


def start_voting(live_server, group_id: int) -> None:
    """The facilitator starts voting (here through the database; the button has its test)."""
    with live_server.app.app_context():
        board = db.session.scalar(sa.select(Board).where(Board.group_id == group_id))
        board.voting_open = True
        board.version += 1
        db.session.commit()
        db.session.remove()


def test_three_members_write_edit_and_vote_at_once_and_see_each_other_live(
        live_server, new_page, group_world):
    pages = [new_page() for _ in range(3)]
    for page, url in zip(pages, group_world["urls"], strict=True):
        page.goto(url)
    texts = ["Formulare sind zu lang", "Niemand erklärt die Daten", "Wer hilft vor Ort?"]
    for page, text in zip(pages, texts, strict=True):
        write_card(page, text)
    # Everyone sees everyone's card without reloading, within the polling interval.
    for page in pages:
        for text in texts:
            expect(note(page, text)).to_have_count(1, timeout=POLL_WINDOW)
    # New cards by the others were announced politely.
    expect(pages[0].locator("[data-board-announce]")).to_have_attribute("aria-live", "polite")

    # Bea edits her card; the others see the new text live.
    bea = pages[1]
    bea_note = note(bea, "Niemand erklärt die Daten")
    bea_note.locator("summary").click()
    bea_note.get_by_label("Text der Karte").fill("Niemand erklärt die Daten verständlich")
    with bea.expect_navigation():
        bea_note.get_by_role("button", name="Speichern").click()
    for page in (pages[0], pages[2]):
        expect(note(page, "Niemand erklärt die Daten verständlich")).to_have_count(
            1, timeout=POLL_WINDOW)

    # Voting starts; all three give a dot to Ada's card at once; each sees three dots.
    start_voting(live_server, group_world["group_id"])
    for page in pages:
        expect(note(page, "Formulare sind zu lang").get_by_role(
            "button", name="Punkt geben")).to_have_count(1, timeout=POLL_WINDOW)
    for page in pages:
        note(page, "Formulare sind zu lang").get_by_role("button", name="Punkt geben").click()
    for page in pages:
        expect(note(page, "Formulare sind zu lang")).to_contain_text("3 Punkte",
                                                                     timeout=POLL_WINDOW)


def test_the_facilitator_merges_duplicates_and_marks_a_key_result(live_server, page, new_page,
                                                                  group_world):
    ada = new_page(viewport=PHONE)
    ada.goto(group_world["urls"][0])
    write_card(ada, "Anträge sind zu kompliziert")
    write_card(ada, "Formulare zu kompliziert", column="Lösungsansätze")
    sign_in(page, live_server, "de")
    page.goto(f"{live_server}/manage/events/{group_world['slug']}/breakouts/"
              f"{group_world['group_id']}/board")
    duplicate = note(page, "Formulare zu kompliziert")
    duplicate.locator("summary").click()
    duplicate.get_by_label("Als Doppel zusammenführen mit").select_option(
        label="Anträge sind zu kompliziert")
    with page.expect_navigation():
        duplicate.get_by_role("button", name="Zusammenführen", exact=True).click()
    kept = note(page, "Anträge sind zu kompliziert")
    expect(kept).to_contain_text("Zusammengeführt: Formulare zu kompliziert (Ada)")
    with page.expect_navigation():
        kept.get_by_role("button", name="Als zentrales Ergebnis markieren").click()
    expect(note(page, "Anträge sind zu kompliziert")).to_contain_text("Zentrales Ergebnis")
    # The member's phone shows the merge and the key result without a reload.
    expect(note(ada, "Anträge sind zu kompliziert")).to_contain_text("Zentrales Ergebnis",
                                                                     timeout=POLL_WINDOW)
    expect(ada.locator(".tafel-note")).to_have_count(1, timeout=POLL_WINDOW)
    # The plenary shows the key result in large type.
    page.goto(f"{live_server}/manage/events/{group_world['slug']}/breakouts/plenary")
    expect(page.locator(".plenary__list li", has_text="Anträge sind zu kompliziert")) \
        .to_have_count(1)


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("lang", ["de", "en"])
def test_member_board_on_a_phone_facilitator_board_and_plenary_pass_axe(
        live_server, page, new_page, group_world, lang):
    phone = new_page(viewport=PHONE, locale="de-DE" if lang == "de" else "en-GB")
    phone.goto(f"{group_world['urls'][0]}?lang={lang}")
    phone.locator("textarea[name=body]").fill("Ein sehr langer Gedanke " * 10
                                             + "ohneLeerzeichen" * 20)
    with phone.expect_navigation():
        phone.locator("form[action$='/group/cards'] button[type=submit]").click()
    expect(phone.locator(".tafel-note")).to_have_count(1)
    assert axe_violations(phone) == []
    assert no_horizontal_scroll(phone)
    phone.locator(".tafel-note summary").first.click()  # the open edit form fits, too
    assert axe_violations(phone) == []
    assert no_horizontal_scroll(phone)

    sign_in(page, live_server, lang)
    base = f"{live_server}/manage/events/{group_world['slug']}/breakouts"
    for path in (f"/{group_world['group_id']}/board", "/plenary"):
        page.goto(base + path)
        assert axe_violations(page) == []
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/{group_world['group_id']}/board")
    assert no_horizontal_scroll(page)
    with live_server.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(BoardCard.id)).where(
            BoardCard.group_id == group_world["group_id"])) == 1
        db.session.remove()


def test_staff_insert_the_boards_results_into_the_report_and_turn_a_card_into_a_learning(
        live_server, page, new_page, group_world):
    ada = new_page()
    ada.goto(group_world["urls"][0])
    write_card(ada, "Ein Datenlotse je Bezirk", column="Lösungsansätze")
    sign_in(page, live_server, "de")
    page.goto(f"{live_server}/manage/events/{group_world['slug']}/breakouts/"
              f"{group_world['group_id']}/board")
    with page.expect_navigation():
        note(page, "Ein Datenlotse je Bezirk").get_by_role(
            "button", name="Als zentrales Ergebnis markieren").click()
    page.goto(f"{live_server}/manage/events/{group_world['slug']}/report")
    with page.expect_navigation():
        page.locator(f"button[value='harvest:{group_world['group_id']}']").click()
    section = page.locator(f"#group-{group_world['group_id']} textarea")
    expect(section).to_have_value(re.compile(
        r"### Zentrale Ergebnisse\n\n- Ein Datenlotse je Bezirk$"))
    assert "Ada" not in section.input_value()  # Ada did not consent to being named
    page.locator(f"#group-{group_world['group_id']} summary").click()
    assert axe_violations(page) == []
    with page.expect_navigation():
        page.locator("button[value^='card_learning:']").click()
    expect(page.locator(".learning-list__item input").first).to_have_value(
        "Ein Datenlotse je Bezirk")

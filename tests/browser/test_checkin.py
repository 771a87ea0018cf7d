"""A facilitator checks people in on a phone: large buttons, the count updates, accessible."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import Event, Participant, Registration, utcnow
from tests.browser.conftest import ARTIFACTS, RequestLog, axe_violations
from tests.browser.test_pages import sign_in
from tests.factories import make_registration

pytestmark = pytest.mark.browser

SLUG = "innovationswerkstatt-7"
PHONE = {"width": 390, "height": 844}


def seat_holders(live_server, names: list[str]) -> dict[str, int]:
    """Confirmed seats at the demo edition #7 (facilitated by the demo moderation account),
    written through the live app's database; returns their registration ids by name."""
    ids = {}
    with live_server.app.app_context():
        event = db.session.scalar(sa.select(Event).where(Event.slug == SLUG))
        for name in names:
            registration = db.session.scalar(sa.select(Registration).join(Participant).where(
                Registration.event_id == event.id, Participant.name == name))
            if registration is None:
                registration, _token = make_registration(
                    event, name, organisation="Familienbüro",
                    accessibility_needs="Induktionsschleife")
            ids[name] = registration.id
        db.session.remove()
    return ids


@pytest.fixture(autouse=True)
def evening_of_edition_7(live_server):
    """Check-in opens on the day: edition #7 (its whole timetable) starts in half an hour for
    these tests, and goes back to its own dates afterwards for the other browser tests."""
    names = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")
    with live_server.app.app_context():
        event = db.session.scalar(sa.select(Event).where(Event.slug == SLUG))
        shift = utcnow().replace(microsecond=0) + timedelta(minutes=30) - event.starts_at
        for name in names:
            if getattr(event, name) is not None:
                setattr(event, name, getattr(event, name) + shift)
        db.session.commit()
        db.session.remove()
    yield
    with live_server.app.app_context():
        event = db.session.scalar(sa.select(Event).where(Event.slug == SLUG))
        for name in names:
            if getattr(event, name) is not None:
                setattr(event, name, getattr(event, name) - shift)
        db.session.commit()
        db.session.remove()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                  locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(10_000)
    log = RequestLog()
    page.on("request", log.record)
    yield page
    context.close()
    assert log.foreign() == [], f"requests left 127.0.0.1: {log.foreign()}"


def counts(page) -> tuple[int, int]:
    return tuple(int(n) for n in re.findall(r"\d+", page.locator("#checkin-count").inner_text()))


def named(label: str, person: str) -> re.Pattern:
    """A button's accessible name: its visible label, then (for screen readers) the person.
    Chromium puts a space before the visually hidden part."""
    return re.compile(rf"^{re.escape(label)}\s?: {re.escape(person)}$")


def no_horizontal_scrolling(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.parametrize(("lang", "words"), [
    ("de", {"here": "Ist da", "undo": "Rückgängig", "count": "{} von {} da",
            "state": "Da seit"}),
    ("en", {"here": "Mark as here", "undo": "Undo", "count": "{} of {} here",
            "state": "Here since"}),
])
def test_a_facilitator_checks_a_person_in_on_a_phone(live_server, phone, lang, words):
    ids = seat_holders(live_server, [f"Carla Checkin {lang}", f"Dario Doorway {lang}"])
    page = phone
    sign_in(page, live_server, lang, email="moderation@example.org",
            password="werkstatt-moderation-demo")
    page.goto(f"{live_server}/manage/events/{SLUG}/checkin")
    assert page.get_attribute("html", "lang") == lang
    assert axe_violations(page) == []
    assert no_horizontal_scrolling(page)
    assert "Induktionsschleife" not in page.content()  # accessibility needs: staff only
    present, expected = counts(page)

    row = page.locator(f"#person-{ids[f'Carla Checkin {lang}']}")
    button = row.get_by_role("button", name=named(words["here"], f"Carla Checkin {lang}"))
    box = button.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44  # a large touch target
    url = page.url
    button.tap()

    expect(page.locator("#checkin-count")).to_have_text(
        words["count"].format(present + 1, expected))
    expect(row.locator("[data-checkin-state]")).to_contain_text(words["state"])
    undo = row.get_by_role("button", name=named(words["undo"], f"Carla Checkin {lang}"))
    expect(undo).to_be_focused()
    assert page.url == url  # updated in place: the page did not reload or jump
    assert axe_violations(page) == []
    assert no_horizontal_scrolling(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"checkin-phone-{lang}.png"), full_page=True)
    undo.tap()
    expect(page.locator("#checkin-count")).to_have_text(words["count"].format(present, expected))


def test_check_in_works_without_javascript(live_server, browser):
    ids = seat_holders(live_server, ["Nora Nojs"])
    context = browser.new_context(viewport=PHONE, is_mobile=True, java_script_enabled=False,
                                  locale="de-DE")
    page = context.new_page()
    sign_in(page, live_server, "de", email="moderation@example.org",
            password="werkstatt-moderation-demo")
    page.goto(f"{live_server}/manage/events/{SLUG}/checkin")
    present, expected = counts(page)

    page.get_by_role("button", name=named("Ist da", "Nora Nojs")).click()

    page.wait_for_url(re.compile(rf".*/checkin#person-{ids['Nora Nojs']}$"))
    assert counts(page) == (present + 1, expected)
    assert "Nora Nojs ist da." in page.locator("main").inner_text()
    page.get_by_role("button", name=named("Rückgängig", "Nora Nojs")).click()
    page.wait_for_load_state()
    assert counts(page) == (present, expected)
    context.close()


def test_the_search_answers_as_you_type_without_leaving_the_page(live_server, phone):
    seat_holders(live_server, ["Sina Suchbar", "Tom Tippfehler"])
    page = phone
    sign_in(page, live_server, "de", email="moderation@example.org",
            password="werkstatt-moderation-demo")
    page.goto(f"{live_server}/manage/events/{SLUG}/checkin")
    rows = page.locator("#people-heading ~ .checkin-list .checkin-row__name")
    assert rows.count() >= 2
    page.evaluate("window.stillTheSamePage = true")
    page.locator("#checkin-q").press_sequentially("Sina Such", delay=30)
    expect(rows).to_have_text(["Sina Suchbar"])  # only the match, swapped in place
    assert page.evaluate("window.stillTheSamePage === true")  # no reload, no navigation
    assert "q=Sina+Such" in page.url  # the address follows, for a reload or the back button
    expect(page.locator("#checkin-found")).to_contain_text("1 mit Platz")
    expect(page.locator("#checkin-q")).to_be_focused()
    assert axe_violations(page) == []
    page.locator("#checkin-q").fill("")
    page.locator("#checkin-q").press("End")
    page.locator("#checkin-q").type(" ")
    page.locator("#checkin-q").press("Backspace")
    expect(rows).not_to_have_count(1)  # everyone again

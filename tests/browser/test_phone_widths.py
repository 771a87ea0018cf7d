"""Every public page fits a phone: 320 and 390 px wide without horizontal scrolling, and
passes axe there (issue 12, item 5). The personal page is checked in each of its states."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Event, Sector, utcnow
from app.registration.links import issue_link
from tests.browser.conftest import axe_violations, demo_app, serving
from tests.factories import make_registration

pytestmark = pytest.mark.browser

EVENT = "innovationswerkstatt-7"
WIDTHS = [320, 390]
# A room link as long as real ones are (they carry a meeting id and a passcode).
ROOM = "https://konferenz.example.org/b/innovationswerkstatt-7-verwaltung-familien?pwd=Xk29sLq7"

PUBLIC_PAGES = ["/", f"/events/{EVENT}", f"/events/{EVENT}/register",
                f"/events/{EVENT}/register/sent", "/events/innovationswerkstatt-6",
                "/events/innovationswerkstatt-6/report", "/privacy", "/accessibility",
                "/imprint", "/leichte-sprache", "/r/new-link"]
# status, place, hold: the personal page's states (a pending one whose hold ran out is expired)
STATES = {
    "pending-seat": ("pending", "seat", timedelta(hours=20)),
    "pending-waitlist": ("pending", "waitlist", timedelta(hours=20)),
    "confirmed-seat": ("confirmed", "seat", None),
    "confirmed-waitlist": ("confirmed", "waitlist", None),
    "cancelled": ("cancelled", "seat", None),
    "expired": ("pending", "seat", -timedelta(hours=1)),
}


@pytest.fixture(scope="module")
def phone_server(tmp_path_factory):
    """A server of its own: the people added here must not change other tests' seat counts."""
    app = demo_app(tmp_path_factory.mktemp("phone"))
    with app.app_context():
        event = db.session.scalar(sa.select(Event).where(Event.slug == EVENT))
        event.online_url = ROOM
        tokens = {}
        for n, (state, (status, place, hold)) in enumerate(STATES.items()):
            registration, _token = make_registration(
                event, "Maximiliane Mustermann-Schulze", email=f"phone-{state}@example.org",
                organisation="Bundesarbeitsgemeinschaft", sector=Sector.RESEARCH,
                status=status, place=place, nonce=f"phone-{n}-{state}",
                hold_expires_at=utcnow() + hold if hold is not None else None, commit=False)
            tokens[state] = issue_link(registration)
        db.session.commit()
        db.session.remove()
    with serving(app) as url:
        url.tokens = tokens
        yield url


def pages(server) -> list[str]:
    personal = [f"/r/{token}" for token in server.tokens.values()]
    return PUBLIC_PAGES + personal + [f"/r/{server.tokens['confirmed-seat']}/cancel",
                                      "/r/" + "x" * 43]


def open_at(browser, width: int):
    context = browser.new_context(viewport={"width": width, "height": 800}, is_mobile=True,
                                  locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("width", WIDTHS)
def test_every_public_page_fits_a_phone_without_horizontal_scrolling(phone_server, browser,
                                                                     width, lang):
    context, page = open_at(browser, width)
    too_wide, violations = [], []
    try:
        for path in pages(phone_server):
            response = page.goto(f"{phone_server}{path}?lang={lang}")
            assert response.status in (200, 404), path
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > width:
                widest = page.evaluate("""(limit) => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > limit)
                    .slice(0, 4).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""", width)
                too_wide.append(f"{path}: {scroll_width} px ({widest})")
            violations += [f"{path}: {v}" for v in axe_violations(page)]
    finally:
        context.close()
    assert too_wide == []
    assert violations == []


def test_the_confirmed_personal_page_shows_the_whole_room_link_on_a_phone(phone_server, browser):
    context, page = open_at(browser, 390)
    try:
        page.goto(f"{phone_server}/r/{phone_server.tokens['confirmed-seat']}")
        link = page.get_by_role("link", name=ROOM)
        box = link.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    finally:
        context.close()


def test_the_programme_reflows_on_a_phone_and_names_the_speakers(phone_server, browser):
    context, page = open_at(browser, 320)
    try:
        page.goto(f"{phone_server}/events/{EVENT}")
        table = page.locator(".agenda-table")
        # The table's box stays a labelled, focusable region (for wider tables elsewhere)...
        region = page.locator(".kern-table-responsive")
        assert (region.get_attribute("role"), region.get_attribute("tabindex")) == ("region", "0")
        # ...but on a phone nothing in it needs scrolling: every cell, the speakers included, lies inside the screen.
        assert page.evaluate("(e) => e.scrollWidth <= e.clientWidth",
                             region.element_handle())
        speakers = table.locator("td.agenda-table__speakers[data-label]").first
        box = speakers.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 320
        assert speakers.get_attribute("data-label") == "Mit"
        assert page.evaluate("(e) => getComputedStyle(e, '::before').content",
                             speakers.element_handle()) != "none"  # "Mit:" before the names
    finally:
        context.close()

"""The statistics pages pass axe-core in German and English, with their charts drawn."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.browser.conftest import axe_violations
from tests.browser.test_pages import sign_in

pytestmark = pytest.mark.browser

EDITION = "innovationswerkstatt-6"
SERIES = "innovationswerkstatt"
PEOPLE = [  # key, sector, status, place, attended, walk-in
    ("anna", "civil_society", "confirmed", "seat", True, False),
    ("ben", "public_administration", "confirmed", "seat", False, False),
    ("carla", "research", "confirmed", "seat", True, False),
    ("dora", "business", "confirmed", "waitlist", False, False),
    ("emil", "undisclosed", "cancelled", "seat", False, False),
    ("gina", "private_person", "confirmed", "seat", True, True),
]


@pytest.fixture(scope="module")
def edition_with_registrations(live_server):
    """Give the demo's edition #6 a few registrations (the demo has none) unless it has some."""
    from app.extensions import db
    from app.models import Event, Registration, Sector
    from tests.factories import make_registration

    with live_server.app.app_context():
        event = db.session.scalar(sa.select(Event).where(Event.slug == EDITION))
        has_some = db.session.scalar(sa.select(sa.func.count()).select_from(Registration)
                                     .where(Registration.event_id == event.id))
        if not has_some:
            for i, (key, sector, status, place, attended, walk_in) in enumerate(PEOPLE):
                created = event.starts_at - timedelta(days=12 - 2 * i, hours=3)
                make_registration(
                    event, key.title(), email=f"stats-{key}@example.org", organisation="",
                    sector=Sector(sector), status=status, place=place, at=created,
                    created_at=event.starts_at if walk_in else created, hold_expires_at=None,
                    checked_in=attended, walk_in=walk_in, added_by_staff=walk_in, commit=False)
            db.session.commit()
        db.session.remove()
    return live_server


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("path", [f"/manage/events/{EDITION}/statistics",
                                  f"/manage/series/{SERIES}/statistics"])
def test_statistics_pages_are_accessible(edition_with_registrations, page, path, lang):
    live_server = edition_with_registrations
    sign_in(page, live_server, lang)
    response = page.goto(f"{live_server}{path}")
    assert response.status == 200
    assert page.get_attribute("html", "lang") == lang
    assert page.locator("h1").count() == 1
    figures = page.locator("figure.chart")
    assert figures.count() >= 2
    for i in range(figures.count()):
        figure = figures.nth(i)
        svg = figure.locator("svg[role=img]")
        assert svg.count() == 1
        box = svg.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 50  # really drawn
        assert figure.locator("table caption").count() == 1
    assert axe_violations(page) == []

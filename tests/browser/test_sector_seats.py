"""Seats per sector on staff pages pass axe-core in German and English: the edition form's
fields, and reserved against taken per sector on the registrations list and the statistics."""
import pytest
import sqlalchemy as sa

from tests.browser.conftest import axe_violations
from tests.browser.test_pages import sign_in

pytestmark = pytest.mark.browser

EDITION = "innovationswerkstatt-6"  # a past edition: nothing public changes


@pytest.fixture(scope="module")
def reserving_edition(live_server):
    """Reserve 2 seats per sector on the demo's edition #6 for these tests, then undo it."""
    from app.extensions import db
    from app.models import Event
    sectors = ("civil_society", "public_administration", "business", "research")

    def set_reserved(n):
        with live_server.app.app_context():
            event = db.session.scalar(sa.select(Event).where(Event.slug == EDITION))
            for sector in sectors:
                setattr(event, f"reserved_{sector}", n)
            db.session.commit()
            db.session.remove()

    set_reserved(2)
    yield live_server
    set_reserved(0)


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize(("path", "text"), [
    (f"/manage/events/{EDITION}/registrations", {"de": "Plätze nach Bereichen",
                                                 "en": "Seats by sector"}),
    (f"/manage/events/{EDITION}/statistics", {"de": "Plätze nach Bereichen",
                                              "en": "Seats by sector"}),
    (f"/manage/events/{EDITION}/edit", {"de": "Plätze nach Bereichen (freiwillig)",
                                        "en": "Seats by sector (optional)"}),
])
def test_seats_per_sector_on_staff_pages_are_accessible(reserving_edition, page, path, text,
                                                        lang):
    live_server = reserving_edition
    sign_in(page, live_server, lang)
    response = page.goto(f"{live_server}{path}")
    assert response.status == 200
    assert text[lang] in page.content()
    if "/edit" not in path:
        assert page.locator("table.sector-seats th[scope=row]").count() == 5
    assert axe_violations(page) == []

"""The survey on a phone, the results and the trend pass axe-core in German and English."""
import uuid
from datetime import timedelta

import pytest

from tests.browser.conftest import axe_violations
from tests.browser.test_pages import sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def survey(live_server):
    """A new series whose edition ended an hour ago: five people answered, one has not."""
    from app.extensions import db
    from app.feedback.services import submit_answers
    from app.models import utcnow
    from tests.factories import make_event, make_registration, make_series

    with live_server.app.app_context():
        series = make_series(slug=f"feedback-{uuid.uuid4().hex[:8]}", name="Rückmelde-Reihe")
        ends_at = utcnow().replace(microsecond=0) - timedelta(hours=1)
        event = make_event(series, number=1, starts_at=ends_at - timedelta(minutes=90))
        for i in range(5):
            registration, _token = make_registration(event, checked_in=True,
                                                     feedback_invited=True)
            submit_answers(registration.id, {0: [str(3 + i % 3)], 1: ["4"], 2: ["yes"],
                                             3: [f"Mehr Zeit für Gruppe {i}"],
                                             4: ["Verwaltungssprache"]})
        _registration, token = make_registration(event, checked_in=True, feedback_invited=True)
        values = {"token": token, "slug": event.slug, "series": series.slug}
        db.session.remove()
    return values


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_survey_fits_a_phone_and_is_accessible(live_server, survey, new_page, lang):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    response = page.goto(f"{live_server}/r/{survey['token']}/feedback?lang={lang}")
    assert response.status == 200
    assert page.get_attribute("html", "lang") == lang
    assert page.locator("input[name=q0]").count() == 5
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert axe_violations(page) == []
    # An answer missing: the message stands next to the question, still accessible.
    send = "Antworten absenden" if lang == "de" else "Send answers"
    page.get_by_role("button", name=send).click()
    assert page.locator(".kern-error").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 320, "height": 700})  # the narrowest phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_results_and_the_trend_are_accessible(live_server, survey, page, lang):
    sign_in(page, live_server, lang)
    for path in [f"/manage/events/{survey['slug']}/feedback",
                 f"/manage/series/{survey['series']}/statistics",
                 f"/manage/events/{survey['slug']}/feedback/questions"]:
        response = page.goto(f"{live_server}{path}")
        assert response.status == 200, path
        assert page.get_attribute("html", "lang") == lang
        for i in range(page.locator("figure.chart").count()):
            box = page.locator("figure.chart").nth(i).locator("svg[role=img]").bounding_box()
            assert box and box["width"] > 200 and box["height"] > 50  # really drawn
        assert axe_violations(page) == [], path
    page.goto(f"{live_server}/manage/events/{survey['slug']}/feedback")
    assert page.locator("figure.chart").count() == 3
    page.goto(f"{live_server}/manage/series/{survey['series']}/statistics")
    assert page.locator("#chart-feedback-rating").count() == 1

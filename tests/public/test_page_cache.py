"""The shared cache of public pages (app/public/cache.py): anonymous visitors get a render at
most a second old, an edit shows at once, seats follow within the second, 304 on a matching
ETag, and nobody signed in (nor anything personal) is ever served from it."""
import time

import pytest

from app.extensions import cache
from tests.conftest import counted_statements
from tests.factories import make_event
from tests.records.test_checkin import enrol


@pytest.fixture
def cached(app, db, monkeypatch):
    """The cache on, as in development and production (the test configuration has it off)."""
    monkeypatch.setitem(app.config, "PUBLIC_PAGE_SECONDS", 1)
    cache.clear()
    yield
    cache.clear()


def test_an_anonymous_page_is_rendered_once_and_then_served_from_the_cache(client, db, cached):
    event = make_event(title="Daten für Familien")
    url = f"/events/{event.slug}"
    with counted_statements(db) as first:
        response = client.get(url)
    assert response.status_code == 200 and "Daten für Familien" in response.get_data(as_text=True)
    assert first  # rendered: the edition was read
    with counted_statements(db) as second:
        again = client.get(url)
    assert second == []  # from the cache: not one statement
    assert again.get_data() == response.get_data()
    assert again.headers["ETag"] == response.headers["ETag"]
    assert response.headers["Cache-Control"] == "public, no-cache"
    assert "Cookie" in response.headers["Vary"] and response.headers["Last-Modified"]
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("path", ["/", "/events/{slug}", "/events/{slug}/event.ics",
                                  "/events.ics", "/feed.atom"])
def test_a_matching_etag_gets_304_without_a_body(client, db, cached, path):
    event = make_event()
    url = path.format(slug=event.slug)
    response = client.get(url)
    assert response.status_code == 200 and response.headers["ETag"]
    not_modified = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert not_modified.status_code == 304 and not_modified.get_data() == b""
    assert not_modified.headers["ETag"] == response.headers["ETag"]
    other = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.get_data()  # (a second later: a new render)


def test_an_edit_of_the_edition_shows_on_the_next_request(client, db, cached):
    event = make_event(title="Alter Titel")
    url = f"/events/{event.slug}"
    before = client.get(url)
    assert "Alter Titel" in before.get_data(as_text=True)
    event.title = "Neuer Titel"
    db.session.commit()
    after = client.get(url)
    assert "Neuer Titel" in after.get_data(as_text=True)  # at once, not after a second
    assert after.headers["ETag"] != before.headers["ETag"]
    home = client.get("/").get_data(as_text=True)
    assert "Neuer Titel" in home and "Alter Titel" not in home


def test_seats_taken_show_within_a_second(client, db, cached):
    event = make_event(capacity=5)
    url = f"/events/{event.slug}"
    assert "5 von 5 Plätzen frei" in client.get(url).get_data(as_text=True)
    enrol(event, "Anna Anwesend")
    taken_at = time.monotonic()
    seen = ""
    while time.monotonic() - taken_at < 1.5:
        seen = client.get(url).get_data(as_text=True)
        if "4 von 5 Plätzen frei" in seen:
            break
        time.sleep(0.05)
    assert "4 von 5 Plätzen frei" in seen
    assert time.monotonic() - taken_at <= 1.2  # the entry's second, and a little slack


def test_signed_in_staff_never_get_a_cached_page(client, db, cached, login_as, app):
    event = make_event(title="Daten für Familien")
    url = f"/events/{event.slug}"
    anonymous = app.test_client()
    anonymous.get(url)  # the entry is there now
    assert anonymous.get(url).headers["Cache-Control"] == "public, no-cache"
    login_as("staff")
    for _ in range(2):
        with counted_statements(db) as statements:
            response = client.get(url)
        assert response.status_code == 200 and statements  # rendered for them
        assert response.headers["Cache-Control"] == "no-store"
        assert "ETag" not in response.headers
    home = client.get("/")
    assert home.headers["Cache-Control"] == "no-store" and "ETag" not in home.headers


def test_a_visitor_with_a_message_waiting_gets_their_own_render(client, db, cached, app):
    event = make_event()
    url = f"/events/{event.slug}"
    client.get(url)
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Nur für diese Person")]
    response = client.get(url)
    assert "Nur für diese Person" in response.get_data(as_text=True)
    assert "ETag" not in response.headers
    assert "Nur für diese Person" not in app.test_client().get(url).get_data(as_text=True)


def test_a_language_switch_is_rendered_and_then_cached_per_language(client, db, cached):
    event = make_event()
    url = f"/events/{event.slug}"
    german = client.get(url)
    switched = client.get(f"{url}?lang=en")
    assert "ETag" not in switched.headers  # it changes the session: rendered, not shared
    assert 'lang="en"' in switched.get_data(as_text=True)
    client.get(url)  # Flask-Login marks the new session as not fresh: one more render
    english = client.get(url)  # the remembered language, from the session
    assert 'lang="en"' in english.get_data(as_text=True)
    assert english.headers["ETag"] != german.headers["ETag"]
    assert english.headers["Cache-Control"] == "private, no-cache"  # it has a session
    with counted_statements(db) as statements:
        client.get(url)
    assert statements == []


def test_the_registration_form_is_shared_but_each_visitor_gets_their_own_token_and_nonce(
        db, cached, app):
    from tests.conftest import CSRF_RE
    event = make_event(capacity=5)
    url = f"/events/{event.slug}/register"
    first, second = app.test_client(), app.test_client()
    one = first.get(url)
    with counted_statements(db) as statements:
        two = second.get(url)
    assert statements == []  # the shared render
    html_one, html_two = one.get_data(as_text=True), two.get_data(as_text=True)
    token_one, token_two = CSRF_RE.search(html_one).group(1), CSRF_RE.search(html_two).group(1)
    nonce = r'name="nonce"[^>]*value="([^"]+)"'
    import re
    assert token_one != token_two
    assert re.search(nonce, html_one).group(1) != re.search(nonce, html_two).group(1)
    assert "@@" not in html_two
    for response in (one, two):
        assert response.headers["Cache-Control"] == "private, no-store"
        assert "ETag" not in response.headers
    # The second visitor's form, from the shared render, registers them.
    answer = second.post(url, data={
        "csrf_token": token_two, "nonce": re.search(nonce, html_two).group(1),
        "name": "Erika Mustermann", "email": "erika@example.org", "organisation": "",
        "sector": "civil_society", "privacy_acknowledged": "y"})
    assert answer.status_code == 303
    # The first visitor's token is theirs alone: in the second visitor's session it fails.
    refused = second.post(url, data={
        "csrf_token": token_one, "nonce": re.search(nonce, html_one).group(1),
        "name": "Max Mustermann", "email": "max@example.org", "organisation": "",
        "sector": "civil_society", "privacy_acknowledged": "y"})
    assert refused.status_code != 303


def test_a_form_with_errors_is_never_shared(client, db, cached):
    event = make_event(capacity=5)
    url = f"/events/{event.slug}/register"
    client.get(url)
    from tests.conftest import csrf_from
    answer = client.post(url, data={"csrf_token": csrf_from(client, url), "nonce": "x" * 20,
                                    "name": "", "email": "kaputt"})
    assert answer.status_code == 422
    again = client.get(url).get_data(as_text=True)
    assert "kaputt" not in again and "kern-error" not in again


def test_a_cache_that_cannot_be_reached_only_means_rendering(client, db, cached, monkeypatch):
    event = make_event(title="Daten für Familien")

    def down(*_args, **_kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    response = client.get(f"/events/{event.slug}")
    assert response.status_code == 200 and "Daten für Familien" in response.get_data(as_text=True)
    form = client.get(f"/events/{event.slug}/register")
    assert form.status_code == 200 and 'name="csrf_token"' in form.get_data(as_text=True)

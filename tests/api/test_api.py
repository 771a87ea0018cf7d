"""The public JSON API: exact payloads, drafts and room links never shown, errors as JSON."""
import json

import pytest

from app.models import EventStatus, Place, RegistrationStatus
from tests.api.conftest import ROOM_LINK, add_registration, make_report
from tests.conftest import counted_statements
from tests.factories import berlin, make_agenda_item, make_event, make_series

SEVEN = "innovationswerkstatt-7"


def summary_of_seven() -> dict:
    base = "http://localhost/events/innovationswerkstatt-7"
    return {
        "slug": SEVEN,
        "series": {"slug": "innovationswerkstatt", "name": "Innovationswerkstatt"},
        "number": 7,
        "title": "Verwaltung, die Familien mitdenkt",
        "guiding_question": "Wie finden Familien leichter die Leistungen, die ihnen zustehen?",
        "teaser": "Gemeinsam suchen wir Wege.",
        "starts_at": "2030-12-10T17:00:00+01:00",
        "ends_at": "2030-12-10T19:00:00+01:00",
        "timezone": "Europe/Berlin",
        "format": "hybrid",
        "venue": "Musterstraße 1, 10117 Berlin",
        "capacity": 3,
        "seats_left": 1,
        "waitlist_open": True,
        "status": "published",
        "phase": "registration_open",
        "registration": {"opens_at": None, "closes_at": "2030-12-09T12:00:00+01:00",
                         "open": True},
        "links": {"html": base, "ics": f"{base}/event.ics", "agenda_pdf": f"{base}/agenda.pdf",
                  "register": f"{base}/register"},
    }


def test_the_list_shows_published_and_cancelled_editions_newest_first_never_drafts(
        client, db, editions):
    response = client.get("/api/v1/events")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    events = response.get_json()["events"]
    assert [(e["slug"], e["status"], e["phase"]) for e in events] == [
        (SEVEN, "published", "registration_open"),
        ("innovationswerkstatt-5", "cancelled", "cancelled"),
        ("innovationswerkstatt-6", "published", "held"),
    ]
    assert events[0] == summary_of_seven()
    assert "Geheimer Entwurf" not in response.get_data(as_text=True)
    assert "innovationswerkstatt-8" not in response.get_data(as_text=True)


def test_the_detail_adds_description_speakers_and_the_agenda_in_programme_order(
        client, db, editions):
    response = client.get(f"/api/v1/events/{SEVEN}")
    assert response.status_code == 200
    sam = {"name": "Sam Exempel", "organisation": "Verein für Stadtkarten", "role": ""}
    kim = {"name": "Kim Beispielfrau", "organisation": "Familienservice", "role": ""}
    assert response.get_json() == {
        **summary_of_seven(),
        "description": "Mehr **dazu**.",
        "speakers": [sam, kim],
        "agenda": [
            {"position": 1, "starts_at": "2030-12-10T17:00:00+01:00",
             "ends_at": "2030-12-10T17:10:00+01:00", "duration_minutes": 10, "kind": "welcome",
             "title": "Begrüßung", "description": "Das Büro stellt die *Leitfrage* vor.",
             "speakers": []},
            {"position": 2, "starts_at": "2030-12-10T17:10:00+01:00",
             "ends_at": "2030-12-10T17:30:00+01:00", "duration_minutes": 20, "kind": "input",
             "title": "Impuls", "description": "", "speakers": [sam, kim]},
            {"position": 3, "starts_at": "2030-12-10T17:30:00+01:00",
             "ends_at": "2030-12-10T18:15:00+01:00", "duration_minutes": 45, "kind": "breakout",
             "title": "Gruppenarbeit", "description": "", "speakers": []},
            {"position": 4, "starts_at": "2030-12-10T18:15:00+01:00",
             "ends_at": "2030-12-10T18:30:00+01:00", "duration_minutes": 15, "kind": "wrapup",
             "title": "Abschluss", "description": "", "speakers": [sam]},
        ],
    }


def test_the_room_link_never_appears(client, db, editions):
    for url in ("/api/v1/events", f"/api/v1/events/{SEVEN}", "/api/v1/openapi.json"):
        body = client.get(url).get_data(as_text=True)
        assert ROOM_LINK not in body and "meet.example.org" not in body, url
    assert ROOM_LINK in editions.upcoming.online_url  # the data set does have one


def test_seats_left_follow_confirmations_holds_and_cancellations(client, db, editions):
    def seven():
        event = client.get(f"/api/v1/events/{SEVEN}").get_json()
        return event["seats_left"], event["waitlist_open"]

    assert seven() == (1, True)  # 3 seats: confirmed + live hold; expired hold and cancelled free
    extra = add_registration(editions.upcoming, Place.SEAT, RegistrationStatus.PENDING)
    assert seven() == (0, True)
    extra.status = RegistrationStatus.CANCELLED
    db.session.commit()
    assert seven() == (1, True)


def test_without_anyone_waiting_the_waiting_list_is_closed_until_the_seats_are_gone(client, db):
    event = make_event(make_series(slug="reihe"), number=1, capacity=2)
    url = f"/api/v1/events/{event.slug}"
    assert (client.get(url).get_json()["seats_left"], client.get(url).get_json()["waitlist_open"]) \
        == (2, False)
    add_registration(event, Place.SEAT, RegistrationStatus.CONFIRMED)
    add_registration(event, Place.SEAT, RegistrationStatus.PENDING)
    assert (client.get(url).get_json()["seats_left"], client.get(url).get_json()["waitlist_open"]) \
        == (0, True)


@pytest.mark.parametrize("slug", ["innovationswerkstatt-8", "gibt-es-nicht", "x" * 300])
def test_unknown_and_draft_slugs_are_a_json_404(client, db, editions, slug):
    response = client.get(f"/api/v1/events/{slug}")
    assert response.status_code == 404
    assert response.content_type == "application/json"
    assert response.get_json() == {"error": {
        "status": 404, "message": "There is no published edition with this slug."}}


def test_every_error_under_api_is_json(client, db):
    missing = client.get("/api/v1/reports-that-do-not-exist")
    assert (missing.status_code, missing.content_type) == (404, "application/json")
    assert missing.get_json()["error"]["status"] == 404
    wrong_method = client.post("/api/v1/events")
    assert (wrong_method.status_code, wrong_method.content_type) == (405, "application/json")
    assert wrong_method.get_json()["error"]["status"] == 405
    assert set(wrong_method.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    # Outside /api/ errors stay pages.
    assert client.get("/events/gibt-es-nicht").content_type == "text/html; charset=utf-8"


def test_json_is_utf8_with_umlauts_as_written_and_cacheable_briefly(client, db, editions):
    response = client.get(f"/api/v1/events/{SEVEN}")
    assert "Musterstraße 1".encode() in response.data
    assert "\\u00df" not in response.get_data(as_text=True)
    assert json.loads(response.data.decode("utf-8"))["venue"] == "Musterstraße 1, 10117 Berlin"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    not_found = client.get("/api/v1/events/gibt-es-nicht")
    assert not_found.headers["Cache-Control"] == "no-cache"


def test_the_list_costs_the_same_queries_for_one_edition_or_many(client, db):
    series = make_series(slug="viele")

    def statements() -> int:
        with counted_statements(db) as seen:
            assert client.get("/api/v1/events").status_code == 200
        return len(seen)

    first = make_event(series, number=1)
    add_registration(first, Place.SEAT, RegistrationStatus.CONFIRMED)
    one = statements()
    for number in range(2, 8):
        event = make_event(series, number=number)
        add_registration(event, Place.SEAT, RegistrationStatus.CONFIRMED)
        add_registration(event, Place.WAITLIST, RegistrationStatus.PENDING)
    make_event(series, number=9, status=EventStatus.CANCELLED)
    assert len(client.get("/api/v1/events").get_json()["events"]) == 8
    assert statements() == one


def test_the_detail_costs_the_same_queries_however_long_the_programme(client, db):
    event = make_event(make_series(slug="lang"), number=1, speakers=[("A", "Org A")])

    def statements() -> int:
        with counted_statements(db) as seen:
            assert client.get(f"/api/v1/events/{event.slug}").status_code == 200
        return len(seen)

    make_agenda_item(event, duration_minutes=10)
    add_registration(event, Place.SEAT, RegistrationStatus.CONFIRMED)
    one = statements()
    for _ in range(5):
        item = make_agenda_item(event, duration_minutes=5)
        item.speakers = list(event.speakers)
        add_registration(event, Place.SEAT, RegistrationStatus.PENDING)
    db.session.commit()
    assert len(client.get(f"/api/v1/events/{event.slug}").get_json()["agenda"]) == 6
    assert statements() == one


def test_the_reports_list_shows_published_reports_with_learnings_in_order(client, db, editions):
    response = client.get("/api/v1/reports")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    base = "http://localhost/events/innovationswerkstatt-6"
    assert response.get_json() == {"reports": [{
        "slug": "innovationswerkstatt-6",
        "series": {"slug": "innovationswerkstatt", "name": "Innovationswerkstatt"},
        "number": 6,
        "title": "Vergangene Ausgabe",
        "published_at": "2030-01-15T09:30:00+01:00",
        "learnings": [
            {"number": 1, "title": "Familien fragen", "body": "Wer fragt, **erfährt** mehr."},
            {"number": 2, "title": "Sprache zählt", "body": "Formulare in *einfacher* Sprache."},
            {"number": 3, "title": "Daten teilen", "body": ""},
        ],
        "links": {"html": f"{base}/report", "pdf": f"{base}/report.pdf"},
    }]}
    assert client.get(f"{base}/report").status_code == 200  # the link leads somewhere


def test_unpublished_reports_and_reports_of_drafts_never_appear(client, db, editions):
    def body() -> str:
        return client.get("/api/v1/reports").get_data(as_text=True)

    assert "Geheimes Learning" not in body() and SEVEN not in body()
    hidden = make_report(editions.draft, [(0, "Learning eines Entwurfs", "x")],
                         published_at=berlin(2031, 1, 1))
    assert "Learning eines Entwurfs" not in body()
    # Unpublishing takes a report out again; publishing the draft report brings it in.
    editions.report.published_at = None
    editions.draft_report.published_at = berlin(2030, 2, 1)
    db.session.commit()
    reports = client.get("/api/v1/reports").get_json()["reports"]
    assert [r["slug"] for r in reports] == [SEVEN]
    assert hidden.published_at is not None


def test_reports_never_carry_personal_data(client, db, editions):
    body = client.get("/api/v1/reports").get_data(as_text=True)
    for secret in ("@example.org", "Person ", "Sam Exempel", "Kim Beispielfrau", ROOM_LINK):
        assert secret not in body, secret


def test_the_reports_list_costs_the_same_queries_for_one_report_or_many(client, db):
    series = make_series(slug="berichte")

    def statements() -> int:
        with counted_statements(db) as seen:
            assert client.get("/api/v1/reports").status_code == 200
        return len(seen)

    make_report(make_event(series, number=1), [(0, "Eins", "")], published_at=berlin(2030, 1, 1))
    one = statements()
    for number in range(2, 8):
        make_report(make_event(series, number=number),
                    [(i, f"Learning {i}", "Text") for i in range(4)],
                    published_at=berlin(2030, 1, number))
    make_report(make_event(series, number=9), [(0, "Entwurf", "")])
    reports = client.get("/api/v1/reports").get_json()["reports"]
    assert [r["number"] for r in reports] == [7, 6, 5, 4, 3, 2, 1]
    assert statements() == one

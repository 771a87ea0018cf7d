"""Check-in on the day, walk-ins, attendance figures, and the attendance exports."""
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.models import (AuditLog, EventFormat, OutboxMessage, Participant, Place, Registration,
                        RegistrationStatus, Sector, utcnow)
from app.domain.editions import local_time
from app.records import attendance
from tests.conftest import counted_statements, csrf_from, read_csv
from tests.factories import audit_entries, fresh, make_event, make_registration

T0 = utcnow().replace(microsecond=0) - timedelta(days=2)


def enrol(event, name, *, status="confirmed", checked_in=False, **fields) -> Registration:
    """A registration as the public flow leaves it, two days ago (a pending hold still runs)."""
    fields.setdefault("organisation", "")
    return make_registration(
        event, name, status=status, at=T0,
        hold_expires_at=utcnow() + timedelta(hours=20) if status == "pending" else None,
        checked_in_at=utcnow() if checked_in else None, **fields)[0]


def checkin_url(event, **query) -> str:
    url = f"/manage/events/{event.slug}/checkin"
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def tap(client, event, registration, attended: str, **headers):
    """Press the row's button (its CSRF token comes from the check-in page)."""
    token = csrf_from(client, checkin_url(event))
    return client.post(f"{checkin_url(event)}/{registration.id}",
                       data={"csrf_token": token, "attended": attended}, headers=headers)


def walk_in(client, event, **fields):
    data = {"name": "Wanda Walk-in", "organisation": "Nachbarschaftshilfe",
            "sector": "civil_society", "email": ""}
    data.update(fields)
    token = csrf_from(client, checkin_url(event))
    return client.post(f"{checkin_url(event)}/walk-in", data={"csrf_token": token, **data})


def names_on_page(html: str, section: str = "people-heading") -> list[str]:
    part = html.split(f'id="{section}"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<span class="checkin-row__name">([^<]+)</span>', part)


@pytest.fixture
def edition(db):
    """An edition that starts within the hour: check-in is open."""
    return make_event(capacity=3, title="Daten für Familien",
                      starts_at=utcnow().replace(microsecond=0) + timedelta(minutes=30))


@pytest.fixture
def facilitator(client, db, edition, login_as):
    """Signed in as a facilitator assigned to the edition."""
    user = login_as("facilitator")
    edition.facilitators = [user]
    db.session.commit()
    return user


# --- marking people present ----------------------------------------------------------------------

def test_a_facilitator_marks_a_person_attended_and_undoes_it(client, db, edition, facilitator):
    anna = enrol(edition, "Anna Anwesend")
    enrol(edition, "Bernd Bleibtweg")
    assert "0 von 2 da" in client.get(checkin_url(edition)).get_data(as_text=True)

    response = tap(client, edition, anna, "1")

    assert response.status_code == 303
    assert response.headers["Location"] == f"{checkin_url(edition)}#person-{anna.id}"
    assert fresh(anna).checked_in_at is not None
    html = client.get(checkin_url(edition)).get_data(as_text=True)
    assert "1 von 2 da" in html
    assert "Anna Anwesend ist da." in html
    assert re.search(rf'id="person-{anna.id}">.*?Da seit \d\d:\d\d.*?Rückgängig', html, re.S)

    response = tap(client, edition, anna, "0")

    assert response.status_code == 303
    assert fresh(anna).checked_in_at is None
    assert "0 von 2 da" in client.get(checkin_url(edition)).get_data(as_text=True)


def test_a_second_tap_with_the_same_value_changes_nothing(client, db, edition, facilitator):
    anna = enrol(edition, "Anna Anwesend")
    tap(client, edition, anna, "1")
    first = fresh(anna).checked_in_at
    tap(client, edition, anna, "1")
    assert fresh(anna).checked_in_at == first


def test_the_redirect_keeps_the_search_and_the_row(client, db, edition, facilitator):
    anna = enrol(edition, "Anna Anwesend")
    token = csrf_from(client, checkin_url(edition))
    response = client.post(f"{checkin_url(edition)}/{anna.id}?q=anna",
                           data={"csrf_token": token, "attended": "1"})
    assert response.headers["Location"] == f"{checkin_url(edition)}?q=anna#person-{anna.id}"


def test_a_long_list_comes_in_pages_and_the_search_finds_anyone(client, db, edition, facilitator,
                                                                 monkeypatch):
    from app.records import checkin_pages
    monkeypatch.setattr(checkin_pages, "PER_PAGE", 2)
    edition.capacity = 5
    db.session.commit()
    people = [enrol(edition, f"Person {n}") for n in range(5)]
    waiting = [enrol(edition, f"Wartende {n}", place="waitlist") for n in range(3)]
    pages = [names_on_page(client.get(checkin_url(edition, page=n)).get_data(as_text=True))
             for n in (1, 2, 3)]
    assert pages == [["Person 0", "Person 1"], ["Person 2", "Person 3"], ["Person 4"]]
    html = client.get(checkin_url(edition, page=3)).get_data(as_text=True)
    assert "Personen 5–5 von 5" in html and "0 von 5 da" in html  # the count is everyone's
    assert names_on_page(html, "waiting-heading") == ["Wartende 0", "Wartende 1"]
    assert names_on_page(client.get(checkin_url(edition, page=3, wpage=2)).get_data(
        as_text=True), "waiting-heading") == ["Wartende 2"]
    assert names_on_page(client.get(checkin_url(edition, page=99)).get_data(as_text=True)) == \
        ["Person 4"]  # past the end: the last page
    found = client.get(checkin_url(edition, q="Person+4")).get_data(as_text=True)
    assert names_on_page(found) == ["Person 4"] and "data-checkin-found" in found
    # A tap without script comes back to the same page and search.
    token = csrf_from(client, checkin_url(edition))
    response = client.post(f"{checkin_url(edition)}/{people[4].id}?page=3&wpage=2",
                           data={"csrf_token": token, "attended": "1"})
    assert response.headers["Location"] == \
        f"{checkin_url(edition)}?page=3&wpage=2#person-{people[4].id}"
    assert fresh(people[4]).checked_in_at is not None and waiting


def test_the_page_script_gets_the_new_row_state_and_count_as_json(client, db, edition,
                                                                  facilitator):
    anna = enrol(edition, "Anna Anwesend")
    enrol(edition, "Bernd Bleibtweg")

    response = tap(client, edition, anna, "1", Accept="application/json")

    assert response.status_code == 200
    data = response.get_json()
    assert (data["moved"], data["attended"], data["count"], data["button"], data["next_value"]) \
        == (False, True, "1 von 2 da", "Rückgängig", "0")
    assert re.fullmatch(r"Da seit \d\d:\d\d", data["state"])
    assert fresh(anna).checked_in_at is not None


def test_a_waiting_list_person_checked_in_gets_a_seat(client, db, edition, facilitator):
    for name in ("Sitz Eins", "Sitz Zwei", "Sitz Drei"):
        enrol(edition, name)
    waiting = enrol(edition, "Wilma Warteliste", place="waitlist")
    html = client.get(checkin_url(edition)).get_data(as_text=True)
    assert names_on_page(html, "waiting-heading") == ["Wilma Warteliste"]
    assert "0 von 3 da" in html

    assert tap(client, edition, waiting, "1").status_code == 303

    registration = fresh(waiting)
    assert (registration.place, registration.status) == (Place.SEAT, RegistrationStatus.CONFIRMED)
    assert registration.checked_in_at is not None
    html = client.get(checkin_url(edition)).get_data(as_text=True)
    assert "Wilma Warteliste" in names_on_page(html)
    assert 'id="waiting-heading"' not in html
    assert "1 von 4 da" in html
    # Past the capacity, so it is recorded as an override (no personal data in the row).
    [override] = audit_entries("registration.override_capacity")
    assert (override.user_id, override.registration_id) == (facilitator.id, waiting.id)
    assert "Wilma" not in override.details
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_undoing_the_check_in_of_a_waiting_list_person_puts_them_back(client, db, edition,
                                                                     facilitator):
    waiting = enrol(edition, "Wilma Warteliste", place="waitlist")
    tap(client, edition, waiting, "1")
    tap(client, edition, waiting, "0")
    registration = fresh(waiting)
    assert (registration.place, registration.checked_in_at, registration.waitlisted_at) == \
        (Place.WAITLIST, None, T0)


def test_only_confirmed_registrations_can_be_checked_in(client, db, edition, facilitator):
    pending = enrol(edition, "Paul Pending", status="pending")
    response = tap(client, edition, pending, "1")
    assert response.status_code == 303
    assert fresh(pending).checked_in_at is None
    assert "Nur bestätigte Anmeldungen können abgehakt werden." in \
        client.get(checkin_url(edition)).get_data(as_text=True)


# --- the check-in window ------------------------------------------------------------------------

def test_check_in_weeks_early_is_refused_and_changes_nothing(client, db, edition, facilitator):
    edition.starts_at = utcnow().replace(microsecond=0) + timedelta(weeks=6)
    edition.ends_at = edition.starts_at + timedelta(minutes=90)
    db.session.commit()
    anna = enrol(edition, "Anna Anwesend")
    waiting = enrol(edition, "Wilma Warteliste", place="waitlist")
    page = client.get(checkin_url(edition)).get_data(as_text=True)
    opens = attendance.checkin_window(edition).opens_at
    assert "Check-in ist nicht geöffnet" in page
    assert "Der Check-in öffnet am " in page
    assert f"um {local_time(opens):%H:%M}." in page
    assert 'name="attended"' not in page and "/checkin/walk-in" not in page

    tapped = tap(client, edition, anna, "1")
    let_in = tap(client, edition, waiting, "1")
    as_json = tap(client, edition, anna, "1", Accept="application/json")
    walked = walk_in(client, edition)

    assert tapped.status_code == let_in.status_code == 303
    assert as_json.status_code == 409
    assert as_json.get_json()["error"].startswith("Der Check-in öffnet am ")
    assert walked.status_code == 422
    assert "Der Check-in öffnet am " in walked.get_data(as_text=True)
    assert (fresh(anna).checked_in_at, fresh(waiting).checked_in_at) == (None, None)
    assert fresh(waiting).place == Place.WAITLIST
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Participant)) == 2
    assert audit_entries("attendance.seat_from_waitlist") == []
    assert "Der Check-in öffnet am " in client.get(checkin_url(edition)).get_data(as_text=True)


def test_check_in_opens_two_hours_before_the_start(client, db, edition, facilitator):
    edition.starts_at = utcnow().replace(microsecond=0) + timedelta(hours=2, minutes=5)
    edition.ends_at = edition.starts_at + timedelta(minutes=90)
    db.session.commit()
    anna = enrol(edition, "Anna Anwesend")
    assert tap(client, edition, anna, "1").status_code == 303
    assert fresh(anna).checked_in_at is None

    edition.starts_at -= timedelta(minutes=10)  # now 1 h 55 min before the start
    edition.ends_at -= timedelta(minutes=10)
    db.session.commit()
    assert tap(client, edition, anna, "1").status_code == 303
    assert fresh(anna).checked_in_at is not None


def test_the_check_in_window_is_configurable(client, app, db, edition, facilitator,
                                            monkeypatch):
    edition.starts_at = utcnow().replace(microsecond=0) + timedelta(hours=5)
    edition.ends_at = edition.starts_at + timedelta(minutes=90)
    db.session.commit()
    anna = enrol(edition, "Anna Anwesend")
    monkeypatch.setitem(app.config, "CHECKIN_OPENS_HOURS_BEFORE", 6)
    assert tap(client, edition, anna, "1").status_code == 303
    assert fresh(anna).checked_in_at is not None


def test_check_in_closes_a_day_after_the_end(client, db, edition, facilitator):
    anna = enrol(edition, "Anna Anwesend")
    edition.starts_at = utcnow().replace(microsecond=0) - timedelta(days=3)
    edition.ends_at = edition.starts_at + timedelta(minutes=90)
    db.session.commit()
    response = tap(client, edition, anna, "1")
    assert response.status_code == 303
    assert fresh(anna).checked_in_at is None
    assert "Der Check-in ist seit " in client.get(checkin_url(edition)).get_data(as_text=True)


# --- walk-ins ----------------------------------------------------------------------------------

def test_a_walk_in_without_email_gets_a_placeholder_address_a_seat_and_no_mail(
        client, db, edition, facilitator):
    response = walk_in(client, edition, sector="research")

    [registration] = db.session.scalars(sa.select(Registration)).all()
    assert response.status_code == 303
    assert response.headers["Location"] == f"{checkin_url(edition)}#person-{registration.id}"
    assert (registration.status, registration.place, registration.walk_in,
            registration.added_by_staff, registration.sector) == \
        (RegistrationStatus.CONFIRMED, Place.SEAT, True, True, Sector.RESEARCH)
    assert registration.checked_in_at is not None
    person = registration.participant
    assert (person.name, person.organisation) == ("Wanda Walk-in", "Nachbarschaftshilfe")
    assert re.fullmatch(r"[0-9a-f]{24}@walk-in\.invalid", person.email)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    [entry] = audit_entries("attendance.walk_in")
    assert (entry.user_id, entry.event_id, entry.registration_id) == \
        (facilitator.id, edition.id, registration.id)
    assert "Wanda" not in entry.details
    html = client.get(checkin_url(edition)).get_data(as_text=True)
    assert "Wanda Walk-in ist hinzugefügt und als da markiert." in html
    assert "1 von 1 da" in html
    # A second walk-in without an address gets another placeholder.
    walk_in(client, edition, name="Walter Walk-in")
    emails = db.session.scalars(sa.select(Participant.email)).all()
    assert len(set(emails)) == 2


def test_a_walk_in_with_email_is_stored_normalised_and_gets_no_mail(client, db, edition,
                                                                    facilitator):
    response = walk_in(client, edition, email=" Wanda@Example.ORG ")

    assert response.status_code == 303
    [registration] = db.session.scalars(sa.select(Registration)).all()
    assert registration.participant.email == "wanda@example.org"
    assert registration.walk_in is True
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_a_walk_in_who_came_to_an_earlier_edition_keeps_their_record(client, db, edition,
                                                                     facilitator):
    earlier = make_event(capacity=5)
    before = enrol(earlier, "Wanda Früher", email="wanda@example.org")
    walk_in(client, edition, name="Wanda Walk-in", email="wanda@example.org")
    registrations = db.session.scalars(sa.select(Registration).order_by(Registration.id)).all()
    assert [r.participant_id for r in registrations] == [before.participant_id] * 2
    assert registrations[1].participant.name == "Wanda Walk-in"


def test_a_walk_in_already_registered_is_only_marked_present(client, db, edition, facilitator):
    waiting = enrol(edition, "Wilma Warteliste", place="waitlist", email="wilma@example.org")
    response = walk_in(client, edition, name="Wilma W.", email="wilma@example.org")
    assert response.status_code == 303
    [registration] = db.session.scalars(sa.select(Registration)).all()
    assert registration.id == waiting.id
    assert (registration.place, registration.walk_in) == (Place.SEAT, False)
    assert registration.checked_in_at is not None
    assert "war schon angemeldet und ist jetzt als da markiert" in \
        client.get(checkin_url(edition)).get_data(as_text=True)


@pytest.mark.parametrize(("fields", "message"), [
    ({"name": ""}, "Bitte geben Sie einen Namen ein."),
    ({"email": "kaputt"}, "Bitte geben Sie eine gültige E-Mail-Adresse ein."),
    ({"sector": "pirates"}, "Keine gültige Auswahl."),
])
def test_an_invalid_walk_in_form_shows_the_error_and_stores_nothing(client, db, edition,
                                                                    facilitator, fields, message):
    response = walk_in(client, edition, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


# --- the list: search, counts, what it shows ---------------------------------------------------

@pytest.fixture
def crowd(db, edition):
    edition.capacity = 10
    db.session.commit()
    enrol(edition, "Jana Müller", organisation="Bezirksamt Mitte", checked_in=True)
    enrol(edition, "Özlem Öztürk", organisation="Verein Straße e. V.")
    enrol(edition, "Ben Becker", organisation="Müllabfuhr GmbH", sector=Sector.BUSINESS)
    enrol(edition, "Ulla Unbestätigt", status="pending")
    enrol(edition, "Carla Cancelled", status="cancelled")
    enrol(edition, "Wim Warteliste", place="waitlist", organisation="Amt für Müll")
    return edition


@pytest.mark.parametrize(("query", "seats", "waiting"), [
    ("", ["Ben Becker", "Jana Müller", "Özlem Öztürk"], ["Wim Warteliste"]),
    ("MÜLLER", ["Jana Müller"], []),
    ("müll", ["Ben Becker", "Jana Müller"], ["Wim Warteliste"]),
    ("muller", ["Jana Müller"], []),
    ("öztürk", ["Özlem Öztürk"], []),
    ("STRASSE", ["Özlem Öztürk"], []),
    ("bezirksamt", ["Jana Müller"], []),
    ("unbestätigt", [], []),
    ("nobody", [], []),
])
def test_the_search_finds_names_and_organisations_case_insensitively(db, crowd, query, seats,
                                                                     waiting):
    view = attendance.checkin_list(crowd, query)
    assert [row.name for row in view.rows] == seats
    assert [row.name for row in view.waiting] == waiting
    assert (view.present, view.expected) == (1, 3)  # the counts ignore the search


def test_the_page_searches_from_the_query_string(client, db, crowd, facilitator):
    html = client.get(checkin_url(crowd, q="M%C3%BCller")).get_data(as_text=True)
    assert names_on_page(html) == ["Jana Müller"]
    assert 'value="Müller"' in html
    assert "Niemand mit Platz passt zu dieser Suche." in \
        client.get(checkin_url(crowd, q="nobody")).get_data(as_text=True)


def test_the_page_counts_who_is_here_of_the_seat_holders_and_walk_ins(client, db, crowd,
                                                                      facilitator):
    walk_in(client, crowd)
    html = client.get(checkin_url(crowd)).get_data(as_text=True)
    assert re.search(r'<p class="checkin-count" id="checkin-count" role="status">2 von 4 da</p>',
                     html)
    assert names_on_page(html) == ["Ben Becker", "Jana Müller", "Özlem Öztürk", "Wanda Walk-in"]
    assert "Ohne Anmeldung dazugekommen" in html
    assert "Ulla Unbestätigt" not in html and "Carla Cancelled" not in html


def test_the_page_shows_no_accessibility_needs_and_no_email_addresses(client, db, edition,
                                                                      facilitator):
    enrol(edition, "Anna Anwesend", email="anna.privat@example.org",
          accessibility_needs="Gebärdensprachdolmetschung")
    html = client.get(checkin_url(edition)).get_data(as_text=True)
    assert "Anna Anwesend" in html
    assert "Gebärdensprachdolmetschung" not in html
    assert "anna.privat@example.org" not in html


def test_the_check_in_page_needs_the_same_number_of_queries_for_3_or_40_people(
        client, db, login_as):
    user = login_as("facilitator")
    small, large = make_event(capacity=3, facilitators=[user]), \
        make_event(capacity=30, facilitators=[user])
    for n in range(3):
        enrol(small, f"Person {n}", checked_in=n == 0)
    for n in range(40):
        enrol(large, f"Person {n}", place="seat" if n < 30 else "waitlist",
              checked_in=n % 2 == 0, organisation=f"Org {n}")

    def statements(event) -> int:
        with counted_statements(db) as seen:
            response = client.get(checkin_url(event))
        assert response.status_code == 200
        return len(seen)

    statements(small)  # warm up caches that are filled once per process
    assert statements(large) == statements(small)


# --- figures -------------------------------------------------------------------------------------

def test_no_shows_appear_only_after_the_edition_ended(client, db, edition, facilitator):
    edition.capacity = 5
    db.session.commit()
    came = enrol(edition, "Anna Anwesend")
    enrol(edition, "Bernd Bleibtweg")
    enrol(edition, "Clara Kommt", checked_in=True)
    enrol(edition, "Wim Warteliste", place="waitlist")
    enrol(edition, "Paul Pending", status="pending")
    tap(client, edition, came, "1")
    walk_in(client, edition)

    during = attendance.attendance_figures(edition, now=edition.ends_at - timedelta(minutes=1))
    after = attendance.attendance_figures(edition, now=edition.ends_at)

    assert (during.registered, during.attended, during.walk_ins, during.no_shows,
            during.attendance_rate) == (3, 3, 1, None, None)
    assert not during.ended
    assert (after.registered, after.attended, after.walk_ins, after.no_shows,
            after.attendance_rate) == (3, 3, 1, 1, pytest.approx(2 / 3))
    assert after.ended


def test_an_edition_nobody_registered_for_has_no_attendance_rate(db, edition):
    figures = attendance.attendance_figures(edition, now=edition.ends_at + timedelta(days=1))
    assert (figures.registered, figures.attended, figures.no_shows, figures.attendance_rate) == \
        (0, 0, 0, None)


# --- access --------------------------------------------------------------------------------------

def test_a_facilitator_of_another_edition_gets_403(client, db, edition, login_as):
    user = login_as("facilitator")
    make_event(facilitators=[user])
    anna = enrol(edition, "Anna Anwesend")
    token = csrf_from(client, "/manage/")
    assert client.get(checkin_url(edition)).status_code == 403
    assert client.post(f"{checkin_url(edition)}/{anna.id}",
                       data={"csrf_token": token, "attended": "1"}).status_code == 403
    assert client.post(f"{checkin_url(edition)}/walk-in",
                       data={"csrf_token": token, "name": "X", "sector": "research"}
                       ).status_code == 403
    assert fresh(anna).checked_in_at is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1


def test_exports_are_for_staff_only_even_for_the_editions_facilitator(client, db, edition,
                                                                     facilitator):
    enrol(edition, "Anna Anwesend")
    html = client.get(checkin_url(edition)).get_data(as_text=True)
    assert "participants.csv" not in html and "signin-sheet.pdf" not in html
    assert client.get(f"/manage/events/{edition.slug}/participants.csv").status_code == 403
    assert client.get(f"/manage/events/{edition.slug}/signin-sheet.pdf").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == 0


def test_staff_may_use_the_check_in_of_every_edition(client, db, edition, login_as):
    login_as("staff")
    anna = enrol(edition, "Anna Anwesend")
    assert tap(client, edition, anna, "1").status_code == 303
    assert fresh(anna).checked_in_at is not None


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_anonymous_visitors_are_sent_to_login(client, db, edition, method):
    anna = enrol(edition, "Anna Anwesend")
    url = checkin_url(edition) if method == "GET" else f"{checkin_url(edition)}/{anna.id}"
    response = client.open(url, method=method)
    assert response.status_code in ((302,) if method == "GET" else (302, 400))
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/manage/login")
    assert fresh(anna).checked_in_at is None


def test_a_registration_of_another_edition_is_not_found(client, db, edition, facilitator):
    other = make_event(capacity=5, facilitators=[facilitator])
    elsewhere = enrol(other, "Else Anderswo")
    response = tap(client, edition, elsewhere, "1")
    assert response.status_code == 404
    assert fresh(elsewhere).checked_in_at is None


@pytest.mark.parametrize("path", ["{id}", "walk-in"])
def test_every_check_in_change_needs_the_csrf_token(client, db, edition, facilitator, path):
    anna = enrol(edition, "Anna Anwesend")
    response = client.post(f"{checkin_url(edition)}/{path.format(id=anna.id)}",
                           data={"attended": "1", "name": "X", "sector": "research"})
    assert response.status_code == 400
    assert fresh(anna).checked_in_at is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1


# --- exports -------------------------------------------------------------------------------------

def test_the_participant_csv_has_status_and_attendance_by_name(client, db, edition, login_as):
    enrol(edition, "Sam Seat", organisation="Amt", sector=Sector.PUBLIC_ADMINISTRATION,
          checked_in=True)
    enrol(edition, "Pia Pending", status="pending")
    enrol(edition, "Wim Wait", place="waitlist")
    enrol(edition, "Cleo Cancelled", status="cancelled")
    user = login_as("staff")
    walk_in(client, edition, name="Anton Walk-in")

    response = client.get(f"/manage/events/{edition.slug}/participants.csv")

    rows = read_csv(response, f"teilnehmende-{edition.slug}.csv")
    # The words of the interface, not the database's keys.
    assert list(rows[0]) == ["Name", "E-Mail-Adresse", "Organisation", "Bereich", "Status",
                             "Platz", "Ohne Anmeldung dazugekommen", "Teilgenommen"]
    assert [(r["Name"], r["Status"], r["Platz"], r["Ohne Anmeldung dazugekommen"],
             r["Teilgenommen"]) for r in rows] == [
        ("Anton Walk-in", "Bestätigt", "Platz", "ja", "ja"),
        ("Cleo Cancelled", "Abgesagt", "Platz", "nein", "nein"),
        ("Pia Pending", "Unbestätigt", "Platz", "nein", "nein"),
        ("Sam Seat", "Bestätigt", "Platz", "nein", "ja"),
        ("Wim Wait", "Bestätigt", "Warteliste", "nein", "nein"),
    ]
    assert rows[0]["E-Mail-Adresse"] == ""  # the placeholder of a walk-in is not an address
    assert (rows[3]["E-Mail-Adresse"], rows[3]["Organisation"], rows[3]["Bereich"]) == \
        ("sam.seat@example.org", "Amt", "Öffentliche Verwaltung")
    [entry] = audit_entries("participants.export")
    assert (entry.user_id, entry.event_id, entry.registration_id, entry.details) == \
        (user.id, edition.id, None, "")


@pytest.mark.parametrize(("name", "cell"), [
    ('=HYPERLINK("https://evil.example","klick")', '\'=HYPERLINK("https://evil.example","klick")'),
    ("+1", "'+1"),
    ("-2", "'-2"),
    ("@cmd", "'@cmd"),
    ("Ann = Bob", "Ann = Bob"),
])
def test_the_participant_csv_neutralises_spreadsheet_formulas(client, db, edition, login_as,
                                                              name, cell):
    enrol(edition, name, email="formula@example.org", organisation="-1+1")
    login_as("staff")
    [row] = read_csv(client.get(f"/manage/events/{edition.slug}/participants.csv"))
    assert row["Name"] == cell
    assert row["Organisation"] == "'-1+1"


def test_the_signin_sheet_is_an_a4_pdf_with_every_confirmed_seat_holder_by_name(
        client, db, login_as):
    event = make_event(capacity=40, format=EventFormat.ONSITE, venue="Ministerium, Raum 101",
                       title="Familien vor Ort")
    people = [f"Person {chr(ord('A') + n % 26)}{n:02d} Nachname" for n in range(30)]
    for name in reversed(people):
        enrol(event, name, organisation="Organisation " + name.split()[1])
    enrol(event, "Wim Warteliste", place="waitlist")
    enrol(event, "Cleo Cancelled", status="cancelled")
    user = login_as("staff")
    html = client.get(checkin_url(event)).get_data(as_text=True)
    assert f'href="/manage/events/{event.slug}/signin-sheet.pdf"' in html

    response = client.get(f"/manage/events/{event.slug}/signin-sheet.pdf")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) >= 2
    for page in reader.pages:
        box = page.mediabox
        assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) \
            == (210, 297)
    text = "\n".join(page.extract_text() for page in reader.pages)
    for name in people:
        assert name in text
    positions = [text.index(name) for name in sorted(people)]
    assert positions == sorted(positions)
    assert "Wim Warteliste" not in text and "Cleo Cancelled" not in text
    assert "Unterschrift" in text and "Familien vor Ort" in text
    assert f"Seite 1 / {len(reader.pages)}" in text
    [entry] = audit_entries("signin_sheet.export")
    assert (entry.user_id, entry.event_id, entry.details) == (user.id, event.id, "")


def test_the_signin_sheet_in_english(client, db, login_as):
    event = make_event(format=EventFormat.ONSITE)
    enrol(event, "Anna Anwesend")
    login_as("staff")
    text = PdfReader(io.BytesIO(client.get(
        f"/manage/events/{event.slug}/signin-sheet.pdf?lang=en").data)).pages[0].extract_text()
    assert "Signature" in text and "Page 1 / 1" in text and "Anna Anwesend" in text


def test_the_participant_csv_speaks_the_staff_members_language(client, db, edition, login_as):
    enrol(edition, "Sam Seat", organisation="Amt", sector=Sector.PUBLIC_ADMINISTRATION,
          checked_in=True)
    login_as("staff")
    client.get("/manage/?lang=en")
    [row] = read_csv(client.get(f"/manage/events/{edition.slug}/participants.csv"))
    assert row == {"Name": "Sam Seat", "Email address": "sam.seat@example.org",
                   "Organisation": "Amt", "Sector": "Public administration",
                   "Status": "Confirmed", "Seat": "Seat", "Came without registering": "no",
                   "Attended": "yes"}

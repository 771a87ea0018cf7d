"""Staff work on the registrations of an edition: list, filter, add, cancel, move, resend, CSV."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.models import (ACTIVE_STATUSES, AuditLog, ConsentPurpose, ConsentRecord, Event,
                        OutboxMessage, Place, Registration, RegistrationStatus,
                        Sector, utcnow)
from app.registration import staff
from tests.conftest import counted_statements, csrf_from, read_csv
from tests.factories import audit_entries, fresh, make_event, make_registration

T0 = utcnow().replace(microsecond=0) - timedelta(hours=2)


@pytest.fixture(autouse=True)
def invariants(db):
    """After every test: seats taken ≤ capacity plus the overrides in the audit log;
    the waiting list has an order; one active registration per person and edition."""
    yield
    db.session.rollback()
    for event in db.session.scalars(sa.select(Event)):
        active = db.session.scalars(sa.select(Registration).where(
            Registration.event_id == event.id, Registration.status.in_(ACTIVE_STATUSES))).all()
        overrides = db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
            AuditLog.event_id == event.id, AuditLog.action == "registration.override_capacity"))
        seats = [r for r in active if r.place == Place.SEAT]
        assert len(seats) <= event.capacity + overrides, f"{event.slug} over capacity"
        assert all(r.waitlisted_at for r in active if r.place == Place.WAITLIST)
        people = [r.participant_id for r in active]
        assert len(people) == len(set(people))


def enrol(event, name, *, minute=0, **fields) -> tuple[Registration, str]:
    """A registration as the public flow leaves it; `minute` orders them in time.
    Returns it with its personal-link token."""
    fields.setdefault("organisation", "")
    return make_registration(event, name, at=T0 + timedelta(minutes=minute), **fields)


def mails(db, kind=None) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


def list_url(event, **query) -> str:
    url = f"/manage/events/{event.slug}/registrations"
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def post(client, event, path, **data):
    """Press a button on the list page (its CSRF token comes from that page)."""
    token = csrf_from(client, list_url(event))
    return client.post(f"{list_url(event)}/{path}", data={"csrf_token": token, **data})


def names_in_table(html: str) -> list[str]:
    return re.findall(r'<th scope="row" class="kern-table__header">([^<]+)', html)


@pytest.fixture
def edition(db):
    return make_event(capacity=2, title="Daten für Familien")


# --- the list ---------------------------------------------------------------------------------

def test_the_list_shows_seats_first_then_the_waiting_list_in_fifo_order(client, db, edition,
                                                                          login_as):
    enrol(edition, "Late Waiter", place="waitlist", minute=9)
    enrol(edition, "Second Seat", minute=5)
    enrol(edition, "Gone Person", status="cancelled", minute=1)
    enrol(edition, "First Waiter", place="waitlist", minute=7, status="pending")
    enrol(edition, "First Seat", minute=2)
    user = login_as("staff")

    response = client.get(list_url(edition))

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert names_in_table(html) == ["First Seat", "Second Seat", "First Waiter", "Late Waiter",
                                    "Gone Person"]
    assert "Warteliste, Nr. 1" in html and "Warteliste, Nr. 2" in html
    assert "<caption" in html
    counts = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Plätze belegt 2 von 2" in counts
    assert "Auf der Warteliste 2" in counts
    assert "Noch unbestätigt 1" in counts
    assert "Abgesagt 1" in counts
    [entry] = audit_entries("registrations.view")
    assert (entry.user_id, entry.event_id, entry.registration_id, entry.details) == \
        (user.id, edition.id, None, "")
    assert response.headers["Cache-Control"] == "no-store"


def test_buttons_name_the_person_they_act_on(client, db, edition, login_as):
    enrol(edition, "Seat One", minute=1)
    enrol(edition, "Seat Two", minute=2)
    enrol(edition, "Wanda Waiting", place="waitlist", minute=3)
    login_as("staff")
    html = client.get(list_url(edition)).get_data(as_text=True)
    buttons = re.findall(r"<button[^>]*>(.*?)</button>", html, re.S)
    assert '<span class="kern-label">Auf einen Platz setzen<span class="visually-hidden">: ' \
           'Wanda Waiting</span></span>' in buttons
    links = re.findall(r"<a [^>]*>(.*?)</a>", html, re.S)  # "Absagen …" asks first
    assert ('<span class="kern-label">Absagen …<span class="visually-hidden">: Seat One</span>'
            '</span>') in links
    assert not any("kern-sr-only" in b for b in buttons)
    # Full: the move button comes with the override checkbox, labelled for this person.
    assert re.search(r'<input class="kern-form-check__checkbox" type="checkbox" '
                     r'id="override-\d+" name="override" value="y">', html)
    assert "Kapazität überschreiten (wird protokolliert)<span class=\"visually-hidden\">: " \
           "Wanda Waiting</span>" in html


@pytest.mark.parametrize(("status", "expected"), [
    (None, ["Sam Seat", "Pia Pending", "Wim Wait", "Cleo Cancelled", "Ed Expired"]),
    ("seat", ["Sam Seat", "Pia Pending"]),
    ("waitlist", ["Wim Wait"]),
    ("pending", ["Pia Pending"]),
    ("confirmed", ["Sam Seat", "Wim Wait"]),
    ("cancelled", ["Cleo Cancelled"]),
    ("expired", ["Ed Expired"]),  # an unconfirmed hold past its time counts as expired
    ("nonsense", ["Sam Seat", "Pia Pending", "Wim Wait", "Cleo Cancelled", "Ed Expired"]),
])
def test_the_list_filters_by_status_and_place(db, status, expected):
    event = make_event(capacity=5)
    enrol(event, "Sam Seat", minute=1)
    enrol(event, "Pia Pending", status="pending", minute=2)
    enrol(event, "Wim Wait", place="waitlist", minute=3)
    enrol(event, "Cleo Cancelled", status="cancelled", minute=4)
    enrol(event, "Ed Expired", status="pending", minute=5,
          hold_expires_at=utcnow() - timedelta(minutes=1))
    rows = staff.list_registrations(event, status=status)
    assert [row.person.name for row in rows] == expected


@pytest.mark.parametrize(("query", "expected"), [
    ("müller", ["Jörg Müller"]),
    ("MÜLLER", ["Jörg Müller"]),
    ("@STADT.example", ["Ada Amt"]),
    ("verein", ["Jörg Müller", "Bo Bürger"]),
    ("  bo  ", ["Bo Bürger"]),
    ("%", []),
    ("", ["Jörg Müller", "Ada Amt", "Bo Bürger"]),
])
def test_the_search_looks_case_insensitively_in_name_email_and_organisation(db, query, expected):
    event = make_event(capacity=5)
    enrol(event, "Jörg Müller", organisation="Verein A", minute=1)
    enrol(event, "Ada Amt", email="ada@stadt.example", organisation="Stadt", minute=2)
    enrol(event, "Bo Bürger", organisation="Bürgerverein", minute=3)
    assert [row.person.name for row in staff.list_registrations(event, query=query)] == expected


def test_the_list_page_filters_and_searches_from_the_query_string(client, db, edition, login_as):
    enrol(edition, "Sam Seat", minute=1)
    enrol(edition, "Wim Wait", place="waitlist", minute=2)
    enrol(edition, "Wanda Other", place="waitlist", minute=3)
    login_as("staff")
    html = client.get(list_url(edition, status="waitlist", q="wanda")).get_data(as_text=True)
    assert names_in_table(html) == ["Wanda Other"]
    assert "1 von 3 Anmeldungen angezeigt." in html
    assert '<option value="waitlist" selected>' in html


def test_the_list_page_needs_the_same_number_of_queries_for_3_or_40_registrations(
        app, client, db, login_as):
    login_as("staff")
    small, large = make_event(capacity=2), make_event(capacity=20)
    for n in range(3):
        enrol(small, f"Person {n}", minute=n, place="seat" if n < 2 else "waitlist")
    for n in range(40):
        enrol(large, f"Person {n}", minute=n, place="seat" if n < 20 else "waitlist",
              status="pending" if n % 3 == 0 else "confirmed")

    def statements(event) -> int:
        with counted_statements(db) as seen:
            response = client.get(list_url(event))
        assert response.status_code == 200
        assert len(names_in_table(response.get_data(as_text=True))) in (3, 40)
        return len(seen)

    statements(small)  # warm up caches that are filled once per process
    assert statements(large) == statements(small)


# --- adding by hand ----------------------------------------------------------------------------

def add(client, event, **fields):
    data = {"name": "Hanna Hand", "email": "Hanna@Example.org", "organisation": "Amt",
            "sector": "public_administration", "language": "de"}
    data.update(fields)
    return post(client, event, "add", **{k: v for k, v in data.items() if v is not None})


def test_staff_add_someone_by_hand_onto_a_free_seat(client, db, edition, login_as):
    user = login_as("staff")
    response = add(client, edition)
    assert response.status_code == 303
    assert response.headers["Location"] == list_url(edition)
    registration = db.session.scalar(sa.select(Registration))
    assert (registration.status, registration.place, registration.added_by_staff) == \
        (RegistrationStatus.CONFIRMED, Place.SEAT, True)
    assert registration.participant.email == "hanna@example.org"
    assert registration.participant.sector == Sector.PUBLIC_ADMINISTRATION
    assert registration.confirmed_at is not None and registration.hold_expires_at is None
    [mail] = mails(db)
    assert (mail.kind, mail.to_address) == ("confirmed", "hanna@example.org")
    token = re.search(r"/r/([A-Za-z0-9_-]{20,})", mail.body_text).group(1)
    assert client.get(f"/r/{token}").status_code == 200
    [entry] = audit_entries("registration.add_by_hand")
    assert (entry.user_id, entry.registration_id) == (user.id, registration.id)
    assert audit_entries("registration.override_capacity") == []


def test_adding_by_hand_when_full_puts_the_person_on_the_waiting_list(client, db, edition,
                                                                        login_as):
    enrol(edition, "Seat One", minute=1)
    enrol(edition, "Seat Two", minute=2)
    login_as("staff")
    assert add(client, edition).status_code == 303
    registration = db.session.scalar(sa.select(Registration).where(Registration.added_by_staff))
    assert (registration.status, registration.place) == (RegistrationStatus.CONFIRMED,
                                                         Place.WAITLIST)
    assert registration.waitlisted_at is not None
    assert [m.kind for m in mails(db)] == ["waitlisted"]
    assert audit_entries("registration.override_capacity") == []


def test_adding_by_hand_does_not_jump_the_queue_while_people_wait(client, db, edition, login_as):
    enrol(edition, "Seat One", minute=1)
    enrol(edition, "Pending Waiter", place="waitlist", status="pending", minute=2)
    login_as("staff")
    add(client, edition)
    registration = db.session.scalar(sa.select(Registration).where(Registration.added_by_staff))
    assert registration.place == Place.WAITLIST


def test_adding_by_hand_past_capacity_needs_the_override_and_is_audited(client, db, edition,
                                                                          login_as):
    enrol(edition, "Seat One", minute=1)
    enrol(edition, "Seat Two", minute=2)
    user = login_as("staff")
    assert add(client, edition, override="y").status_code == 303
    registration = db.session.scalar(sa.select(Registration).where(Registration.added_by_staff))
    assert registration.place == Place.SEAT
    [entry] = audit_entries("registration.override_capacity")
    assert (entry.user_id, entry.event_id, entry.registration_id) == \
        (user.id, edition.id, registration.id)
    assert "seats taken before: 2, capacity: 2" in entry.details
    assert [m.kind for m in mails(db)] == ["confirmed"]


def test_adding_someone_who_is_already_registered_is_refused(client, db, edition, login_as):
    enrol(edition, "Hanna Hand", email="hanna@example.org", status="pending", minute=1)
    login_as("staff")
    response = add(client, edition)
    assert response.status_code == 422
    assert "hanna@example.org ist für diese Ausgabe bereits angemeldet." in \
        response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1
    assert audit_entries("registration.add_by_hand") == []


@pytest.mark.parametrize("fields", [
    {"name": ""}, {"email": "not-an-address"}, {"name": "Line\r\nBreak"},
    {"name": "x" * 201}, {"sector": "pirates"},
])
def test_an_invalid_add_form_shows_errors_and_stores_nothing(client, db, edition, login_as,
                                                             fields):
    login_as("staff")
    response = add(client, edition, **fields)
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


# --- cancelling --------------------------------------------------------------------------------

def test_staff_cancelling_promotes_the_first_confirmed_person_waiting(client, db, edition,
                                                                        login_as):
    seat, _ = enrol(edition, "Seat One", minute=1)
    enrol(edition, "Seat Two", minute=2)
    unconfirmed, _ = enrol(edition, "Unconfirmed Waiter", place="waitlist",
                           status="pending", minute=3)
    first, _ = enrol(edition, "First Confirmed", place="waitlist", minute=4)
    second, _ = enrol(edition, "Second Confirmed", place="waitlist", minute=5)
    user = login_as("staff")

    response = post(client, edition, f"{seat.id}/cancel")

    assert response.status_code == 303
    assert fresh(seat).status == RegistrationStatus.CANCELLED
    assert fresh(first).place == Place.SEAT
    assert fresh(unconfirmed).place == Place.WAITLIST
    assert fresh(second).place == Place.WAITLIST
    assert [(m.kind, m.to_address) for m in mails(db)] == [
        ("cancelled_by_staff", "seat.one@example.org"),
        ("promoted", "first.confirmed@example.org")]
    [entry] = audit_entries("registration.staff_cancel")
    assert (entry.user_id, entry.registration_id) == (user.id, seat.id)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Die Anmeldung von Seat One ist abgesagt; die Person bekommt eine E-Mail." in html


def test_staff_absagen_asks_first_and_says_what_happens_to_the_seat(client, db, edition,
                                                                    login_as):
    seat, _ = enrol(edition, "Seat One", minute=1)
    enrol(edition, "Seat Two", minute=2)
    enrol(edition, "First Confirmed", place="waitlist", minute=4)
    login_as("staff")
    link = f"{list_url(edition)}/{seat.id}/cancel"
    assert f'href="{link}"' in client.get(list_url(edition)).get_data(as_text=True)

    page = client.get(link)

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Anmeldung von Seat One absagen?" in html
    assert "Der Platz wird frei und geht sofort an die nächste Person auf der Warteliste: " \
           "First Confirmed. Sie bekommt eine E-Mail." in html
    assert 'name="reason"' in html and 'name="no_mail"' in html
    assert fresh(seat).status == RegistrationStatus.CONFIRMED  # asking changes nothing
    assert mails(db) == [] and audit_entries("registration.staff_cancel") == []


def test_a_free_seat_with_nobody_waiting_is_said_as_such(client, db, edition, login_as):
    seat, _ = enrol(edition, "Seat One", minute=1)
    login_as("staff")
    html = client.get(f"{list_url(edition)}/{seat.id}/cancel").get_data(as_text=True)
    assert "Der Platz wird frei. Niemand rückt automatisch nach." in html


def test_staff_cancelling_mails_that_the_organisers_cancelled_with_the_reason(
        client, db, edition, login_as):
    seat, _ = enrol(edition, "Seat One", minute=1)
    login_as("staff")

    response = post(client, edition, f"{seat.id}/cancel",
                    reason="Die Anmeldung war doppelt (zweite Adresse).")

    assert response.status_code == 303
    assert fresh(seat).status == RegistrationStatus.CANCELLED
    [mail] = mails(db)
    assert (mail.kind, mail.to_address, mail.subject) == (
        "cancelled_by_staff", "seat.one@example.org",
        f"Ihre Anmeldung wurde abgesagt: {edition.title}")
    assert "das Organisationsteam hat Ihre Anmeldung abgesagt" in mail.body_text
    assert "Begründung des Organisationsteams:\nDie Anmeldung war doppelt (zweite Adresse)." \
        in mail.body_text
    assert "Sie haben sich abgemeldet" not in mail.body_text
    assert "Schade" not in mail.body_text
    [entry] = audit_entries("registration.staff_cancel")
    assert entry.details == "place: seat, status: confirmed, mail: yes, reason given: yes"


def test_the_staff_cancellation_mail_is_in_the_registrations_language(client, db, edition,
                                                                      login_as):
    seat, _ = enrol(edition, "Seat One", minute=1)
    seat.language = "en"
    db.session.commit()
    login_as("staff")
    post(client, edition, f"{seat.id}/cancel", reason="Duplicate registration.")
    [mail] = mails(db)
    assert mail.subject == f"Your registration was cancelled: {edition.title}"
    assert "the organising team has cancelled your registration" in mail.body_text
    assert "Reason given by the organising team:\nDuplicate registration." in mail.body_text


def test_staff_may_cancel_without_a_mail(client, db, edition, login_as):
    seat, _ = enrol(edition, "Seat One", minute=1)
    login_as("staff")
    response = post(client, edition, f"{seat.id}/cancel", no_mail="y")
    assert response.status_code == 303
    assert fresh(seat).status == RegistrationStatus.CANCELLED
    assert mails(db) == []
    [entry] = audit_entries("registration.staff_cancel")
    assert entry.details == "place: seat, status: confirmed, mail: no, reason given: no"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Die Anmeldung von Seat One ist abgesagt; es wurde keine E-Mail versandt." in html


def test_a_too_long_reason_is_shown_next_to_the_field_and_cancels_nothing(client, db, edition,
                                                                          login_as):
    seat, _ = enrol(edition, "Seat One", minute=1)
    login_as("staff")
    response = post(client, edition, f"{seat.id}/cancel", reason="x" * 501)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Bitte höchstens 500 Zeichen." in html and 'aria-invalid="true"' in html
    assert fresh(seat).status == RegistrationStatus.CONFIRMED
    assert mails(db) == [] and audit_entries("registration.staff_cancel") == []


def test_cancelling_a_cancelled_registration_is_refused(client, db, edition, login_as):
    gone, _ = enrol(edition, "Gone Person", status="cancelled", minute=1)
    login_as("staff")
    response = post(client, edition, f"{gone.id}/cancel")
    assert response.status_code == 303
    assert "bereits abgesagt oder verfallen" in client.get(list_url(edition)).get_data(as_text=True)
    assert mails(db) == [] and audit_entries("registration.staff_cancel") == []


# --- moving onto a seat ------------------------------------------------------------------------

def test_moving_past_the_capacity_without_override_is_refused(client, db, edition, login_as):
    enrol(edition, "Seat One", minute=1)
    enrol(edition, "Seat Two", minute=2)
    waiter, _ = enrol(edition, "Wanda Waiting", place="waitlist", minute=3)
    login_as("staff")

    response = post(client, edition, f"{waiter.id}/move")

    assert response.status_code == 303
    assert fresh(waiter).place == Place.WAITLIST
    html = client.get(list_url(edition)).get_data(as_text=True)
    assert ("Alle 2 Plätze sind belegt. Um Wanda Waiting trotzdem einen Platz zu geben, kreuzen "
            "Sie „Kapazität überschreiten“ an; das wird protokolliert.") in html
    assert audit_entries("registration.override_capacity") == []
    assert audit_entries("registration.move_to_seat") == []
    assert mails(db) == []


def test_moving_past_the_capacity_with_override_is_allowed_and_audited(client, db, edition,
                                                                         login_as):
    enrol(edition, "Seat One", minute=1)
    enrol(edition, "Seat Two", minute=2)
    waiter, _ = enrol(edition, "Wanda Waiting", place="waitlist", minute=3)
    user = login_as("staff")

    response = post(client, edition, f"{waiter.id}/move", override="y")

    assert response.status_code == 303
    moved = fresh(waiter)
    assert (moved.place, moved.status) == (Place.SEAT, RegistrationStatus.CONFIRMED)
    assert moved.promoted_at is not None
    [entry] = audit_entries("registration.override_capacity")
    assert (entry.user_id, entry.event_id, entry.registration_id) == \
        (user.id, edition.id, waiter.id)
    assert entry.details == ("move_to_seat; seats taken before: 2, capacity: 2, "
                             "taken after: 3")
    assert [(m.kind, m.to_address) for m in mails(db)] == [
        ("promoted", "wanda.waiting@example.org")]
    assert "3 von 2" in client.get(list_url(edition)).get_data(as_text=True)


def test_moving_into_a_free_seat_needs_no_override(client, db, edition, login_as):
    enrol(edition, "Seat One", minute=1)
    first, _ = enrol(edition, "First Waiter", place="waitlist", minute=2)
    second, _ = enrol(edition, "Second Waiter", place="waitlist", minute=3)
    login_as("staff")
    # Staff decide who gets the free seat, here the second person waiting.
    assert post(client, edition, f"{second.id}/move").status_code == 303
    assert fresh(second).place == Place.SEAT
    assert fresh(first).place == Place.WAITLIST
    assert audit_entries("registration.override_capacity") == []
    assert len(audit_entries("registration.move_to_seat")) == 1


@pytest.mark.parametrize(("status", "place", "message"), [
    ("pending", "waitlist", "hat die Anmeldung noch nicht bestätigt"),
    ("confirmed", "seat", "hat bereits einen Platz"),
    ("cancelled", "waitlist", "Nur bestätigte Personen auf der Warteliste"),
])
def test_only_confirmed_people_waiting_can_be_moved(client, db, edition, login_as, status,
                                                    place, message):
    registration, _ = enrol(edition, "Otto Other", status=status, place=place, minute=1)
    login_as("staff")
    post(client, edition, f"{registration.id}/move", override="y")
    assert message in client.get(list_url(edition)).get_data(as_text=True)
    assert fresh(registration).place == Place(place)
    assert audit_entries("registration.override_capacity") == []


# --- resending the mail ------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "kind"), [("pending", "opt_in"), ("confirmed", "link_again")])
def test_resending_rotates_the_token_so_the_old_link_stops_working(client, db, edition, login_as,
                                                                   status, kind):
    hold = utcnow() + timedelta(hours=5, minutes=30) if status == "pending" else None
    registration, old_token = enrol(edition, "Rita Resend", status=status, minute=1,
                                    hold_expires_at=hold)
    user = login_as("staff")
    assert client.get(f"/r/{old_token}").status_code == 200

    response = post(client, edition, f"{registration.id}/resend")

    assert response.status_code == 303
    [mail] = mails(db)
    assert (mail.kind, mail.to_address) == (kind, "rita.resend@example.org")
    if kind == "opt_in":  # the hold keeps its expiry; the mail names the hours left
        assert "innerhalb von 6 Stunden" in mail.body_text
    new_token = re.search(r"/r/([A-Za-z0-9_-]{20,})", mail.body_text).group(1)
    assert new_token != old_token
    assert client.get(f"/r/{old_token}").status_code == 404
    assert client.get(f"/r/{new_token}").status_code == 200
    [entry] = audit_entries("registration.resend_mail")
    assert (entry.user_id, entry.registration_id, entry.details) == \
        (user.id, registration.id, f"kind: {kind}")


def test_no_mail_is_resent_for_a_cancelled_registration(client, db, edition, login_as):
    registration, old_token = enrol(edition, "Gone Person", status="cancelled", minute=1)
    login_as("staff")
    post(client, edition, f"{registration.id}/resend")
    assert "es wird keine E-Mail versandt" in client.get(list_url(edition)).get_data(as_text=True)
    assert mails(db) == []
    assert client.get(f"/r/{old_token}").status_code == 200


# --- per-object access, roles, CSRF --------------------------------------------------------------

@pytest.mark.parametrize("action", ["cancel", "move", "resend"])
def test_a_registration_of_another_edition_is_not_found(client, db, edition, login_as, action):
    other = make_event(capacity=1)
    registration, _ = enrol(other, "Elsewhere Person", place="waitlist", minute=1)
    login_as("staff")
    response = post(client, edition, f"{registration.id}/{action}", override="y")
    assert response.status_code == 404
    assert fresh(registration).status == RegistrationStatus.CONFIRMED
    assert fresh(registration).place == Place.WAITLIST
    assert mails(db) == []


def test_facilitators_even_of_the_edition_get_403(client, db, login_as):
    user = login_as("facilitator")
    event = make_event(capacity=2, facilitators=[user])
    registration, _ = enrol(event, "Seat One", minute=1)
    token = csrf_from(client, "/manage/")
    assert client.get(list_url(event)).status_code == 403
    assert client.get(f"/manage/events/{event.slug}/registrations.csv").status_code == 403
    for path in ("add", f"{registration.id}/cancel", f"{registration.id}/move",
                 f"{registration.id}/resend"):
        response = client.post(f"{list_url(event)}/{path}",
                               data={"csrf_token": token, "name": "X", "email": "x@example.org",
                                     "sector": "research", "language": "de"})
        assert response.status_code == 403, path
    assert fresh(registration).status == RegistrationStatus.CONFIRMED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == 0


@pytest.mark.parametrize("path", ["add", "{id}/cancel", "{id}/move", "{id}/resend"])
def test_every_staff_change_needs_the_csrf_token(client, db, edition, login_as, path):
    registration, token = enrol(edition, "Seat One", place="waitlist", minute=1)
    login_as("staff")
    response = client.post(f"{list_url(edition)}/{path.format(id=registration.id)}",
                           data={"name": "X", "email": "x@example.org", "sector": "research",
                                 "language": "de", "override": "y"})
    assert response.status_code == 400
    assert fresh(registration).place == Place.WAITLIST
    assert fresh(registration).status == RegistrationStatus.CONFIRMED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1
    assert mails(db) == []
    assert client.get(f"/r/{token}").status_code == 200


def test_the_edition_form_links_to_the_registrations(client, db, edition, login_as):
    login_as("staff")
    html = client.get(f"/manage/events/{edition.slug}/edit").get_data(as_text=True)
    assert f'href="{list_url(edition)}"' in html


# --- CSV export ----------------------------------------------------------------------------------

def test_the_csv_export_lists_every_registration_with_its_status(client, db, edition, login_as):
    enrol(edition, "Sam Seat", minute=1, organisation="Amt",
          sector=Sector.PUBLIC_ADMINISTRATION)
    enrol(edition, "Pia Pending", status="pending", minute=2)
    enrol(edition, "Wim Wait", place="waitlist", minute=3)
    enrol(edition, "Cleo Cancelled", status="cancelled", place="waitlist", minute=4)
    user = login_as("staff")

    response = client.get(f"/manage/events/{edition.slug}/registrations.csv")

    rows = read_csv(response, f"anmeldungen-{edition.slug}.csv")
    # The words of the registrations page, not the database's keys.
    assert list(rows[0]) == ["Name", "E-Mail-Adresse", "Organisation", "Bereich", "Status",
                             "Platz", "Position auf der Warteliste", "Angemeldet am",
                             "Bestätigt am", "Angaben zur Barrierefreiheit"]
    assert [(r["Name"], r["Status"], r["Platz"], r["Position auf der Warteliste"])
            for r in rows] == [
        ("Sam Seat", "Bestätigt", "Platz", ""),
        ("Pia Pending", "Unbestätigt", "Platz", ""),
        ("Wim Wait", "Bestätigt", "Warteliste", "1"),
        ("Cleo Cancelled", "Abgesagt", "Warteliste", ""),
    ]
    assert (rows[0]["E-Mail-Adresse"], rows[0]["Organisation"], rows[0]["Bereich"]) == \
        ("sam.seat@example.org", "Amt", "Öffentliche Verwaltung")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", rows[0]["Angemeldet am"])
    assert rows[1]["Bestätigt am"] == ""
    [entry] = audit_entries("registrations.export")
    assert (entry.user_id, entry.event_id, entry.details) == (user.id, edition.id, "")


@pytest.mark.parametrize(("name", "cell"), [
    ('=HYPERLINK("https://evil.example","klick")', '\'=HYPERLINK("https://evil.example","klick")'),
    ("+1", "'+1"),
    ("-2", "'-2"),
    ("@cmd", "'@cmd"),
    ("\tTab", "'\tTab"),
    ("\rReturn", "'\rReturn"),
    ("Ann = Bob", "Ann = Bob"),
    ("Anna; \"Nana\"", "Anna; \"Nana\""),
])
def test_the_csv_export_neutralises_spreadsheet_formulas(client, db, edition, login_as, name,
                                                         cell):
    enrol(edition, name, email="formula@example.org", organisation="=1+1", minute=1)
    login_as("staff")
    [row] = read_csv(client.get(f"/manage/events/{edition.slug}/registrations.csv"))
    assert row["Name"] == cell
    assert row["Organisation"] == "'=1+1"


# --- accessibility needs -------------------------------------------------------------------------

def with_needs(db, registration, needs: str, *, withdrawn: bool = False) -> None:
    """The needs as the public form stores them, with the explicit consent given for them."""
    registration.accessibility_needs = needs
    db.session.add(ConsentRecord(
        participant=registration.participant, registration=registration,
        purpose=ConsentPurpose.ACCESSIBILITY_DATA, text_version="v", given_at=T0,
        confirmed_at=T0, withdrawn_at=T0 if withdrawn else None))
    db.session.commit()


def test_staff_see_the_consented_accessibility_needs_of_the_edition(client, db, edition,
                                                                   login_as):
    hearing, _ = enrol(edition, "Hanna Hören", minute=1)
    with_needs(db, hearing, "Ich höre schlecht und brauche Live-Untertitel")
    waiting, _ = enrol(edition, "Wim Wait", place="waitlist", minute=2)
    with_needs(db, waiting, "Gebärdensprachdolmetschung")
    withdrawn, _ = enrol(edition, "Willi Widerruf", minute=3)
    with_needs(db, withdrawn, "Rollstuhlplatz", withdrawn=True)
    gone, _ = enrol(edition, "Cleo Cancelled", status="cancelled", minute=4)
    with_needs(db, gone, "Große Schrift")
    user = login_as("staff")

    html = client.get(list_url(edition)).get_data(as_text=True)

    section = html.split('id="accessibility-needs"', 1)[1].split("</section>", 1)[0]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))
    assert "Hanna Hören Platz Ich höre schlecht und brauche Live-Untertitel" in text
    assert "Wim Wait Warteliste Gebärdensprachdolmetschung" in text
    assert "Rollstuhlplatz" not in html  # consent withdrawn
    assert "Große Schrift" not in html  # cancelled: nothing to book
    [entry] = audit_entries("accessibility_needs.view")
    assert (entry.user_id, entry.event_id, entry.details) == (user.id, edition.id, "")


def test_without_consented_needs_there_is_no_needs_list_and_no_needs_audit(client, db, edition,
                                                                          login_as):
    enrol(edition, "Sam Seat", minute=1)
    login_as("staff")
    html = client.get(list_url(edition)).get_data(as_text=True)
    assert 'id="accessibility-needs"' not in html
    assert audit_entries("accessibility_needs.view") == []


def test_the_csv_export_has_the_consented_accessibility_needs(client, db, edition, login_as):
    hearing, _ = enrol(edition, "Hanna Hören", minute=1)
    with_needs(db, hearing, "Live-Untertitel")
    withdrawn, _ = enrol(edition, "Willi Widerruf", minute=2)
    with_needs(db, withdrawn, "Rollstuhlplatz", withdrawn=True)
    login_as("staff")
    rows = read_csv(client.get(f"/manage/events/{edition.slug}/registrations.csv"))
    assert [(r["Name"], r["Angaben zur Barrierefreiheit"]) for r in rows] == [
        ("Hanna Hören", "Live-Untertitel"), ("Willi Widerruf", "")]


# --- writing to the people of an edition ---------------------------------------------------------

def message_url(event) -> str:
    return f"{list_url(event)}/message"


def write(client, event, **fields):
    """Fill the message form and press "Vorschau ansehen" (or what `step` says)."""
    data = {"recipients": "confirmed", "subject_de": "Raumänderung",
            "body_de": "Wir treffen uns in Raum 2.", "subject_en": "", "body_en": "",
            "step": "preview"}
    data.update(fields)
    token = csrf_from(client, message_url(event))
    return client.post(message_url(event), data={"csrf_token": token, **data})


def previewed(html: str) -> str:
    return re.search(r'name="previewed" type="hidden" value="([0-9a-f]+)"', html).group(1)


@pytest.fixture
def people(db, edition):
    """Two seats (one English), one waiting, one unconfirmed hold, one walk-in without an
    address who came, one cancelled."""
    edition.capacity = 4
    db.session.commit()
    de, _ = enrol(edition, "Dora Deutsch", minute=1)
    en, _ = enrol(edition, "Emma English", minute=2)
    en.language = "en"
    enrol(edition, "Wim Wait", place="waitlist", minute=3)
    enrol(edition, "Pia Pending", minute=4, status="pending")
    walk_in, _ = enrol(edition, "Wanda Walk-in", minute=5,
                       email="0123456789abcdef01234567@walk-in.invalid")
    walk_in.walk_in = True
    walk_in.checked_in_at = de.checked_in_at = utcnow()
    enrol(edition, "Cleo Cancelled", status="cancelled", minute=6)
    db.session.commit()
    return edition


def test_the_message_preview_counts_real_addresses_and_sends_nothing(client, db, people,
                                                                     login_as):
    login_as("staff")
    assert f'href="{message_url(people)}"' in client.get(list_url(people)).get_data(as_text=True)

    response = write(client, people)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    # Dora, Emma (seats, confirmed) and not the walk-in without an address.
    assert "2 Personen bekommen diese Nachricht per E-Mail (alle mit bestätigtem Platz)." in text
    assert "1 Person dieser Gruppe hat keine E-Mail-Adresse angegeben und bekommt nichts." in text
    assert "Jetzt an 2 Personen senden" in html
    assert mails(db) == [] and audit_entries("registration.staff_message") == []


def test_staff_send_a_message_in_each_persons_language(client, db, people, login_as):
    user = login_as("staff")
    fields = {"subject_en": "Room change", "body_en": "We meet in room 2."}
    preview = write(client, people, **fields).get_data(as_text=True)
    assert "2 Personen bekommen diese Nachricht per E-Mail" in preview
    assert "1 auf Deutsch, 1 auf Englisch" in preview

    response = write(client, people, step="send", previewed=previewed(preview), **fields)

    assert response.status_code == 303
    assert response.headers["Location"] == list_url(people)
    sent = [(m.kind, m.to_address, m.subject) for m in mails(db)]
    assert sent == [("staff_message", "dora.deutsch@example.org", "Raumänderung"),
                    ("staff_message", "emma.english@example.org", "Room change")]
    german, english = mails(db)
    assert german.body_text.startswith("Guten Tag Dora Deutsch,\n\nWir treffen uns in Raum 2.")
    assert english.body_text.startswith("Dear Emma English,\n\nWe meet in room 2.")
    assert all(m.registration_id is not None for m in mails(db))
    [entry] = audit_entries("registration.staff_message")
    assert (entry.user_id, entry.event_id) == (user.id, people.id)
    assert entry.details.startswith("group: confirmed, mails: 2, languages: de+en")
    html = client.get(list_url(people)).get_data(as_text=True)
    assert "Die Nachricht ist im Postausgang: 2 E-Mails." in html


def test_without_english_everyone_gets_the_german_text(client, db, people, login_as):
    login_as("staff")
    preview = write(client, people).get_data(as_text=True)
    write(client, people, step="send", previewed=previewed(preview))
    assert [(m.to_address, m.subject) for m in mails(db)] == [
        ("dora.deutsch@example.org", "Raumänderung"), ("emma.english@example.org", "Raumänderung")]
    assert mails(db)[1].body_text.startswith("Guten Tag Emma English,")


@pytest.mark.parametrize(("group", "to"), [
    ("waitlist", ["wim.wait@example.org"]),
    ("attended", ["dora.deutsch@example.org"]),  # the walk-in came too, but gave no address
])
def test_a_message_goes_to_the_chosen_group(client, db, people, login_as, group, to):
    login_as("staff")
    preview = write(client, people, recipients=group).get_data(as_text=True)
    write(client, people, recipients=group, step="send", previewed=previewed(preview))
    assert [m.to_address for m in mails(db)] == to


def test_sending_text_changed_after_the_preview_shows_the_preview_again(client, db, people,
                                                                        login_as):
    login_as("staff")
    preview = write(client, people).get_data(as_text=True)
    response = write(client, people, step="send", previewed=previewed(preview),
                     body_de="Doch in Raum 3.")
    assert response.status_code == 200
    assert "Jetzt an 2 Personen senden" in response.get_data(as_text=True)
    assert mails(db) == []


def test_a_group_without_addresses_says_why_nobody_gets_the_message(client, db, edition,
                                                                    login_as):
    enrol(edition, "Wanda Walk-in", minute=1,
          email="0123456789abcdef01234567@walk-in.invalid")
    login_as("staff")
    preview = write(client, edition).get_data(as_text=True)
    assert "Niemand bekommt diese Nachricht: in dieser Gruppe (alle mit bestätigtem Platz) " \
           "ist niemand mit E-Mail-Adresse." in re.sub(r"\s+", " ", preview)
    assert "Jetzt an" not in preview
    response = write(client, edition, step="send", previewed=previewed(preview))
    assert response.status_code == 409
    assert mails(db) == []


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"subject_de": ""}, "subject_de", "Bitte geben Sie einen Betreff ein."),
    ({"body_de": ""}, "body_de", "Bitte geben Sie einen Text ein."),
    ({"recipients": ""}, "recipients", "Bitte wählen Sie, wer die Nachricht bekommt."),
    ({"recipients": "everyone"}, "recipients", "recipients-error"),
    ({"subject_en": "Room change"}, "body_en", "Bitte schreiben Sie auf Englisch beides"),
    ({"subject_de": "a\nb"}, "subject_de", "Bitte nur eine Zeile"),
])
def test_an_invalid_message_form_shows_the_error_and_sends_nothing(client, db, people, login_as,
                                                                   fields, field, message):
    login_as("staff")
    response = write(client, people, step="send", **fields)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert f'id="{field}-error"' in html
    assert mails(db) == []


def test_a_walk_in_without_an_address_shows_none_and_gets_no_link_mail(client, db, edition,
                                                                       login_as):
    walk_in, _ = enrol(edition, "Wanda Walk-in", minute=1,
                       email="0123456789abcdef01234567@walk-in.invalid")
    login_as("staff")
    html = client.get(list_url(edition)).get_data(as_text=True)
    assert "walk-in.invalid" not in html
    assert "keine angegeben" in html
    assert "E-Mail mit neuem Link senden<span class=\"visually-hidden\">: Wanda" not in html
    [row] = read_csv(client.get(f"/manage/events/{edition.slug}/registrations.csv"))
    assert row["E-Mail-Adresse"] == ""
    response = post(client, edition, f"{walk_in.id}/resend")
    assert response.status_code == 303
    assert "Wanda Walk-in hat keine E-Mail-Adresse angegeben und bekommt keine E-Mail." in \
        client.get(list_url(edition)).get_data(as_text=True)
    assert mails(db) == []


def test_the_csv_export_speaks_the_staff_members_language(client, db, edition, login_as):
    enrol(edition, "Cleo Civil", minute=1, sector=Sector.CIVIL_SOCIETY)
    enrol(edition, "Wim Wait", place="waitlist", minute=2)
    login_as("staff")
    client.get("/manage/?lang=en")
    rows = read_csv(client.get(f"/manage/events/{edition.slug}/registrations.csv"))
    assert list(rows[0]) == ["Name", "Email address", "Organisation", "Sector", "Status",
                             "Seat", "Position on the waiting list", "Registered on",
                             "Confirmed on", "Accessibility information"]
    assert [(r["Sector"], r["Status"], r["Seat"]) for r in rows] == [
        ("Civil society", "Confirmed", "Seat"), ("Civil society", "Confirmed", "Waiting list")]

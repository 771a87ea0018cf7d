"""Register, confirm by button, wait, move up, cancel, export and erase — as a person does."""
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.models import (ConsentPurpose, ConsentRecord, EventStatus, OutboxMessage, Participant,
                        Place, Registration, RegistrationStatus, utcnow)
from app.registration import links, services
from tests.factories import make_event
from tests.registration.conftest import (link_token, outbox, post_button, register,
                                         registration_of, token_for)


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def edition(db):
    return make_event(capacity=3, title="Daten für Familien")


def test_registering_holds_a_seat_and_sends_the_opt_in_mail(client, db, edition):
    response = register(client, edition.slug, email="Erika@Example.ORG ")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/events/{edition.slug}/register/sent"
    registration = registration_of(db, "erika@example.org")
    assert (registration.status, registration.place) == (RegistrationStatus.PENDING, Place.SEAT)
    assert registration.hold_expires_at - registration.created_at == timedelta(hours=24)
    [mail] = outbox(db, "erika@example.org")
    assert mail.kind == "opt_in"
    assert mail.subject == "Bitte bestätigen Sie Ihre Anmeldung: Daten für Familien"
    token = link_token(mail)
    assert len(token) >= 43  # 256 bits, URL-safe
    assert registration.token_hash == links.hash_token(token) != token
    assert "2 von 3 Plätzen frei" in client.get(f"/events/{edition.slug}").get_data(as_text=True)


def test_registering_again_with_a_known_address_keeps_the_existing_link(client, db, edition):
    first = register(client, edition.slug)
    old_token = token_for(db, "erika@example.org")
    second = register(client, edition.slug, name="Erika M.", email="ERIKA@example.org")
    assert first.headers["Location"] == second.headers["Location"]
    assert count(db, Registration) == 1
    kinds = [m.kind for m in outbox(db, "erika@example.org")]
    assert kinds == ["opt_in", "link_again"]
    link_again = outbox(db, "erika@example.org", kind="link_again")[0]
    assert "Ältere Links" not in link_again.body_text
    assert link_token(link_again) == old_token  # the mail carries the same link again
    page = client.get(f"/r/{old_token}")
    assert page.status_code == 200
    assert "Hallo Erika Mustermann" in page.get_data(as_text=True)


def test_a_double_clicked_submit_creates_one_registration(client, db, edition):
    html = client.get(f"/events/{edition.slug}/register").get_data(as_text=True)
    import re
    data = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1),
            "nonce": re.search(r'name="nonce"[^>]*value="([^"]+)"', html).group(1),
            "name": "Erika", "email": "erika@example.org", "sector": "research",
            "privacy_acknowledged": "y"}
    responses = [client.post(f"/events/{edition.slug}/register", data=data) for _ in range(3)]
    assert [r.status_code for r in responses] == [303, 303, 303]
    assert count(db, Registration) == 1
    assert len(outbox(db)) == 1


def test_opening_the_link_confirms_nothing_only_the_button_does(client, db, edition):
    register(client, edition.slug)
    token = token_for(db, "erika@example.org")
    for _ in range(3):  # a mail scanner prefetching the link
        page = client.get(f"/r/{token}")
        assert page.status_code == 200
        assert page.headers["Cache-Control"] == "no-store"
    assert registration_of(db, "erika@example.org").status == RegistrationStatus.PENDING
    assert client.get(f"/r/{token}/confirm").status_code == 405
    response = post_button(client, f"/r/{token}/confirm")
    assert response.status_code == 303
    registration = registration_of(db, "erika@example.org")
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.confirmed_at is not None
    confirmed = outbox(db, "erika@example.org", "confirmed")
    assert len(confirmed) == 1
    assert confirmed[0].attachment_name == f"{edition.slug}.ics"
    assert "BEGIN:VEVENT" in confirmed[0].attachment
    consents = db.session.scalars(sa.select(ConsentRecord)).all()
    assert [c.purpose for c in consents] == [ConsentPurpose.PRIVACY_NOTICE]
    assert all(c.confirmed_at == registration.confirmed_at for c in consents)


def test_confirming_twice_changes_nothing_the_second_time(client, db, edition):
    register(client, edition.slug)
    token = token_for(db, "erika@example.org")
    post_button(client, f"/r/{token}/confirm")
    post_button(client, f"/r/{token}/confirm")
    assert len(outbox(db, "erika@example.org", "confirmed")) == 1


def test_the_room_link_is_shown_only_once_confirmed(client, db):
    event = make_event(online_url="https://konferenz.example.org/geheim")
    register(client, event.slug)
    token = token_for(db, "erika@example.org")
    assert "konferenz.example.org/geheim" not in client.get(f"/r/{token}").get_data(as_text=True)
    assert "konferenz.example.org/geheim" not in client.get(f"/events/{event.slug}").get_data(as_text=True)
    post_button(client, f"/r/{token}/confirm")
    assert "konferenz.example.org/geheim" in client.get(f"/r/{token}").get_data(as_text=True)


def test_when_all_seats_are_held_the_next_person_joins_the_waiting_list(client, db, edition):
    for n in range(3):
        register(client, edition.slug, email=f"p{n}@example.org")
    page = client.get(f"/events/{edition.slug}").get_data(as_text=True)
    assert "Alle Plätze vergeben – Warteliste offen" in page
    assert "Auf die Warteliste" in page
    register(client, edition.slug, email="late@example.org")
    late = registration_of(db, "late@example.org")
    assert late.place == Place.WAITLIST
    assert "Warteliste" in outbox(db, "late@example.org")[0].body_text
    token = token_for(db, "late@example.org")
    assert "Sie stehen auf der Warteliste (Platz 1)" in client.get(f"/r/{token}").get_data(as_text=True)


def confirmed_person(client, db, slug, email):
    register(client, slug, email=email)
    token = token_for(db, email)
    post_button(client, f"/r/{token}/confirm")
    return token


def test_cancelling_promotes_the_first_confirmed_person_waiting(client, db, edition):
    tokens = {n: confirmed_person(client, db, edition.slug, f"p{n}@example.org") for n in range(3)}
    register(client, edition.slug, email="w1@example.org")  # waits, never confirms
    confirmed_person(client, db, edition.slug, "w2@example.org")
    confirmed_person(client, db, edition.slug, "w3@example.org")
    assert [m.kind for m in outbox(db, "w2@example.org")] == ["opt_in", "waitlisted"]

    response = post_button(client, f"/r/{tokens[1]}/cancel")
    assert response.status_code == 303
    assert registration_of(db, "p1@example.org").status == RegistrationStatus.CANCELLED
    # w1 joined first but has not confirmed: w2 moves up, w1 keeps waiting.
    assert registration_of(db, "w2@example.org").place == Place.SEAT
    assert registration_of(db, "w1@example.org").place == Place.WAITLIST
    assert registration_of(db, "w3@example.org").place == Place.WAITLIST
    [promoted] = outbox(db, "w2@example.org", "promoted")
    assert promoted.attachment_name.endswith(".ics")
    assert [m.kind for m in outbox(db, "p1@example.org")][-1] == "cancelled"
    page = client.get(f"/r/{token_for(db, 'w3@example.org')}").get_data(as_text=True)
    assert "auf Platz 2" in page  # behind w1


def test_an_expired_hold_frees_its_seat_for_the_next_confirmed_person(client, db, edition, app):
    from app.jobs import expire_and_promote
    register(client, edition.slug, email="slow@example.org")
    for n in range(2):
        confirmed_person(client, db, edition.slug, f"p{n}@example.org")
    confirmed_person(client, db, edition.slug, "w@example.org")
    assert registration_of(db, "w@example.org").place == Place.WAITLIST
    slow_token = token_for(db, "slow@example.org")

    later = utcnow() + timedelta(hours=25)
    with app.test_request_context():
        assert expire_and_promote(later) == 1
    assert registration_of(db, "slow@example.org").status == RegistrationStatus.EXPIRED
    assert registration_of(db, "w@example.org").place == Place.SEAT
    page = client.get(f"/r/{slow_token}").get_data(as_text=True)
    assert "abgelaufen" in page
    assert "Anmeldung bestätigen" not in page


def test_an_expired_hold_cannot_be_confirmed(client, db, edition, app):
    register(client, edition.slug)
    registration = registration_of(db, "erika@example.org")
    with app.test_request_context():
        with pytest.raises(services.RegistrationError):
            services.confirm_registration(registration.id, utcnow() + timedelta(hours=24))
    assert registration_of(db, "erika@example.org").status == RegistrationStatus.PENDING


def test_promotion_stops_before_the_start_and_staff_decide(client, db, app):
    event = make_event(capacity=1, starts_at=utcnow() + timedelta(hours=30))
    token = confirmed_person(client, db, event.slug, "seat@example.org")
    confirmed_person(client, db, event.slug, "wait@example.org")
    with app.test_request_context():
        registration = registration_of(db, "seat@example.org")
        services.cancel_registration(registration.id, utcnow() + timedelta(hours=7))
    assert registration_of(db, "wait@example.org").place == Place.WAITLIST
    assert token


def test_registration_is_refused_when_closed(client, db):
    event = make_event(registration_closes_at=utcnow() - timedelta(hours=1),
                       registration_opens_at=utcnow() - timedelta(days=3))
    page = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert "Die Anmeldung für diese Ausgabe ist nicht geöffnet." in page
    assert 'name="email"' not in page
    draft = make_event(status=EventStatus.DRAFT)
    assert client.get(f"/events/{draft.slug}/register").status_code == 404
    assert count(db, Registration) == 0


def test_the_honeypot_stores_nothing_but_answers_like_a_success(client, db, edition):
    response = register(client, edition.slug, website="http://spam.example")
    assert response.status_code == 303
    assert count(db, Registration) == 0 and count(db, OutboxMessage) == 0


HOSTILE = [
    ({"name": "x" * 201}, "Bitte höchstens 200 Zeichen."),
    ({"name": ""}, "Bitte geben Sie Ihren Namen ein."),
    ({"name": "Erika\r\nBcc: victim@example.org"},
     "Bitte nur eine Zeile ohne Steuerzeichen und ohne &lt; oder &gt; eingeben."),
    ({"name": "Erika\x00"}, "Bitte nur eine Zeile ohne Steuerzeichen"),
    ({"name": "<script>alert(1)</script>"}, "Bitte nur eine Zeile ohne Steuerzeichen"),
    ({"organisation": "<b>x</b>"}, "Bitte nur eine Zeile ohne Steuerzeichen"),
    ({"email": "not-an-address"}, "Bitte geben Sie eine gültige E-Mail-Adresse ein."),
    ({"email": "a@b"}, "Bitte geben Sie eine gültige E-Mail-Adresse ein."),
    ({"email": "erika@example.org\r\nBcc: x@example.org"},
     "Bitte geben Sie eine gültige E-Mail-Adresse ein."),
    ({"email": "x" * 250 + "@example.org"}, "Bitte höchstens 254 Zeichen."),
    ({"sector": "aliens"}, "Keine gültige Auswahl."),
    ({"sector": None}, "Bitte wählen Sie einen Bereich."),
    ({"privacy_acknowledged": None},
     "Bitte bestätigen Sie, dass Sie die Datenschutzerklärung gelesen haben."),
    ({"accessibility_needs": "Rollstuhlplatz"}, "Bitte willigen Sie ein"),
    ({"accessibility_needs": "a" * 2001, "accessibility_consent": "y"}, "Bitte höchstens 2000 Zeichen."),
    ({"nonce": "../../etc"}, "Bitte prüfen Sie die markierten Felder."),
]


@pytest.mark.parametrize(("overrides", "message"), HOSTILE)
def test_hostile_input_gets_a_clear_error_and_stores_nothing(client, db, edition, overrides,
                                                             message):
    response = register(client, edition.slug, **overrides)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(db, Registration) == 0
    assert count(db, Participant) == 0
    assert count(db, OutboxMessage) == 0


def test_extra_fields_cannot_set_the_status(client, db, edition):
    register(client, edition.slug, status="confirmed", place="seat", token_hash="x",
             hold_expires_at="2099-01-01")
    registration = registration_of(db, "erika@example.org")
    assert registration.status == RegistrationStatus.PENDING
    assert registration.token_hash != "x"


def test_accessibility_needs_are_stored_only_with_explicit_consent(client, db, edition):
    register(client, edition.slug, accessibility_needs="Untertitel, bitte",
             accessibility_consent="y", consent_named="y")
    registration = registration_of(db, "erika@example.org")
    assert registration.accessibility_needs == "Untertitel, bitte"
    purposes = sorted(c.purpose for c in registration.participant.consents)
    assert purposes == sorted([ConsentPurpose.PRIVACY_NOTICE, ConsentPurpose.ACCESSIBILITY_DATA,
                               ConsentPurpose.NAMED_IN_REPORT])
    versions = {c.purpose: c.text_version for c in registration.participant.consents}
    assert all(len(v) == 64 for v in versions.values())


def test_a_person_registering_in_english_gets_english_mail(client, db, edition):
    client.get("/?lang=en")
    register(client, edition.slug)
    [mail] = outbox(db, "erika@example.org")
    assert mail.subject == "Please confirm your registration: Daten für Familien"
    assert "Please confirm" in mail.body_text or "confirm" in mail.body_text
    assert registration_of(db, "erika@example.org").language == "en"


@pytest.mark.parametrize("token", ["", "short", "x" * 43, "A" * 200, "%00", "../etc/passwd"])
def test_wrong_or_tampered_links_are_not_found(client, db, token):
    assert client.get(f"/r/{token}").status_code == 404


def test_the_export_contains_everything_stored_about_the_person(client, db, edition):
    register(client, edition.slug, accessibility_needs="Pausen", accessibility_consent="y",
             organisation="Stadt Musterhausen", sector="public_administration")
    token = token_for(db, "erika@example.org")
    response = client.get(f"/r/{token}/data.json")
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(response.data)
    assert data["person"] == {"name": "Erika Mustermann", "email": "erika@example.org",
                              "organisation": "Stadt Musterhausen",
                              "sector": "public_administration", "language": "de",
                              "created_at": data["person"]["created_at"]}
    [registration] = data["registrations"]
    assert (registration["edition"], registration["status"], registration["place"],
            registration["accessibility_needs"]) == ("Daten für Familien", "pending", "seat", "Pausen")
    assert sorted(c["purpose"] for c in data["consents"]) == ["accessibility_data", "privacy_notice"]
    assert [m["kind"] for m in data["mails"]] == ["opt_in"]


def test_deleting_my_data_erases_the_person_and_frees_the_seat(client, db):
    event = make_event(capacity=1)
    token = confirmed_person(client, db, event.slug, "erika@example.org")
    confirmed_person(client, db, event.slug, "next@example.org")
    assert "Ja, alle meine Daten löschen" in client.get(f"/r/{token}/delete").get_data(as_text=True)
    assert count(db, Participant) == 2  # the GET deleted nothing
    response = post_button(client, f"/r/{token}/delete")
    assert response.status_code == 200
    assert "Ihre Daten sind gelöscht" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Participant).where(
        Participant.email == "erika@example.org")) is None
    assert not [m for m in outbox(db) if "erika@example.org" in (m.to_address + m.body_text)]
    assert client.get(f"/r/{token}").status_code == 404
    assert registration_of(db, "next@example.org").place == Place.SEAT


def test_event_page_seat_count_query_does_not_grow_with_registrations(client, db, edition):
    from tests.conftest import counted_statements

    def queries():
        with counted_statements(db) as statements:
            client.get("/")
            client.get(f"/events/{edition.slug}")
        return len(statements)

    register(client, edition.slug, email="a@example.org")
    few = queries()
    for n in range(6):
        register(client, edition.slug, email=f"more{n}@example.org")
    assert queries() == few


def test_registration_answers_at_once_with_smtp_down_and_each_mail_goes_out_exactly_once(
        client, db, edition, smtp_server, app):
    import time

    from app.mail.worker import deliver_due
    smtp_server.stop()
    started = time.perf_counter()
    response = register(client, edition.slug)
    assert response.status_code == 303
    assert time.perf_counter() - started < 2  # nothing is sent inside the request
    [mail] = outbox(db, "erika@example.org")
    assert mail.status.value == "pending"

    now = utcnow()
    assert deliver_due(now, smtp_server.backend()) == 0  # SMTP is down: stays queued
    db.session.expire_all()
    mail = db.session.get(OutboxMessage, mail.id)
    assert (mail.status.value, mail.attempts) == ("pending", 1)

    smtp_server.start()
    later = mail.next_attempt_at + timedelta(seconds=1)
    assert deliver_due(later, smtp_server.backend()) == 1
    assert deliver_due(later + timedelta(hours=2), smtp_server.backend()) == 0
    [received] = smtp_server.messages()
    assert received["To"] == "erika@example.org"
    assert link_token(db.session.get(OutboxMessage, mail.id)) in received.get_content()


def test_consents_can_be_withdrawn_on_the_personal_page(client, db, edition):
    register(client, edition.slug, consent_photos="y", accessibility_needs="Untertitel",
             accessibility_consent="y")
    token = token_for(db, "erika@example.org")
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Fotos im Bericht" in page and "Angaben zur Barrierefreiheit verwenden" in page
    import re
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def withdraw(purpose):
        return client.post(f"/r/{token}/consents/{purpose}/withdraw", data={"csrf_token": csrf})

    response = withdraw("accessibility_data")
    assert response.status_code == 303
    registration = registration_of(db, "erika@example.org")
    withdrawn = {c.purpose: c.withdrawn_at for c in registration.participant.consents}
    assert withdrawn[ConsentPurpose.ACCESSIBILITY_DATA] is not None
    assert withdrawn[ConsentPurpose.PHOTOS] is None
    assert registration.accessibility_needs == ""
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Angaben zur Barrierefreiheit verwenden" not in page and "Fotos im Bericht" in page
    assert withdraw("privacy_notice").status_code == 404
    assert withdraw("anything").status_code == 404


def test_keeping_the_participation_history_is_an_unticked_box_and_can_be_withdrawn(
        client, db, edition):
    import re
    form = client.get(f"/events/{edition.slug}/register").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="consent_history"[^>]*>', form).group(0)
    assert "checked" not in box
    register(client, edition.slug)
    assert [c.purpose for c in registration_of(db, "erika@example.org").participant.consents] == \
        [ConsentPurpose.PRIVACY_NOTICE]

    register(client, edition.slug, email="otto@example.org", consent_history="y")
    registration = registration_of(db, "otto@example.org")
    assert sorted(c.purpose for c in registration.participant.consents) == \
        [ConsentPurpose.KEEP_HISTORY, ConsentPurpose.PRIVACY_NOTICE]
    token = token_for(db, "otto@example.org")
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Meine Teilnahme-Historie aufbewahren" in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/r/{token}/consents/keep_history/withdraw", data={"csrf_token": csrf})
    assert response.status_code == 303
    registration = registration_of(db, "otto@example.org")
    [kept] = [c for c in registration.participant.consents
              if c.purpose == ConsentPurpose.KEEP_HISTORY]
    assert kept.withdrawn_at is not None
    assert "Meine Teilnahme-Historie aufbewahren" not in \
        client.get(f"/r/{token}").get_data(as_text=True)

"""The attendee's path (issue 12, items 1–4 and 6): every mail links the personal page, the
personal calendar entry carries the room link, nobody can take a link away, a dead link
helps, and cancelling asks first."""
import re
from datetime import timedelta

import icalendar
import pytest
import sqlalchemy as sa

from app.breakouts import services as breakouts
from app.models import (Assignment, AssignmentSource, BreakoutGroup, ConsentPurpose,
                        ConsentRecord, EventFormat, OutboxMessage, Place,
                        Registration, RegistrationStatus, Sector, utcnow)
from app.registration import links, personal, services
from app.jobs import send_reminders
from app.reports.services import notify_participants
from tests.conftest import csrf_from
from tests.factories import make_event, make_registration, make_user
from tests.reports.conftest import make_report
from tests.registration.conftest import (link_token, outbox, post_button, register,
                                         registration_of, token_for)

ROOM = "https://konferenz.example.org/werkstatt-raum-4711-mit-einem-sehr-langen-namen"
PERSONAL_URL = re.compile(r"http://localhost/r/([A-Za-z0-9_-]{20,})(?=\s|$)", re.M)


def the_mail(db, email: str, kind: str) -> OutboxMessage:
    db.session.expire_all()
    [mail] = outbox(db, email, kind=kind)
    return mail


@pytest.fixture
def edition(db):
    return make_event(capacity=1, title="Daten für Familien", format=EventFormat.ONLINE,
                      online_url=ROOM)


def test_every_mail_that_mentions_the_personal_page_links_that_persons_page(app, client, db,
                                                                           edition):
    staff = make_user("staff")
    register(client, edition.slug, name="Erika Mustermann", email="erika@example.org")
    post_button(client, f"/r/{token_for(db, 'erika@example.org')}/confirm")
    register(client, edition.slug, name="Max Warte", email="max@example.org")
    post_button(client, f"/r/{token_for(db, 'max@example.org')}/confirm")
    register(client, edition.slug, name="Erika M.", email="erika@example.org")  # link again
    post_button(client, f"/r/{token_for(db, 'erika@example.org')}/cancel")  # Max moves up
    max_registration = registration_of(db, "max@example.org")
    assert max_registration.place == Place.SEAT
    with app.test_request_context():  # as the worker runs the jobs
        send_reminders(edition.starts_at - timedelta(hours=12))
    group = BreakoutGroup(event_id=edition.id, position=0, topic="Zugang", title="Wie?",
                          min_size=1, max_size=5)
    db.session.add(group)
    db.session.flush()
    db.session.add(Assignment(registration_id=max_registration.id, group_id=group.id,
                              source=AssignmentSource.ALLOCATOR))
    db.session.commit()
    with app.test_request_context():
        breakouts.publish(edition, staff)
    max_registration = registration_of(db, "max@example.org")
    max_registration.checked_in_at = utcnow()
    db.session.add(ConsentRecord(participant_id=max_registration.participant_id,
                                 registration_id=max_registration.id,
                                 purpose=ConsentPurpose.FUTURE_EDITIONS, text_version="v",
                                 given_at=utcnow(), confirmed_at=utcnow()))
    db.session.commit()
    make_report(edition)
    with app.test_request_context():
        notify_participants(edition, staff)
        personal.send_personal_links("max@example.org")

    expected = {"erika@example.org": ["opt_in", "confirmed", "link_again", "cancelled"],
                "max@example.org": ["opt_in", "waitlisted", "promoted", "reminder",
                                    "breakout_assigned", "report_published", "your_links"]}
    names = {"erika@example.org": "Erika Mustermann", "max@example.org": "Max Warte"}
    for email, kinds in expected.items():
        assert [m.kind for m in outbox(db, email)] == kinds
        for mail in outbox(db, email):
            tokens = PERSONAL_URL.findall(mail.body_text)
            assert tokens, f"{mail.kind} has no personal link"
            for token in tokens:
                page = client.get(f"/r/{token}")
                assert page.status_code == 200, mail.kind
                assert f"Hallo {names[email]}," in page.get_data(as_text=True), mail.kind
    group_mail = the_mail(db, "max@example.org", "breakout_assigned").body_text
    assert "Anmeldebestätigung" not in group_mail
    assert "Ihre Gruppe steht auch auf Ihrer persönlichen Seite:\nhttp://localhost/r/" \
        in group_mail


def test_the_personal_token_is_stored_only_as_its_hash_and_re_created_for_each_mail(
        client, db, edition):
    register(client, edition.slug)
    token = token_for(db, "erika@example.org")
    registration = registration_of(db, "erika@example.org")
    columns = [str(value) for value in db.session.execute(
        sa.select(Registration.__table__)).one()]
    assert token not in columns
    assert registration.token_hash == links.hash_token(token)
    assert links.personal_token(registration) == token


def test_a_link_mailed_before_links_were_derived_keeps_working_next_to_the_new_one(
        app, client, db, edition):
    # A random token (services.new_token), as registrations were made before.
    registration, old_token = make_registration(edition, "Alma Alt", email="alt@example.org",
                                                organisation="", sector=Sector.RESEARCH)
    with app.test_request_context():
        personal.send_personal_links("alt@example.org")
    new_token = token_for(db, "alt@example.org")
    assert new_token != old_token
    for token in (old_token, new_token):
        assert "Hallo Alma Alt," in client.get(f"/r/{token}").get_data(as_text=True)
    with app.test_request_context():
        services.queue_reminder(registration_of(db, "alt@example.org"))
        db.session.commit()
    assert token_for(db, "alt@example.org") == new_token  # the same link from now on


def test_a_new_link_from_staff_ends_every_older_link_the_legacy_one_too(app, client, db,
                                                                        edition):
    from app.registration.staff import resend_mail

    _registration, old_token = make_registration(edition, "Alma Alt", email="alt@example.org",
                                                 organisation="", sector=Sector.RESEARCH)
    with app.test_request_context():
        personal.send_personal_links("alt@example.org")  # keeps old_token as the legacy link
        derived = token_for(db, "alt@example.org")
        resend_mail(registration_of(db, "alt@example.org"), make_user("staff"))
    newest = token_for(db, "alt@example.org")
    assert [client.get(f"/r/{t}").status_code for t in (old_token, derived, newest)] \
        == [404, 404, 200]


def test_erasing_the_data_ends_every_link(client, db, edition):
    register(client, edition.slug)
    token = token_for(db, "erika@example.org")
    delete_page = client.get(f"/r/{token}/delete").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', delete_page).group(1)
    assert client.post(f"/r/{token}/delete", data={"csrf_token": csrf}).status_code == 200
    assert client.get(f"/r/{token}").status_code == 404


# --- item 2: the calendar entry --------------------------------------------------------------

def vevent(ics: bytes | str):
    (event,) = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    return event


@pytest.mark.parametrize("fmt, location", [(EventFormat.ONLINE, ROOM),
                                           (EventFormat.HYBRID, f"Haus 1, Berlin / {ROOM}")])
def test_the_personal_calendar_entry_of_a_confirmed_seat_carries_the_room_link(
        client, db, fmt, location):
    event = make_event(capacity=5, format=fmt, venue="Haus 1, Berlin" if fmt == "hybrid" else "",
                       online_url=ROOM)
    register(client, event.slug)
    token = token_for(db, "erika@example.org")
    pending = client.get(f"/r/{token}/event.ics")
    assert pending.status_code == 200 and pending.headers["Cache-Control"] == "no-store"
    assert ROOM not in pending.get_data(as_text=True).replace("\r\n ", "")
    post_button(client, f"/r/{token}/confirm")

    attached = vevent(the_mail(db, "erika@example.org", "confirmed").attachment)
    downloaded = client.get(f"/r/{token}/event.ics")
    assert downloaded.headers["Content-Type"] == "text/calendar; charset=utf-8"
    personal = vevent(downloaded.data)
    for entry in (attached, personal):
        assert str(entry["LOCATION"]) == location
        assert str(entry["URL"]) == ROOM
        assert str(entry["DESCRIPTION"]).startswith(f"Link zum Online-Raum: {ROOM}\n\n")
        assert str(entry["UID"]) == f"{event.slug}@innovationswerkstatt.example.org"
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert f'href="/r/{token}/event.ics" download>Zum Kalender hinzufügen' in page

    public = client.get(f"/events/{event.slug}/event.ics").get_data(as_text=True)
    assert ROOM not in public.replace("\r\n ", "")
    assert str(vevent(public)["URL"]) == f"http://localhost/events/{event.slug}"


def test_the_promotion_mail_carries_the_calendar_entry_with_the_room_link(client, db, edition):
    register(client, edition.slug, email="erika@example.org")
    post_button(client, f"/r/{token_for(db, 'erika@example.org')}/confirm")
    register(client, edition.slug, email="max@example.org", name="Max")
    max_token = token_for(db, "max@example.org")
    post_button(client, f"/r/{max_token}/confirm")
    assert ROOM not in client.get(f"/r/{max_token}/event.ics").get_data(as_text=True)
    post_button(client, f"/r/{token_for(db, 'erika@example.org')}/cancel")
    promoted = the_mail(db, "max@example.org", "promoted")
    assert str(vevent(promoted.attachment)["LOCATION"]) == ROOM
    cancelled = client.get(f"/r/{token_for(db, 'erika@example.org')}/event.ics")
    assert ROOM not in cancelled.get_data(as_text=True).replace("\r\n ", "")


# --- item 3: nobody takes a link away; a dead link helps ---------------------------------------

def test_a_wrong_personal_link_explains_itself_and_offers_to_send_the_link_again(client, db):
    page = client.get("/r/" + "x" * 43)
    assert page.status_code == 404
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "Dieser Link funktioniert nicht" in html
    assert 'action="/r/new-link"' in html and 'name="email"' in html
    assert 'name="csrf_token"' in html and 'name="website"' in html


def send_link(client, email: str, **extra):
    token = csrf_from(client, "/r/new-link")
    return client.post("/r/new-link", data={"csrf_token": token, "email": email, **extra})


def test_the_link_comes_again_by_mail_with_the_same_answer_for_any_address(client, db):
    first = make_event(capacity=5, title="Erste", starts_at=utcnow() + timedelta(days=10))
    second = make_event(capacity=5, title="Zweite", starts_at=utcnow() + timedelta(days=40))
    register(client, second.slug)
    register(client, first.slug)
    known = send_link(client, "Erika@Example.org")
    unknown = send_link(client, "niemand@example.org")
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"] == "/r/new-link"
    answers = [client.get("/r/new-link").get_data(as_text=True) for _ in range(1)]
    assert "Wenn unter dieser Adresse eine Anmeldung besteht" in answers[0]
    assert outbox(db, "niemand@example.org") == []
    mail = the_mail(db, "erika@example.org", "your_links")
    assert mail.subject == "Ihre persönlichen Links zur Innovationswerkstatt"
    tokens = PERSONAL_URL.findall(mail.body_text)
    assert len(tokens) == 2
    assert mail.body_text.index("Erste") < mail.body_text.index("Zweite")
    opt_in_tokens = [link_token(m) for m in outbox(db, "erika@example.org", kind="opt_in")]
    assert sorted(tokens) == sorted(opt_in_tokens)  # the same links, none replaced
    send_link(client, "erika@example.org")  # again at once: no second mail to flood the inbox
    assert len(outbox(db, "erika@example.org", kind="your_links")) == 1


def test_the_link_form_refuses_bad_input_next_to_the_field_and_bots_get_no_mail(client, db,
                                                                               edition):
    register(client, edition.slug)
    bad = send_link(client, "keine-adresse")
    assert bad.status_code == 422
    assert 'id="email-error"' in bad.get_data(as_text=True)
    assert "Bitte geben Sie eine gültige E-Mail-Adresse ein." in bad.get_data(as_text=True)
    bot = send_link(client, "erika@example.org", website="http://spam.example")
    assert bot.status_code == 303
    assert outbox(db, "erika@example.org", kind="your_links") == []
    no_csrf = client.post("/r/new-link", data={"email": "erika@example.org"})
    assert no_csrf.status_code in (400, 422)
    assert outbox(db, "erika@example.org", kind="your_links") == []


def test_the_link_form_is_rate_limited(app, client, db):
    app.config["LINK_AGAIN_RATE_LIMIT"] = "2 per minute"
    try:
        codes = [send_link(client, f"p{i}@example.org").status_code for i in range(3)]
    finally:
        app.config["LINK_AGAIN_RATE_LIMIT"] = "10000 per minute"
    assert codes == [303, 303, 429]


# --- item 4: cancelling asks first --------------------------------------------------------------

def cancel_form_actions(html: str) -> list[str]:
    return re.findall(r'<form method="post" action="([^"]*/cancel)"', html)


def test_cancelling_asks_first_and_says_what_happens_to_the_seat(client, db, edition):
    register(client, edition.slug, email="erika@example.org")
    erika = token_for(db, "erika@example.org")
    post_button(client, f"/r/{erika}/confirm")
    register(client, edition.slug, email="max@example.org", name="Max")
    post_button(client, f"/r/{token_for(db, 'max@example.org')}/confirm")

    page = client.get(f"/r/{erika}").get_data(as_text=True)
    assert cancel_form_actions(page) == []  # the personal page's button only leads on
    assert f'href="/r/{erika}/cancel"' in page
    ask = client.get(f"/r/{erika}/cancel")
    assert ask.status_code == 200
    html = ask.get_data(as_text=True)
    assert "Wirklich abmelden?" in html
    assert "Ihr Platz geht sofort an die nächste Person auf der Warteliste." in html
    assert cancel_form_actions(html) == [f"/r/{erika}/cancel"]
    assert registration_of(db, "erika@example.org").status == RegistrationStatus.CONFIRMED

    post_button(client, f"/r/{erika}/cancel")
    assert registration_of(db, "erika@example.org").status == RegistrationStatus.CANCELLED
    assert "Ihr Platz geht an die nächste Person auf der Warteliste." in \
        the_mail(db, "erika@example.org", "cancelled").body_text
    assert registration_of(db, "max@example.org").place == Place.SEAT
    assert client.get(f"/r/{erika}/cancel").status_code == 303  # nothing left to cancel


def test_a_seat_nobody_waits_for_is_freed_and_a_waiting_place_just_ends(client, db, edition):
    register(client, edition.slug, email="erika@example.org")
    erika = token_for(db, "erika@example.org")
    post_button(client, f"/r/{erika}/confirm")
    register(client, edition.slug, email="max@example.org", name="Max")  # unconfirmed: not next
    max_token = token_for(db, "max@example.org")
    html = client.get(f"/r/{erika}/cancel").get_data(as_text=True)
    assert "Ihr Platz wird frei und kann an jemand anderen gehen." in html
    waiting = client.get(f"/r/{max_token}/cancel").get_data(as_text=True)
    assert "Sie verlieren Ihren Platz auf der Warteliste." in waiting
    post_button(client, f"/r/{max_token}/cancel")
    assert "Sie stehen nicht mehr auf der Warteliste." in \
        the_mail(db, "max@example.org", "cancelled").body_text
    post_button(client, f"/r/{erika}/cancel")
    body = the_mail(db, "erika@example.org", "cancelled").body_text
    assert "Ihr Platz ist wieder frei für andere." in body
    assert "nächste Person" not in body


# --- item 6: the submitted page says what the mail says -------------------------------------------

def test_the_submitted_page_says_what_the_mail_says_for_the_waiting_list_too(client, db, edition):
    register(client, edition.slug, email="erika@example.org")
    response = register(client, edition.slug, email="max@example.org", name="Max")
    assert registration_of(db, "max@example.org").place == Place.WAITLIST
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    mail = the_mail(db, "max@example.org", "opt_in").body_text
    assert "Platz wird wieder frei" not in page
    promise = "Ohne Bestätigung verfällt die Anmeldung"
    assert promise in page and promise in mail
    assert "innerhalb von 24 Stunden" in page and "innerhalb von 24 Stunden" in mail

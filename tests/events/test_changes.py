"""A new time or place of a published edition reaches the calendars of the people registered:
staff are asked first, then everyone with an address gets one mail with the updated entry."""
import icalendar
import sqlalchemy as sa

from app.models import AuditLog, Event, EventStatus, OutboxMessage
from tests.events.test_events import event_form, post, registered
from tests.factories import berlin, make_event, make_series

OLD_ROOM = "https://konferenz.example.org/raum"
NEW_ROOM = "https://konferenz.example.org/neuer-raum"


def edition(db, **overrides) -> Event:
    """An online edition exactly as event_form() describes it, with five people registered
    (see registered(): three of them active with an address, one cancelled, one walk-in)."""
    series = make_series()
    event = make_event(series, number=7, title="Verwaltung, die Familien mitdenkt",
                       guiding_question="Wie finden Familien Leistungen?", teaser="Kurz.",
                       description="Mit **Markdown**.", starts_at=berlin(2027, 3, 9, 17),
                       ends_at=berlin(2027, 3, 9, 18, 30), online_url=OLD_ROOM,
                       video_service="BigBlueButton, betrieben vom ITZBund",
                       speakers=[("Kim Beispiel", "Stadt Musterhausen")], **overrides)
    registered(db, event)
    return event


def edit(client, event, **changes):
    return post(client, f"/manage/events/{event.slug}/edit",
                event_form(event.series_id, **{k: str(v) for k, v in changes.items()}))


def reloaded(db, event) -> Event:
    db.session.expire_all()
    return db.session.get(Event, event.id)


def mails(db) -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def entry(message: OutboxMessage) -> icalendar.Event:
    [vevent] = icalendar.Calendar.from_ical(message.attachment).walk("VEVENT")
    return vevent


def flat(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


def test_changing_the_room_link_asks_first_says_how_many_and_mails_nothing(client, db,
                                                                           login_as):
    login_as("staff")
    event = edition(db)
    sequence = event.ics_sequence

    response = edit(client, event, online_url=NEW_ROOM)

    assert response.status_code == 200
    html = flat(response)
    assert "3 angemeldete Personen bekommen eine E-Mail mit dem geänderten Termin " \
           "(Kalendereintrag)." in html
    assert html.count('name="inform" value="3"') == 2
    assert "Speichern und 3 Personen informieren" in html
    assert f'value="{NEW_ROOM}"' in html  # what staff typed is still in the form
    assert f'<a class="kern-link" href="/manage/events/{event.slug}/edit">Nicht speichern und ' \
           'die Änderung verwerfen</a>' in html
    event = reloaded(db, event)
    assert (event.online_url, event.ics_sequence) == (OLD_ROOM, sequence)
    assert mails(db) == []


def test_after_confirming_each_person_registered_gets_one_mail_in_their_language_with_the_new_entry(
        client, db, login_as):
    user = login_as("staff")
    event = edition(db)
    sequence = event.ics_sequence
    uid = icalendar.Calendar.from_ical(
        client.get(f"/events/{event.slug}/event.ics").data).walk("VEVENT")[0]["UID"]

    response = edit(client, event, online_url=NEW_ROOM, inform=3)

    assert response.status_code == 303
    event = reloaded(db, event)
    assert (event.online_url, event.ics_sequence) == (NEW_ROOM, sequence + 1)
    sent = mails(db)
    # Dora holds a confirmed seat, Emma waits (English), Pia has not confirmed yet; the
    # cancelled registration and the walk-in without an address get nothing.
    assert [(m.kind, m.to_address, m.subject) for m in sent] == [
        ("event_changed", "dora.deutsch@example.org", "Geändert: Verwaltung, die Familien mitdenkt"),
        ("event_changed", "emma.english@example.org", "Changed: Verwaltung, die Familien mitdenkt"),
        ("event_changed", "pia.pending@example.org", "Geändert: Verwaltung, die Familien mitdenkt")]
    dora, emma, pia = sent
    for message in sent:
        calendar_entry = entry(message)
        assert message.attachment_name == f"{event.slug}.ics"
        assert message.attachment_type == "text/calendar; method=PUBLISH"
        assert icalendar.Calendar.from_ical(message.attachment)["METHOD"] == "PUBLISH"
        assert (calendar_entry["UID"], calendar_entry["SEQUENCE"]) == (uid, sequence + 1)
        assert "/r/" in message.body_text  # the personal page is linked
    # Only the person who holds the room link is given the new one.
    assert "Der Link zum Online-Raum hat sich geändert. Der neue Link: " + NEW_ROOM \
        in dora.body_text
    assert str(entry(dora)["LOCATION"]) == NEW_ROOM
    assert "The link to the online room has changed. You will get the link as soon as you " \
           "have a confirmed seat." in emma.body_text
    assert "Der Link zum Online-Raum hat sich geändert. Den Link bekommen Sie, sobald Sie " \
           "einen bestätigten Platz haben." in pia.body_text
    for message in (emma, pia):
        assert NEW_ROOM not in message.body_text
        assert NEW_ROOM not in message.attachment.replace("\r\n ", "")
    assert "Termin bisher" not in dora.body_text  # the time stayed as it was
    [audit] = db.session.scalars(sa.select(AuditLog).where(
        AuditLog.action == "event.change_mailed"))
    assert (audit.user_id, audit.event_id, audit.details) == (user.id, event.id, "mails: 3")
    page = flat(client.get(response.headers["Location"]))
    assert "Die Änderungen wurden gespeichert. 3 Personen bekommen eine E-Mail mit dem " \
           "geänderten Termin." in page


def test_a_new_time_is_mailed_old_and_new_in_berlin_time(client, db, login_as):
    login_as("staff")
    event = edition(db)

    response = edit(client, event, starts_at="2027-03-16T16:00", ends_at="2027-03-16T17:45",
                    inform=3)

    assert response.status_code == 303
    dora, emma, _pia = mails(db)
    assert "Termin bisher: Dienstag, 9. März 2027, 17:00–18:30 Uhr\n" \
           "Termin jetzt: Dienstag, 16. März 2027, 16:00–17:45 Uhr\n" in dora.body_text
    assert "Date before: Tuesday, March 9, 2027, 17:00–18:30\n" \
           "Date now: Tuesday, March 16, 2027, 16:00–17:45\n" in emma.body_text
    assert "Link zum Online-Raum" not in dora.body_text  # the room stayed as it was
    assert entry(dora)["DTSTART"].dt == berlin(2027, 3, 16, 16)


def test_confirming_for_fewer_people_than_are_registered_now_asks_again(client, db, login_as):
    login_as("staff")
    event = edition(db)

    response = edit(client, event, online_url=NEW_ROOM, inform=2)

    assert response.status_code == 200
    assert "3 angemeldete Personen bekommen eine E-Mail" in flat(response)
    assert reloaded(db, event).online_url == OLD_ROOM
    assert mails(db) == []


def test_a_text_only_change_neither_asks_nor_mails(client, db, login_as):
    login_as("staff")
    event = edition(db)
    sequence = event.ics_sequence

    response = edit(client, event, title="Familien zuerst", teaser="Neu.")

    assert response.status_code == 303
    event = reloaded(db, event)
    assert (event.title, event.ics_sequence) == ("Familien zuerst", sequence)
    assert mails(db) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.action == "event.change_mailed")) == 0


def test_changing_a_draft_neither_asks_nor_mails(client, db, login_as):
    login_as("staff")
    event = edition(db, status=EventStatus.DRAFT)
    sequence = event.ics_sequence

    response = edit(client, event, online_url=NEW_ROOM, starts_at="2027-03-16T17:00",
                    ends_at="2027-03-16T18:30")

    assert response.status_code == 303
    event = reloaded(db, event)
    assert (event.online_url, event.starts_at, event.ics_sequence) == (
        NEW_ROOM, berlin(2027, 3, 16, 17), sequence + 1)
    assert mails(db) == []


def test_a_cancelled_edition_cannot_be_changed_and_nobody_is_mailed(client, db, login_as):
    login_as("staff")
    event = edition(db, status=EventStatus.CANCELLED)
    sequence = event.ics_sequence

    response = edit(client, event, online_url=NEW_ROOM, inform=3)

    assert response.status_code == 200
    assert "Eine abgesagte Ausgabe kann nicht mehr geändert werden." in flat(response)
    event = reloaded(db, event)
    assert (event.online_url, event.ics_sequence) == (OLD_ROOM, sequence)
    assert mails(db) == []

"""Staff create, edit, publish, cancel and duplicate editions."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.domain.editions import BERLIN
from app.models import AuditLog, Event, EventFormat, EventStatus, OutboxMessage, Series, Speaker
from app.models.base import utcnow
from tests.conftest import csrf_from
from tests.factories import berlin, make_event, make_registration, make_series, make_user


def event_form(series_id, /, **overrides):
    data = {
        "series_id": str(series_id), "number": "7", "title": "Verwaltung, die Familien mitdenkt",
        "guiding_question": "Wie finden Familien Leistungen?", "teaser": "Kurz.",
        "description": "Mit **Markdown**.", "starts_at": "2027-03-09T17:00",
        "ends_at": "2027-03-09T18:30", "format": "online", "venue": "",
        "online_url": "https://konferenz.example.org/raum", "capacity": "30",
        "video_service": "BigBlueButton, betrieben vom ITZBund",
        "registration_opens_at": "", "registration_closes_at": "",
        "speakers-0-name": "Kim Beispiel", "speakers-0-organisation": "Stadt Musterhausen",
        "speakers-0-role": "Impuls", "speakers-1-name": "", "speakers-1-organisation": "",
        "speakers-1-role": "",
    }
    data.update(overrides)
    return data


def post(client, url, data=None):
    token = csrf_from(client, "/manage/")
    return client.post(url, data={**(data or {}), "csrf_token": token})


def count(model) -> int:
    return db_count(model)


def db_count(model) -> int:
    from app.extensions import db
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_staff_create_a_draft_with_berlin_times_stored_in_utc(client, db, login_as):
    login_as("staff")
    series = make_series(slug="innovationswerkstatt", name="Innovationswerkstatt")
    response = post(client, "/manage/events/new", event_form(series.id))
    assert response.status_code == 303
    assert response.headers["Location"] == "/manage/events/innovationswerkstatt-7/edit"
    event = db.session.scalar(sa.select(Event))
    assert event.status == EventStatus.DRAFT
    assert event.starts_at == berlin(2027, 3, 9, 17)
    assert event.starts_at.utcoffset() == timedelta(0)
    assert event.starts_at.hour == 16  # 17:00 CET is 16:00 UTC
    assert [(s.name, s.organisation) for s in event.speakers] == [("Kim Beispiel", "Stadt Musterhausen")]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("title", "", "Bitte geben Sie einen Titel ein."),
    ("title", "x" * 201, "Feld kann nicht länger als 200 Zeichen sein."),
    ("title", "Zeile\r\nzwei", "Bitte nur eine Zeile ohne Steuerzeichen eingeben."),
    ("ends_at", "2027-03-09T16:00", "Das Ende muss nach dem Beginn liegen."),
    ("starts_at", "morgen", "Kein gültiges Datum mit Zeit."),
    ("starts_at", "", "Bitte geben Sie Datum und Uhrzeit des Beginns an."),
    ("capacity", "-3", "Bitte eine Zahl von 1 bis 100000."),
    ("capacity", "dreißig", "Keine gültige, ganze Zahl."),
    ("capacity", "", "Bitte geben Sie die Zahl der Plätze an."),
    ("format", "teleportation", "Keine gültige Auswahl."),
    ("format", "onsite", "Bitte geben Sie den Veranstaltungsort an."),
    ("online_url", "javascript:alert(1)", "Bitte einen Link beginnend mit https:// angeben."),
    ("video_service", "", "Bitte nennen Sie den Videokonferenzdienst."),
    ("video_service", "x" * 201, "Bitte höchstens 200 Zeichen."),
    ("registration_closes_at", "2027-03-10T12:00",
     "Die Anmeldung muss spätestens mit dem Beginn schließen."),
    ("speakers-1-organisation", "Ohne Namen", "Bitte geben Sie den Namen der Person an."),
    ("series_id", "999999", "Keine gültige Auswahl."),
])
def test_invalid_edition_form_shows_the_error_and_stores_nothing(client, db, login_as,
                                                                  field, value, message):
    login_as("staff")
    series = make_series()
    response = post(client, "/manage/events/new", event_form(series.id, **{field: value}))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert 'aria-invalid="true"' in html
    assert count(Event) == 0
    assert count(Speaker) == 0


def test_the_number_of_an_edition_is_unique_in_its_series(client, db, login_as):
    login_as("staff")
    series = make_series()
    make_event(series, number=7)
    response = post(client, "/manage/events/new", event_form(series.id, number="7"))
    assert response.status_code == 200
    assert "Diese Nummer hat schon eine andere Ausgabe der Reihe." in response.get_data(as_text=True)
    assert count(Event) == 1


def test_the_error_messages_are_in_english_for_english_users(client, db, login_as):
    login_as("staff")
    series = make_series()
    client.get("/manage/?lang=en")
    response = post(client, "/manage/events/new", event_form(series.id, title=""))
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Bitte geben Sie einen Titel ein." not in html
    assert "Please enter a title." in html


def test_editing_keeps_the_slug_people_share(client, db, login_as):
    login_as("staff")
    event = make_event(number=7, title="Alt")
    slug = event.slug
    response = post(client, f"/manage/events/{slug}/edit",
                    event_form(event.series_id, number="8", title="Neu"))
    assert response.status_code == 303
    db.session.expire_all()
    event = db.session.scalar(sa.select(Event))
    assert (event.slug, event.number, event.title) == (slug, 8, "Neu")


def test_edit_form_shows_times_in_berlin(client, db, login_as):
    login_as("staff")
    event = make_event(starts_at=berlin(2026, 7, 7, 17))
    html = client.get(f"/manage/events/{event.slug}/edit").get_data(as_text=True)
    assert 'value="2026-07-07T17:00"' in html


def test_publish_unpublish_and_cancel(client, db, login_as):
    login_as("staff")
    event = make_event(status=EventStatus.DRAFT)
    assert client.get(f"/events/{event.slug}").status_code == 200  # staff preview
    assert post(client, f"/manage/events/{event.slug}/publish").status_code == 303
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == EventStatus.PUBLISHED
    assert db.session.get(Event, event.id).published_at is not None
    post(client, f"/manage/events/{event.slug}/unpublish")
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == EventStatus.DRAFT
    post(client, f"/manage/events/{event.slug}/cancel")
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == EventStatus.CANCELLED


def test_an_edition_that_was_held_cannot_be_cancelled(client, db, login_as):
    login_as("staff")
    event = make_event(starts_at=utcnow() - timedelta(days=3))
    response = post(client, f"/manage/events/{event.slug}/cancel")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "kann nicht abgesagt werden" in page
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == EventStatus.PUBLISHED


def test_state_changes_need_a_csrf_token(client, db, login_as):
    login_as("staff")
    event = make_event(status=EventStatus.DRAFT)
    assert client.post(f"/manage/events/{event.slug}/publish").status_code == 400
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == EventStatus.DRAFT


def test_duplicate_as_next_edition(client, db, login_as):
    login_as("staff")
    facilitator = make_user(role="facilitator")
    series = make_series(slug="innovationswerkstatt")
    source = make_event(series, number=6, starts_at=berlin(2025, 12, 9, 17),
                        ends_at=berlin(2025, 12, 9, 18, 30), title="Daten für Familien",
                        registration_opens_at=berlin(2025, 11, 1, 9),
                        online_url="https://konferenz.example.org/alt",
                        video_service="Jitsi Meet, betrieben vom ITZBund",
                        speakers=[("Sam Exempel", "Verein")], facilitators=[facilitator])
    response = post(client, f"/manage/events/{source.slug}/duplicate")
    assert response.headers["Location"] == "/manage/events/innovationswerkstatt-7/edit"
    copy = db.session.scalar(sa.select(Event).where(Event.number == 7))
    assert copy.status == EventStatus.DRAFT
    assert copy.title == "Daten für Familien"
    assert copy.starts_at.astimezone(BERLIN).replace(tzinfo=None).isoformat() == "2026-03-10T17:00:00"
    assert copy.ends_at - copy.starts_at == timedelta(minutes=90)
    # The registration window moves with the edition: still 38 days before, at 09:00.
    assert copy.registration_opens_at.astimezone(BERLIN).isoformat().startswith("2026-01-31T09:00")
    assert copy.online_url == ""  # each edition gets its own room
    assert copy.video_service == "Jitsi Meet, betrieben vom ITZBund"
    assert [s.name for s in copy.speakers] == ["Sam Exempel"]
    assert [u.id for u in copy.facilitators] == [facilitator.id]
    assert db_count(Series) == 1


def test_duplicating_twice_takes_the_next_free_number(client, db, login_as):
    login_as("staff")
    source = make_event(number=6)
    post(client, f"/manage/events/{source.slug}/duplicate")
    post(client, f"/manage/events/{source.slug}/duplicate")
    numbers = db.session.scalars(sa.select(Event.number).order_by(Event.number)).all()
    assert numbers == [6, 7, 8]


def test_dashboard_groups_editions_by_phase(client, db, login_as):
    login_as("staff")
    make_event(title="Offen", starts_at=utcnow() + timedelta(days=20))
    make_event(title="Vorbei", starts_at=utcnow() - timedelta(days=20))
    make_event(title="Entwurf", status=EventStatus.DRAFT)
    html = client.get("/manage/").get_data(as_text=True)
    order = [html.index(t) for t in ("Anmeldung offen", "Offen", "Entwurf", "Stattgefunden", "Vorbei")]
    assert order == sorted(order)


def test_facilitators_see_only_their_editions(client, db, login_as):
    user = login_as("facilitator")
    make_event(title="Meine Ausgabe", facilitators=[user])
    make_event(title="Fremde Ausgabe")
    html = client.get("/manage/").get_data(as_text=True)
    assert "Meine Ausgabe" in html
    assert "Fremde Ausgabe" not in html


def test_series_can_be_created_and_names_are_unique(client, db, login_as):
    login_as("staff")
    assert post(client, "/manage/series/new", {"name": "Zukunftsdialog"}).status_code == 303
    response = post(client, "/manage/series/new", {"name": "Zukunftsdialog"})
    assert "Eine Reihe mit diesem Namen gibt es schon." in response.get_data(as_text=True)
    assert db_count(Series) == 1


# --- cancelling an edition tells everyone registered -------------------------------------------

def registered(db, event):
    """A seat (German), a waiting place (English), an unconfirmed hold, a cancelled one and a
    walk-in without an address."""
    from tests.records.test_checkin import enrol
    enrol(event, "Dora Deutsch")
    english = enrol(event, "Emma English", place="waitlist")
    english.language = "en"
    enrol(event, "Pia Pending", status="pending")
    enrol(event, "Cleo Cancelled", status="cancelled")
    enrol(event, "Wanda Walkin", email="0123456789abcdef01234567@walk-in.invalid")
    db.session.commit()


def test_cancelling_an_edition_asks_first_and_says_how_many_get_a_mail(client, db, login_as):
    login_as("staff")
    event = make_event(title="Daten für Familien")
    registered(db, event)
    edit = client.get(f"/manage/events/{event.slug}/edit").get_data(as_text=True)
    assert f'href="/manage/events/{event.slug}/cancel"' in edit

    page = client.get(f"/manage/events/{event.slug}/cancel")

    assert page.status_code == 200
    html = " ".join(page.get_data(as_text=True).split())
    assert "3 angemeldete Personen bekommen eine E-Mail zur Absage, mit Ihrer Nachricht und " \
           "dem abgesagten Kalendertermin." in html
    assert 'name="note"' in html
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == EventStatus.PUBLISHED
    assert count(OutboxMessage) == 0


def test_cancelling_an_edition_mails_everyone_registered_with_the_note(client, db, login_as):
    user = login_as("staff")
    event = make_event(title="Daten für Familien")
    registered(db, event)
    sequence = event.ics_sequence

    response = post(client, f"/manage/events/{event.slug}/cancel",
                    {"note": "Die Referentin ist erkrankt. Neuer Termin folgt."})

    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == EventStatus.CANCELLED
    mails = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.kind, m.to_address, m.subject) for m in mails] == [
        ("event_cancelled", "dora.deutsch@example.org", "Abgesagt: Daten für Familien"),
        ("event_cancelled", "emma.english@example.org", "Cancelled: Daten für Familien"),
        ("event_cancelled", "pia.pending@example.org", "Abgesagt: Daten für Familien")]
    german, english, _pending = mails
    assert "leider müssen wir diese Veranstaltung absagen" in german.body_text
    assert "Nachricht des Organisationsteams:\nDie Referentin ist erkrankt. Neuer Termin folgt." \
        in german.body_text
    assert f"/events/{event.slug}" in german.body_text
    assert "unfortunately we have to cancel this event" in english.body_text
    assert german.attachment_name == f"{event.slug}.ics"
    assert "STATUS:CANCELLED" in german.attachment
    assert f"SEQUENCE:{sequence + 1}" in german.attachment
    [entry] = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "event.cancel"))
    assert (entry.user_id, entry.details) == (user.id, "mails: 3, note: yes")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Die Ausgabe ist abgesagt. 3 Personen bekommen eine E-Mail." in page


def test_a_too_long_cancellation_note_is_refused_next_to_the_field(client, db, login_as):
    login_as("staff")
    event = make_event()
    registered(db, event)
    response = post(client, f"/manage/events/{event.slug}/cancel", {"note": "x" * 1001})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Bitte höchstens 1000 Zeichen." in html and 'id="note-error"' in html
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == EventStatus.PUBLISHED
    assert count(OutboxMessage) == 0


def test_cancelling_an_edition_nobody_registered_for_says_nobody_gets_a_mail(client, db,
                                                                           login_as):
    login_as("staff")
    event = make_event()
    html = " ".join(client.get(f"/manage/events/{event.slug}/cancel").get_data(as_text=True)
                    .split())
    assert "Niemand bekommt eine E-Mail: es ist niemand angemeldet." in html


def test_the_video_service_is_stored_and_named_on_the_event_page_and_in_the_privacy_notice(
        client, db, login_as):
    login_as("staff")
    series = make_series(slug="innovationswerkstatt", name="Innovationswerkstatt")
    response = post(client, "/manage/events/new", event_form(series.id))
    assert response.status_code == 303
    event = db.session.scalar(sa.select(Event))
    assert event.video_service == "BigBlueButton, betrieben vom ITZBund"
    edit = client.get(f"/manage/events/{event.slug}/edit").get_data(as_text=True)
    assert 'value="BigBlueButton, betrieben vom ITZBund"' in edit
    event.status = EventStatus.PUBLISHED
    make_event(series, number=8, title="Vor Ort", format=EventFormat.ONSITE, venue="Berlin",
               video_service="Nie genannt")
    db.session.commit()

    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "Videokonferenz: BigBlueButton, betrieben vom ITZBund" in page
    privacy = client.get("/privacy").get_data(as_text=True)
    assert "Innovationswerkstatt Nr. 7 „Verwaltung, die Familien mitdenkt“ (9. März 2027): " \
           "BigBlueButton, betrieben vom ITZBund" in privacy
    assert "Nie genannt" not in privacy and "Vor Ort" not in privacy
    english = client.get("/privacy?lang=en").get_data(as_text=True)
    assert "Innovationswerkstatt no. 7 “Verwaltung, die Familien mitdenkt” (March 9, 2027): " \
           "BigBlueButton, betrieben vom ITZBund" in english


def test_an_onsite_edition_needs_no_video_service(client, db, login_as):
    login_as("staff")
    series = make_series()
    response = post(client, "/manage/events/new", event_form(
        series.id, format="onsite", venue="Musterstraße 1, Berlin", video_service=""))
    assert response.status_code == 303


def test_the_dashboard_shows_seats_and_waiting_list_per_edition_in_a_constant_number_of_queries(
        client, db, login_as):
    from tests.conftest import counted_statements
    login_as("staff")

    def edition_with(seats: int, waiting: int, title: str):
        event = make_event(title=title, capacity=seats + 1)
        for i in range(seats + waiting):
            make_registration(event, f"P{i}", email=f"{title}-{i}@example.org",
                              place="seat" if i < seats else "waitlist", commit=False)
        db.session.commit()

    edition_with(2, 1, "erste")
    with counted_statements(db) as few:
        html = client.get("/manage/").get_data(as_text=True)
    assert "2 von 3 Plätzen belegt · 1 auf der Warteliste" in html
    for n in range(4):
        edition_with(n, 0, f"weitere{n}")
    with counted_statements(db) as many:
        html = client.get("/manage/").get_data(as_text=True)
    assert "0 von 1 Plätzen belegt</p>" in html and "3 von 4 Plätzen belegt</p>" in html
    assert len(many) == len(few)
    english = client.get("/manage/?lang=en").get_data(as_text=True)
    assert "2 of 3 seats taken · 1 on the waiting list" in english


def test_staff_set_the_working_language_in_the_edition_form_and_duplicates_keep_it(
        client, db, login_as):
    login_as("staff")
    series = make_series(slug="innovationswerkstatt")
    response = post(client, "/manage/events/new",
                    event_form(series.id, working_language="en", title="Data for families"))
    assert response.status_code == 303
    event = db.session.scalar(sa.select(Event).where(Event.number == 7))
    assert event.working_language == "en"
    html = client.get(f"/manage/events/{event.slug}/edit").get_data(as_text=True)
    assert '<option selected value="en">Englisch</option>' in html
    post(client, f"/manage/events/{event.slug}/duplicate")
    copy = db.session.scalar(sa.select(Event).where(Event.number == 8))
    assert copy.working_language == "en"


def test_a_working_language_the_site_does_not_have_is_refused_next_to_the_field(
        client, db, login_as):
    login_as("staff")
    series = make_series(slug="innovationswerkstatt")
    response = post(client, "/manage/events/new", event_form(series.id, working_language="fr"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="working_language-error"' in html
    assert db_count(Event) == 0


def test_an_edition_is_held_in_german_unless_staff_say_otherwise(client, db, login_as):
    login_as("staff")
    series = make_series(slug="innovationswerkstatt")
    data = event_form(series.id)
    data.pop("working_language", None)
    assert post(client, "/manage/events/new", data).status_code == 303
    assert db.session.scalar(sa.select(Event.working_language)) == "de"


def test_a_select_that_always_has_a_value_is_not_marked_required_but_still_checked(
        client, db, login_as):
    """HTML allows `required` on a select only above an empty placeholder option (the Nu HTML
    Checker flagged the series choice); the server still refuses a missing series."""
    login_as("staff")
    make_series(slug="innovationswerkstatt", name="Innovationswerkstatt")
    html = client.get("/manage/events/new").get_data(as_text=True)
    tag = html[html.index('<select class="kern-form-input__select" id="series_id"'):]
    assert tag[:tag.index(">")] == '<select class="kern-form-input__select" id="series_id" name="series_id"'
    data = event_form(0)
    data.pop("series_id")
    response = post(client, "/manage/events/new", data)
    assert response.status_code == 200
    assert "Bitte wählen Sie eine Reihe." in response.get_data(as_text=True)
    assert db_count(Event) == 0

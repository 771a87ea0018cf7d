"""The edition as an iCalendar entry, read back by two independent parsers."""
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import vobject

from app.agenda.services import agenda_view
from app.domain.agenda import ItemKind
from app.events.calendar import RoomLink, edition_ics, editions_ics
from app.models import AgendaItem, EventFormat, EventStatus
from app.models.base import utcnow
from tests.factories import berlin, make_event, make_series

DOMAIN = "werkstatt.example.org"
ONLINE_ROOM = "https://konferenz.example.org/geheimer-raum-4711"


def url_of(event) -> str:
    return f"https://{DOMAIN}/events/{event.slug}"


def build(event) -> bytes:
    return edition_ics(event, agenda_view(event).rows, url_of(event), DOMAIN)


def parse(ics: bytes):
    """Both parsers' view of a single-event calendar: (vobject VEVENT, icalendar VEVENT)."""
    vcal = vobject.readOne(ics.decode("utf-8"))
    ical = icalendar.Calendar.from_ical(ics)
    (ievent,) = ical.walk("VEVENT")
    assert len(vcal.vevent_list) == 1
    return vcal.vevent, ievent


def unfolded(ics: bytes) -> str:
    return ics.decode("utf-8").replace("\r\n ", "")


def make_edition(*, evening: tuple[int, int, int] | None = None, **overrides):
    """An edition of the Innovationswerkstatt; `evening` (year, month, day): 17:00–18:30."""
    series = overrides.pop("series", None) or make_series(name="Innovationswerkstatt")
    if evening:
        overrides.update(starts_at=berlin(*evening, 17), ends_at=berlin(*evening, 18, 30))
    values = {"number": 7, "title": "Verwaltung, die Familien mitdenkt",
              "guiding_question": "Wie finden Familien Leistungen?",
              "teaser": "Ein Abend über Wege durch die Verwaltung.",
              "starts_at": berlin(2026, 10, 25, 17), "ends_at": berlin(2026, 10, 25, 18, 30),
              "format": EventFormat.ONLINE, "online_url": ONLINE_ROOM}
    values.update(overrides)
    return make_event(series, **values)


def add_items(db, event, items):
    for position, (kind, title, minutes, speakers) in enumerate(items):
        db.session.add(AgendaItem(event=event, position=position, kind=kind, title=title,
                                  duration_minutes=minutes, speakers=speakers))
    db.session.commit()


def test_calendar_header_names_the_product_and_publishes(db):
    ics = build(make_edition())

    vcal = vobject.readOne(ics.decode("utf-8"))
    ical = icalendar.Calendar.from_ical(ics)
    assert vcal.prodid.value == "-//Werkstatt//Innovationswerkstatt//DE"
    assert vcal.version.value == "2.0"
    assert vcal.calscale.value == "GREGORIAN"
    assert vcal.method.value == "PUBLISH"
    assert str(ical["PRODID"]) == "-//Werkstatt//Innovationswerkstatt//DE"
    assert str(ical["VERSION"]) == "2.0"
    assert str(ical["CALSCALE"]) == "GREGORIAN"
    assert str(ical["METHOD"]) == "PUBLISH"


def test_start_and_end_read_back_as_the_edition_times_in_berlin(db):
    event = make_edition(evening=(2026, 9, 8))

    ics = build(event)
    vevent, ievent = parse(ics)

    assert vevent.dtstart.value == event.starts_at
    assert vevent.dtend.value == event.ends_at
    # vobject turns TZID into a tzinfo built from our VTIMEZONE and keeps the name here.
    assert vevent.dtstart.params["X-VOBJ-ORIGINAL-TZID"] == ["Europe/Berlin"]
    assert vevent.dtend.params["X-VOBJ-ORIGINAL-TZID"] == ["Europe/Berlin"]
    assert ievent["DTSTART"].dt == event.starts_at
    assert ievent["DTEND"].dt == event.ends_at
    assert ievent["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert ievent["DTEND"].params["TZID"] == "Europe/Berlin"
    text = unfolded(ics)
    assert "DTSTART;TZID=Europe/Berlin:20260908T170000\r\n" in text
    assert "DTEND;TZID=Europe/Berlin:20260908T183000\r\n" in text


def test_calendar_carries_the_berlin_timezone_definition(db):
    ics = build(make_edition())

    vcal = vobject.readOne(ics.decode("utf-8"))
    ical = icalendar.Calendar.from_ical(ics)
    assert [tz.tzid.value for tz in vcal.vtimezone_list] == ["Europe/Berlin"]
    assert [str(tz["TZID"]) for tz in ical.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert ical.get_missing_tzids() == set()


def test_evening_after_the_autumn_clock_change_is_utc_plus_one(db):
    # Sunday 25 October 2026 is the last Sunday of October: clocks went back at 03:00.
    event = make_edition(evening=(2026, 10, 25))

    vevent, ievent = parse(build(event))

    for start, end in ((vevent.dtstart.value, vevent.dtend.value),
                       (ievent["DTSTART"].dt, ievent["DTEND"].dt)):
        assert (start.hour, start.minute) == (17, 0)
        assert (end.hour, end.minute) == (18, 30)
        assert start.utcoffset() == timedelta(hours=1)
        assert start.astimezone(UTC) == datetime(2026, 10, 25, 16, 0, tzinfo=UTC)
        assert end.astimezone(UTC) == datetime(2026, 10, 25, 17, 30, tzinfo=UTC)


def test_evening_after_the_spring_clock_change_is_utc_plus_two(db):
    # Sunday 29 March 2026: clocks went forward at 02:00.
    event = make_edition(evening=(2026, 3, 29))

    vevent, ievent = parse(build(event))

    for start in (vevent.dtstart.value, ievent["DTSTART"].dt):
        assert (start.hour, start.minute) == (17, 0)
        assert start.utcoffset() == timedelta(hours=2)
        assert start.astimezone(UTC) == datetime(2026, 3, 29, 15, 0, tzinfo=UTC)


def test_uid_stays_the_same_when_the_edition_is_rebuilt_and_edited(db):
    event = make_edition()
    first_v, first_i = parse(build(event))
    second_v, _ = parse(build(event))

    event.title = "Ein ganz neuer Titel"
    event.starts_at = berlin(2026, 11, 3, 18)
    event.ends_at = berlin(2026, 11, 3, 19, 30)
    db.session.commit()
    edited_v, edited_i = parse(build(event))

    expected = f"{event.slug}@{DOMAIN}"
    assert first_v.uid.value == expected
    assert str(first_i["UID"]) == expected
    assert second_v.uid.value == expected
    assert edited_v.uid.value == expected
    assert str(edited_i["UID"]) == expected
    assert edited_v.summary.value == "Innovationswerkstatt #7: Ein ganz neuer Titel"
    assert edited_i["DTSTART"].dt == berlin(2026, 11, 3, 18)


def test_summary_url_sequence_and_timestamps(db):
    event = make_edition(ics_sequence=3)
    before = utcnow().replace(microsecond=0)

    ics = build(event)
    vevent, ievent = parse(ics)

    after = utcnow()
    assert vevent.summary.value == "Innovationswerkstatt #7: Verwaltung, die Familien mitdenkt"
    assert str(ievent["SUMMARY"]) == "Innovationswerkstatt #7: Verwaltung, die Familien mitdenkt"
    assert vevent.url.value == url_of(event)
    assert str(ievent["URL"]) == url_of(event)
    assert int(vevent.sequence.value) == 3
    assert ievent["SEQUENCE"] == 3
    assert before <= vevent.dtstamp.value <= after
    assert before <= ievent["DTSTAMP"].dt <= after
    assert ievent["DTSTAMP"].dt.utcoffset() == timedelta(0)
    assert vevent.last_modified.value == event.updated_at.replace(microsecond=0)
    assert ievent["LAST-MODIFIED"].dt == event.updated_at.replace(microsecond=0)


@pytest.mark.parametrize(("status", "expected"), [
    (EventStatus.PUBLISHED, "CONFIRMED"),
    (EventStatus.CANCELLED, "CANCELLED"),
])
def test_status_follows_the_edition(db, status, expected):
    event = make_edition(status=status)

    vevent, ievent = parse(build(event))

    assert vevent.status.value == expected
    assert str(ievent["STATUS"]) == expected


@pytest.mark.parametrize(("fmt", "venue", "expected"), [
    (EventFormat.ONLINE, "", "Online"),
    (EventFormat.ONSITE, "Haus der Begegnung, Raum 2; Berlin", "Haus der Begegnung, Raum 2; Berlin"),
    (EventFormat.HYBRID, "Haus der Begegnung, Raum 2; Berlin", "Haus der Begegnung, Raum 2; Berlin"),
])
def test_location_is_the_venue_or_online_and_never_the_room_link(db, fmt, venue, expected):
    event = make_edition(format=fmt, venue=venue, online_url=ONLINE_ROOM)

    ics = build(event)
    vevent, ievent = parse(ics)

    assert vevent.location.value == expected
    assert str(ievent["LOCATION"]) == expected
    assert "geheimer-raum" not in unfolded(ics)
    assert "konferenz.example.org" not in unfolded(ics)
    assert b"geheimer-raum" not in ics


def test_description_lists_question_teaser_programme_and_link(db):
    event = make_edition(speakers=[("Kim Beispiel", "Stadt Musterhausen"),
                                   ("Alex Muster", "")])
    kim, alex = event.speakers
    add_items(db, event, [
        (ItemKind.WELCOME, "Begrüßung", 10, [kim]),
        (ItemKind.INPUT, "Impuls: Leistungen finden", 20, [kim, alex]),
        (ItemKind.BREAKOUT, "Arbeitsphase", 45, []),
        (ItemKind.WRAPUP, "Abschluss", 15, []),
    ])

    vevent, ievent = parse(build(event))

    expected = (
        "Wie finden Familien Leistungen?\n\n"
        "Ein Abend über Wege durch die Verwaltung.\n\n"
        "17:00–17:10 Begrüßung (Kim Beispiel, Stadt Musterhausen)\n"
        "17:10–17:30 Impuls: Leistungen finden (Kim Beispiel, Stadt Musterhausen; Alex Muster)\n"
        "17:30–18:15 Arbeitsphase\n"
        "18:15–18:30 Abschluss\n\n"
        f"{url_of(event)}"
    )
    assert vevent.description.value == expected
    assert str(ievent["DESCRIPTION"]) == expected
    for line in ("17:00–17:10 Begrüßung", "17:10–17:30 Impuls: Leistungen finden",
                 "17:30–18:15 Arbeitsphase", "18:15–18:30 Abschluss"):
        assert line in vevent.description.value


def test_description_without_agenda_has_question_teaser_and_link(db):
    event = make_edition()

    vevent, ievent = parse(build(event))

    expected = ("Wie finden Familien Leistungen?\n\n"
                "Ein Abend über Wege durch die Verwaltung.\n\n"
                f"{url_of(event)}")
    assert vevent.description.value == expected
    assert str(ievent["DESCRIPTION"]) == expected


def test_feed_has_one_entry_per_edition_and_one_timezone(db):
    series = make_series(name="Innovationswerkstatt")
    spring = make_edition(series=series, number=8, evening=(2026, 3, 29))
    autumn = make_edition(series=series, number=9, evening=(2026, 10, 25))
    add_items(db, autumn, [(ItemKind.WELCOME, "Begrüßung", 90, [])])

    ics = editions_ics([(e, agenda_view(e).rows, url_of(e)) for e in (spring, autumn)], DOMAIN)

    vcal = vobject.readOne(ics.decode("utf-8"))
    ical = icalendar.Calendar.from_ical(ics)
    assert [v.uid.value for v in vcal.vevent_list] == [f"{spring.slug}@{DOMAIN}",
                                                       f"{autumn.slug}@{DOMAIN}"]
    assert [str(v["UID"]) for v in ical.walk("VEVENT")] == [f"{spring.slug}@{DOMAIN}",
                                                            f"{autumn.slug}@{DOMAIN}"]
    assert len(vcal.vtimezone_list) == 1
    assert len(ical.walk("VTIMEZONE")) == 1
    assert [v.dtstart.value for v in vcal.vevent_list] == [spring.starts_at, autumn.starts_at]
    assert [v["DTSTART"].dt for v in ical.walk("VEVENT")] == [spring.starts_at, autumn.starts_at]
    assert [v.summary.value for v in vcal.vevent_list] == [
        "Innovationswerkstatt #8: Verwaltung, die Familien mitdenkt",
        "Innovationswerkstatt #9: Verwaltung, die Familien mitdenkt"]
    assert "17:00–18:30 Begrüßung" in vcal.vevent_list[1].description.value
    assert "17:00–18:30 Begrüßung" not in vcal.vevent_list[0].description.value


def test_feed_spanning_a_new_year_places_both_editions_correctly(db):
    series = make_series(name="Innovationswerkstatt")
    december = make_edition(series=series, number=10, evening=(2026, 12, 8))
    june = make_edition(series=series, number=11, evening=(2027, 6, 8))

    ics = editions_ics([(e, [], url_of(e)) for e in (december, june)], DOMAIN)

    vcal = vobject.readOne(ics.decode("utf-8"))
    ical = icalendar.Calendar.from_ical(ics)
    assert [v.dtstart.value.utcoffset() for v in vcal.vevent_list] == [timedelta(hours=1),
                                                                       timedelta(hours=2)]
    assert [v.dtstart.value for v in vcal.vevent_list] == [december.starts_at, june.starts_at]
    assert [v["DTSTART"].dt for v in ical.walk("VEVENT")] == [december.starts_at, june.starts_at]


def test_timezone_definition_in_the_file_places_summer_and_winter_dates(db):
    ics = build(make_edition())

    # Built fresh from this file's VTIMEZONE, not from a definition vobject cached earlier.
    berlin_tz = vobject.readOne(ics.decode("utf-8")).vtimezone.gettzinfo()
    ical_tz = icalendar.Calendar.from_ical(ics).walk("VTIMEZONE")[0].to_tz()
    for local, hours in [(datetime(2026, 3, 28, 17), 1), (datetime(2026, 3, 29, 17), 2),
                         (datetime(2026, 10, 24, 17), 2), (datetime(2026, 10, 25, 17), 1),
                         (datetime(2031, 7, 8, 17), 2), (datetime(2039, 12, 6, 17), 1)]:
        assert berlin_tz.utcoffset(local) == timedelta(hours=hours), local
        assert local.replace(tzinfo=ical_tz).utcoffset() == timedelta(hours=hours), local


def test_a_persons_own_entry_carries_the_room_link_as_location_url_and_first_line(db):
    event = make_edition()
    room = RoomLink(ONLINE_ROOM, "Link zum Online-Raum:")

    ics = edition_ics(event, agenda_view(event).rows, url_of(event), DOMAIN, room)
    vevent, ievent = parse(ics)

    assert str(ievent["LOCATION"]) == vevent.location.value == ONLINE_ROOM
    assert str(ievent["URL"]) == ONLINE_ROOM
    assert str(ievent["DESCRIPTION"]).startswith(f"Link zum Online-Raum: {ONLINE_ROOM}\n\n")
    assert str(ievent["UID"]) == f"{event.slug}@{DOMAIN}"  # the same entry as the public one


def test_changing_the_room_link_raises_the_sequence_and_an_unchanged_save_does_not(
        client, db, login_as):
    from tests.events.test_events import event_form, post

    login_as("staff")
    event = make_edition(evening=(2027, 3, 9),
                         online_url="https://konferenz.example.org/raum")
    form = event_form(event.series_id, number="7", title=event.title)

    def sequence() -> int:
        ics = client.get(f"/events/{event.slug}/event.ics").data
        return int(icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]["SEQUENCE"])

    assert sequence() == 0
    assert post(client, f"/manage/events/{event.slug}/edit", form).status_code == 303
    assert sequence() == 0
    form["online_url"] = "https://konferenz.example.org/neuer-raum"
    assert post(client, f"/manage/events/{event.slug}/edit", form).status_code == 303
    assert sequence() == 1

"""An edition as an iCalendar entry (event.ics, the events.ics feed, mail attachments).

Pure builders: the caller passes the public URL and the UID domain, so they work
in a request, in the mail worker and in tests alike.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

import icalendar

from app.domain.editions import BERLIN
from app.models.base import utcnow
from app.models.event import Event, EventFormat, EventStatus

if TYPE_CHECKING:
    from app.agenda.services import AgendaRow

PRODID = "-//Werkstatt//Innovationswerkstatt//DE"
# Every file carries the same VTIMEZONE: clients (and vobject) keep the first
# definition they see for a TZID, so a window fitted to one file's editions would
# misplace a later edition from another file. Widened only for an edition outside it.
TIMEZONE_FROM = date(2020, 1, 1)
TIMEZONE_UNTIL = date(2040, 1, 1)


@dataclass(frozen=True)
class RoomLink:
    """The online room of a confirmed seat holder's personal calendar entry."""

    url: str
    label: str  # "Link zum Online-Raum:" in the person's language


def edition_ics(event: Event, rows: Sequence[AgendaRow], event_url: str,
                uid_domain: str, room: RoomLink | None = None) -> bytes:
    """Return one edition as an iCalendar file with a single VEVENT.

    With `room` it is a person's own entry: the room link is its location, URL and first
    line of the description. Without it (event.ics, the feeds) the link is never in it.
    """
    return _calendar([(event, rows, event_url)], uid_domain, room)


def editions_ics(entries: Sequence[tuple[Event, Sequence[AgendaRow], str]],
                 uid_domain: str) -> bytes:
    """Return several editions as one iCalendar file, one VEVENT each."""
    return _calendar(entries, uid_domain)


def _calendar(entries: Sequence[tuple[Event, Sequence[AgendaRow], str]],
              uid_domain: str, room: RoomLink | None = None) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if entries:
        years = [t.astimezone(BERLIN).year for e, _, _ in entries for t in (e.starts_at, e.ends_at)]
        calendar.add_component(_berlin_timezone(min(TIMEZONE_FROM, date(min(years), 1, 1)),
                                                max(TIMEZONE_UNTIL, date(max(years) + 1, 1, 1))))
    stamp = utcnow().replace(microsecond=0)
    for event, rows, event_url in entries:
        calendar.add_component(_vevent(event, rows, event_url, uid_domain, stamp, room))
    return calendar.to_ical()


def _berlin_timezone(first: date, last: date) -> icalendar.Timezone:
    # icalendar writes all transitions of a kind as one comma-separated RDATE; valid,
    # but some readers (vobject 0.9) keep only the first value and then place every
    # later summer date in winter time. One RDATE per transition (also RFC 5545) avoids that.
    timezone = icalendar.Timezone.from_tzid("Europe/Berlin", first_date=first, last_date=last)
    for observance in timezone.subcomponents:
        rdates = observance.pop("RDATE", None)
        if rdates is None:
            continue
        for rdate in rdates if isinstance(rdates, list) else [rdates]:
            for moment in rdate.dts:
                observance.add("RDATE", moment.dt)
    return timezone


def _vevent(event: Event, rows: Sequence[AgendaRow], event_url: str, uid_domain: str,
            stamp: datetime, room: RoomLink | None = None) -> icalendar.Event:
    vevent = icalendar.Event()
    # The slug never changes, so clients recognise an update as the same entry.
    vevent.add("uid", f"{event.slug}@{uid_domain}")
    vevent.add("dtstamp", stamp)
    vevent.add("dtstart", event.starts_at.astimezone(BERLIN))
    vevent.add("dtend", event.ends_at.astimezone(BERLIN))
    vevent.add("summary", f"{event.series.name} #{event.number}: {event.title}")
    description = _description(event, rows, event_url)
    if room is not None:
        description = f"{room.label} {room.url}\n\n{description}"
    vevent.add("description", description)
    vevent.add("url", room.url if room is not None else event_url)
    vevent.add("location", _location(event, room))
    vevent.add("sequence", event.ics_sequence or 0)
    vevent.add("status", "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED")
    if event.updated_at is not None:
        vevent.add("last-modified", event.updated_at.replace(microsecond=0))
    return vevent


def _location(event: Event, room: RoomLink | None = None) -> str:
    # The public entry never names the room link; a person's own entry does.
    online = room.url if room is not None else "Online"
    if event.format == EventFormat.ONLINE:
        return online
    if event.format == EventFormat.HYBRID and room is not None:
        return f"{event.venue} / {online}" if event.venue else online
    return event.venue


def _description(event: Event, rows: Sequence[AgendaRow], event_url: str) -> str:
    paragraphs = [p.strip() for p in (event.guiding_question, event.teaser) if p and p.strip()]
    if rows:
        paragraphs.append("\n".join(_programme_line(row) for row in rows))
    paragraphs.append(event_url)
    return "\n\n".join(paragraphs)


def _programme_line(row: AgendaRow) -> str:
    start = row.starts_at.astimezone(BERLIN).strftime("%H:%M")
    end = row.ends_at.astimezone(BERLIN).strftime("%H:%M")
    line = f"{start}–{end} {row.item.title}"
    people = "; ".join(", ".join(part for part in (s.name, s.organisation) if part)
                       for s in row.item.speakers)
    return f"{line} ({people})" if people else line

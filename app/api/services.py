"""What the JSON API says about editions (published and cancelled, never drafts) and reports.

Every payload is built from a constant number of queries, however many editions,
agenda items, speakers and registrations there are: the seat figures come from
one aggregate (app.events.services.seat_counts), the rest from eager loads.
The online room link is never part of a payload: only confirmed participants
see it, on their personal page. Reports appear once published, with their numbered
learnings only: no attendee names, no photos.
"""
from datetime import datetime

import sqlalchemy as sa
from flask import abort, url_for
from sqlalchemy.orm import contains_eager, selectinload

from app.agenda.services import agenda_view
from app.domain.editions import BERLIN, Phase, compute_registration_window
from app.domain.capacity import SeatCount
from app.events.services import edition_times, phase_of, seat_counts
from app.extensions import db
from app.models import AgendaItem, Event, EventStatus, Report, utcnow

TIMEZONE = "Europe/Berlin"


def iso(moment: datetime | None) -> str | None:
    """An ISO 8601 timestamp in Berlin local time with its offset, e.g. 2030-12-10T17:00:00+01:00."""
    return moment.astimezone(BERLIN).isoformat() if moment is not None else None


def list_events(now: datetime | None = None) -> list[dict]:
    """Published and cancelled editions, newest first, in three queries."""
    now = now or utcnow()
    events = list(db.session.scalars(
        sa.select(Event).where(Event.status != EventStatus.DRAFT)
        .options(selectinload(Event.series))
        .order_by(Event.starts_at.desc(), Event.id.desc())))
    seats = seat_counts(events, now)
    return [_summary(event, seats[event.id], now) for event in events]


def event_detail(slug: str, now: datetime | None = None) -> dict:
    """One published or cancelled edition with speakers and agenda; 404 for drafts and unknown slugs."""
    now = now or utcnow()
    event = db.session.scalar(
        sa.select(Event).where(Event.slug == slug, Event.status != EventStatus.DRAFT)
        .options(selectinload(Event.series), selectinload(Event.speakers),
                 selectinload(Event.agenda_items).selectinload(AgendaItem.speakers)))
    if event is None:
        abort(404, description="There is no published edition with this slug.")
    payload = _summary(event, seat_counts([event], now)[event.id], now)
    payload["description"] = event.description
    payload["speakers"] = [_speaker(s) for s in event.speakers]
    payload["agenda"] = [{
        "position": index,
        "starts_at": iso(row.starts_at),
        "ends_at": iso(row.ends_at),
        "duration_minutes": row.item.duration_minutes,
        "kind": row.item.kind.value,
        "title": row.item.title,
        "description": row.item.description,
        "speakers": [_speaker(s) for s in row.item.speakers],
    } for index, row in enumerate(agenda_view(event).rows, start=1)]
    return payload


def _speaker(speaker) -> dict:
    return {"name": speaker.name, "organisation": speaker.organisation, "role": speaker.role}


def _summary(event: Event, seats: SeatCount, now: datetime) -> dict:
    phase = phase_of(event, now)
    opens_at, closes_at = compute_registration_window(edition_times(event))
    return {
        "slug": event.slug,
        "series": {"slug": event.series.slug, "name": event.series.name},
        "number": event.number,
        "title": event.title,
        "guiding_question": event.guiding_question,
        "teaser": event.teaser,
        "starts_at": iso(event.starts_at),
        "ends_at": iso(event.ends_at),
        "timezone": TIMEZONE,
        "format": event.format.value,
        "venue": event.venue,
        "capacity": seats.capacity,
        "seats_left": seats.left,
        "waitlist_open": seats.waitlist_open,
        "status": event.status.value,
        "phase": phase.value,
        "registration": {"opens_at": iso(opens_at), "closes_at": iso(closes_at),
                         "open": phase == Phase.REGISTRATION_OPEN},
        "links": {
            "html": url_for("public.show_event", slug=event.slug, _external=True),
            "ics": url_for("public.event_ics", slug=event.slug, _external=True),
            "agenda_pdf": url_for("public.agenda_pdf", slug=event.slug, _external=True),
            "register": url_for("registration.register", slug=event.slug, _external=True),
        },
    }


def list_reports() -> list[dict]:
    """Published reports of published or cancelled editions, newest first, in three queries."""
    reports = db.session.scalars(
        sa.select(Report).join(Report.event)
        .where(Report.published_at.is_not(None), Event.status != EventStatus.DRAFT)
        .options(contains_eager(Report.event).selectinload(Event.series),
                 selectinload(Report.learnings))
        .order_by(Report.published_at.desc(), Report.id.desc()))
    return [_report(report) for report in reports]


def _report(report: Report) -> dict:
    event = report.event
    return {
        "slug": event.slug,
        "series": {"slug": event.series.slug, "name": event.series.name},
        "number": event.number,
        "title": event.title,
        "published_at": iso(report.published_at),
        "learnings": [{"number": number, "title": learning.title, "body": learning.body}
                      for number, learning in enumerate(report.learnings, start=1)],
        "links": {
            "html": url_for("reports.show", slug=event.slug, _external=True),
            "pdf": url_for("reports.pdf", slug=event.slug, _external=True),
        },
    }

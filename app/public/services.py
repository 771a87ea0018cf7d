"""What the public pages show."""
import functools
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import abort, current_app
from sqlalchemy.orm import joinedload, selectinload

from app.agenda.services import AgendaRow, agenda_view
from app.domain.capacity import SeatCount
from app.domain.editions import Phase, compute_retention_cutoff, has_ended
from app.events.services import edition_times, may_facilitate, phase_of, seat_counts
from app.extensions import db
from app.models import AgendaItem, Event, EventFormat, EventStatus, User, utcnow


@dataclass(frozen=True)
class EventCard:
    event: Event
    phase: Phase
    seats: SeatCount | None  # None when the caller asked for no count (with_seats=False)


@dataclass(frozen=True)
class EventPage:
    event: Event
    phase: Phase
    seats: SeatCount
    is_preview: bool  # a draft, shown only to staff and the edition's facilitators
    registration_open: bool
    show_seats: bool
    agenda: list[AgendaRow]


def list_public_events(now: datetime | None = None) -> tuple[list[EventCard], list[EventCard]]:
    """Published and cancelled editions: upcoming (soonest first), then past (newest first)."""
    now = now or utcnow()
    events = db.session.scalars(
        sa.select(Event).where(Event.status != EventStatus.DRAFT)
        .options(selectinload(Event.series)).order_by(Event.starts_at))
    events = list(events)
    seats = seat_counts(events, now)
    upcoming, past = [], []
    for event in events:
        card = EventCard(event, phase_of(event, now), seats[event.id])
        (past if has_ended(edition_times(event), now) else upcoming).append(card)
    past.reverse()
    return upcoming, past


def event_page(slug: str, viewer: User, with_agenda: bool = True,
               with_seats: bool = True) -> EventPage:
    """The announcement of an edition; a draft only as a preview for its facilitators and staff.

    The registration pages skip the agenda (`with_agenda=False`): they are the hot
    path of a registration rush and do not show it); a page that shows no seat figure skips
    their count (`with_seats=False`).
    """
    # Without the agenda (the registration form, the hot path of a rush): the series joined,
    # one statement instead of two, built once.
    event = db.session.scalar(_with_details(sa.select(Event).where(Event.slug == slug))) \
        if with_agenda else db.session.scalar(_edition_with_series(), {"slug": slug})
    if event is None:
        abort(404)
    is_preview = event.status == EventStatus.DRAFT
    if is_preview and not (viewer.is_authenticated and may_facilitate(viewer, event)):
        abort(404)
    return _page(event, is_preview, with_agenda, with_seats)


@functools.cache
def _edition_with_series() -> sa.Select:
    return sa.select(Event).where(Event.slug == sa.bindparam("slug")).options(
        joinedload(Event.series, innerjoin=True))


def _with_details(query):
    return query.options(selectinload(Event.speakers), selectinload(Event.series),
                         selectinload(Event.agenda_items).selectinload(AgendaItem.speakers))


def _page(event: Event, is_preview: bool = False, with_agenda: bool = True,
          with_seats: bool = True) -> EventPage:
    phase = phase_of(event)
    return EventPage(
        event=event, phase=phase, seats=seat_counts([event])[event.id] if with_seats else None,
        is_preview=is_preview,
        registration_open=phase == Phase.REGISTRATION_OPEN,
        show_seats=phase in (Phase.ANNOUNCED, Phase.REGISTRATION_OPEN, Phase.REGISTRATION_CLOSED),
        agenda=agenda_view(event).rows if with_agenda else [],
    )


def upcoming_event_pages(now: datetime | None = None) -> list[EventPage]:
    """Published editions that have not ended, soonest first (for the calendar feed)."""
    now = now or utcnow()
    events = db.session.scalars(_with_details(
        sa.select(Event).where(Event.status == EventStatus.PUBLISHED, Event.ends_at > now)
        .order_by(Event.starts_at)))
    return [_page(event) for event in events]


def editions_with_video_service(now: datetime | None = None) -> list[Event]:
    """Published online and hybrid editions whose people's data is still kept, soonest first:
    the privacy notice names the video-conference service of each."""
    now = now or utcnow()
    kept_since = compute_retention_cutoff(now, current_app.config["RETENTION_DAYS"])
    return list(db.session.scalars(
        sa.select(Event).where(Event.status == EventStatus.PUBLISHED,
                               Event.format.in_((EventFormat.ONLINE, EventFormat.HYBRID)),
                               Event.ends_at > kept_since)
        .options(selectinload(Event.series)).order_by(Event.starts_at)))

"""Edition use cases: list, create, change, publish, cancel, duplicate."""
import functools
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import abort, current_app, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.agenda.services import agenda_has_errors, agenda_view
from app.audit import audit
from app.domain.capacity import QUOTA_SECTORS, SeatCount, SectorSeats, sector_seats
from app.domain.editions import (PHASE_ORDER, EditionTimes, Phase, compute_phase, compute_slug,
                                 slugify)
from app.errors import Refusal, refuse
from app.events.calendar import edition_ics
from app.extensions import db
from app.mail.outbox import Attachment, queue_mail
from app.models import (ACTIVE_STATUSES, Event, EventFormat, EventStatus, Place,
                        Registration, RegistrationStatus, Role, Series, Speaker, User, utcnow)


class EventError(Refusal):
    """A use case refused; `field` names the form field the message belongs to (or None)."""

    def __init__(self, field: str | None, message):
        super().__init__(message, field)


@dataclass
class EventData:
    """What staff entered for an edition, already in UTC."""

    series_id: int
    number: int
    title: str
    guiding_question: str
    teaser: str
    description: str
    starts_at: datetime
    ends_at: datetime
    format: EventFormat
    venue: str
    online_url: str
    capacity: int
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    working_language: str = "de"
    speakers: list[dict] = field(default_factory=list)
    facilitator_ids: list[int] = field(default_factory=list)
    video_service: str = ""
    # Seats per sector: reserved seats by sector (QUOTA_SECTORS) and when they open to all
    # (None: 7 days before the start).
    reserved: dict[str, int] = field(default_factory=dict)
    seats_release_at: datetime | None = None


def edition_times(event: Event) -> EditionTimes:
    """The timestamps the domain needs to decide an edition's phase."""
    return EditionTimes(
        status=event.status.value, starts_at=event.starts_at, ends_at=event.ends_at,
        registration_opens_at=event.registration_opens_at,
        registration_closes_at=event.registration_closes_at,
    )


def phase_of(event: Event, now: datetime | None = None) -> Phase:
    return compute_phase(edition_times(event), now or utcnow())


def reserved_seats(event: Event) -> dict[str, int]:
    """The edition's reserved seats by sector (0 where none)."""
    return {sector: getattr(event, f"reserved_{sector}") or 0 for sector in QUOTA_SECTORS}


def sector_seats_of(event: Event) -> SectorSeats:
    """The edition's seats-per-sector setting, as the domain decides with it."""
    return sector_seats(reserved_seats(event), event.starts_at, event.seats_release_at)


@functools.cache
def seat_count_statement() -> sa.Select:
    """The aggregate behind seat_counts — one row (event_id, place, sector, n) per edition,
    place and sector — built once: the editions (`ids`) and the time (`now`) are parameters.
    It runs under the edition's lock on every registration (inside one statement with that
    use case's own checks: app.registration.services); seat_counts_from turns its rows into
    the domain's SeatCount. Of the table's columns, not the model's attributes: a plain
    statement skips the ORM's execution path."""
    r = Registration.__table__.c
    live = sa.or_(r.status == RegistrationStatus.CONFIRMED, r.hold_expires_at.is_(None),
                  r.hold_expires_at > sa.bindparam("now"))
    return (sa.select(r.event_id, r.place, r.sector, sa.func.count().label("n"))
            .where(r.event_id.in_(sa.bindparam("ids", expanding=True)),
                   r.status.in_(ACTIVE_STATUSES), live)
            .group_by(r.event_id, r.place, r.sector))


def seat_counts(events: list[Event], now: datetime | None = None) -> dict[int, SeatCount]:
    """The domain's SeatCount of several editions in one query, for pages that list them.

    The same figure as app.domain.capacity.compute_seat_count over the edition's rows
    (a test holds the two together for every state a registration can be in); decisions
    under the lock take the domain's path (app.registration.services.seat_count).
    """
    now = now or utcnow()
    ids = [e.id for e in events]
    rows = db.session.execute(seat_count_statement(), {"ids": ids, "now": now}) if ids else []
    return seat_counts_from(events, rows, now)


def seat_counts_from(events: list[Event], rows, now: datetime) -> dict[int, SeatCount]:
    """The SeatCount of each edition from seat_count_statement's rows (event_id, place,
    sector, n) for these editions at `now`."""
    counts = {e.id: ({}, {}) for e in events}  # (seats, waiting) by sector
    for event_id, place, sector, n in rows:
        counts[event_id][0 if place == Place.SEAT else 1][str(sector.value)] = n
    return {e.id: SeatCount(capacity=e.capacity, taken=sum(counts[e.id][0].values()),
                            waiting=sum(counts[e.id][1].values()),
                            reserved=sector_seats_of(e).in_force(now),
                            taken_by_sector=counts[e.id][0], waiting_by_sector=counts[e.id][1])
            for e in events}


def get_event_or_404(slug: str) -> Event:
    event = db.session.scalar(
        sa.select(Event).where(Event.slug == slug)
        .options(selectinload(Event.speakers), selectinload(Event.series),
                 selectinload(Event.facilitators)))
    if event is None:
        abort(404)
    return event


def may_facilitate(user: User, event: Event) -> bool:
    """Staff may work on every edition, facilitators on the ones they are assigned to."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.has_role(Role.STAFF):
        return True
    return any(f.id == user.id for f in event.facilitators)


def list_dashboard(user: User, now: datetime | None = None) -> list[tuple[Phase, list[Event]]]:
    """Editions visible to this user, grouped by phase in dashboard order."""
    now = now or utcnow()
    query = sa.select(Event).options(selectinload(Event.series)).order_by(Event.starts_at.desc())
    if not user.has_role(Role.STAFF):
        query = query.where(Event.facilitators.any(User.id == user.id))
    groups: dict[Phase, list[Event]] = {}
    for event in db.session.scalars(query):
        groups.setdefault(phase_of(event, now), []).append(event)
    return [(phase, groups[phase]) for phase in PHASE_ORDER if phase in groups]


def list_series() -> list[Series]:
    return list(db.session.scalars(sa.select(Series).order_by(Series.name)))


def list_facilitator_candidates() -> list[User]:
    """Active accounts that can be assigned to moderate an edition."""
    return list(db.session.scalars(
        sa.select(User).where(User.active.is_(True)).order_by(User.name)))


def create_series(name: str, description: str) -> Series:
    slug = slugify(name)
    if not slug:
        raise EventError("name", _l("Der Name muss Buchstaben oder Ziffern enthalten."))
    if db.session.scalar(sa.select(Series.id).where(Series.slug == slug)) is not None:
        raise EventError("name", _l("Eine Reihe mit diesem Namen gibt es schon."))
    series = Series(name=name.strip(), slug=slug, description=description.strip())
    db.session.add(series)
    db.session.commit()
    return series


def create_event(data: EventData) -> Event:
    """Create a draft edition with a stable slug."""
    series = db.session.get(Series, data.series_id)
    if series is None:
        raise EventError("series_id", _l("Diese Reihe gibt es nicht."))
    _check_number_free(series.id, data.number, None)
    _check_sector_seats(data)
    event = Event(series=series, number=data.number, slug=free_slug(series, data.number),
                  status=EventStatus.DRAFT)
    _apply(event, data)
    db.session.add(event)
    db.session.commit()
    return event


@dataclass(frozen=True)
class EditionChange:
    """A saved change's time and place, before and after, for the mail that tells people."""

    old_starts_at: datetime
    old_ends_at: datetime
    old_format: EventFormat
    old_venue: str
    old_online_url: str
    starts_at: datetime
    ends_at: datetime
    format: EventFormat
    venue: str
    online_url: str

    @property
    def time_changed(self) -> bool:
        return (self.old_starts_at, self.old_ends_at) != (self.starts_at, self.ends_at)

    @property
    def format_changed(self) -> bool:
        return self.old_format != self.format

    @property
    def venue_changed(self) -> bool:
        return self.old_venue != self.venue

    @property
    def room_link_changed(self) -> bool:
        return self.old_online_url != self.online_url

    @property
    def raises_sequence(self) -> bool:
        return self.time_changed or self.format_changed or self.venue_changed \
            or self.room_link_changed


def stage_event_update(event: Event, data: EventData) -> EditionChange:
    """Write staff's change into the edition without committing (the caller's transaction
    may add the mails that tell people); return the time and place before and after."""
    if event.status == EventStatus.CANCELLED:
        raise EventError(None, _l("Eine abgesagte Ausgabe kann nicht mehr geändert werden."))
    if data.series_id != event.series_id:
        raise EventError("series_id", _l("Die Reihe einer Ausgabe kann nicht geändert werden."))
    _check_number_free(event.series_id, data.number, event.id)
    _check_sector_seats(data)
    before = EditionChange(event.starts_at, event.ends_at, event.format, event.venue,
                           event.online_url, data.starts_at, data.ends_at, data.format,
                           data.venue.strip(), data.online_url.strip())
    # A new time or a new place (the room link is the place of an online edition) is an
    # update that calendars must take over the entry they have.
    if before.raises_sequence:
        event.ics_sequence += 1
    event.number = data.number
    _apply(event, data)
    return before


def _check_number_free(series_id: int, number: int, event_id: int | None) -> None:
    query = sa.select(Event.id).where(Event.series_id == series_id, Event.number == number)
    if event_id is not None:
        query = query.where(Event.id != event_id)
    if db.session.scalar(query) is not None:
        raise EventError("number", _l("Diese Nummer hat schon eine andere Ausgabe der Reihe."))


def _check_sector_seats(data: EventData) -> None:
    """Reserved seats are whole numbers ≥ 0 that fit into the capacity; they open to all
    before the start. Whatever staff enter, the answer is a message at the field."""
    for sector in QUOTA_SECTORS:
        if data.reserved.get(sector, 0) < 0:
            raise EventError(f"reserved_{sector}",
                             _l("Die Zahl der reservierten Plätze darf nicht negativ sein."))
    total = sum(data.reserved.get(sector, 0) for sector in QUOTA_SECTORS)
    if total > data.capacity:
        field_name = next(f"reserved_{s}" for s in reversed(QUOTA_SECTORS) if data.reserved.get(s))
        raise EventError(field_name, _l(
            "Es sind %(reserved)d Plätze reserviert, aber nur %(capacity)d Plätze vorhanden. "
            "Die reservierten Plätze dürfen zusammen höchstens so viele sein wie die Plätze.",
            reserved=total, capacity=data.capacity))
    if total and data.seats_release_at is not None and data.seats_release_at > data.starts_at:
        raise EventError("seats_release_at", _l(
            "Die reservierten Plätze müssen spätestens zum Beginn für alle frei werden."))


def free_slug(series: Series, number: int) -> str:
    """The edition's slug, with a number added if another edition has it."""
    base = compute_slug(series.slug, number)
    slug, n = base, 1
    while db.session.scalar(sa.select(Event.id).where(Event.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _apply(event: Event, data: EventData) -> None:
    for name in ("working_language", "title", "guiding_question", "teaser", "description",
                 "starts_at", "ends_at", "format", "venue", "online_url", "video_service",
                 "capacity", "registration_opens_at",
                 "registration_closes_at", "seats_release_at"):
        value = getattr(data, name)
        setattr(event, name, value.strip() if isinstance(value, str) else value)
    for sector in QUOTA_SECTORS:
        setattr(event, f"reserved_{sector}", data.reserved.get(sector, 0))
    _apply_speakers(event, data.speakers)
    if data.facilitator_ids:
        event.facilitators = list(db.session.scalars(
            sa.select(User).where(User.id.in_(data.facilitator_ids))))
    else:
        event.facilitators = []


def _apply_speakers(event: Event, speakers: list[dict]) -> None:
    """Update speakers in place by position, so agenda items keep their speakers."""
    existing = list(event.speakers)
    for position, values in enumerate(speakers):
        if position < len(existing):
            speaker = existing[position]
            speaker.name, speaker.organisation, speaker.role = (
                values["name"], values["organisation"], values["role"])
        else:
            event.speakers.append(Speaker(position=position, **values))
    for speaker in existing[len(speakers):]:
        event.speakers.remove(speaker)


def publish_event(event: Event) -> None:
    if event.status != EventStatus.DRAFT:
        raise EventError(None, _l("Nur Entwürfe können veröffentlicht werden."))
    if agenda_has_errors(event):
        raise EventError(None, _l("Das Programm enthält Fehler. Bitte korrigieren Sie es vor dem Veröffentlichen."))
    event.status = EventStatus.PUBLISHED
    event.published_at = utcnow()
    db.session.commit()


def unpublish_event(event: Event) -> None:
    if event.status != EventStatus.PUBLISHED:
        raise EventError(None, _l("Nur veröffentlichte Ausgaben können zurückgezogen werden."))
    if phase_of(event) in (Phase.HELD, Phase.RUNNING):
        raise EventError(None, _l("Eine Ausgabe, die schon begonnen hat, bleibt veröffentlicht."))
    event.status = EventStatus.DRAFT
    event.published_at = None
    db.session.commit()


def _active_registrations(event: Event) -> list[Registration]:
    """Everyone who holds a seat or a waiting-list place of the edition, with their person."""
    return list(db.session.scalars(
        sa.select(Registration).where(Registration.event_id == event.id,
                                      Registration.status.in_(ACTIVE_STATUSES),
                                      Registration.anonymised_at.is_(None))
        .options(selectinload(Registration.participant)).order_by(Registration.id)))


@dataclass(frozen=True)
class CancelEventPreview:
    """What cancelling the edition does, for the page that asks first."""

    registered: int  # active registrations (seats and waiting list)
    mails: int  # of them, people with an address they gave
    may_cancel: bool
    refusal: str | None  # why it cannot be cancelled


def _cancel_refusal(event: Event, now: datetime):
    if event.status == EventStatus.CANCELLED:
        return _l("Diese Ausgabe ist schon abgesagt.")
    if now >= event.ends_at:
        return _l("Eine Ausgabe, die schon stattgefunden hat, kann nicht abgesagt werden.")
    return None


def cancel_event_preview(event: Event, now: datetime | None = None) -> CancelEventPreview:
    """How many people are registered and how many get the cancellation mail."""
    refusal = _cancel_refusal(event, now or utcnow())
    registrations = _active_registrations(event)
    mails = sum(1 for r in registrations if r.participant.has_real_address)
    return CancelEventPreview(registered=len(registrations), mails=mails,
                              may_cancel=refusal is None, refusal=refusal)


def cancel_event(event: Event, note: str = "", user: User | None = None,
                 now: datetime | None = None) -> int:
    """Cancel an edition (possible until it has been held) and tell everyone registered by
    mail, with staff's note and the calendar entry marked cancelled; return the mails queued."""
    now = now or utcnow()
    # Lock the edition: a registration arriving meanwhile either comes before (and is told)
    # or finds the edition cancelled.
    event = db.session.scalar(sa.select(Event).where(Event.id == event.id)
                              .with_for_update().execution_options(populate_existing=True))
    refusal = _cancel_refusal(event, now)
    if refusal is not None:
        refuse(EventError(None, refusal))
    event.status = EventStatus.CANCELLED
    event.cancelled_at = now
    event.ics_sequence += 1
    note = (note or "").strip()
    recipients = [r for r in _active_registrations(event) if r.participant.has_real_address]
    if recipients:
        event_url = url_for("public.show_event", slug=event.slug, _external=True)
        ics = edition_ics(event, agenda_view(event).rows, event_url,
                          current_app.config["CALENDAR_UID_DOMAIN"]).decode()
        for registration in recipients:
            with force_locale(registration.language):
                subject = str(_l("Abgesagt: %(title)s", title=event.title))
            queue_mail("event_cancelled", registration.participant.email, registration.language,
                       subject, {"event": event, "person": registration.participant,
                                 "note": note, "event_url": event_url, "link": None},
                       registration=registration,
                       attachment=Attachment(f"{event.slug}.ics",
                                             "text/calendar; method=PUBLISH", ics))
    audit("event.cancel", user, event_id=event.id,
          details=f"mails: {len(recipients)}, note: {'yes' if note else 'no'}")
    db.session.commit()
    return len(recipients)

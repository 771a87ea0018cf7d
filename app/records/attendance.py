"""Attendance on the day: the check-in list, marking people present, walk-ins, and the
figures that follow (who came, who did not).

Every change locks the edition (events.locking.lock_event), writes, and commits
once. Reading the list needs one query however many people registered.
"""
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_date, format_time
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from app.audit import audit, audit_access
from app.auth.services import normalise_email
from app.domain.addresses import has_real_address, placeholder_address
from app.domain.capacity import decide_staff_move
from app.domain.checkin import CheckinState, CheckinWindow, decide_checkin_window
from app.errors import refuse
from app.events.locking import lock_event
from app.extensions import db
from app.models import (ACTIVE_STATUSES, Event, EventStatus, Participant, Place,
                        Registration, RegistrationStatus, Sector, User, utcnow)
from app.registration.links import new_token
from app.registration.services import (RegistrationError, effective_status, participant_for,
                                       seat_count)
from app.registration.words import place_label, sector_label, status_label
from app.spreadsheet import csv_text


def checkin_window(event: Event, now: datetime | None = None) -> CheckinWindow:
    """When this edition's check-in is open (CHECKIN_OPENS_HOURS_BEFORE / _CLOSES_HOURS_AFTER)."""
    config = current_app.config
    return decide_checkin_window(
        event.starts_at, event.ends_at, now or utcnow(),
        timedelta(hours=config["CHECKIN_OPENS_HOURS_BEFORE"]),
        timedelta(hours=config["CHECKIN_CLOSES_HOURS_AFTER"]),
        cancelled=event.status == EventStatus.CANCELLED)


def checkin_closed_message(window: CheckinWindow):
    """Why nobody can be checked in now, for the page and for a refused change."""
    if window.state == CheckinState.NOT_YET:
        return _l("Der Check-in öffnet am %(date)s um %(time)s. Vorher kann niemand als da "
                  "markiert oder ohne Anmeldung hinzugefügt werden.",
                  date=format_date(window.opens_at, "full"),
                  time=format_time(window.opens_at, "HH:mm"))
    if window.state == CheckinState.CANCELLED:
        return _l("Diese Ausgabe ist abgesagt; ein Check-in ist nicht möglich.")
    return _l("Der Check-in ist seit %(date)s um %(time)s geschlossen. Die Anwesenheit "
              "wird nicht mehr geändert.", date=format_date(window.closes_at, "full"),
              time=format_time(window.closes_at, "HH:mm"))


def _refuse_outside_window(event: Event, now: datetime) -> None:
    """Refuse (and change nothing) unless check-in is open; the caller holds the lock."""
    window = checkin_window(event, now)
    if not window.is_open:
        refuse(RegistrationError(checkin_closed_message(window)))


def sort_key(name: str) -> tuple[str, str]:
    """Sort names as a German list does (DIN 5007-1: Ä with A), case-insensitively."""
    return _fold(name), name


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _matches(needle: str, *haystack: str) -> bool:
    """Case-insensitive for every script (casefold: "MÜLLER" finds "Müller", "STRASSE"
    finds "Straße"); "muller" finds "Müller" as well."""
    folded = needle.casefold()
    plain = _fold(needle)
    return any(folded in value.casefold() or plain in _fold(value) for value in haystack)


# --- reading ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class CheckinRow:
    """One person on the check-in page. Accessibility needs are deliberately absent:
    facilitators use this page and may not see them."""

    registration_id: int
    name: str
    organisation: str
    sector: str  # the value of the edition's sector snapshot
    checked_in: bool
    checked_in_at: datetime | None
    walk_in: bool


@dataclass(frozen=True)
class CheckinList:
    rows: list[CheckinRow]  # seat holders and walk-ins, by name, filtered by the search
    waiting: list[CheckinRow]  # confirmed waiting-list people staff may let in, filtered
    present: int  # of all seat holders (not only the filtered ones)
    expected: int  # all seat holders, walk-ins included
    query: str


def checkin_list(event: Event, query: str | None = None) -> CheckinList:
    """The confirmed seat holders and walk-ins, and separately the confirmed people waiting;
    searched by name or organisation. One query, whatever the size of the edition."""
    query = (query or "").strip()[:200]
    # Casefold searching happens in Python: SQLite's lower() knows only ASCII, and an
    # edition has at most a few hundred people.
    result = db.session.execute(
        sa.select(Registration.id, Registration.place, Registration.sector,
                  Registration.checked_in_at, Registration.walk_in,
                  Participant.name, Participant.organisation)
        .join(Participant, Participant.id == Registration.participant_id)
        .where(Registration.event_id == event.id,
               Registration.status == RegistrationStatus.CONFIRMED))
    seats, waiting = [], []
    for r in result:
        row = CheckinRow(registration_id=r.id, name=r.name, organisation=r.organisation or "",
                         sector=r.sector.value, checked_in=r.checked_in_at is not None,
                         checked_in_at=r.checked_in_at, walk_in=r.walk_in)
        (seats if r.place == Place.SEAT else waiting).append(row)
    seats.sort(key=lambda row: sort_key(row.name))
    waiting.sort(key=lambda row: sort_key(row.name))

    def wanted(row: CheckinRow) -> bool:
        return not query or _matches(query, row.name, row.organisation)

    return CheckinList(rows=[row for row in seats if wanted(row)],
                       waiting=[row for row in waiting if wanted(row)],
                       present=sum(1 for row in seats if row.checked_in),
                       expected=len(seats), query=query)


@dataclass(frozen=True)
class AttendanceFigures:
    registered: int  # confirmed seats booked in advance (walk-ins not counted)
    attended: int  # checked in, walk-ins included
    walk_ins: int
    no_shows: int | None  # None until the edition has ended
    attendance_rate: float | None  # share of the registered who came; None until the end

    @property
    def ended(self) -> bool:
        return self.no_shows is not None


def attendance_figures(event: Event, now: datetime | None = None) -> AttendanceFigures:
    """Who was registered, who came, who came unannounced, who did not come (after the end)."""
    now = now or utcnow()
    present = Registration.checked_in_at.is_not(None).label("present")
    rows = db.session.execute(
        sa.select(Registration.walk_in, present, sa.func.count())
        .where(Registration.event_id == event.id,
               Registration.status == RegistrationStatus.CONFIRMED,
               Registration.place == Place.SEAT)
        .group_by(Registration.walk_in, present)).all()
    registered = sum(n for walk_in, _, n in rows if not walk_in)
    came = sum(n for walk_in, checked_in, n in rows if not walk_in and checked_in)
    walk_ins = sum(n for walk_in, _, n in rows if walk_in)
    attended = sum(n for _, checked_in, n in rows if checked_in)
    ended = now >= event.ends_at
    return AttendanceFigures(
        registered=registered, attended=attended, walk_ins=walk_ins,
        no_shows=registered - came if ended else None,
        attendance_rate=(came / registered if registered else None) if ended else None)


# --- changes ---------------------------------------------------------------------------------

def _seat_from_waitlist(registration: Registration, event: Event, user: User | None,
                        now: datetime, why: str) -> None:
    """Give a confirmed person waiting a seat because they are here; past the capacity
    this is an override and is recorded as one."""
    count = seat_count(event, now)
    if decide_staff_move(count, True, registration.sector.value).needs_override:
        audit("registration.override_capacity", user, event_id=event.id,
              registration_id=registration.id,
              details=f"{why}; seats taken before: {count.taken}, capacity: {count.capacity}, "
                      f"taken after: {count.taken + 1}")
    registration.place = Place.SEAT
    registration.promoted_at = now


def set_attendance(registration: Registration, attended: bool, user: User | None,
                   now: datetime | None = None) -> Registration:
    """Mark a confirmed person as present, or undo it. A person from the waiting list who is
    here gets a seat; undoing that check-in puts them back in their old waiting-list place."""
    now = now or utcnow()
    event = lock_event(registration.event_id)
    db.session.refresh(registration)
    _refuse_outside_window(event, now)
    if registration.status != RegistrationStatus.CONFIRMED:
        refuse(RegistrationError(_l("Nur bestätigte Anmeldungen können abgehakt werden.")))
    if attended and registration.checked_in_at is None:
        if registration.place == Place.WAITLIST:
            _seat_from_waitlist(registration, event, user, now, "check-in from the waiting list")
            audit("attendance.seat_from_waitlist", user, event_id=event.id,
                  registration_id=registration.id)
        registration.checked_in_at = now
    elif not attended and registration.checked_in_at is not None:
        if registration.waitlisted_at is not None and registration.promoted_at is not None \
                and registration.promoted_at == registration.checked_in_at:
            # The seat came with this check-in: undoing the tap undoes the seat as well.
            registration.place = Place.WAITLIST
            registration.promoted_at = None
            audit("attendance.back_to_waitlist", user, event_id=event.id,
                  registration_id=registration.id)
        registration.checked_in_at = None
    db.session.commit()
    return registration


def add_walk_in(event: Event, name: str, organisation: str, sector: Sector | str,
                email: str | None, user: User | None,
                now: datetime | None = None) -> Registration:
    """Add someone who came without registering: confirmed, on a seat, present. No mail.

    Someone already registered for this edition (same e-mail) is simply marked present.
    """
    now = now or utcnow()
    name, organisation = (name or "").strip(), (organisation or "").strip()
    if not name:
        raise RegistrationError(_l("Bitte geben Sie einen Namen ein."))
    sector = Sector(sector)
    # Checked before anyone is created: a refused walk-in leaves no person behind.
    _refuse_outside_window(event, now)
    if email and email.strip():
        try:
            email = normalise_email(email)
        except ValueError:
            raise RegistrationError(_l("Bitte geben Sie eine gültige E-Mail-Adresse ein.")) \
                from None
    else:
        email = placeholder_address(secrets.token_hex(12))

    person = participant_for(email)
    event = lock_event(event.id)
    _refuse_outside_window(event, now)
    existing = db.session.scalar(sa.select(Registration).where(
        Registration.event_id == event.id, Registration.participant_id == person.id,
        Registration.status.in_(ACTIVE_STATUSES)))
    if existing is not None:
        if existing.status == RegistrationStatus.PENDING:
            existing.status = RegistrationStatus.CONFIRMED
            existing.confirmed_at = now
            existing.hold_expires_at = None
        if existing.place == Place.WAITLIST:
            _seat_from_waitlist(existing, event, user, now, "walk-in already registered")
        if existing.checked_in_at is None:
            existing.checked_in_at = now
        audit("attendance.walk_in_registered", user, event_id=event.id,
              registration_id=existing.id)
        db.session.commit()
        return existing

    person.name, person.organisation, person.sector = name, organisation, sector
    count = seat_count(event, now)
    _token, token_hash = new_token()  # no mail, so nobody ever gets the personal link
    registration = Registration(
        event=event, participant=person, status=RegistrationStatus.CONFIRMED, place=Place.SEAT,
        token_hash=token_hash, nonce="walk-in-" + secrets.token_urlsafe(24),
        language=person.language or "de", sector=sector, created_at=now, confirmed_at=now,
        checked_in_at=now, walk_in=True, added_by_staff=True)
    db.session.add(registration)
    db.session.flush()
    # No personal data in the audit row, only what the capacity looked like.
    audit("attendance.walk_in", user, event_id=event.id, registration_id=registration.id,
          details=f"seats taken before: {count.taken}, capacity: {count.capacity}")
    db.session.commit()
    return registration


# --- exports (staff only; audited before any personal data is read) ---------------------------

# The header in the staff member's language, in the words of the interface.
PARTICIPANT_CSV_COLUMNS = (_l("Name"), _l("E-Mail-Adresse"), _l("Organisation"), _l("Bereich"),
                           _l("Status"), _l("Platz"), _l("Ohne Anmeldung dazugekommen"),
                           _l("Teilgenommen"))


def export_participants_csv(event: Event, user: User, now: datetime | None = None) -> str:
    """Every registration of the edition, by name, with its status and whether the person
    came, as CSV for Excel (BOM, `;`), safe against spreadsheet formulas; audited."""
    now = now or utcnow()
    audit_access("participants.export", user, event)
    registrations = db.session.scalars(
        sa.select(Registration).where(Registration.event_id == event.id)
        .options(joinedload(Registration.participant))).all()
    registrations.sort(key=lambda r: (sort_key(r.participant.name), r.id))
    lines = [[str(column) for column in PARTICIPANT_CSV_COLUMNS]]
    yes, no = str(_l("ja")), str(_l("nein"))
    for r in registrations:
        person = r.participant
        email = person.email if has_real_address(person.email) else ""
        lines.append([
            person.name, email, person.organisation, sector_label(r.sector),
            status_label(effective_status(r, now)), place_label(r.place),
            yes if r.walk_in else no, yes if r.checked_in_at is not None else no])
    return csv_text(lines)


def signin_sheet(event: Event, user: User) -> list[CheckinRow]:
    """The people with a seat, by name, for the printed sign-in sheet; audited as an export."""
    audit_access("signin_sheet.export", user, event)
    return checkin_list(event).rows

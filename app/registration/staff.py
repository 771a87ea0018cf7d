"""Staff use cases on the registrations of one edition: list, add, cancel, move, resend, export.

Every change locks the edition (events.locking.lock_event), decides with
app.domain.capacity, writes its audit row and mails, and commits once. Reading
the list or exporting it is access to personal data and is audited too.
"""
import secrets
from dataclasses import dataclass
import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from app.auth.services import normalise_email
from app.domain.capacity import (Placement, SeatCount, SectorSeatRow, compute_seat_count,
                                 decide_placement, decide_staff_move, sector_seat_rows,
                                 waitlist_order)
from app.domain.editions import local_time
from app.errors import refuse
from app.audit import audit, audit_access
from app.events.locking import lock_event
from app.events.services import reserved_seats, sector_seats_of
from app.extensions import db
from app.models import (ConsentPurpose, ConsentRecord, Event, Participant, Place,
                        Registration, RegistrationStatus, Sector, User, utcnow)
from app.registration.links import issue_link, new_token
from app.registration.services import (RegistrationError, cancel_registration, effective_status,
                                       holder, holders_of,
                                       mail_registration, plan_promotions, seat_count,
                                       waitlist_position)
from app.registration.words import place_label, sector_label, status_label
from app.spreadsheet import csv_text

# Filters of the list: the (effective) statuses, plus the two places of active registrations.
STATUS_FILTERS = ("pending", "confirmed", "seat", "waitlist", "cancelled", "expired")


@dataclass(frozen=True)
class StaffRow:
    """One registration as staff see it; what may be done with it is decided here."""

    registration: Registration
    person: Participant
    # pending | confirmed | cancelled | expired (an unconfirmed hold past its time is expired)
    status: str
    place: str  # seat | waitlist
    waitlist_position: int | None
    may_cancel: bool
    may_move: bool
    may_resend: bool


@dataclass(frozen=True)
class NeedRow:
    """A consented accessibility need of an active registration, for booking support."""

    name: str
    status: str  # pending | confirmed
    place: str  # seat | waitlist
    needs: str


@dataclass(frozen=True)
class RegistrationList:
    rows: list[StaffRow]  # filtered
    count: SeatCount
    pending: int
    cancelled: int
    total: int  # registrations of the edition, before filtering
    status: str | None
    query: str
    needs: list[NeedRow] = ()  # consented accessibility needs of active registrations
    sector_seats: tuple[SectorSeatRow, ...] = ()  # reserved vs taken per sector, if any
    seats_release_at: datetime | None = None  # when unfilled reserved seats open to everyone

    @property
    def full(self) -> bool:
        """No free seat: moving someone onto a seat needs the override."""
        return self.count.left == 0

    def needs_override(self, sector: str) -> bool:
        """Moving a person of this sector onto a seat needs the override (no seat free, or
        the free ones are reserved for other sectors)."""
        return decide_staff_move(self.count, False, sector).needs_override


# --- reading ---------------------------------------------------------------------------------

def _matches(row: StaffRow, status: str | None, query: str) -> bool:
    if status in ("seat", "waitlist"):
        if row.status not in ("pending", "confirmed") or row.place != status:
            return False
    elif status in STATUS_FILTERS and row.status != status:
        return False
    if query:
        needle = query.casefold()
        haystack = (row.person.name, row.person.email, row.person.organisation or "")
        return any(needle in value.casefold() for value in haystack)
    return True


def _all_rows(event: Event, now: datetime) -> list[StaffRow]:
    # One query for every registration and its person (no query per row). Filtering and
    # searching happen in Python: an edition has at most a few hundred registrations, the
    # waiting-list positions need all of them anyway, and casefold() is case-insensitive
    # for every script on SQLite as well (its lower() knows only ASCII).
    registrations = db.session.scalars(
        sa.select(Registration).where(Registration.event_id == event.id)
        .options(joinedload(Registration.participant))
        .execution_options(populate_existing=True)).all()
    live = [r for r in registrations if effective_status(r, now) in ("pending", "confirmed")]
    queue = waitlist_order([holder(r) for r in live])
    positions = {h.id: n for n, h in enumerate(queue, start=1)}
    seats = sorted((r for r in live if r.place == Place.SEAT), key=lambda r: (r.created_at, r.id))
    by_id = {r.id: r for r in live}
    waiting = [by_id[h.id] for h in queue]
    gone = sorted((r for r in registrations if r.id not in by_id),
                  key=lambda r: (r.created_at, r.id))
    rows = []
    for registration in seats + waiting + gone:
        status = effective_status(registration, now)
        active = status in ("pending", "confirmed")
        rows.append(StaffRow(
            registration=registration, person=registration.participant, status=status,
            place=registration.place.value, waitlist_position=positions.get(registration.id),
            may_cancel=active,
            may_move=status == "confirmed" and registration.place == Place.WAITLIST,
            may_resend=active and registration.participant.has_real_address))
    return rows


def list_registrations(event: Event, status: str | None = None, query: str | None = None,
                       now: datetime | None = None) -> list[StaffRow]:
    """The edition's registrations: seats by time of registration, then the waiting list
    in FIFO order, then cancelled and expired ones; optionally filtered and searched."""
    now = now or utcnow()
    query = (query or "").strip()
    return [row for row in _all_rows(event, now) if _matches(row, status, query)]


def _needs_consented():
    """The registration's person gave (and did not withdraw) the explicit consent for their
    accessibility data with this registration (Art. 9 GDPR)."""
    return sa.exists().where(
        ConsentRecord.registration_id == Registration.id,
        ConsentRecord.purpose == ConsentPurpose.ACCESSIBILITY_DATA,
        ConsentRecord.withdrawn_at.is_(None))


def _consented_needs(event: Event) -> dict[int, str]:
    """Consented accessibility needs by registration id (special-category data: staff only)."""
    return dict(db.session.execute(
        sa.select(Registration.id, Registration.accessibility_needs)
        .where(Registration.event_id == event.id, Registration.accessibility_needs != "",
               Registration.anonymised_at.is_(None), _needs_consented())).all())


def view_registrations(event: Event, user: User, status: str | None = None,
                       query: str | None = None, now: datetime | None = None) -> RegistrationList:
    """The staff page's data: filtered rows, the edition's counts and the consented
    accessibility needs; audited as a view (the needs as a view of their own)."""
    now = now or utcnow()
    status = status if status in STATUS_FILTERS else None
    query = (query or "").strip()[:200]
    audit_access("registrations.view", user, event)
    has_needs = db.session.scalar(sa.select(sa.func.count()).select_from(Registration).where(
        Registration.event_id == event.id, Registration.accessibility_needs != "",
        Registration.anonymised_at.is_(None), _needs_consented()))
    if has_needs:
        audit_access("accessibility_needs.view", user, event)
    needs = _consented_needs(event) if has_needs else {}
    rows = _all_rows(event, now)
    holders = [holder(r.registration) for r in rows if r.status in ("pending", "confirmed")]
    count = compute_seat_count(event.capacity, holders, now, sector_seats_of(event))
    return RegistrationList(
        rows=[row for row in rows if _matches(row, status, query)],
        count=count,
        sector_seats=sector_seat_rows(reserved_seats(event), count),
        seats_release_at=sector_seats_of(event).releases_at,
        pending=sum(1 for r in rows if r.status == "pending"),
        cancelled=sum(1 for r in rows if r.status == "cancelled"),
        total=len(rows), status=status, query=query,
        needs=[NeedRow(name=r.person.name, status=r.status, place=r.place,
                       needs=needs[r.registration.id]) for r in rows
               if r.registration.id in needs and r.status in ("pending", "confirmed")])


# --- CSV export ------------------------------------------------------------------------------

# The header in the staff member's language, in the words of the registrations page.
CSV_COLUMNS = (_l("Name"), _l("E-Mail-Adresse"), _l("Organisation"), _l("Bereich"), _l("Status"),
               _l("Platz"), _l("Position auf der Warteliste"), _l("Angemeldet am"),
               _l("Bestätigt am"), _l("Angaben zur Barrierefreiheit"))
def _local(moment: datetime | None) -> str:
    return local_time(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def export_registrations_csv(event: Event, user: User, now: datetime | None = None) -> str:
    """All registrations of the edition as CSV for Excel (BOM, `;`); audited as an export."""
    now = now or utcnow()
    audit_access("registrations.export", user, event)
    rows = _all_rows(event, now)
    needs = _consented_needs(event)
    lines = [[str(column) for column in CSV_COLUMNS]]
    for row in rows:
        person = row.person
        lines.append([
            person.name, person.email if person.has_real_address else "", person.organisation,
            sector_label(person.sector), status_label(row.status), place_label(row.place),
            row.waitlist_position or "", _local(row.registration.created_at),
            _local(row.registration.confirmed_at), needs.get(row.registration.id, "")])
    return csv_text(lines)


# --- changes ---------------------------------------------------------------------------------

def get_registration_or_404(event: Event, registration_id: int) -> Registration:
    """A registration of this edition; one of another edition is as unknown as a missing one."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    return registration


def _lock(registration: Registration) -> Event:
    event = lock_event(registration.event_id)
    db.session.refresh(registration)
    return event


def add_by_hand(event: Event, name: str, email: str, organisation: str, sector: Sector | str,
                user: User, override: bool = False, language: str = "de",
                now: datetime | None = None) -> Registration:
    """Add a person as confirmed: a seat if one is free and nobody waits, otherwise the
    waiting list — or a seat anyway with `override`, which is audited."""
    now = now or utcnow()
    try:
        email = normalise_email(email)
    except ValueError:
        raise RegistrationError(_l("Bitte geben Sie eine gültige E-Mail-Adresse ein.")) from None
    name, organisation = name.strip(), (organisation or "").strip()
    if not name:
        raise RegistrationError(_l("Bitte geben Sie einen Namen ein."))
    event = lock_event(event.id)
    person = db.session.scalar(sa.select(Participant).where(Participant.email == email))
    if person is None:
        person = Participant(email=email, language=language)
        db.session.add(person)
    elif db.session.scalar(sa.select(Registration.id).where(
            Registration.event_id == event.id, Registration.participant_id == person.id,
            Registration.status.in_((RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED)))):
        refuse(RegistrationError(_l("%(email)s ist für diese Ausgabe bereits angemeldet.",
                                    email=email)))
    person.name, person.organisation, person.sector = name, organisation, Sector(sector)

    count = seat_count(event, now)
    placement = decide_placement(count, person.sector.value)
    override_action = None
    if placement == Placement.WAITLIST and override:
        placement = Placement.SEAT
        # No seat this person may take (capacity or their sector's share), or seats free but
        # people wait.
        override_action = ("registration.override_capacity"
                           if count.free_for(person.sector.value) == 0
                           else "registration.override_waitlist")
    token, token_hash = new_token()
    registration = Registration(
        event=event, participant=person, status=RegistrationStatus.CONFIRMED,
        place=Place(placement.value), token_hash=token_hash,
        nonce="staff-" + secrets.token_urlsafe(24), language=language, created_at=now,
        sector=person.sector,
        confirmed_at=now, waitlisted_at=now if placement == Placement.WAITLIST else None,
        added_by_staff=True)
    db.session.add(registration)
    db.session.flush()
    if override_action:
        audit(override_action, user, event_id=event.id, registration_id=registration.id,
              details=f"add_by_hand; seats taken before: {count.taken}, "
                      f"capacity: {count.capacity}, waiting: {count.waiting}")
    audit("registration.add_by_hand", user, event_id=event.id, registration_id=registration.id,
          details=f"place: {placement.value}")
    if placement == Placement.SEAT:
        mail_registration("confirmed", registration, token)
    else:
        mail_registration("waitlisted", registration, token,
                          position=waitlist_position(registration, now))
    db.session.commit()
    return registration


@dataclass(frozen=True)
class CancelPreview:
    """What cancelling this registration does, for the page that asks first."""

    registration: Registration
    person: Participant
    active: bool
    on_seat: bool
    moves_up: str | None  # the name of the person waiting who would get the seat
    may_mail: bool  # the person gave an address


def cancel_preview(registration: Registration, now: datetime | None = None) -> CancelPreview:
    """Say what happens to the seat and whether the person can be told by mail."""
    now = now or utcnow()
    event = registration.event
    active = effective_status(registration, now) in ("pending", "confirmed")
    on_seat = active and registration.place == Place.SEAT
    moves_up = None
    if on_seat:  # the same decision the cancellation will take, without this registration
        others = [h for h in holders_of(event.id) if h.id != registration.id]
        plan = plan_promotions(event, others, now)
        if plan.promote:
            moves_up = db.session.get(Registration, plan.promote[0]).participant.name
    return CancelPreview(registration=registration, person=registration.participant,
                         active=active, on_seat=on_seat, moves_up=moves_up,
                         may_mail=registration.participant.has_real_address)


def staff_cancel(registration: Registration, user: User, reason: str = "",
                 notify: bool = True, now: datetime | None = None) -> Registration:
    """Cancel a registration on the organisers' side; the freed seat goes to the first
    confirmed person waiting. The person gets a mail saying the organisers cancelled
    (with `reason`), or none if staff choose so."""
    now = now or utcnow()
    reason = (reason or "").strip()
    event = _lock(registration)
    if not registration.is_active:
        refuse(RegistrationError(_l("Diese Anmeldung ist bereits abgesagt oder verfallen.")))
    # The reason is the person's data (it is in their mail), so it stays out of the log.
    audit("registration.staff_cancel", user, event_id=event.id, registration_id=registration.id,
          details=f"place: {registration.place.value}, status: {registration.status.value}, "
                  f"mail: {'yes' if notify else 'no'}, reason given: {'yes' if reason else 'no'}")
    # The service cancels, mails and promotes under the same lock and commits the audit row with it.
    return cancel_registration(registration.id, now,
                               mail_kind="cancelled_by_staff" if notify else None,
                               reason=reason)


def move_to_seat(registration: Registration, user: User, override: bool = False,
                 now: datetime | None = None) -> Registration:
    """Move a confirmed person from the waiting list onto a seat; past the capacity only
    with an explicit override, which is written to the audit log."""
    now = now or utcnow()
    event = _lock(registration)
    if registration.status != RegistrationStatus.CONFIRMED or registration.place != Place.WAITLIST:
        if registration.place == Place.SEAT and registration.is_active:
            refuse(RegistrationError(_l("%(name)s hat bereits einen Platz.",
                                        name=registration.participant.name)))
        if registration.status == RegistrationStatus.PENDING:
            refuse(RegistrationError(_l(
                "%(name)s hat die Anmeldung noch nicht bestätigt. Erst danach kann "
                "die Person einen Platz bekommen.", name=registration.participant.name)))
        refuse(RegistrationError(_l("Nur bestätigte Personen auf der Warteliste können auf "
                                    "einen Platz gesetzt werden.")))
    count = seat_count(event, now)
    decision = decide_staff_move(count, override, registration.sector.value)
    if not decision.allowed and count.left > 0:
        refuse(RegistrationError(_l(
            "Die freien Plätze sind für andere Bereiche reserviert. Um %(name)s trotzdem "
            "einen Platz zu geben, kreuzen Sie „Kapazität überschreiten“ an; das wird "
            "protokolliert.", name=registration.participant.name)))
    if not decision.allowed:
        refuse(RegistrationError(_l(
            "Alle %(capacity)d Plätze sind belegt. Um %(name)s trotzdem einen Platz zu "
            "geben, kreuzen Sie „Kapazität überschreiten“ an; das wird protokolliert.",
            capacity=event.capacity, name=registration.participant.name)))
    if decision.needs_override:
        audit("registration.override_capacity", user, event_id=event.id,
              registration_id=registration.id,
              details=f"move_to_seat; seats taken before: {count.taken}, "
                      f"capacity: {count.capacity}, taken after: {count.taken + 1}")
    audit("registration.move_to_seat", user, event_id=event.id, registration_id=registration.id,
          details=f"waitlist position before: {waitlist_position(registration, now)}")
    registration.place = Place.SEAT
    registration.promoted_at = now
    mail_registration("promoted", registration)
    db.session.commit()
    return registration


def resend_mail(registration: Registration, user: User, now: datetime | None = None) -> str:
    """Send the person their link again with a new token (the old link stops working):
    the confirmation mail while unconfirmed, the "your link" mail once confirmed.
    Returns the mail's kind."""
    now = now or utcnow()
    event = _lock(registration)
    status = effective_status(registration, now)
    if status not in ("pending", "confirmed"):
        refuse(RegistrationError(_l("Diese Anmeldung ist abgesagt oder verfallen; es wird "
                                    "keine E-Mail versandt.")))
    if not registration.participant.has_real_address:
        refuse(RegistrationError(_l("%(name)s hat keine E-Mail-Adresse angegeben und bekommt "
                                    "keine E-Mail.", name=registration.participant.name)))
    kind = "opt_in" if status == "pending" else "link_again"
    token = issue_link(registration)  # a new secret: every older link, legacy ones too, ends
    audit("registration.resend_mail", user, event_id=event.id, registration_id=registration.id,
          details=f"kind: {kind}")
    extra = {}
    if kind == "opt_in" and registration.hold_expires_at:
        # The hold keeps its expiry; the mail names the hours that are left, not a fresh day.
        left = (registration.hold_expires_at - now) / timedelta(hours=1)
        extra["hours"] = max(1, math.ceil(left))
    mail_registration(kind, registration, token, **extra)
    db.session.commit()
    return kind

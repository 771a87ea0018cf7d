"""A change of an edition's time, place or seats, saved for staff: who is told, who moves up."""
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.audit import audit
from app.errors import refuse
from app.events.locking import lock_event
from app.events.services import EventData, EventError, sector_seats_of, stage_event_update
from app.extensions import db
from app.models import ACTIVE_STATUSES, Event, EventStatus, Registration, User, utcnow
from app.registration.services import apply_promotions, mail_registration


class ChangeNeedsConfirmation(Exception):
    """Saving the change would mail people: staff confirm first, knowing how many."""

    def __init__(self, mails: int):
        super().__init__(f"{mails} mails")
        self.mails = mails


def change_edition(event_id: int, data: EventData, inform: int | None = None,
                   user: User | None = None) -> int:
    """Save staff's change of an edition. A new time or place of a published edition is
    mailed, with the updated calendar entry, to everyone registered who gave an address —
    only when staff confirmed for exactly that many people (`inform`); otherwise nothing is
    stored and ChangeNeedsConfirmation says how many. Return the mails queued."""
    event = lock_event(event_id)  # a registration arriving meanwhile is counted or told
    seats_before = _seat_setting(event)
    try:
        change = stage_event_update(event, data)
    except EventError as error:
        refuse(error)
    recipients = []
    if change.raises_sequence and event.status == EventStatus.PUBLISHED:
        recipients = [r for r in db.session.scalars(
            sa.select(Registration).where(Registration.event_id == event.id,
                                          Registration.status.in_(ACTIVE_STATUSES),
                                          Registration.anonymised_at.is_(None))
            .options(selectinload(Registration.participant))
            .order_by(Registration.id)) if r.participant.has_real_address]
    if recipients and inform != len(recipients):
        refuse(ChangeNeedsConfirmation(len(recipients)))
    for registration in recipients:
        mail_registration("event_changed", registration, change=change)
    # A raised capacity or changed reserved seats may free seats: the first people waiting
    # who may take them move up now, in this transaction.
    if _seat_setting(event) != seats_before:
        apply_promotions(event, utcnow())
    if recipients:
        audit("event.change_mailed", user, event_id=event.id, details=f"mails: {len(recipients)}")
    db.session.commit()
    return len(recipients)


def _seat_setting(event: Event) -> tuple:
    """What decides who may sit: the capacity and the reserved seats with their release."""
    seats = sector_seats_of(event)
    return (event.capacity, seats.reserved, seats.releases_at) if any(seats.reserved.values()) \
        else (event.capacity,)

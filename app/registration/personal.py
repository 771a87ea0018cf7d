"""The personal page's use cases: what the page shows and offers, the consents a person has
given and their withdrawal, and mailing a person their links again. The registration's own
use cases (confirm, cancel) are in registration.services."""
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.domain.editions import is_upcoming
from app.events.services import edition_times
from app.extensions import db
from app.mail.outbox import queue_mail
from app.models import (ACTIVE_STATUSES, ConsentPurpose, ConsentRecord, Event, OutboxMessage,
                        Participant, Place, Registration, utcnow)
from app.registration.services import (LINKS_SUBJECT, effective_status, holds_room_link,
                                       personal_url_of, waitlist_position)


def active_consents(registration: Registration) -> list[ConsentRecord]:
    """The optional consents this person has given and not withdrawn."""
    return [c for c in registration.participant.consents
            if c.withdrawn_at is None and c.purpose != ConsentPurpose.PRIVACY_NOTICE]


def withdraw_consent(registration: Registration, purpose: ConsentPurpose,
                     now: datetime | None = None) -> int:
    """Withdraw a consent for the future; accessibility data goes with its consent."""
    now = now or utcnow()
    withdrawn = 0
    for consent in registration.participant.consents:
        if consent.purpose == purpose and consent.withdrawn_at is None:
            consent.withdrawn_at = now
            withdrawn += 1
    if purpose == ConsentPurpose.ACCESSIBILITY_DATA:
        for r in registration.participant.registrations:
            r.accessibility_needs = ""
    db.session.commit()
    return withdrawn


def overtaken_by_reserved(registration: Registration) -> int:
    """How many who joined the waiting list after this person moved up into a seat reserved
    for their sector (and hold it still)."""
    if registration.waitlisted_at is None:
        return 0
    later = sa.or_(Registration.waitlisted_at > registration.waitlisted_at,
                   sa.and_(Registration.waitlisted_at == registration.waitlisted_at,
                           Registration.id > registration.id))
    return db.session.scalar(sa.select(sa.func.count()).select_from(Registration).where(
        Registration.event_id == registration.event_id, Registration.promoted_reserved,
        Registration.place == Place.SEAT, Registration.status.in_(ACTIVE_STATUSES), later))


@dataclass(frozen=True)
class PersonalPage:
    registration: Registration
    event: Event
    status: str  # pending | confirmed | cancelled | expired
    place: str
    waitlist_position: int | None
    may_confirm: bool
    may_cancel: bool
    show_room_link: bool
    hold_expires_at: datetime | None
    # People who joined the waiting list after this person and moved up into a seat reserved
    # for their sector (seats per sector): why the position did not move for them.
    overtaken_by_reserved: int = 0


def personal_page(registration: Registration, now: datetime | None = None) -> PersonalPage:
    """What the personal page shows and offers, decided here, not in the template."""
    now = now or utcnow()
    event = registration.event
    status = effective_status(registration, now)
    upcoming = is_upcoming(edition_times(event), now)
    waiting = registration.place == Place.WAITLIST and status in ("pending", "confirmed")
    return PersonalPage(
        registration=registration, event=event, status=status,
        place=registration.place.value,
        waitlist_position=waitlist_position(registration, now) if waiting else None,
        overtaken_by_reserved=overtaken_by_reserved(registration) if waiting else 0,
        may_confirm=status == "pending" and upcoming,
        may_cancel=status in ("pending", "confirmed") and upcoming,
        show_room_link=status == "confirmed" and holds_room_link(registration, now),
        hold_expires_at=registration.hold_expires_at if status == "pending" else None,
    )


def send_personal_links(email: str, now: datetime | None = None) -> int:
    """Mail an address the personal links of its active registrations, in one mail.

    The caller answers the same whatever happens here (no hint whether the address is
    known). An unknown address gets nothing, and an address gets at most one such mail per
    LINK_AGAIN_MINUTES, so the form cannot flood anyone's inbox. Returns the links sent.
    """
    now = now or utcnow()
    person = db.session.scalar(sa.select(Participant).where(
        Participant.email == email, Participant.anonymised_at.is_(None)))
    if person is None:
        return 0
    registrations = list(db.session.scalars(
        sa.select(Registration).join(Event, Event.id == Registration.event_id)
        .where(Registration.participant_id == person.id,
               Registration.status.in_(ACTIVE_STATUSES), Registration.anonymised_at.is_(None))
        .order_by(Event.starts_at, Registration.id)))
    recent = now - timedelta(minutes=current_app.config["LINK_AGAIN_MINUTES"])
    already = db.session.scalar(sa.select(OutboxMessage.id).where(
        OutboxMessage.kind == "your_links", OutboxMessage.to_address == person.email,
        OutboxMessage.created_at > recent).limit(1))
    if not registrations or already is not None:
        db.session.rollback()
        return 0
    entries = [(r.event, personal_url_of(r)) for r in registrations]
    message = queue_mail("your_links", person.email, person.language, LINKS_SUBJECT,
                         {"person": person, "entries": entries, "link": None})
    message.created_at = now
    db.session.commit()
    return len(entries)

"""Periodic registration jobs run by the worker: expire holds, promote, remind."""
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.events.services import sector_seats_of
from app.extensions import db
from app.models import Event, EventStatus, Place, Registration, RegistrationStatus
from app.registration import services


def run_due_jobs(now: datetime) -> dict:
    """Run every job that is due at `now`; return how many rows each job changed."""
    from app.feedback.services import send_feedback_mails  # feedback builds on registration
    from app.records.services import run_retention  # records builds on registration

    return {"promoted": expire_and_promote(now), "reminded": send_reminders(now),
            "feedback": send_feedback_mails(now),
            "retention": run_retention(now)["registrations"]}


def expire_and_promote(now: datetime) -> int:
    """Expire timed-out holds and fill freed seats, edition by edition (each under its lock)."""
    event_ids = db.session.scalars(
        sa.select(Registration.event_id).distinct()
        .join(Event, Event.id == Registration.event_id)
        .where(Registration.status == RegistrationStatus.PENDING,
               Registration.hold_expires_at <= now, Event.ends_at > now)).all()
    event_ids = sorted(set(event_ids) | set(_released_with_people_waiting(now)))
    db.session.commit()  # end the read; each edition gets its own locked transaction
    promoted = 0
    for event_id in event_ids:
        promoted += len(services.promote_waitlist(event_id, now))
    return promoted


def _released_with_people_waiting(now: datetime) -> list[int]:
    """Editions whose reserved seats have opened to everyone while confirmed people wait:
    a seat held back for a sector may now go to the first of them."""
    reserved = (Event.reserved_civil_society + Event.reserved_public_administration
                + Event.reserved_business + Event.reserved_research)
    events = db.session.scalars(
        sa.select(Event).where(Event.ends_at > now, reserved > 0, sa.exists().where(
            Registration.event_id == Event.id, Registration.place == Place.WAITLIST,
            Registration.status == RegistrationStatus.CONFIRMED))).all()
    return [e.id for e in events if sector_seats_of(e).releases_at <= now]


def send_reminders(now: datetime) -> int:
    """Queue the day-before reminder (with the room link) for confirmed seat holders."""
    window = timedelta(hours=current_app.config.get("REMINDER_HOURS_BEFORE", 24))
    registrations = db.session.scalars(
        sa.select(Registration).join(Event, Event.id == Registration.event_id)
        .where(Event.status == EventStatus.PUBLISHED, Event.starts_at > now,
               Event.starts_at <= now + window,
               Registration.status == RegistrationStatus.CONFIRMED,
               Registration.place == Place.SEAT, Registration.reminder_sent_at.is_(None))
        .with_for_update(skip_locked=True)).all()
    for registration in registrations:
        services.queue_reminder(registration)
        registration.reminder_sent_at = now
    db.session.commit()
    return len(registrations)

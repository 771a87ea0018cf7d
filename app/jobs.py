"""What runs on a schedule: the `flask worker` loop sends the outbox and, each cycle, expires
holds and promotes, reminds, mails the feedback survey and applies retention.

The entry layer: it calls the areas' public use cases and app.mail.worker to send; nothing
below imports it.
"""
from __future__ import annotations

import signal
import threading
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app

from app.events.services import sector_seats_of
from app.extensions import db
from app.feedback.services import send_feedback_mails
from app.mail.sender import Backend, backend_from_config
from app.mail.worker import BatchResult, deliver_batch
from app.models import Event, EventStatus, Place, Registration, RegistrationStatus, utcnow
from app.records.services import run_retention
from app.registration.services import promote_waitlist, queue_reminder


def run_due_jobs(now: datetime) -> dict:
    """Run every job that is due at `now`; return how many rows each job changed."""
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
        promoted += len(promote_waitlist(event_id, now))
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
    return [e.id for e in events if not sector_seats_of(e).in_force(now)]


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
        queue_reminder(registration)
        registration.reminder_sent_at = now
    db.session.commit()
    return len(registrations)


# --- the loop ------------------------------------------------------------------------------

def run_cycle(now: datetime, backend: Backend, batch: int = 50) -> BatchResult:
    """Run the due jobs, then send one batch of due mail."""
    try:
        run_due_jobs(now)
    except Exception:  # noqa: BLE001 - a failing job must not stop the mail
        db.session.rollback()
        current_app.logger.exception("scheduled jobs failed")
    # What the jobs just queued is due at the moment it was queued, a little after `now`:
    # read the clock again, or `flask worker --once` would leave those mails for its next run.
    return deliver_batch(max(now, utcnow()), backend, batch)


def run_worker(app: Flask, once: bool, interval: float, *,
               stop: threading.Event | None = None, batch: int = 50) -> int:
    """Run cycles until stopped (SIGTERM/SIGINT or `stop`), or until nothing is due if `once`.

    Return how many mails were sent.
    """
    stop = stop or threading.Event()
    backend = backend_from_config(app.config)
    sent = 0
    with app.app_context(), _stop_on_signals(stop):
        while not stop.is_set():
            result = _guarded_cycle(app, backend, batch, raise_errors=once)
            sent += result.sent
            if result.claimed == batch:
                continue  # more is due: no pause while a backlog drains
            if once:
                break
            stop.wait(interval)
    return sent


def _guarded_cycle(app: Flask, backend: Backend, batch: int, raise_errors: bool) -> BatchResult:
    try:
        return run_cycle(utcnow(), backend, batch)
    except Exception:
        db.session.rollback()
        if raise_errors:
            raise
        # The database may be restarting: keep the service alive and try again next cycle.
        app.logger.exception("worker cycle failed")
        return BatchResult(claimed=0, sent=0)


class _stop_on_signals:
    """Set `stop` on SIGTERM/SIGINT while inside; restore the previous handlers after."""

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self, stop: threading.Event):
        self.stop = stop
        self.previous: dict = {}

    def __enter__(self):
        # Python allows signal handlers only in the main thread (tests run workers in others).
        if threading.current_thread() is threading.main_thread():
            for sig in self.SIGNALS:
                self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc_info):
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)

    def _handle(self, signum, _frame):
        # The handler interrupts the main thread, which may be holding the event's lock
        # inside stop.wait(); setting it from another thread cannot deadlock on that lock.
        threading.Thread(target=self.stop.set, daemon=True).start()

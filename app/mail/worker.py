"""The outbox worker: claim due mail, send it outside any transaction, record the outcome.

Several workers may run at once (PostgreSQL): a claim takes rows with
`FOR UPDATE SKIP LOCKED`, so no two workers take the same row. On SQLite the
claim's `BEGIN IMMEDIATE` serialises the workers instead.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app, has_request_context

from app.extensions import db
from app.mail.sender import Backend, DeliveryError, build_message
from app.models import OutboxMessage, OutboxStatus

# A worker that died mid-send leaves rows in `sending`; after this long another takes them.
# Far longer than the SMTP timeout, so a slow but living worker is never overtaken.
STUCK_AFTER = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=1)
MAX_ERROR_LENGTH = 1000


@dataclass(frozen=True)
class Claimed:
    """A claimed outbox row, already built into a mail."""

    id: int
    kind: str
    message: EmailMessage


@dataclass(frozen=True)
class BatchResult:
    """How many rows one batch took, and how many of them were sent."""

    claimed: int
    sent: int


def deliver_due(now: datetime, backend: Backend, batch: int = 50) -> int:
    """Send up to `batch` due mails; return how many were sent."""
    return deliver_batch(now, backend, batch).sent


def deliver_batch(now: datetime, backend: Backend, batch: int = 50) -> BatchResult:
    """Claim up to `batch` due mails, send them and record each outcome."""
    if has_request_context():
        raise RuntimeError("mail is sent by the worker, never inside a web request")
    mails, taken = _claim_due(now, batch)
    sent = 0
    try:
        for mail in mails:
            sent += _send_one(mail, now, backend)
    finally:
        backend.close()
    return BatchResult(claimed=taken, sent=sent)


def _claim_due(now: datetime, batch: int) -> tuple[list[Claimed], int]:
    """Mark up to `batch` due rows `sending` in one short transaction and build their mails.

    Return the mails and how many rows were taken (rows that cannot be built are not sent).
    """
    rows = db.session.scalars(_due_rows(now, batch)).all()
    claimed = []
    for row in rows:
        try:
            message = build_message(row, current_app.config["MAIL_FROM"],
                                    current_app.config["MAIL_MESSAGE_ID_DOMAIN"])
        except Exception as exc:  # noqa: BLE001 - a malformed row must not block the others
            _record_failure(row, now, _describe(exc))
            continue
        row.status = OutboxStatus.SENDING
        row.claimed_at = now
        claimed.append(Claimed(row.id, row.kind, message))
    db.session.commit()
    return claimed, len(rows)


def _due_rows(now: datetime, batch: int) -> sa.Select:
    pending = sa.and_(OutboxMessage.status == OutboxStatus.PENDING,
                      OutboxMessage.next_attempt_at <= now)
    stuck = sa.and_(OutboxMessage.status == OutboxStatus.SENDING,
                    OutboxMessage.claimed_at < now - STUCK_AFTER)
    # SQLite ignores FOR UPDATE; its IMMEDIATE transaction already excludes other writers.
    return (sa.select(OutboxMessage).where(sa.or_(pending, stuck))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(batch).with_for_update(skip_locked=True))


def _send_one(mail: Claimed, now: datetime, backend: Backend) -> int:
    # No transaction is open here: a slow server must not hold locks or the SQLite write lock.
    try:
        backend.send(mail.message, f"{mail.id}-{mail.kind}")
    except Exception as exc:  # noqa: BLE001 - any failure is retried with backoff
        mark_failed(mail.id, now, _describe(exc))
        return 0
    mark_sent(mail.id, now)
    return 1


def mark_sent(message_id: int, now: datetime) -> None:
    """Record a delivered mail in its own transaction."""
    db.session.execute(
        sa.update(OutboxMessage).where(OutboxMessage.id == message_id)
        .values(status=OutboxStatus.SENT, sent_at=now, claimed_at=None, last_error=""))
    db.session.commit()


def mark_failed(message_id: int, now: datetime, error: str) -> None:
    """Record a failed attempt in its own transaction: retry later, or give up."""
    row = db.session.get(OutboxMessage, message_id, populate_existing=True)
    if row is not None:
        _record_failure(row, now, error)
    db.session.commit()


def _record_failure(row: OutboxMessage, now: datetime, error: str) -> None:
    row.attempts += 1
    row.last_error = error
    row.claimed_at = None
    if row.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        row.status = OutboxStatus.FAILED
    else:
        row.status = OutboxStatus.PENDING
        row.next_attempt_at = now + backoff(row.attempts)


def backoff(attempts: int) -> timedelta:
    """Return the wait after the given number of failed attempts: 2, 4, 8 … minutes, at most 1 hour."""
    return min(timedelta(minutes=2 ** min(attempts, 10)), MAX_BACKOFF)


def _describe(exc: Exception) -> str:
    # A DeliveryError's text is already prepared by the backend (credentials removed).
    text = str(exc) if isinstance(exc, DeliveryError) else f"{type(exc).__name__}: {exc}"
    return text[:MAX_ERROR_LENGTH]

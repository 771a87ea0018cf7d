"""Staff use cases on the outbox: see what is stuck or failed, send a failed mail again."""
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import abort

from app.extensions import db
from app.models import OutboxMessage, OutboxStatus

SENT_WINDOW = timedelta(days=7)
# A registration rush can queue thousands of mails; the page shows the newest of them.
LIST_LIMIT = 200


@dataclass(frozen=True)
class OutboxOverview:
    failed: list[OutboxMessage]
    pending: list[OutboxMessage]  # pending and sending, newest first, at most LIST_LIMIT
    pending_count: int
    sent: list[OutboxMessage]  # sent in the last SENT_WINDOW, newest first, at most LIST_LIMIT
    sent_count: int


def outbox_overview(now: datetime) -> OutboxOverview:
    """Collect failed, waiting and recently sent mails for the staff page."""
    waiting = OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING])
    recently_sent = sa.and_(OutboxMessage.status == OutboxStatus.SENT,
                            OutboxMessage.sent_at >= now - SENT_WINDOW)
    return OutboxOverview(
        failed=_newest(OutboxMessage.status == OutboxStatus.FAILED),
        pending=_newest(waiting), pending_count=_count(waiting),
        sent=_newest(recently_sent, OutboxMessage.sent_at), sent_count=_count(recently_sent),
    )


def _newest(condition, order=OutboxMessage.created_at) -> list[OutboxMessage]:
    query = (sa.select(OutboxMessage).where(condition)
             .order_by(order.desc(), OutboxMessage.id.desc()).limit(LIST_LIMIT))
    return list(db.session.scalars(query))


def _count(condition) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(condition))


def retry_message(message_id: int, now: datetime) -> bool:
    """Queue a failed mail for one more attempt now; return False if it was not failed (404 if missing)."""
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.id == message_id)
                                .with_for_update())
    if message is None:
        abort(404)
    if message.status != OutboxStatus.FAILED:
        db.session.rollback()
        return False
    # Attempts stay as they are: a staff retry is one more try, not a fresh series of retries.
    message.status = OutboxStatus.PENDING
    message.next_attempt_at = now
    message.claimed_at = None
    db.session.commit()
    return True

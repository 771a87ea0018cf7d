"""The audit log's one writer: every area records staff access and overrides through it.

Below the areas (it imports only the models), so any service may use it.
"""
from datetime import datetime

from app.extensions import db
from app.models import AuditLog, Event, User


def audit(action: str, user: User | None, *, event_id: int | None = None,
          registration_id: int | None = None, details: str = "",
          at: datetime | None = None) -> None:
    """Record staff access or an override (caller commits); never put personal data into
    `details`. `at` only where the moment itself would say too much (a day, not a time)."""
    entry = AuditLog(action=action, user_id=user.id if user else None, event_id=event_id,
                     registration_id=registration_id, details=details)
    if at is not None:
        entry.at = at
    db.session.add(entry)


def audit_access(action: str, user: User, event: Event) -> None:
    """Record that staff read personal data, before reading it (no personal data in the row)."""
    user_id, event_id = user.id, event.id
    # End the request's read first, so that on SQLite the transaction begins with this
    # write and waits for the write lock instead of failing to upgrade a stale read; the
    # row is committed before any personal data is read.
    db.session.commit()
    db.session.add(AuditLog(action=action, user_id=user_id, event_id=event_id))
    db.session.commit()

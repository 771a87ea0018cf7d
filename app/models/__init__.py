"""All models, re-exported so Alembic autogenerate sees every table."""
from app.models.agenda import AgendaItem, agenda_item_speakers
from app.models.base import UTCDateTime, utcnow
from app.models.event import Event, EventFormat, EventStatus, Series, Speaker, event_facilitators
from app.models.user import Role, User

__all__ = [
    "AgendaItem", "agenda_item_speakers", "Event", "EventFormat", "EventStatus", "Role", "Series", "Speaker", "User",
    "UTCDateTime", "event_facilitators", "utcnow",
]

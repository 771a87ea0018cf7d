"""All models, re-exported so Alembic autogenerate sees every table."""
from app.models.agenda import AgendaItem, agenda_item_speakers
from app.models.audit import AuditLog
from app.models.breakout import (AllocationRun, Assignment, AssignmentSource, BreakoutGroup,
                                 BreakoutPair, PairKind, Preference)
from app.models.board import (Board, BoardCard, BoardOverride, BoardPrompt,
                              BoardVote)
from app.models.base import UTCDateTime, utcnow
from app.models.mail import OutboxMessage, OutboxStatus
from app.models.registration import (ACTIVE_STATUSES, ConsentPurpose, ConsentRecord, Participant,
                                     Place, Registration, RegistrationStatus, Sector)
from app.models.feedback import (FeedbackAnswer, FeedbackQuestion, FeedbackResponse,
                                 QuestionKind, QuestionPurpose)
from app.models.event import Event, EventFormat, EventStatus, Series, Speaker, event_facilitators
from app.models.report import Learning, Report, ReportPhoto, ReportSection
from app.models.user import Role, User

__all__ = [
    "Board", "BoardCard", "BoardOverride", "BoardPrompt", "BoardVote",
    "AllocationRun", "Assignment", "AssignmentSource", "BreakoutGroup", "BreakoutPair", "PairKind",
    "Preference",
    "ACTIVE_STATUSES", "AuditLog", "ConsentPurpose", "ConsentRecord", "OutboxMessage",
    "OutboxStatus", "Participant", "Place", "Registration", "RegistrationStatus", "Sector",
    "AgendaItem", "agenda_item_speakers", "Event", "EventFormat", "EventStatus", "Role", "Series", "Speaker", "User",
    "UTCDateTime", "event_facilitators", "utcnow",
    "Learning", "Report", "ReportPhoto", "ReportSection",
    "FeedbackAnswer", "FeedbackQuestion", "FeedbackResponse", "QuestionKind", "QuestionPurpose",
]

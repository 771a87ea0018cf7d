"""The feedback survey after an edition: its questions, and answers kept anonymous.

Anonymous by construction (DESIGN §10): a response carries the edition and the day,
nothing else — no person, no registration, no time of day, and a random id instead of a
sequence, so neither a column nor the order of ids can be matched to the people who were
asked. On SQLite the answer tables are WITHOUT ROWID: the hidden rowid would otherwise
keep the order in which answers arrived. "Has answered" lives on the registration
(`Registration.feedback_answered`), with no time, and nothing connects the two.
"""
import enum
import uuid
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import enum_type
from app.models.event import Event


class QuestionKind(enum.StrEnum):
    SCALE = "scale"  # 1 to 5
    SINGLE = "single"  # one of the options
    MULTIPLE = "multiple"  # any of the options
    TEXT = "text"  # free text, shown to staff as written


class QuestionPurpose(enum.StrEnum):
    """What the rest of the cycle reads from a question (the report, the next edition)."""

    NONE = ""
    OVERALL = "overall"  # the overall rating: a headline figure for the report
    TOPICS = "topics"  # topics for next time: shown when the next edition is planned


class FeedbackQuestion(db.Model):
    """A question of a series' standard set (series_id) or of one edition (event_id)."""

    __tablename__ = "feedback_questions"
    __table_args__ = (
        sa.CheckConstraint("(series_id IS NULL) <> (event_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("series.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[QuestionKind] = mapped_column(enum_type(QuestionKind, "feedback_question_kind"))
    required: Mapped[bool] = mapped_column(default=False)
    text_de: Mapped[str] = mapped_column(sa.String(300))
    text_en: Mapped[str] = mapped_column(sa.String(300))
    # Choices of single and multiple questions: [{"key": "yes", "de": "Ja", "en": "Yes"}, …]
    options: Mapped[list] = mapped_column(sa.JSON, default=list)
    purpose: Mapped[QuestionPurpose] = mapped_column(
        enum_type(QuestionPurpose, "feedback_question_purpose"), default=QuestionPurpose.NONE)

    def text(self, language: str) -> str:
        return self.text_en if language == "en" and self.text_en else self.text_de

    def option_label(self, key: str, language: str) -> str:
        for option in self.options:
            if option["key"] == key:
                return option["en"] if language == "en" and option.get("en") else option["de"]
        return key


class FeedbackResponse(db.Model):
    """One person's answers, without the person: the edition and the day, nothing more."""

    __tablename__ = "feedback_responses"
    __table_args__ = {"sqlite_with_rowid": False}

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    answered_on: Mapped[date] = mapped_column(sa.Date)

    event: Mapped[Event] = relationship()
    answers: Mapped[list["FeedbackAnswer"]] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True)


class FeedbackAnswer(db.Model):
    """The answer to one question within a response (none is stored for a skipped question).

    scale: "1" … "5"; single: the option's key; multiple: the keys, one per line;
    text: as written.
    """

    __tablename__ = "feedback_answers"
    __table_args__ = {"sqlite_with_rowid": False}

    response_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("feedback_responses.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("feedback_questions.id", ondelete="CASCADE"), primary_key=True, index=True)
    value: Mapped[str] = mapped_column(sa.Text)

    response: Mapped[FeedbackResponse] = relationship(back_populates="answers")
    question: Mapped[FeedbackQuestion] = relationship()

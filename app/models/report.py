"""The learnings report of an edition: its texts, numbered learnings and photos.

Texts are stored as the raw Markdown staff typed; they are rendered and sanitised on
output. Photos are stored in the database (re-encoded, without metadata), so every app
server can serve them and none needs a local upload directory.
"""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow
from app.models.breakout import BreakoutGroup
from app.models.event import Event, Speaker
from app.models.user import User


class Report(db.Model):
    """One report per edition; a draft until `published_at` is set."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"),
                                          unique=True)
    introduction: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown
    closing: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The first publication: the feed's <published>, unchanged by unpublishing and republishing.
    first_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the attendees were told; set once, so nobody gets the mail twice.
    participants_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Staff chose to show the feedback's headline figures under "at a glance" (app.feedback).
    show_feedback: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id",
                                                                    ondelete="SET NULL"))

    event: Mapped[Event] = relationship()
    updated_by: Mapped[User | None] = relationship()
    sections: Mapped[list["ReportSection"]] = relationship(
        back_populates="report", cascade="all, delete-orphan", passive_deletes=True)
    learnings: Mapped[list["Learning"]] = relationship(
        back_populates="report", order_by="(Learning.position, Learning.id)",
        cascade="all, delete-orphan", passive_deletes=True)
    photos: Mapped[list["ReportPhoto"]] = relationship(
        back_populates="report", order_by="(ReportPhoto.position, ReportPhoto.id)",
        cascade="all, delete-orphan", passive_deletes=True)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class ReportSection(db.Model):
    """What one input (speaker) brought, or what one breakout group worked on."""

    __tablename__ = "report_sections"
    __table_args__ = (
        sa.UniqueConstraint("report_id", "speaker_id", name="uq_report_sections_speaker"),
        sa.UniqueConstraint("report_id", "breakout_group_id", name="uq_report_sections_group"),
        sa.CheckConstraint("(speaker_id IS NULL) <> (breakout_group_id IS NULL)",
                           name="one_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("reports.id", ondelete="CASCADE"),
                                           index=True)
    speaker_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("speakers.id", ondelete="CASCADE"))
    breakout_group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("breakout_groups.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown

    report: Mapped[Report] = relationship(back_populates="sections")
    speaker: Mapped[Speaker | None] = relationship()
    breakout_group: Mapped[BreakoutGroup | None] = relationship()


class Learning(db.Model):
    """One numbered learning ("Learning 1 …"); the number is its place in the list."""

    __tablename__ = "report_learnings"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("reports.id", ondelete="CASCADE"),
                                           index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(300), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown

    report: Mapped[Report] = relationship(back_populates="learnings")


class ReportPhoto(db.Model):
    """A photo, re-encoded without metadata, kept in the database with its credit line."""

    __tablename__ = "report_photos"
    __table_args__ = (
        sa.CheckConstraint("width > 0 AND height > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("reports.id", ondelete="CASCADE"),
                                           index=True)
    position: Mapped[int] = mapped_column(default=0)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    mime_type: Mapped[str] = mapped_column(sa.String(30))
    width: Mapped[int]
    height: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    alt: Mapped[str] = mapped_column(sa.String(300))
    caption: Mapped[str] = mapped_column(sa.String(500), default="")
    credit: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[Report] = relationship(back_populates="photos")

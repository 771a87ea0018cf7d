"""Breakout groups of an edition, people's topic preferences, and who is in which group."""
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, enum_type, utcnow
from app.models.event import Event
from app.models.registration import Registration
from app.models.user import User


class AssignmentSource(enum.StrEnum):
    ALLOCATOR = "allocator"
    HAND = "hand"  # moved or placed by a facilitator


class PairKind(enum.StrEnum):
    APART = "apart"
    TOGETHER = "together"


class BreakoutGroup(db.Model):
    """One group of an edition's breakout phase; groups with the same topic are interchangeable."""

    __tablename__ = "breakout_groups"
    __table_args__ = (
        sa.CheckConstraint("min_size >= 0", name="min_size_not_negative"),
        sa.CheckConstraint("max_size >= 1 AND max_size >= min_size", name="max_size_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(300))  # the group's guiding question
    topic: Mapped[str] = mapped_column(sa.String(120))  # short label people rank
    description: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown
    facilitator_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    min_size: Mapped[int] = mapped_column(default=3)
    max_size: Mapped[int] = mapped_column(default=10)
    room: Mapped[str] = mapped_column(sa.String(500), default="")  # room or online-room link
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    facilitator: Mapped[User | None] = relationship()
    assignments: Mapped[list["Assignment"]] = relationship(
        back_populates="group", cascade="all, delete-orphan", passive_deletes=True,
        foreign_keys="Assignment.group_id")


class Preference(db.Model):
    """A person's rank for one topic of an edition (1 = first choice)."""

    __tablename__ = "breakout_preferences"
    __table_args__ = (
        sa.UniqueConstraint("registration_id", "topic", name="uq_breakout_preferences_topic"),
        sa.UniqueConstraint("registration_id", "rank", name="uq_breakout_preferences_rank"),
        sa.CheckConstraint("rank >= 1", name="rank_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(sa.String(120))
    rank: Mapped[int]

    registration: Mapped[Registration] = relationship()


class AllocationRun(db.Model):
    """One run of the allocator: its settings, what it achieved, who started it and when."""

    __tablename__ = "allocation_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id",
                                                                    ondelete="SET NULL"))
    settings: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # mix_weight, basis, pinned …
    status: Mapped[str] = mapped_column(sa.String(20))
    method: Mapped[str] = mapped_column(sa.String(20))
    people: Mapped[int] = mapped_column(default=0)
    objective: Mapped[float | None]
    bound: Mapped[float | None]
    gap: Mapped[float | None]
    figures: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    created_by: Mapped[User | None] = relationship()


class Assignment(db.Model):
    """Who is in which group, whether a facilitator pinned them there, and why they are there."""

    __tablename__ = "breakout_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), unique=True)
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("breakout_groups.id", ondelete="CASCADE"), index=True)
    pinned: Mapped[bool] = mapped_column(default=False)
    source: Mapped[AssignmentSource] = mapped_column(enum_type(AssignmentSource, "assignment_source"))
    run_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("allocation_runs.id", ondelete="SET NULL"))
    reason_de: Mapped[str] = mapped_column(sa.String(300), default="")
    reason_en: Mapped[str] = mapped_column(sa.String(300), default="")
    # The group this person was last told about by mail; a re-publication tells only the moved.
    notified_group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("breakout_groups.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    registration: Mapped[Registration] = relationship()
    group: Mapped[BreakoutGroup] = relationship(back_populates="assignments",
                                                foreign_keys=[group_id])


class BreakoutPair(db.Model):
    """Two people a facilitator wants in different groups, or in the same one."""

    __tablename__ = "breakout_pairs"
    __table_args__ = (
        sa.UniqueConstraint("first_id", "second_id", name="uq_breakout_pairs_people"),
        sa.CheckConstraint("first_id < second_id", name="ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    first_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id", ondelete="CASCADE"))
    second_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id", ondelete="CASCADE"))
    kind: Mapped[PairKind] = mapped_column(enum_type(PairKind, "breakout_pair_kind"))

    first: Mapped[Registration] = relationship(foreign_keys=[first_id])
    second: Mapped[Registration] = relationship(foreign_keys=[second_id])

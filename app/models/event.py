"""Series, editions (events), their speakers and facilitators."""
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, enum_type, utcnow
from app.models.user import User


class EventStatus(enum.StrEnum):
    """What staff decided; the other phases follow from timestamps (app.domain.editions)."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class EventFormat(enum.StrEnum):
    ONLINE = "online"
    ONSITE = "onsite"
    HYBRID = "hybrid"


event_facilitators = sa.Table(
    "event_facilitators",
    db.metadata,
    sa.Column("event_id", sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Series(db.Model):
    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")

    events: Mapped[list["Event"]] = relationship(back_populates="series",
                                                 order_by="Event.number")


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (
        sa.UniqueConstraint("series_id", "number", name="uq_events_series_number"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        sa.CheckConstraint(
            "reserved_civil_society >= 0 AND reserved_public_administration >= 0"
            " AND reserved_business >= 0 AND reserved_research >= 0",
            name="reserved_seats_not_negative"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
        sa.CheckConstraint(
            "registration_opens_at IS NULL OR registration_closes_at IS NULL"
            " OR registration_closes_at > registration_opens_at",
            name="registration_window_ordered",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(sa.ForeignKey("series.id"), index=True)
    number: Mapped[int]
    # Part of public URLs that people share: set once at creation, never changed.
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    guiding_question: Mapped[str] = mapped_column(sa.String(300), default="")
    teaser: Mapped[str] = mapped_column(sa.Text, default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown, sanitised on output
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    format: Mapped[EventFormat] = mapped_column(enum_type(EventFormat, "event_format"))
    venue: Mapped[str] = mapped_column(sa.Text, default="")
    online_url: Mapped[str] = mapped_column(sa.String(500), default="")
    # The video-conference service of online and hybrid editions (named in the privacy notice).
    video_service: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    capacity: Mapped[int]
    # Seats per sector (DESIGN §3, optional): seats reserved for each of the four sectors
    # (0: none) until seats_release_at (None: 7 days before the start); then open to all.
    reserved_civil_society: Mapped[int] = mapped_column(default=0, server_default="0")
    reserved_public_administration: Mapped[int] = mapped_column(default=0, server_default="0")
    reserved_business: Mapped[int] = mapped_column(default=0, server_default="0")
    reserved_research: Mapped[int] = mapped_column(default=0, server_default="0")
    seats_release_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The language the edition is held in, and in which staff write its texts (title,
    # description, agenda, groups, report): pages in another language mark those texts with
    # it (WCAG 3.1.2, language of parts).
    working_language: Mapped[str] = mapped_column(sa.String(8), default="de",
                                                  server_default="de")
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[EventStatus] = mapped_column(enum_type(EventStatus, "event_status"),
                                                default=EventStatus.DRAFT)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When facilitators last published the breakout groups (people then see their group).
    breakouts_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # iCalendar SEQUENCE: rises whenever the time or the status changes, so calendar
    # clients replace the entry they imported earlier.
    ics_sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    series: Mapped[Series] = relationship(back_populates="events")
    speakers: Mapped[list["Speaker"]] = relationship(
        back_populates="event", order_by="Speaker.position",
        cascade="all, delete-orphan")
    facilitators: Mapped[list[User]] = relationship(secondary=event_facilitators,
                                                    order_by=User.name)
    agenda_items: Mapped[list["AgendaItem"]] = relationship(  # noqa: F821
        back_populates="event", order_by="AgendaItem.position", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Event {self.slug}>"


class Speaker(db.Model):
    __tablename__ = "speakers"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(200))
    organisation: Mapped[str] = mapped_column(sa.String(200), default="")
    role: Mapped[str] = mapped_column(sa.String(200), default="")

    event: Mapped[Event] = relationship(back_populates="speakers")

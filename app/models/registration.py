"""People, their registrations for editions, and what they consented to."""
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.addresses import has_real_address
from app.extensions import db
from app.models.base import UTCDateTime, enum_type, utcnow
from app.models.event import Event


class Sector(enum.StrEnum):
    CIVIL_SOCIETY = "civil_society"
    PUBLIC_ADMINISTRATION = "public_administration"
    BUSINESS = "business"
    RESEARCH = "research"
    PRIVATE_PERSON = "private_person"
    UNDISCLOSED = "undisclosed"


class RegistrationStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for the double opt-in; holds its place until hold_expires_at
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Place(enum.StrEnum):
    SEAT = "seat"
    WAITLIST = "waitlist"


class ConsentPurpose(enum.StrEnum):
    PRIVACY_NOTICE = "privacy_notice"  # acknowledgement, not consent, but versioned the same way
    ACCESSIBILITY_DATA = "accessibility_data"  # Art. 9 GDPR: explicit consent
    PHOTOS = "photos"
    NAMED_IN_REPORT = "named_in_report"
    FUTURE_EDITIONS = "future_editions"
    # Keep my participation history tied to me after the retention period (optional).
    KEEP_HISTORY = "keep_history"


ACTIVE_STATUSES = (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED)


class Participant(db.Model):
    """A person, identified by their normalised e-mail address."""

    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    organisation: Mapped[str] = mapped_column(sa.String(200), default="")
    sector: Mapped[Sector] = mapped_column(enum_type(Sector, "participant_sector", length=30))
    language: Mapped[str] = mapped_column(sa.String(5), default="de")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Set when retention or an erasure removed the personal data; the row stays so that
    # figures such as "returning participants" still add up.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Erasing a person erases their registrations and consent records with them.
    registrations: Mapped[list["Registration"]] = relationship(
        back_populates="participant", cascade="all, delete-orphan", passive_deletes=True)
    consents: Mapped[list["ConsentRecord"]] = relationship(
        back_populates="participant", order_by="ConsentRecord.id",
        cascade="all, delete-orphan", passive_deletes=True)

    @property
    def has_real_address(self) -> bool:
        """The person gave this address (a walk-in without one has a placeholder)."""
        return has_real_address(self.email)


class Registration(db.Model):
    """One person's place at one edition: a seat or a waiting-list place."""

    __tablename__ = "registrations"
    __table_args__ = (
        # The last line of defence: one active registration per person and edition.
        sa.Index("uq_registrations_active_participant", "event_id", "participant_id",
                 unique=True,
                 sqlite_where=sa.text("status IN ('pending', 'confirmed')"),
                 postgresql_where=sa.text("status IN ('pending', 'confirmed')")),
        sa.UniqueConstraint("event_id", "nonce", name="uq_registrations_event_nonce"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Found by the two unique indexes above, which begin with it (no index of its own: it
    # cost a write per registration and misled PostgreSQL's planner, see migration 0014).
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_type(RegistrationStatus, "registration_status"), default=RegistrationStatus.PENDING)
    place: Mapped[Place] = mapped_column(enum_type(Place, "registration_place"))
    # sha256 of the personal link's token; the token itself is only ever in the mail.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The token is an HMAC (SECRET_KEY) of this random value, so a later mail can carry the
    # same link again; the database alone does not give the token away.
    link_secret: Mapped[str | None] = mapped_column(sa.String(64))
    # The hash of a link mailed before the current one was derived (a registration from before
    # derived links, or a SECRET_KEY change): it keeps working, no link is ever taken away.
    legacy_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # The form's one-time value: a double-clicked submit finds the first registration.
    nonce: Mapped[str] = mapped_column(sa.String(64))
    language: Mapped[str] = mapped_column(sa.String(5), default="de")
    # The sector as given for this edition: statistics stay right when the person changes it
    # later or is anonymised.
    sector: Mapped[Sector] = mapped_column(enum_type(Sector, "registration_sector", length=30),
                                           default=Sector.UNDISCLOSED,
                                           server_default=Sector.UNDISCLOSED.value)
    accessibility_needs: Mapped[str] = mapped_column(sa.Text, default="")
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # FIFO order of the waiting list (with id as tie-breaker).
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Promoted into a reserved seat of its sector (seats per sector): people further ahead
    # on the waiting list are told why someone after them moved up.
    promoted_reserved: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    added_by_staff: Mapped[bool] = mapped_column(default=False)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # attended
    # When retention or an erasure removed this registration's personal data.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    walk_in: Mapped[bool] = mapped_column(default=False, server_default=sa.false())  # added at the door on the day
    # Recorded by retention just before the registration is unlinked from its person: the
    # person had attended an earlier edition of the series. The "returning" figure needs
    # it once no link says who came back.
    returning_recorded: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The feedback survey (app.feedback): marks without a time, so that nothing here can be
    # matched to an anonymous answer (which carries only its day).
    feedback_invited: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    feedback_reminded: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    feedback_answered: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    event: Mapped[Event] = relationship()
    participant: Mapped[Participant] = relationship(back_populates="registrations")

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class ConsentRecord(db.Model):
    """What a person agreed to, when, to which text version, and when they withdrew."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="SET NULL"))
    purpose: Mapped[ConsentPurpose] = mapped_column(enum_type(ConsentPurpose, "consent_purpose", length=30))
    text_version: Mapped[str] = mapped_column(sa.String(64))  # sha256 of the text shown
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # by the double opt-in
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    participant: Mapped[Participant] = relationship(back_populates="consents")
    registration: Mapped[Registration | None] = relationship()

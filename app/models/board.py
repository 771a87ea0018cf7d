"""The work phase's boards: one per breakout group, with prompts as columns, cards and dots.

A board row exists once someone wrote to it; until then a group's board is empty and
shows the edition's default prompts. Its `version` rises with every change, so a poll
can answer "nothing new" (304) from one small row.
"""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.boards import CARD_MAX_LENGTH, DEFAULT_DOTS, MAX_COLUMNS, BoardOverride
from app.extensions import db
from app.models.base import UTCDateTime, enum_type, utcnow
from app.models.breakout import BreakoutGroup
from app.models.event import Event
from app.models.registration import Registration



class BoardPrompt(db.Model):
    """One column's prompt: an edition default (no group) or a group's own."""

    __tablename__ = "board_prompts"
    __table_args__ = (
        sa.CheckConstraint(f"position >= 0 AND position < {MAX_COLUMNS}", name="position_valid"),
        # At most one prompt per place; the NULL group (the edition default) counts separately.
        sa.UniqueConstraint("event_id", "group_id", "position", name="uq_board_prompts_place"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("breakout_groups.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(120))

    event: Mapped[Event] = relationship()
    group: Mapped[BreakoutGroup | None] = relationship()


class Board(db.Model):
    """A group's board state: hand overrides of the time box, voting, dots, change counter."""

    __tablename__ = "boards"
    __table_args__ = (
        sa.CheckConstraint("dots_per_member >= 0", name="dots_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("breakout_groups.id", ondelete="CASCADE"), unique=True)
    override: Mapped[BoardOverride] = mapped_column(enum_type(BoardOverride, "board_override"),
                                                    default=BoardOverride.AUTO)
    voting_open: Mapped[bool] = mapped_column(default=False)
    dots_per_member: Mapped[int] = mapped_column(default=DEFAULT_DOTS)
    version: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    group: Mapped[BreakoutGroup] = relationship()


class BoardCard(db.Model):
    """One card: plain text in a column, by a member (or a facilitator: no author)."""

    __tablename__ = "board_cards"
    __table_args__ = (
        sa.CheckConstraint(f"col >= 0 AND col < {MAX_COLUMNS}", name="column_valid"),
        sa.CheckConstraint(f"length(body) <= {CARD_MAX_LENGTH}", name="body_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("breakout_groups.id", ondelete="CASCADE"), index=True)
    col: Mapped[int] = mapped_column(default=0)
    body: Mapped[str] = mapped_column(sa.Text)  # plain text, never rendered as HTML
    # Erasure and retention null the link and the name: the card stays, as "anonym".
    author_registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="SET NULL"), index=True)
    # The first name as the author chose to show it; "" shows "anonym".
    author_name: Mapped[str] = mapped_column(sa.String(100), default="")
    key_result: Mapped[bool] = mapped_column(default=False)
    merged_into_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("board_cards.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    author: Mapped[Registration | None] = relationship()


class BoardVote(db.Model):
    """One dot: a member's vote for a card (one per member and card)."""

    __tablename__ = "board_votes"
    __table_args__ = (
        sa.UniqueConstraint("card_id", "registration_id", name="uq_board_votes_card_member"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(sa.ForeignKey("board_cards.id", ondelete="CASCADE"),
                                         index=True)
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("breakout_groups.id", ondelete="CASCADE"), index=True)
    # Erasure nulls the voter; the dot still counts for the card.
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

"""The programme of an edition: ordered agenda items."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.agenda import ItemKind
from app.extensions import db
from app.models.base import UTCDateTime, enum_type
from app.models.event import Event, Speaker

agenda_item_speakers = sa.Table(
    "agenda_item_speakers",
    db.metadata,
    sa.Column("agenda_item_id", sa.ForeignKey("agenda_items.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("speaker_id", sa.ForeignKey("speakers.id", ondelete="CASCADE"), primary_key=True),
)


class AgendaItem(db.Model):
    """One programme item. Its start is derived from the edition start and the
    durations before it (app.domain.agenda), unless it is pinned to a fixed time."""

    __tablename__ = "agenda_items"
    __table_args__ = (
        sa.CheckConstraint("duration_minutes > 0", name="duration_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[ItemKind] = mapped_column(enum_type(ItemKind, "agenda_item_kind"))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown
    duration_minutes: Mapped[int]
    pinned_start: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship(back_populates="agenda_items")
    speakers: Mapped[list[Speaker]] = relationship(secondary=agenda_item_speakers,
                                                   order_by=Speaker.position)

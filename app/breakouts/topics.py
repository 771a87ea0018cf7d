"""Breakout groups and their topics, and each person's ranking of the topics.

The lowest breakout module: registration stores a ranking through it, and the other breakout
modules build on it. Changes lock the edition; each use case commits once.
"""
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import abort

from app.domain.editions import is_upcoming
from app.errors import Refusal
from app.events.locking import lock_event
from app.events.services import edition_times
from app.extensions import db
from app.models import (Assignment, BoardPrompt, BreakoutGroup, Event, Preference, Registration,
                        RegistrationStatus, User, utcnow)


class BreakoutError(Refusal):
    """A use case refused; the message is for the facilitator or the person."""


# --- groups ----------------------------------------------------------------------------------

@dataclass
class GroupData:
    title: str
    topic: str
    description: str
    facilitator_id: int | None
    min_size: int
    max_size: int
    room: str


def groups_of(event_id: int) -> list[BreakoutGroup]:
    return list(db.session.scalars(_groups_statement(), {"event_id": event_id}))


@functools.cache
def _groups_statement() -> sa.Select:
    """groups_of's statement, built once: the registration form asks it on every request."""
    return sa.select(BreakoutGroup).where(BreakoutGroup.event_id == sa.bindparam("event_id")) \
        .order_by(BreakoutGroup.position, BreakoutGroup.id)


def edition_topics(event_id: int) -> list[str]:
    """topics_of(groups_of(event_id)) without loading the groups: the topics alone, in the
    order of their first group."""
    return topics_in(db.session.connection().execute(_topics_statement(),
                                                     {"event_id": event_id}))


@functools.cache
def _topics_statement() -> sa.Select:
    e = Event.__table__.c  # the table's columns: a plain statement
    return with_topics(sa.select(e.id).where(e.id == sa.bindparam("event_id")), e.id)


def with_topics(query: sa.Select, event_id: sa.ColumnElement) -> sa.Select:
    """`query` (of editions; `event_id` is its edition's id) with a row per breakout group
    and the group's topic as `topic` (one row with NULL for an edition without groups), in
    the groups' order: another statement reads the topics along (read them with topics_in)."""
    g = BreakoutGroup.__table__.c
    return query.add_columns(g.topic.label("topic")) \
        .outerjoin(BreakoutGroup.__table__, g.event_id == event_id).order_by(g.position, g.id)


def topics_in(rows) -> list[str]:
    """The distinct topics of with_topics' rows, in the order of their first group."""
    return list(dict.fromkeys(row.topic for row in rows if row.topic is not None))


def topics_of(groups: list[BreakoutGroup]) -> list[str]:
    """The distinct topics, in the order of their first group."""
    return list(dict.fromkeys(g.topic for g in groups))


def get_group_or_404(event: Event, group_id: int) -> BreakoutGroup:
    group = db.session.get(BreakoutGroup, group_id)
    if group is None or group.event_id != event.id:
        abort(404)
    return group


def facilitator_choices() -> list[tuple[int, str]]:
    """Active accounts that may lead a group."""
    users = db.session.scalars(sa.select(User).where(User.active.is_(True))
                               .order_by(User.name, User.email))
    return [(u.id, u.name or u.email) for u in users]


def save_group(event: Event, group: BreakoutGroup | None, data: GroupData) -> BreakoutGroup:
    """Create a group or change one; renaming a topic carries people's rankings along."""
    lock_event(event.id)
    if group is None:
        position = db.session.scalar(sa.select(sa.func.max(BreakoutGroup.position)).where(
            BreakoutGroup.event_id == event.id))
        group = BreakoutGroup(event_id=event.id, position=(position or 0) + 1)
        db.session.add(group)
    else:
        old_topic = group.topic
        others = [g for g in groups_of(event.id) if g.id != group.id]
        if old_topic != data.topic and old_topic not in {g.topic for g in others} \
                and data.topic not in {g.topic for g in others}:
            db.session.execute(sa.update(Preference).where(
                Preference.topic == old_topic,
                Preference.registration_id.in_(
                    sa.select(Registration.id).where(Registration.event_id == event.id)))
                .values(topic=data.topic))
    group.title, group.topic, group.description = data.title, data.topic, data.description
    group.facilitator_id = data.facilitator_id
    group.min_size, group.max_size, group.room = data.min_size, data.max_size, data.room
    db.session.commit()
    return group


def delete_group(event: Event, group: BreakoutGroup) -> None:
    """Remove a group; its people go back to "not yet placed"."""
    lock_event(event.id)
    db.session.delete(group)
    db.session.commit()


def copy_groups(source: Event, target: Event) -> None:
    """Copy the groups (not the people) and the board prompts, the edition's defaults and
    each group's own, into a duplicated edition (caller commits); cards stay behind."""
    copies: dict[int, BreakoutGroup] = {}
    for g in groups_of(source.id):
        copies[g.id] = BreakoutGroup(
            event=target, position=g.position, title=g.title, topic=g.topic,
            description=g.description, facilitator_id=g.facilitator_id, min_size=g.min_size,
            max_size=g.max_size, room="")
        db.session.add(copies[g.id])
    for prompt in db.session.scalars(sa.select(BoardPrompt).where(
            BoardPrompt.event_id == source.id).order_by(BoardPrompt.id)):
        if prompt.group_id is not None and prompt.group_id not in copies:
            continue
        db.session.add(BoardPrompt(
            event=target, group=copies[prompt.group_id] if prompt.group_id else None,
            position=prompt.position, title=prompt.title))


# --- preferences (the person's side) -------------------------------------------------------------

@dataclass(frozen=True)
class TopicChoice:
    """What a person sees about breakouts: the topics to rank, and their group once published."""

    topics: list[str]
    ranked: list[str]
    may_rank: bool
    group: BreakoutGroup | None
    titles: dict[str, list[str]] = field(default_factory=dict)  # topic → guiding questions


def topic_choice(registration: Registration, now: datetime | None = None) -> TopicChoice:
    event = registration.event
    groups = groups_of(event.id)
    topics = topics_of(groups)
    ranked = preferences_of([registration.id]).get(registration.id, [])
    upcoming = is_upcoming(edition_times(event), now or utcnow())
    group = None
    if event.breakouts_published_at is not None \
            and registration.status == RegistrationStatus.CONFIRMED:
        a = db.session.scalar(sa.select(Assignment).where(
            Assignment.registration_id == registration.id))
        group = a.group if a is not None else None
    return TopicChoice(
        topics=topics, ranked=[t for t in ranked if t in topics],
        may_rank=bool(topics) and upcoming and registration.is_active
        and registration.anonymised_at is None and event.breakouts_published_at is None,
        group=group, titles=topic_titles(groups))


def topic_titles(groups: list[BreakoutGroup]) -> dict[str, list[str]]:
    """Each topic with the guiding questions of its groups."""
    titles: dict[str, list[str]] = {}
    for group in groups:
        titles.setdefault(group.topic, []).append(group.title)
    return titles


def set_preferences(registration: Registration, ranked: list[str], *, commit: bool = True) -> None:
    """Replace a person's ranking with these topics, best first (unknown topics are dropped)."""
    topics = set(edition_topics(registration.event_id))
    chosen = list(dict.fromkeys(t for t in ranked if t in topics))
    db.session.execute(sa.delete(Preference).where(
        Preference.registration_id == registration.id))
    for rank, topic in enumerate(chosen, start=1):
        db.session.add(Preference(registration_id=registration.id, topic=topic, rank=rank))
    if commit:
        db.session.commit()


def preferences_of(registration_ids: list[int]) -> dict[int, list[str]]:
    """Each person's ranked topics, best first."""
    ranked: dict[int, list[str]] = defaultdict(list)
    if registration_ids:
        # Plain rows, not ORM objects: five in six of 3,000 people rank three topics.
        for registration_id, topic in db.session.execute(sa.select(
                Preference.registration_id, Preference.topic).where(
                Preference.registration_id.in_(registration_ids))
                .order_by(Preference.registration_id, Preference.rank)):
            ranked[registration_id].append(topic)
    return ranked

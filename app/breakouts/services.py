"""Breakout use cases: publication and its mails, the link to choose topics, and the group
lists. Groups, topics and rankings are in breakouts.topics, the board and allocation in
breakouts.placement; callers import those from there (each name has one home).

Every change locks the edition (as registrations do); each use case commits once.
"""
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort, current_app, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import selectinload

from app.audit import audit
from app.breakouts.placement import assignments_of, eligible
from app.breakouts.topics import BreakoutError, groups_of, preferences_of, topics_of
from app.errors import refuse
from app.events.locking import lock_event
from app.extensions import db
from app.mail.outbox import queue_mail
from app.models import (Assignment, BreakoutGroup, Event, Registration, RegistrationStatus, User,
                        utcnow)
from app.registration.services import personal_url_of
from app.spreadsheet import csv_text

TOPIC_LINK_SALT = "breakout-topics"
TOPIC_LINK_MAX_AGE = 60 * 24 * 3600  # seconds


# --- publication and mails ----------------------------------------------------------------------

@dataclass(frozen=True)
class PublishPreview:
    """What publishing would do, for the page that asks first."""

    new_groups: int  # people whose group they have not been told yet
    mails: int  # of them, people with an address they gave: they get a mail
    without_address: int  # of them, walk-ins who gave no address: personal page only
    anyone_placed: bool


def _untold(event: Event) -> tuple[list[tuple[Registration, Assignment]], bool]:
    """The people to place whose current group they have not been told, with their
    assignment; and whether anyone is in a group at all."""
    _, people = eligible(event)
    assignments = assignments_of(event.id)
    untold = [(r, assignments[r.id]) for r in people if r.id in assignments
              and assignments[r.id].notified_group_id != assignments[r.id].group_id]
    return untold, any(r.id in assignments for r in people)


def publish_preview(event: Event) -> PublishPreview:
    """How many people publishing tells, and how many of them get a mail."""
    untold, anyone = _untold(event)
    mails = sum(1 for r, _a in untold if r.participant.has_real_address)
    return PublishPreview(new_groups=len(untold), mails=mails,
                          without_address=len(untold) - mails, anyone_placed=anyone)


def publish(event: Event, user: User) -> int:
    """Show people their group on their personal page and mail everyone whose group is new
    (if they gave an address); return the number of mails."""
    lock_event(event.id)
    untold, anyone = _untold(event)
    if not anyone:
        refuse(BreakoutError(_l("Es ist noch niemand in einer Gruppe.")))
    groups = {g.id: g for g in groups_of(event.id)}
    told = 0
    for r, a in untold:
        moved = a.notified_group_id is not None
        a.notified_group_id = a.group_id  # shown on the personal page, mailed if possible
        if not r.participant.has_real_address:
            continue
        group = groups[a.group_id]
        with force_locale(r.language):
            subject = str(_l("Ihre Gruppe: %(title)s", title=event.title))
        queue_mail("breakout_assigned", r.participant.email, r.language, subject,
                   {"event": event, "person": r.participant, "group": group,
                    "link": personal_url_of(r), "moved": moved},
                   registration=r)
        told += 1
    event.breakouts_published_at = utcnow()
    audit("breakouts.publish", user, event_id=event.id, details=f"mails: {told}")
    db.session.commit()
    return told


def unpublish(event: Event, user: User) -> None:
    lock_event(event.id)
    event.breakouts_published_at = None
    audit("breakouts.unpublish", user, event_id=event.id)
    db.session.commit()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=TOPIC_LINK_SALT)


def topic_link_token(registration: Registration) -> str:
    """A link that lets its holder rank topics and nothing else.

    It names the registration and part of its personal-link hash, so it dies with
    the personal link (a new link, an erasure) and after TOPIC_LINK_MAX_AGE.
    """
    return _serializer().dumps([registration.id, registration.token_hash[:16]])


def registration_for_topic_link(token: str) -> Registration:
    """The registration of a topic link, or 404 for anything forged, expired or spent."""
    if len(token) > 200:
        abort(404)
    try:
        registration_id, fingerprint = _serializer().loads(token, max_age=TOPIC_LINK_MAX_AGE)
        registration_id = int(registration_id)
    except (BadSignature, ValueError, TypeError):
        abort(404)
    registration = db.session.get(Registration, registration_id)
    # A legacy link (see registration.services.personal_token) still counts as the current one.
    if registration is None or fingerprint not in (
            registration.token_hash[:16], (registration.legacy_token_hash or "")[:16]) \
            or registration.anonymised_at is not None:
        abort(404)
    return registration


def request_topic_choices(event: Event, user: User) -> int:
    """Mail everyone with a place who has not ranked the topics yet a link to do so."""
    lock_event(event.id)
    topics = topics_of(groups_of(event.id))
    if not topics:
        refuse(BreakoutError(_l("Legen Sie zuerst Gruppen an.")))
    people = list(db.session.scalars(sa.select(Registration).where(
        Registration.event_id == event.id, Registration.anonymised_at.is_(None),
        Registration.status.in_((RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED)))
        .options(selectinload(Registration.participant))))
    ranked = preferences_of([r.id for r in people])
    sent = 0
    for r in people:
        if ranked.get(r.id) or not r.participant.has_real_address:
            continue
        with force_locale(r.language):
            subject = str(_l("Welches Thema interessiert Sie? %(title)s", title=event.title))
        link = url_for("breakouts.choose_topics", token=topic_link_token(r), _external=True)
        queue_mail("choose_topics", r.participant.email, r.language, subject,
                   {"event": event, "person": r.participant, "topics": topics,
                    "topic_link": link, "link": None}, registration=r)
        sent += 1
    audit("breakouts.request_topics", user, event_id=event.id, details=f"mails: {sent}")
    db.session.commit()
    return sent


# --- group lists -------------------------------------------------------------------------------

@dataclass(frozen=True)
class GroupList:
    group: BreakoutGroup
    members: list[Registration]


def group_lists(event: Event, user: User, what: str) -> list[GroupList]:
    """Each group with its people by name (an export of personal data: audited)."""
    _, people = eligible(event)
    assignments = assignments_of(event.id)
    members: dict[int, list[Registration]] = defaultdict(list)
    for r in people:
        if r.id in assignments:
            members[assignments[r.id].group_id].append(r)
    audit(f"breakouts.{what}", user, event_id=event.id)
    db.session.commit()
    return [GroupList(g, members.get(g.id, [])) for g in groups_of(event.id)]


def groups_csv(lists: list[GroupList], sector_label) -> str:
    rows = [[str(_l("Gruppe")), str(_l("Thema")), str(_l("Raum")), str(_l("Name")),
             str(_l("Organisation")), str(_l("Bereich"))]]
    for gl in lists:
        for r in gl.members:
            rows.append([gl.group.title, gl.group.topic, gl.group.room, r.participant.name,
                         r.participant.organisation, sector_label(r.sector)])
    return csv_text(rows)


def video_tool_csv(lists: list[GroupList]) -> str:
    """Pre-assigned breakout rooms in the CSV shape Zoom imports (room name, e-mail)."""
    rows = [["Pre-assign Room Name", "Email Address"]]
    for gl in lists:
        room_name = gl.group.topic[:50]
        for r in gl.members:
            rows.append([room_name, r.participant.email])
    return csv_text(rows, for_excel=False)  # Zoom reads plain comma-separated UTF-8

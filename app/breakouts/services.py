"""Breakout use cases: groups, topic preferences, allocation runs, hand moves and pins,
keep-apart/together pairs, publication, and the group lists.

Every change to the board locks the edition (as registrations do), so two facilitators
working at once never interleave a run and a move; each use case commits once.
"""
import csv
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import abort, current_app, url_for
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import joinedload, selectinload

from app.domain import allocation as alloc
from app.domain.editions import is_upcoming
from app.events.services import edition_times
from app.extensions import db
from app.mail.outbox import queue_mail
from app.models import (AllocationRun, Assignment, AssignmentSource, BoardPrompt, BreakoutGroup,
                        BreakoutPair, Event, PairKind, Place, Preference, Registration, RegistrationStatus,
                        Sector, User, utcnow)
from app.records.services import audit
from app.registration.services import lock_event, personal_url_of
from app.registration.staff import safe_cell

# The allocator's sector names (see `flask breakouts solve`) for ours.
ALLOCATOR_SECTOR = {
    Sector.CIVIL_SOCIETY: "civil_society",
    Sector.PUBLIC_ADMINISTRATION: "public_administration",
    Sector.BUSINESS: "business",
    Sector.RESEARCH: "research",
    Sector.PRIVATE_PERSON: "private",
    Sector.UNDISCLOSED: "unknown",
}
SECTOR_ORDER = tuple(ALLOCATOR_SECTOR)

DEFAULT_MIX = 1.0  # the allocator's mix_weight: topics and mixing weighed as designed
TIME_LIMIT = 20.0  # seconds: a safety net for a request; a room of ~30 takes hundredths
TOPIC_LINK_SALT = "breakout-topics"
TOPIC_LINK_MAX_AGE = 60 * 24 * 3600  # seconds


class BreakoutError(Exception):
    """A use case refused; the message is for the facilitator or the person."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


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
    return list(db.session.scalars(sa.select(BreakoutGroup).where(
        BreakoutGroup.event_id == event_id).order_by(BreakoutGroup.position, BreakoutGroup.id)))


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


# --- who takes part ------------------------------------------------------------------------

def _base_query(event_id: int):
    return (sa.select(Registration).where(
        Registration.event_id == event_id, Registration.anonymised_at.is_(None),
        Registration.status == RegistrationStatus.CONFIRMED)
        # Joined, not selectin: selectinload sends one IN query per 500 people.
        .options(joinedload(Registration.participant, innerjoin=True)))


def eligible(event: Event) -> tuple[str, list[Registration]]:
    """The people to place: checked-in once check-in has begun, else confirmed seat holders."""
    checked_in = list(db.session.scalars(_base_query(event.id).where(
        Registration.checked_in_at.is_not(None))))
    if checked_in:
        people, basis = checked_in, "checked_in"
    else:
        people, basis = list(db.session.scalars(_base_query(event.id).where(
            Registration.place == Place.SEAT))), "confirmed"
    people.sort(key=lambda r: (r.participant.name.casefold(), r.id))
    return basis, people


def _preferences(registration_ids: list[int]) -> dict[int, list[str]]:
    ranked: dict[int, list[str]] = defaultdict(list)
    if registration_ids:
        for p in db.session.scalars(sa.select(Preference).where(
                Preference.registration_id.in_(registration_ids))
                .order_by(Preference.registration_id, Preference.rank)):
            ranked[p.registration_id].append(p.topic)
    return ranked


def _assignments(event_id: int) -> dict[int, Assignment]:
    rows = db.session.scalars(
        sa.select(Assignment).join(BreakoutGroup, BreakoutGroup.id == Assignment.group_id)
        .where(BreakoutGroup.event_id == event_id))
    return {a.registration_id: a for a in rows}


def _pairs(event_id: int) -> list[BreakoutPair]:
    return list(db.session.scalars(sa.select(BreakoutPair).where(
        BreakoutPair.event_id == event_id).order_by(BreakoutPair.id)))


def _organisation(registration: Registration) -> str | None:
    name = " ".join(registration.participant.organisation.split()).casefold()
    return name or None


def _problem(groups, people, preferences, assignments, pairs, mix_weight, *,
             only_assigned=False) -> alloc.Problem:
    """The allocator's input for these rows; pins and current groups come from assignments."""
    topics = set(topics_of(groups))
    persons = []
    for r in people:
        current = assignments.get(r.id)
        if only_assigned and current is None:
            continue
        persons.append(alloc.Person(
            id=r.id, sector=ALLOCATOR_SECTOR[r.sector], organisation=_organisation(r),
            preferences=tuple(t for t in preferences.get(r.id, []) if t in topics),
            pinned_group=current.group_id if current is not None and current.pinned else None,
            previous_group=current.group_id if current is not None else None))
    ids = {p.id for p in persons}
    pair_ids = [(p.first_id, p.second_id, p.kind) for p in pairs
                if p.first_id in ids and p.second_id in ids]
    return alloc.Problem(
        groups=tuple(alloc.Group(id=g.id, topic=g.topic, min_size=g.min_size,
                                 max_size=g.max_size) for g in groups),
        people=tuple(persons),
        keep_apart=tuple((a, b) for a, b, k in pair_ids if k == PairKind.APART),
        keep_together=tuple((a, b) for a, b, k in pair_ids if k == PairKind.TOGETHER),
        mix_weight=mix_weight, topic_labels={t: t for t in topics},
        person_labels={r.id: _person_ref(r.id) for r in people},
        group_labels={g.id: g.title for g in groups})


# Reasons are stored, so they name other people only by reference; the board puts in the
# names when it shows them. An erased person's name is thus never left in someone's reason.
_PERSON_REF = re.compile(r"⟨(\d+)⟩")


def _person_ref(registration_id: int) -> str:
    return f"⟨{registration_id}⟩"


# --- the board --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Card:
    registration_id: int
    name: str
    organisation: str
    sector: Sector
    preferences: list[str]
    group_id: int | None
    rank: int | None  # which of their choices this group's topic is
    pinned: bool
    by_hand: bool
    reason: str


@dataclass(frozen=True)
class Column:
    group: BreakoutGroup
    cards: list[Card]
    sector_counts: list[tuple[Sector, int]]  # every sector present, in a fixed order
    warnings: list[str]

    @property
    def size(self) -> int:
        return len(self.cards)


@dataclass(frozen=True)
class PairRow:
    pair: BreakoutPair
    first: str
    second: str


@dataclass(frozen=True)
class BoardView:
    event: Event
    basis: str  # "checked_in" | "confirmed"
    people: int
    columns: list[Column]
    unassigned: list[Card]
    room_counts: list[tuple[Sector, int]]
    figures: alloc.Figures | None  # of the groups as they are now
    last_run: AllocationRun | None
    mix_weight: float
    published_at: datetime | None
    unpublished_changes: int  # people whose group differs from what they were told
    pairs: list[PairRow]
    choosers: list[tuple[int, str]]  # everyone placeable, for the pair form
    with_preferences: int
    topics: list[str]
    may_allocate: bool


def _counts(sectors) -> list[tuple[Sector, int]]:
    counter = Counter(sectors)
    return [(s, counter[s]) for s in SECTOR_ORDER if counter[s]]


def _reason(assignment: Assignment | None, names: dict[int, str]) -> str:
    if assignment is None:
        return ""
    if assignment.source == AssignmentSource.HAND:
        return str(_l("Von Hand hierher gesetzt."))
    text = assignment.reason_en if str(get_locale()) == "en" else assignment.reason_de
    return _PERSON_REF.sub(lambda m: names.get(int(m.group(1)), "–"), text)


def board_view(event: Event) -> BoardView:
    """Everything the facilitator board shows, in a fixed number of queries."""
    basis, people = eligible(event)
    groups = groups_of(event.id)
    ids = [r.id for r in people]
    preferences = _preferences(ids)
    assignments = _assignments(event.id)
    pairs = _pairs(event.id)
    last_run = db.session.scalar(sa.select(AllocationRun).where(
        AllocationRun.event_id == event.id).order_by(AllocationRun.id.desc()).limit(1))
    topic_of = {g.id: g.topic for g in groups}
    names = {r.id: r.participant.name for r in people}
    cards_by_group: dict[int | None, list[Card]] = defaultdict(list)
    for r in people:
        a = assignments.get(r.id)
        group_id = a.group_id if a is not None else None
        ranked = preferences.get(r.id, [])
        topic = topic_of.get(group_id)
        cards_by_group[group_id].append(Card(
            registration_id=r.id, name=r.participant.name, organisation=r.participant.organisation,
            sector=r.sector, preferences=ranked, group_id=group_id,
            rank=ranked.index(topic) + 1 if topic in ranked else None,
            pinned=bool(a and a.pinned), by_hand=bool(a and a.source == AssignmentSource.HAND),
            reason=_reason(a, names)))
    pair_rows = [PairRow(p, names.get(p.first_id, "–"), names.get(p.second_id, "–"))
                 for p in pairs]
    columns = []
    sector_of = {r.id: r.sector for r in people}
    org_of = {r.id: _organisation(r) for r in people}
    for g in groups:
        cards = cards_by_group.get(g.id, [])
        columns.append(Column(group=g, cards=cards,
                              sector_counts=_counts(sector_of[c.registration_id] for c in cards),
                              warnings=_column_warnings(g, cards, org_of, pairs)))
    mix = (last_run.settings or {}).get("mix_weight", DEFAULT_MIX) if last_run else DEFAULT_MIX
    figures = None
    if any(c.group_id for cs in cards_by_group.values() for c in cs) and groups:
        problem = _problem(groups, people, preferences, assignments, pairs, mix,
                           only_assigned=True)
        figures = alloc.compute_figures(problem, {
            p.id: assignments[p.id].group_id for p in problem.people})
    unpublished = sum(1 for r in people if r.id in assignments
                      and assignments[r.id].notified_group_id != assignments[r.id].group_id)
    return BoardView(
        event=event, basis=basis, people=len(people), columns=columns,
        unassigned=cards_by_group.get(None, []), room_counts=_counts(r.sector for r in people),
        figures=figures, last_run=last_run, mix_weight=mix,
        published_at=event.breakouts_published_at, unpublished_changes=unpublished,
        pairs=pair_rows, choosers=[(r.id, r.participant.name) for r in people],
        with_preferences=sum(1 for r in people if preferences.get(r.id)),
        topics=topics_of(groups), may_allocate=bool(groups and people))


def _column_warnings(group: BreakoutGroup, cards: list[Card], org_of, pairs) -> list[str]:
    warnings = []
    size = len(cards)
    if size and size < group.min_size:
        warnings.append(_l("Zu klein: %(size)d von mindestens %(min)d.",
                           size=size, min=group.min_size))
    if size > group.max_size:
        warnings.append(_l("Zu groß: %(size)d von höchstens %(max)d.",
                           size=size, max=group.max_size))
    orgs = Counter(org_of[c.registration_id] for c in cards if org_of[c.registration_id])
    colleagues = sum(n - 1 for n in orgs.values() if n > 1)
    if colleagues:
        warnings.append(_l("%(count)d Person(en) mit Kolleg*innen derselben Organisation.",
                           count=colleagues))
    members = {c.registration_id for c in cards}
    if any(p.kind == PairKind.APART and p.first_id in members and p.second_id in members
           for p in pairs):
        warnings.append(_l("Zwei Personen, die getrennt sein sollen, sind in dieser Gruppe."))
    return [str(w) for w in warnings]


# --- changing the board ------------------------------------------------------------------------

def allocate(event: Event, mix_weight: float, user: User) -> tuple[AllocationRun, list[str]]:
    """Run the allocator for everyone not pinned, keep pins, and store the run and its groups.

    People keep their current group unless moving them improves the result (a small
    cost per move), so a re-run after a few changes moves few people.
    """
    lock_event(event.id)
    basis, people = eligible(event)
    groups = groups_of(event.id)
    if not groups:
        raise BreakoutError(_l("Legen Sie zuerst Gruppen an."))
    if not people:
        raise BreakoutError(_l("Es gibt noch niemanden zum Einteilen."))
    preferences = _preferences([r.id for r in people])
    assignments = _assignments(event.id)
    problem = _problem(groups, people, preferences, assignments, _pairs(event.id), mix_weight)
    # The allocator's default gap target: proven optimal for a workshop-sized room.
    result = alloc.compute_allocation(problem, time_limit=TIME_LIMIT)
    language = "en" if str(get_locale()) == "en" else "de"
    if not result.ok:
        raise BreakoutError(result.error[language])
    run = AllocationRun(
        event_id=event.id, created_by_id=user.id, status=result.status, method=result.method,
        people=len(people), objective=result.objective, bound=result.bound, gap=result.gap,
        settings={"mix_weight": mix_weight, "basis": basis,
                  "pinned": sum(1 for p in problem.people if p.pinned_group is not None)},
        figures=alloc.figures_to_dict(result.figures))
    db.session.add(run)
    db.session.flush()
    eligible_ids = {r.id for r in people}
    for registration_id, current in assignments.items():
        if registration_id not in eligible_ids:  # cancelled, or not checked in on the day
            db.session.delete(current)
    for r in people:
        reason = result.reasons.get(r.id, {})
        current = assignments.get(r.id)
        if current is None:
            current = Assignment(registration_id=r.id, source=AssignmentSource.ALLOCATOR)
            db.session.add(current)
        group_id = result.assignment[r.id]
        if current.group_id != group_id or not current.pinned:
            current.source = AssignmentSource.ALLOCATOR
        current.group_id = group_id
        current.run_id = run.id
        current.reason_de = reason.get("de", "")[:300]
        current.reason_en = reason.get("en", "")[:300]
    audit("breakouts.allocate", user, event_id=event.id,
          details=f"run {run.id}: {len(people)} people, gap {result.gap}")
    db.session.commit()
    return run, [w[language] for w in result.warnings]


def _placeable(event: Event, registration_id: int) -> Registration:
    _, people = eligible(event)
    for r in people:
        if r.id == registration_id:
            return r
    raise BreakoutError(_l("Diese Person ist nicht (mehr) unter den Einzuteilenden."))


def move(event: Event, registration_id: int, group_id: int | None, user: User) -> None:
    """Put a person into a group by hand (and pin them there), or take them out of all."""
    lock_event(event.id)
    registration = _placeable(event, registration_id)
    current = db.session.scalar(sa.select(Assignment).where(
        Assignment.registration_id == registration.id))
    if group_id is None:
        if current is not None:
            db.session.delete(current)
    else:
        group = get_group_or_404(event, group_id)
        if current is None:
            current = Assignment(registration_id=registration.id)
            db.session.add(current)
        current.group_id = group.id
        current.pinned = True  # a facilitator's decision holds through re-runs
        current.source = AssignmentSource.HAND
        current.reason_de = current.reason_en = ""
    db.session.commit()


def set_pinned(event: Event, registration_id: int, pinned: bool) -> None:
    lock_event(event.id)
    registration = _placeable(event, registration_id)
    current = db.session.scalar(sa.select(Assignment).where(
        Assignment.registration_id == registration.id))
    if current is None:
        raise BreakoutError(_l("Nur wer in einer Gruppe ist, kann angeheftet werden."))
    current.pinned = pinned
    db.session.commit()


def add_pair(event: Event, first_id: int, second_id: int, kind: PairKind) -> None:
    """Keep two people apart or together in every later run."""
    lock_event(event.id)
    if first_id == second_id:
        raise BreakoutError(_l("Bitte wählen Sie zwei verschiedene Personen."))
    first, second = sorted((_placeable(event, first_id).id, _placeable(event, second_id).id))
    existing = db.session.scalar(sa.select(BreakoutPair).where(
        BreakoutPair.first_id == first, BreakoutPair.second_id == second))
    if existing is not None:
        existing.kind = kind
    else:
        db.session.add(BreakoutPair(event_id=event.id, first_id=first, second_id=second,
                                    kind=kind))
    db.session.commit()


def remove_pair(event: Event, pair_id: int) -> None:
    lock_event(event.id)
    pair = db.session.get(BreakoutPair, pair_id)
    if pair is None or pair.event_id != event.id:
        abort(404)
    db.session.delete(pair)
    db.session.commit()


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
    assignments = _assignments(event.id)
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
        raise BreakoutError(_l("Es ist noch niemand in einer Gruppe."))
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
        raise BreakoutError(_l("Legen Sie zuerst Gruppen an."))
    people = list(db.session.scalars(sa.select(Registration).where(
        Registration.event_id == event.id, Registration.anonymised_at.is_(None),
        Registration.status.in_((RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED)))
        .options(selectinload(Registration.participant))))
    ranked = _preferences([r.id for r in people])
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
    ranked = _preferences([registration.id]).get(registration.id, [])
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
    topics = set(topics_of(groups_of(registration.event_id)))
    chosen = list(dict.fromkeys(t for t in ranked if t in topics))
    db.session.execute(sa.delete(Preference).where(
        Preference.registration_id == registration.id))
    for rank, topic in enumerate(chosen, start=1):
        db.session.add(Preference(registration_id=registration.id, topic=topic, rank=rank))
    if commit:
        db.session.commit()


# --- group lists -------------------------------------------------------------------------------

@dataclass(frozen=True)
class GroupList:
    group: BreakoutGroup
    members: list[Registration]


def group_lists(event: Event, user: User, what: str) -> list[GroupList]:
    """Each group with its people by name (an export of personal data: audited)."""
    _, people = eligible(event)
    assignments = _assignments(event.id)
    members: dict[int, list[Registration]] = defaultdict(list)
    for r in people:
        if r.id in assignments:
            members[assignments[r.id].group_id].append(r)
    audit(f"breakouts.{what}", user, event_id=event.id)
    db.session.commit()
    return [GroupList(g, members.get(g.id, [])) for g in groups_of(event.id)]


def _csv(rows: list[list[str]], *, for_excel: bool) -> str:
    """Formula-safe CSV; for Excel with a byte-order mark and `;`, as the other staff lists."""
    out = io.StringIO()
    if for_excel:
        out.write("\ufeff")
    writer = csv.writer(out, delimiter=";" if for_excel else ",", lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
    return out.getvalue()


def groups_csv(lists: list[GroupList], sector_label) -> str:
    rows = [[str(_l("Gruppe")), str(_l("Thema")), str(_l("Raum")), str(_l("Name")),
             str(_l("Organisation")), str(_l("Bereich"))]]
    for gl in lists:
        for r in gl.members:
            rows.append([gl.group.title, gl.group.topic, gl.group.room, r.participant.name,
                         r.participant.organisation, sector_label(r.sector)])
    return _csv(rows, for_excel=True)


def video_tool_csv(lists: list[GroupList]) -> str:
    """Pre-assigned breakout rooms in the CSV shape Zoom imports (room name, e-mail)."""
    rows = [["Pre-assign Room Name", "Email Address"]]
    for gl in lists:
        room_name = gl.group.topic[:50]
        for r in gl.members:
            rows.append([room_name, r.participant.email])
    return _csv(rows, for_excel=False)  # Zoom reads plain comma-separated UTF-8

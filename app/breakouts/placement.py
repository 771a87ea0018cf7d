"""Placing people in breakout groups: who takes part, the board, allocation runs, hand
moves and pins, keep-apart/together pairs.

Every change to the board locks the edition (as registrations do), so two facilitators
working at once never interleave a run and a move; each use case commits once.
"""
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import abort
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from app.audit import audit
from app.breakouts.topics import (BreakoutError, get_group_or_404, groups_of, preferences_of,
                                  topics_of)
from app.domain import allocation as alloc
from app.errors import refuse
from app.events.locking import lock_event
from app.extensions import db
from app.models import (AllocationRun, Assignment, AssignmentSource, BreakoutGroup, BreakoutPair,
                        Event, PairKind, Place, Registration, RegistrationStatus, Sector, User)

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


def assignments_of(event_id: int) -> dict[int, Assignment]:
    """Who is in which group of the edition, by registration."""
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
    # of the last run: the fewest colleague pairs possible, at the mixing steps (None
    # elsewhere), and how long the whole run took
    fewest_pairs: int | None = None
    run_seconds: float | None = None


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
    preferences = preferences_of(ids)
    assignments = assignments_of(event.id)
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
        topics=topics_of(groups), may_allocate=bool(groups and people),
        fewest_pairs=(last_run.settings or {}).get("fewest_colleague_pairs") if last_run else None,
        run_seconds=(last_run.settings or {}).get("seconds") if last_run else None)


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
    started = time.perf_counter()  # the whole call: building the problem, solving, writing
    basis, people = eligible(event)
    groups = groups_of(event.id)
    if not groups:
        refuse(BreakoutError(_l("Legen Sie zuerst Gruppen an.")))
    if not people:
        refuse(BreakoutError(_l("Es gibt noch niemanden zum Einteilen.")))
    preferences = preferences_of([r.id for r in people])
    assignments = assignments_of(event.id)
    problem = _problem(groups, people, preferences, assignments, _pairs(event.id), mix_weight)
    # The allocator's default gap target: proven optimal for a workshop-sized room.
    result = alloc.compute_allocation(problem, time_limit=TIME_LIMIT)
    language = "en" if str(get_locale()) == "en" else "de"
    if not result.ok:
        refuse(BreakoutError(result.error[language]))
    run = AllocationRun(
        event_id=event.id, created_by_id=user.id, status=result.status, method=result.method,
        people=len(people), objective=result.objective, bound=result.bound, gap=result.gap,
        settings={"mix_weight": mix_weight, "basis": basis,
                  "pinned": sum(1 for p in problem.people if p.pinned_group is not None),
                  "colleagues_first": result.figures.colleagues_first,
                  "fewest_colleague_pairs": result.fewest_colleague_pairs},
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
    db.session.flush()
    run.settings = {**run.settings, "seconds": round(time.perf_counter() - started, 3)}
    audit("breakouts.allocate", user, event_id=event.id,
          details=f"run {run.id}: {len(people)} people, gap {result.gap}")
    db.session.commit()
    return run, [w[language] for w in result.warnings]


def _placeable(event: Event, registration_id: int) -> Registration:
    _, people = eligible(event)
    for r in people:
        if r.id == registration_id:
            return r
    refuse(BreakoutError(_l("Diese Person ist nicht (mehr) unter den Einzuteilenden.")))


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
        refuse(BreakoutError(_l("Nur wer in einer Gruppe ist, kann angeheftet werden.")))
    current.pinned = pinned
    db.session.commit()


def add_pair(event: Event, first_id: int, second_id: int, kind: PairKind) -> None:
    """Keep two people apart or together in every later run."""
    lock_event(event.id)
    if first_id == second_id:
        refuse(BreakoutError(_l("Bitte wählen Sie zwei verschiedene Personen.")))
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

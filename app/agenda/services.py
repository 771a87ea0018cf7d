"""Agenda use cases: show the schedule, add, change, delete, reorder, preset."""
from dataclasses import dataclass, field
from datetime import datetime

from flask import abort
from flask_babel import LazyString, format_time, gettext
from flask_babel import lazy_gettext as _l

from app.domain.agenda import (AgendaCheck, ItemInput, ItemKind, Problem, ProblemCode,
                               compute_move, compute_reorder, compute_schedule, standard_evening,
                               validate_agenda)
from app.domain.editions import shift_local_days
from app.errors import Refusal
from app.extensions import db
from app.models import AgendaItem, Event, Speaker
from app.models.base import MAX_ID

NEW = "new"  # the key of an item that is not saved yet


class AgendaError(Refusal):
    """A change was refused: `problems` are the new errors it would cause, or a `message`."""

    def __init__(self, problems: tuple[Problem, ...] = (), message=None):
        super().__init__(message or (LazyString(lambda: " ".join(describe(p) for p in problems))
                                     if problems else None))
        self.problems = problems


@dataclass
class ItemData:
    kind: ItemKind
    title: str
    description: str
    duration_minutes: int
    pinned_start: datetime | None
    speaker_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class AgendaRow:
    item: AgendaItem
    starts_at: datetime
    ends_at: datetime
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]


@dataclass(frozen=True)
class AgendaView:
    rows: list[AgendaRow]
    check: AgendaCheck

    @property
    def overall(self) -> tuple[Problem, ...]:
        """Problems of the agenda as a whole (not of one item)."""
        return tuple(p for p in self.check.errors + self.check.warnings if p.key is None)


def _input(item: AgendaItem, key=None) -> ItemInput:
    return ItemInput(key=item.id if key is None else key, duration_minutes=item.duration_minutes,
                     kind=item.kind, pinned_start=item.pinned_start)


def agenda_view(event: Event) -> AgendaView:
    """The agenda with each item's derived times and its problems."""
    items = list(event.agenda_items)
    inputs = [_input(i) for i in items]
    check = validate_agenda(event.starts_at, event.ends_at, inputs)
    rows = []
    for item, slot in zip(items, compute_schedule(event.starts_at, inputs), strict=True):
        rows.append(AgendaRow(
            item=item, starts_at=slot.starts_at, ends_at=slot.ends_at,
            errors=tuple(p for p in check.errors if p.key == item.id),
            warnings=tuple(p for p in check.warnings if p.key == item.id)))
    return AgendaView(rows=rows, check=check)


def agenda_has_errors(event: Event) -> bool:
    return not validate_agenda(event.starts_at, event.ends_at,
                               [_input(i) for i in event.agenda_items]).ok


def _refuse_new_errors(event: Event, proposed: list[ItemInput]) -> None:
    """Refuse a change that adds errors; errors that were there before do not block a fix."""
    before = validate_agenda(event.starts_at, event.ends_at,
                             [_input(i) for i in event.agenda_items]).errors
    after = validate_agenda(event.starts_at, event.ends_at, proposed).errors
    known = {(p.key, p.code) for p in before}
    new = tuple(p for p in after if (p.key, p.code) not in known)
    if new:
        raise AgendaError(new)


def get_item_or_404(event: Event, item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id) if 0 < item_id <= MAX_ID else None
    if item is None or item.event_id != event.id:
        abort(404)
    return item


def _speakers(event: Event, ids: list[int]) -> list[Speaker]:
    return [s for s in event.speakers if s.id in set(ids)]


def _fill(item: AgendaItem, event: Event, data: ItemData) -> None:
    item.kind = data.kind
    item.title = data.title.strip()
    item.description = data.description.strip()
    item.duration_minutes = data.duration_minutes
    item.pinned_start = data.pinned_start
    item.speakers = _speakers(event, data.speaker_ids)


def _proposed_input(data: ItemData, key) -> ItemInput:
    return ItemInput(key=key, duration_minutes=data.duration_minutes, kind=data.kind,
                     pinned_start=data.pinned_start)


def add_item(event: Event, data: ItemData) -> AgendaItem:
    """Append an item at the end of the agenda."""
    proposed = [_input(i) for i in event.agenda_items] + [_proposed_input(data, NEW)]
    _refuse_new_errors(event, proposed)
    item = AgendaItem(event=event, position=len(event.agenda_items))
    _fill(item, event, data)
    db.session.add(item)
    db.session.commit()
    return item


def update_item(event: Event, item: AgendaItem, data: ItemData) -> None:
    proposed = [_proposed_input(data, i.id) if i.id == item.id else _input(i)
                for i in event.agenda_items]
    _refuse_new_errors(event, proposed)
    _fill(item, event, data)
    db.session.commit()


def delete_item(event: Event, item: AgendaItem) -> None:
    """Remove an item; the ones after it move up."""
    event.agenda_items.remove(item)
    _renumber(event)
    db.session.commit()


def move_item(event: Event, item: AgendaItem, delta: int) -> None:
    """Move an item up (-1) or down (+1); times after it follow."""
    _apply_order(event, compute_move([i.id for i in event.agenda_items], item.id, delta))


def reorder_item(event: Event, item: AgendaItem, new_index: int) -> None:
    """Move an item to a position (drag and drop)."""
    _apply_order(event, compute_reorder([i.id for i in event.agenda_items], item.id, new_index))


def _apply_order(event: Event, order: list[int]) -> None:
    by_id = {i.id: i for i in event.agenda_items}
    _refuse_new_errors(event, [_input(by_id[key]) for key in order])
    for position, key in enumerate(order):
        by_id[key].position = position
    db.session.commit()
    db.session.expire(event, ["agenda_items"])


def _renumber(event: Event) -> None:
    for position, item in enumerate(event.agenda_items):
        item.position = position


def apply_standard_evening(event: Event) -> None:
    """Fill an empty agenda with the usual shape of the evening, fitted to its window."""
    if event.agenda_items:
        raise AgendaError(message=_l("Der Standardablauf passt nur in ein leeres Programm."))
    try:
        templates = standard_evening(event.starts_at, event.ends_at)
    except ValueError:
        raise AgendaError(message=_l("Der Standardablauf braucht mindestens 60 Minuten.")) from None
    for position, template in enumerate(templates):
        db.session.add(AgendaItem(event=event, position=position, kind=template.kind,
                                  title=template.title_de, description="",
                                  duration_minutes=template.duration_minutes))
    db.session.commit()


def copy_agenda(source: Event, target: Event, days: int) -> None:
    """Copy the agenda to another edition (not committed); pinned times move by `days`."""
    speakers_by_position = {s.position: s for s in target.speakers}
    for item in source.agenda_items:
        target.agenda_items.append(AgendaItem(
            position=item.position, kind=item.kind, title=item.title,
            description=item.description, duration_minutes=item.duration_minutes,
            pinned_start=shift_local_days(item.pinned_start, days),
            speakers=[speakers_by_position[s.position] for s in item.speakers
                      if s.position in speakers_by_position]))


def describe(problem: Problem) -> str:
    """The problem as one sentence in the user's language."""
    at = format_time(problem.at, "HH:mm") if problem.at else ""
    limit = format_time(problem.limit, "HH:mm") if problem.limit else ""
    n = problem.minutes or 0
    messages = {
        ProblemCode.NON_POSITIVE_DURATION: gettext("Die Dauer muss mindestens eine Minute sein."),
        ProblemCode.STARTS_BEFORE_EVENT: gettext(
            "Beginnt um %(at)s, vor dem Beginn der Veranstaltung (%(limit)s).", at=at, limit=limit),
        ProblemCode.ENDS_AFTER_EVENT: gettext(
            "Endet um %(at)s, %(n)d Minuten nach dem Ende der Veranstaltung (%(limit)s).",
            at=at, n=n, limit=limit),
        ProblemCode.OVERLAP: gettext(
            "Überschneidet sich um %(n)d Minuten mit dem vorherigen Punkt (endet %(limit)s).",
            n=n, limit=limit),
        ProblemCode.GAP: gettext("Lücke von %(n)d Minuten davor.", n=n),
        ProblemCode.STARTS_LATE: gettext(
            "Der erste Punkt beginnt %(n)d Minuten nach Beginn der Veranstaltung.", n=n),
        ProblemCode.ENDS_EARLY: gettext(
            "Das Programm endet um %(at)s, %(n)d Minuten vor dem Ende der Veranstaltung (%(limit)s).",
            at=at, n=n, limit=limit),
    }
    return messages[problem.code]

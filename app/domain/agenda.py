"""The agenda ("Ablaufplan") of an edition: derived times, validation, ordering, preset.

Times are aware datetimes and all arithmetic happens in UTC, so a duration is
always real minutes, even on an evening that crosses a daylight-saving change.
"""
import enum
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

MINUTE = timedelta(minutes=1)

# The breakout work phase never shrinks below this when the preset is scaled.
MIN_BREAKOUT_MINUTES = 15
# The shortest window the standard evening is designed for.
MIN_STANDARD_EVENING_MINUTES = 60


class ItemKind(enum.StrEnum):
    WELCOME = "welcome"
    INPUT = "input"
    PANEL = "panel"
    BREAKOUT = "breakout"
    BREAK = "break"
    WRAPUP = "wrapup"
    OTHER = "other"


class ProblemCode(enum.StrEnum):
    # Errors: the agenda is refused.
    NON_POSITIVE_DURATION = "non_positive_duration"
    STARTS_BEFORE_EVENT = "starts_before_event"
    ENDS_AFTER_EVENT = "ends_after_event"
    OVERLAP = "overlap"
    # Warnings: allowed, but staff should look.
    GAP = "gap"
    STARTS_LATE = "starts_late"
    ENDS_EARLY = "ends_early"


@dataclass(frozen=True)
class ItemInput:
    key: Hashable
    duration_minutes: int
    kind: ItemKind
    pinned_start: datetime | None = None


@dataclass(frozen=True)
class ScheduledItem:
    key: Hashable
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC


@dataclass(frozen=True)
class Problem:
    """One finding; the fields carry what a UI needs to phrase it in any language.

    `key` is the item concerned (None: the agenda as a whole). `minutes` is the
    size of the problem (the duration, the overlap, the gap …), rounded up to
    whole minutes. `at` is the item's offending time, `limit` the time it
    collides with (event start/end, the other item's end), `other_key` the
    item it collides with.
    """

    key: Hashable | None
    code: ProblemCode
    minutes: int | None = None
    at: datetime | None = None
    limit: datetime | None = None
    other_key: Hashable | None = None


@dataclass(frozen=True)
class AgendaCheck:
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        """True when nothing refuses the agenda (warnings allowed)."""
        return not self.errors


@dataclass(frozen=True)
class ItemTemplate:
    kind: ItemKind
    title_de: str
    title_en: str
    duration_minutes: int


def compute_schedule(event_start: datetime, items: Sequence[ItemInput]) -> list[ScheduledItem]:
    """Return the start and end (UTC) of each item, in the given order.

    An item starts where the one before it ended (the first at `event_start`);
    a pinned item starts at its pinned time and the following items continue
    from its end. Durations are not checked here: see `validate_agenda`.
    """
    cursor = _as_utc(event_start, "event_start")
    schedule = []
    for item in items:
        if item.pinned_start is not None:
            starts_at = _as_utc(item.pinned_start, f"pinned_start of {item.key!r}")
        else:
            starts_at = cursor
        ends_at = starts_at + item.duration_minutes * MINUTE
        schedule.append(ScheduledItem(key=item.key, starts_at=starts_at, ends_at=ends_at))
        cursor = ends_at
    return schedule


def validate_agenda(event_start: datetime, event_end: datetime,
                    items: Sequence[ItemInput]) -> AgendaCheck:
    """Check an agenda against the edition window: errors refuse it, warnings do not.

    Errors: a duration of zero or less; an item starting before the edition
    starts or ending after it ends; an overlap, i.e. an item starting before
    the latest end of the items above it (only a pinned item, or one after
    a negative duration, can do that).
    Warnings: a gap before an item (a pinned item later than the latest end
    above it), a first item starting after the edition starts, and an agenda
    whose latest end is before the edition ends.

    An empty agenda gives neither errors nor warnings: it is "not planned
    yet", which the UI shows as such, not an agenda that ends early.
    Problems come in agenda order; within one item in the order of the codes
    in `ProblemCode`; the agenda-wide `ends_early` comes last.
    """
    event_start = _as_utc(event_start, "event_start")
    event_end = _as_utc(event_end, "event_end")
    if not items:
        return AgendaCheck()

    errors: list[Problem] = []
    warnings: list[Problem] = []
    latest_end: datetime | None = None
    latest_key: Hashable | None = None
    for item, slot in zip(items, compute_schedule(event_start, items), strict=True):
        if item.duration_minutes <= 0:
            errors.append(Problem(item.key, ProblemCode.NON_POSITIVE_DURATION,
                                  minutes=item.duration_minutes))
        if slot.starts_at < event_start:
            errors.append(Problem(item.key, ProblemCode.STARTS_BEFORE_EVENT,
                                  minutes=_minutes(event_start - slot.starts_at),
                                  at=slot.starts_at, limit=event_start))
        if slot.ends_at > event_end:
            errors.append(Problem(item.key, ProblemCode.ENDS_AFTER_EVENT,
                                  minutes=_minutes(slot.ends_at - event_end),
                                  at=slot.ends_at, limit=event_end))
        # Compare with the latest end so far, not just the previous item: a pinned
        # item can jump back past several items, and all of them collide with it.
        if latest_end is None:
            if slot.starts_at > event_start:
                warnings.append(Problem(item.key, ProblemCode.STARTS_LATE,
                                        minutes=_minutes(slot.starts_at - event_start),
                                        at=slot.starts_at, limit=event_start))
        elif slot.starts_at < latest_end:
            errors.append(Problem(item.key, ProblemCode.OVERLAP,
                                  minutes=_minutes(latest_end - slot.starts_at),
                                  at=slot.starts_at, limit=latest_end, other_key=latest_key))
        elif slot.starts_at > latest_end:
            warnings.append(Problem(item.key, ProblemCode.GAP,
                                    minutes=_minutes(slot.starts_at - latest_end),
                                    at=slot.starts_at, limit=latest_end, other_key=latest_key))
        if latest_end is None or slot.ends_at >= latest_end:
            latest_end, latest_key = slot.ends_at, item.key

    if latest_end < event_end:
        warnings.append(Problem(None, ProblemCode.ENDS_EARLY,
                                minutes=_minutes(event_end - latest_end),
                                at=latest_end, limit=event_end))
    return AgendaCheck(errors=tuple(errors), warnings=tuple(warnings))


def compute_reorder(keys: Sequence[Hashable], key: Hashable, new_index: int) -> list[Hashable]:
    """Return the keys with `key` moved to `new_index`, clamped to the list.

    The index counts in the new order (0 = first); anything below 0 means
    first and anything past the end means last (no Python negative indexing,
    so a stale or hand-edited form value cannot wrap around).
    Raises ValueError if `key` is not in `keys`.
    """
    order = list(keys)
    order.remove(key)
    order.insert(max(0, min(new_index, len(order))), key)
    return order


def compute_move(keys: Sequence[Hashable], key: Hashable, delta: int) -> list[Hashable]:
    """Return the keys with `key` moved `delta` places (-1 up, +1 down), stopping at the ends."""
    return compute_reorder(keys, key, list(keys).index(key) + delta)


# The usual 90-minute evening; the breakout phase is the part that stretches.
_STANDARD_EVENING = (
    ItemTemplate(ItemKind.WELCOME, "Begrüßung", "Welcome", 10),
    ItemTemplate(ItemKind.INPUT, "Impuls 1", "Input 1", 20),
    ItemTemplate(ItemKind.INPUT, "Impuls 2", "Input 2", 20),
    ItemTemplate(ItemKind.BREAKOUT, "Arbeitsphase in Gruppen", "Breakout work phase", 30),
    ItemTemplate(ItemKind.WRAPUP, "Zusammenfassung und Ausblick", "Wrap-up and outlook", 10),
)
_BREAKOUT_INDEX = 3
# Who gives up minutes, in this order, once the breakout is at its floor.
_SHRINKABLE = (1, 2, 0)  # input 1, input 2, welcome


def standard_evening(event_start: datetime, event_end: datetime) -> list[ItemTemplate]:
    """Return the usual shape of an evening, fitted to the edition window.

    The 90-minute shape is welcome 10, input 20, input 20, breakout 30,
    wrap-up 10. The breakout absorbs any difference (longer or shorter),
    down to 15 minutes. Below 75 minutes the rest of the shortfall is split
    evenly between the two inputs and the welcome, odd minutes from the
    inputs first: 60 minutes gives 5/15/15/15/10. The durations sum to the
    window in whole real minutes (a window with leftover seconds ends that
    many seconds early). Raises ValueError for windows under 60 minutes,
    which this shape does not fit.
    """
    window = _as_utc(event_end, "event_end") - _as_utc(event_start, "event_start")
    total = window // MINUTE
    if total < MIN_STANDARD_EVENING_MINUTES:
        raise ValueError(f"the standard evening needs at least "
                         f"{MIN_STANDARD_EVENING_MINUTES} minutes, the window has {total}")
    durations = [t.duration_minutes for t in _STANDARD_EVENING]
    difference = total - sum(durations)
    breakout = max(durations[_BREAKOUT_INDEX] + difference, MIN_BREAKOUT_MINUTES)
    shortfall = breakout - (durations[_BREAKOUT_INDEX] + difference)
    durations[_BREAKOUT_INDEX] = breakout
    share, odd = divmod(shortfall, len(_SHRINKABLE))
    for rank, index in enumerate(_SHRINKABLE):
        durations[index] -= share + (1 if rank < odd else 0)
    return [ItemTemplate(t.kind, t.title_de, t.title_en, minutes)
            for t, minutes in zip(_STANDARD_EVENING, durations, strict=True)]


def _as_utc(moment: datetime, name: str) -> datetime:
    # A naive time here is a bug upstream (a form value not yet localised);
    # guessing its zone would silently shift the whole evening.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment!r}")
    return moment.astimezone(UTC)


def _minutes(delta: timedelta) -> int:
    # Rounded up so a problem of a few seconds never reads as "0 minutes".
    return -(-delta // MINUTE)


__all__ = [
    "AgendaCheck", "ItemInput", "ItemKind", "ItemTemplate", "MIN_BREAKOUT_MINUTES",
    "MIN_STANDARD_EVENING_MINUTES", "Problem", "ProblemCode", "ScheduledItem",
    "compute_move", "compute_reorder", "compute_schedule", "standard_evening",
    "validate_agenda",
]

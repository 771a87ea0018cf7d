"""Statistics of editions and series, and the geometry of their charts.

Definitions (one place, so the edition page, the series table and the tests agree):

- registered: registrations received in advance (every status; walk-ins are not registrations)
- confirmed: advance registrations that are confirmed now (seat or waiting list)
- attended: registrations checked in on the day (walk-ins included)
- attendance rate: attended / (confirmed seat holders + walk-ins); None with nothing to divide
- participants: the people with a place — a confirmed seat, a walk-in, or checked in
- sector mix: the participants' sectors as given with *this* registration
- returning: participants who attended an earlier edition of the series (through the
  person's other registrations, or as recorded on the registration by retention)

Anonymised people keep their rows (only their personal data goes), so they still count.
Retention moves old registrations to one anonymous placeholder per edition; before it
does, it records on each registration whether the person was returning.
Charts are computed here as rectangles, points and ticks; templates only draw them.
"""
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.domain.editions import BERLIN

# The order of the registration form, for every table and chart.
SECTOR_ORDER = ("civil_society", "public_administration", "business", "research",
                "private_person", "undisclosed")


# --- figures -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RegistrationFact:
    """What the statistics need of one registration; no personal data."""

    participant_id: int
    status: str  # pending | confirmed | cancelled | expired
    place: str  # seat | waitlist
    sector: str
    created_at: datetime
    attended: bool = False
    walk_in: bool = False
    returning: bool = False  # recorded by retention before the link to the person went

    @property
    def confirmed_seat(self) -> bool:
        return self.status == "confirmed" and self.place == "seat" and not self.walk_in

    @property
    def counted_walk_in(self) -> bool:
        return self.walk_in and self.status not in ("cancelled", "expired")

    @property
    def takes_part(self) -> bool:
        return self.attended or self.confirmed_seat or self.counted_walk_in


@dataclass(frozen=True)
class DayCount:
    day: date  # a Berlin calendar day
    new: int
    total: int  # cumulative up to and including this day


@dataclass(frozen=True)
class SectorShare:
    sector: str
    count: int
    share: float  # 0.0 … 1.0; 0.0 for every sector when nobody is counted


@dataclass(frozen=True)
class EditionFigures:
    registered: int
    confirmed: int
    confirmed_seats: int
    walk_ins: int
    attended: int
    attendance_rate: float | None
    participants: frozenset[int]
    attendees: frozenset[int]
    returning: int
    sectors: tuple[SectorShare, ...]


def berlin_day(moment: datetime) -> date:
    """Return the Berlin calendar day of an aware moment."""
    return moment.astimezone(BERLIN).date()


def compute_registrations_over_time(created: Iterable[datetime], starts_at: datetime,
                                    now: datetime) -> list[DayCount]:
    """Count registrations per Berlin day, cumulatively, from the first one to the start day.

    Every day in between is listed (with 0 new). Before the edition the series ends
    today; registrations added after the start day count on its last day, so the last
    total is the number of registrations.
    """
    days = sorted(berlin_day(moment) for moment in created)
    if not days:
        return []
    first = days[0]
    last = max(first, min(berlin_day(starts_at), berlin_day(now)))
    per_day = Counter(min(day, last) for day in days)
    result, total = [], 0
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        total += per_day[day]
        result.append(DayCount(day=day, new=per_day[day], total=total))
    return result


def compute_sector_mix(sectors: Iterable[str]) -> tuple[SectorShare, ...]:
    """Count sectors in the fixed order, zero-filled, with their shares of the total."""
    counts = Counter(sectors)
    unknown = set(counts) - set(SECTOR_ORDER)
    if unknown:
        raise ValueError(f"unknown sectors: {sorted(unknown)}")
    return _shares({sector: counts[sector] for sector in SECTOR_ORDER})


def combine_sector_mixes(mixes: Iterable[Sequence[SectorShare]]) -> tuple[SectorShare, ...]:
    """Add several sector mixes (e.g. all editions of a series) and recompute the shares."""
    counts = dict.fromkeys(SECTOR_ORDER, 0)
    for mix in mixes:
        for share in mix:
            counts[share.sector] += share.count
    return _shares(counts)


def _shares(counts: dict[str, int]) -> tuple[SectorShare, ...]:
    total = sum(counts.values())
    return tuple(SectorShare(sector, count, count / total if total else 0.0)
                 for sector, count in counts.items())


def compute_attendance_rate(attended: int, confirmed_seats: int, walk_ins: int) -> float | None:
    """Attended / (confirmed seat holders + walk-ins); None when there is nothing to divide."""
    expected = confirmed_seats + walk_ins
    if expected == 0:
        return None
    return attended / expected


def count_returning(participants: Iterable[int], attended_before: Iterable[int]) -> int:
    """How many of the participants attended an earlier edition."""
    return len(set(participants) & set(attended_before))


def compute_edition_figures(facts: Sequence[RegistrationFact],
                            attended_before: Iterable[int] = ()) -> EditionFigures:
    """Compute an edition's figures from its registrations and earlier editions' attendees."""
    confirmed_seats = sum(f.confirmed_seat for f in facts)
    walk_ins = sum(f.counted_walk_in for f in facts)
    attended = sum(f.attended for f in facts)
    # One sector per person, even if a cancelled registration preceded the one that counts.
    sector_of: dict[int, str] = {}
    for fact in sorted(facts, key=lambda f: f.created_at):
        if fact.takes_part:
            sector_of[fact.participant_id] = fact.sector
    participants = frozenset(sector_of)
    return EditionFigures(
        registered=sum(not f.walk_in for f in facts),
        confirmed=sum(f.status == "confirmed" and not f.walk_in for f in facts),
        confirmed_seats=confirmed_seats,
        walk_ins=walk_ins,
        attended=attended,
        attendance_rate=compute_attendance_rate(attended, confirmed_seats, walk_ins),
        participants=participants,
        attendees=frozenset(f.participant_id for f in facts if f.attended),
        returning=count_returning(participants, set(attended_before) | {
            f.participant_id for f in facts if f.takes_part and f.returning}),
        sectors=compute_sector_mix(sector_of.values()),
    )


def compute_series_figures(editions: Sequence[Sequence[RegistrationFact]]) -> list[EditionFigures]:
    """Compute each edition's figures; `editions` in number order, earliest first."""
    result, attended_before = [], set()
    for facts in editions:
        figures = compute_edition_figures(facts, attended_before)
        attended_before |= figures.attendees
        result.append(figures)
    return result


# --- chart geometry ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Tick:
    value: int
    position: float  # x for a horizontal value axis, y for a vertical one


@dataclass(frozen=True)
class Bar:
    label: str  # the category, drawn left of the bar
    value: float
    text: str  # the value as shown at the end of the bar
    x: float
    y: float
    width: float
    height: float
    label_x: float
    text_x: float
    text_y: float  # baseline of label and text


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    tick_label_y: float
    axis_title_x: float
    axis_title_y: float


@dataclass(frozen=True)
class Point:
    label: str
    value: float
    x: float
    y: float


@dataclass(frozen=True)
class AxisLabel:
    text: str
    position: float


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    points: tuple[Point, ...]
    line: str  # the polyline's points attribute
    area: str  # the path under the line
    markers: bool  # draw a dot per point (few points only)
    x_labels: tuple[AxisLabel, ...]
    y_ticks: tuple[Tick, ...]
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    x_label_y: float
    x_title_x: float
    x_title_y: float
    y_title_x: float
    y_title_y: float
    y_tick_label_x: float


def _r(value: float) -> float:
    return round(value, 1)


def compute_ticks(maximum: float, count: int = 5) -> tuple[int, ...]:
    """Whole-number ticks from 0 in steps of 1, 2 or 5 × 10ⁿ, up to at least `maximum`."""
    if maximum <= 0:
        return (0, 1)
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    top = math.ceil(maximum / step) * step
    return tuple(range(0, top + 1, step))



@dataclass(frozen=True)
class Figure:
    """A chart with its texts, ready for the `figure` macro in templates/records/_charts.html
    (the texts already in the reader's language)."""

    id: str
    kind: str  # bar | line
    chart: BarChart | LineChart
    title: str
    desc: str
    axes: tuple[str, ...]
    table: tuple[str, tuple[str, ...], list[tuple[str, ...]]]  # caption, head, rows

def compute_bar_chart(items: Sequence[tuple[str, float, str]], *, width: int = 640,
                      label_width: int = 210, text_width: int = 110, band: int = 36,
                      bar_height: int = 22) -> BarChart:
    """Lay out horizontal bars for (label, value, shown text) items, one band each."""
    top, bottom = 8, 56
    plot_left, plot_right = label_width, width - text_width
    plot_top = top
    plot_bottom = top + band * len(items)
    ticks = compute_ticks(max((value for _, value, _ in items), default=0))
    scale = (plot_right - plot_left) / ticks[-1]
    bars = []
    for i, (label, value, text) in enumerate(items):
        y = plot_top + i * band + (band - bar_height) / 2
        bar_width = value * scale
        bars.append(Bar(label=label, value=value, text=text, x=plot_left, y=_r(y),
                        width=_r(bar_width), height=bar_height, label_x=plot_left - 8,
                        text_x=_r(plot_left + bar_width + 6), text_y=_r(y + bar_height / 2 + 5)))
    return BarChart(
        width=width, height=plot_bottom + bottom, bars=tuple(bars),
        ticks=tuple(Tick(t, _r(plot_left + t * scale)) for t in ticks),
        plot_left=plot_left, plot_right=plot_right, plot_top=plot_top, plot_bottom=plot_bottom,
        tick_label_y=plot_bottom + 20, axis_title_x=_r((plot_left + plot_right) / 2),
        axis_title_y=plot_bottom + 46)


def compute_line_chart(items: Sequence[tuple[str, float]], *, width: int = 640, height: int = 300,
                       max_labels: int = 6, max_markers: int = 31) -> LineChart:
    """Lay out a line with the area under it for (label, value) items, evenly spaced."""
    plot_left, plot_right, plot_top, plot_bottom = 72, width - 40, 16, height - 64
    ticks = compute_ticks(max((value for _, value in items), default=0))
    y_scale = (plot_bottom - plot_top) / ticks[-1]
    n = len(items)
    step = (plot_right - plot_left) / (n - 1) if n > 1 else 0

    def x_at(i: int) -> float:
        return _r(plot_left + i * step if n > 1 else (plot_left + plot_right) / 2)

    points = tuple(Point(label, value, x_at(i), _r(plot_bottom - value * y_scale))
                   for i, (label, value) in enumerate(items))
    line = " ".join(f"{p.x:g},{p.y:g}" for p in points)
    area = (f"M{points[0].x:g},{plot_bottom} " + " ".join(f"L{p.x:g},{p.y:g}" for p in points)
            + f" L{points[-1].x:g},{plot_bottom} Z") if points else ""
    return LineChart(
        width=width, height=height, points=points, line=line, area=area,
        markers=0 < n <= max_markers,
        x_labels=tuple(AxisLabel(items[i][0], x_at(i)) for i in _label_indices(n, max_labels)),
        y_ticks=tuple(Tick(t, _r(plot_bottom - t * y_scale)) for t in ticks),
        plot_left=plot_left, plot_right=plot_right, plot_top=plot_top, plot_bottom=plot_bottom,
        x_label_y=plot_bottom + 22, x_title_x=_r((plot_left + plot_right) / 2),
        x_title_y=plot_bottom + 50, y_title_x=18, y_title_y=_r((plot_top + plot_bottom) / 2),
        y_tick_label_x=plot_left - 8)


def _label_indices(n: int, max_labels: int) -> list[int]:
    """At most `max_labels` evenly spread indices, always the first and the last."""
    if n <= max_labels:
        return list(range(n))
    every = math.ceil((n - 1) / (max_labels - 1))
    indices = list(range(0, n, every))
    if indices[-1] != n - 1:
        # Replace a label that would crowd the last one (or exceed the limit) by the last one.
        if n - 1 - indices[-1] <= every / 2 or len(indices) == max_labels:
            indices.pop()
        indices.append(n - 1)
    return indices

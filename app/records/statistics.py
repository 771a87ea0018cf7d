"""Load what the statistics need, in a fixed number of queries, and ask the domain for figures.

No query runs per person or per edition: each page reads its registrations in one go
(only the columns the figures need, never names or addresses).
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import abort

from app.domain.statistics import (DayCount, EditionFigures, RegistrationFact, SectorShare,
                                   combine_sector_mixes, compute_edition_figures,
                                   compute_registrations_over_time, compute_series_figures)
from app.domain.capacity import SectorSeatRow, sector_seat_rows
from app.events.services import reserved_seats, seat_counts
from app.extensions import db
from app.models import Event, EventStatus, Registration, Series, utcnow

_FACT_COLUMNS = (Registration.participant_id, Registration.status, Registration.place,
                 Registration.sector, Registration.created_at,
                 Registration.checked_in_at.is_not(None), Registration.walk_in,
                 Registration.returning_recorded)


@dataclass(frozen=True)
class EditionStatistics:
    event: Event
    figures: EditionFigures
    over_time: list[DayCount]
    sector_seats: tuple[SectorSeatRow, ...] = ()  # reserved vs taken per sector, if any


@dataclass(frozen=True)
class SeriesRow:
    event: Event
    figures: EditionFigures


@dataclass(frozen=True)
class SeriesStatistics:
    series: Series
    rows: list[SeriesRow]  # editions in number order, drafts left out
    sectors: tuple[SectorShare, ...]  # participations by sector over all editions


def _fact(row) -> RegistrationFact:
    participant_id, status, place, sector, created_at, attended, walk_in, returning = row
    return RegistrationFact(participant_id=participant_id, status=status.value, place=place.value,
                            sector=sector.value, created_at=created_at, attended=bool(attended),
                            walk_in=bool(walk_in), returning=bool(returning))


def edition_facts(event_id: int) -> list[RegistrationFact]:
    """The registrations of one edition as the figures need them, in one query."""
    return [_fact(row) for row in db.session.execute(
        sa.select(*_FACT_COLUMNS).where(Registration.event_id == event_id)
        .order_by(Registration.created_at, Registration.id))]


def edition_statistics(event: Event, now: datetime | None = None) -> EditionStatistics:
    """Figures of one edition: two queries, however many registrations it has."""
    facts = edition_facts(event.id)
    # Earlier attendees of the series, limited to this edition's people.
    earlier = Registration.__table__.alias("earlier")
    attended_before = set(db.session.scalars(
        sa.select(earlier.c.participant_id).distinct()
        .join(Event, Event.id == earlier.c.event_id)
        .where(Event.series_id == event.series_id, Event.number < event.number,
               earlier.c.checked_in_at.is_not(None),
               earlier.c.participant_id.in_(
                   sa.select(Registration.participant_id)
                   .where(Registration.event_id == event.id)))))
    over_time = compute_registrations_over_time(
        (f.created_at for f in facts if not f.walk_in), event.starts_at, now or utcnow())
    # Seats per sector: the same seat count as every other page (one more query, only for an
    # edition that reserves seats).
    reserved = reserved_seats(event)
    sector_seats = sector_seat_rows(reserved, seat_counts([event], now)[event.id]) \
        if any(reserved.values()) else ()
    return EditionStatistics(event=event, figures=compute_edition_figures(facts, attended_before),
                             over_time=over_time, sector_seats=sector_seats)


def series_statistics(series: Series) -> SeriesStatistics:
    """Figures of every edition of a series: two queries, however many editions and people."""
    events = list(db.session.scalars(
        sa.select(Event).where(Event.series_id == series.id, Event.status != EventStatus.DRAFT)
        .order_by(Event.number)))
    facts = defaultdict(list)
    for event_id, *row in db.session.execute(
            sa.select(Registration.event_id, *_FACT_COLUMNS)
            .join(Event, Event.id == Registration.event_id)
            .where(Event.series_id == series.id, Event.status != EventStatus.DRAFT)
            .order_by(Registration.created_at, Registration.id)):
        facts[event_id].append(_fact(row))
    figures = compute_series_figures([facts[event.id] for event in events])
    return SeriesStatistics(series=series,
                            rows=[SeriesRow(e, f) for e, f in zip(events, figures, strict=True)],
                            sectors=combine_sector_mixes(f.sectors for f in figures))


def get_series_or_404(slug: str) -> Series:
    """Return the series with this slug, or answer 404."""
    series = db.session.scalar(sa.select(Series).where(Series.slug == slug))
    if series is None:
        abort(404)
    return series

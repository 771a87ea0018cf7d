"""Locking an edition: every use case that changes seats, groups or boards of one edition
takes this lock first, so two requests never decide on the same stale count."""
import functools

import sqlalchemy as sa
from flask import abort, current_app
from sqlalchemy.orm import joinedload

from app.domain.capacity import QUOTA_SECTORS
from app.extensions import db
from app.models import Event


@functools.cache
def _lock_statement(locking: bool) -> sa.Select:
    """Built once per process: the statement is the same for every edition (its id is a
    parameter), and building it anew under a contended lock cost more than running it."""
    # The series comes along (one statement instead of a lazy load under the lock: every
    # mail names it); only the edition's row is locked, not the series the editions share.
    query = sa.select(Event).where(Event.id == sa.bindparam("event_id")).options(
        joinedload(Event.series, innerjoin=True)).execution_options(populate_existing=True)
    return query.with_for_update(of=Event) if locking else query


def _locking() -> bool:
    """REGISTRATION_LOCKING: only ever off in the control tests that show the race."""
    return bool(current_app.config.get("REGISTRATION_LOCKING", True))


def lock_event(event_id: int) -> Event:
    """Load the edition and lock it for the rest of the transaction.

    PostgreSQL: a row lock (SELECT … FOR UPDATE). SQLite: the transaction of a
    state-changing request already began IMMEDIATE, which holds the database's
    write lock (see configure_sqlite). REGISTRATION_LOCKING is only ever off in
    the control test that shows the race.
    """
    event = db.session.scalar(_lock_statement(_locking()), {"event_id": event_id})
    if event is None:
        abort(404)
    return event


@functools.cache
def _figures_statement(locking: bool) -> sa.Select:
    e = Event.__table__.c  # the table's columns: a plain statement, not the ORM's path
    columns = [e.id, e.status, e.starts_at, e.ends_at, e.registration_opens_at,
               e.registration_closes_at, e.capacity, e.seats_release_at,
               *(e[f"reserved_{s}"] for s in QUOTA_SECTORS)]
    query = sa.select(*columns).where(e.id == sa.bindparam("event_id"))
    return query.with_for_update() if locking else query


def lock_edition_figures(event_id: int) -> sa.Row:
    """lock_event for a use case that decides only on the edition's phase and seats (a new
    registration): the same lock, returning just those columns (a row with the Event's
    attribute names, which app.events.services.phase_of and seat_counts read) instead of
    refreshing the edition and its series as objects while everyone else waits (a plain
    statement on the session's connection: no ORM step)."""
    row = db.session.connection().execute(_figures_statement(_locking()),
                                          {"event_id": event_id}).one_or_none()
    if row is None:
        abort(404)
    return row

"""Seats per sector stay race-free (issue 16): 200 people from four sectors post the form at
once against a multi-worker gunicorn, for 4 × 5 reserved and 10 open seats. The result is
exactly what the domain's decision gives when the registrations are replayed in the order
the lock let them in; the control without the lock overbooks. Pattern and helpers:
tests/live/test_concurrency.py."""
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import sqlalchemy as sa

from app.domain.capacity import (QUOTA_SECTORS, Holder, compute_seat_count, decide_placement,
                                 sector_seats)
from app.extensions import db
from app.models import ACTIVE_STATUSES, Registration, utcnow
from tests.factories import make_event, make_series
from tests.live.races import rounds_until_race
from tests.live.test_concurrency import (CONTROL_ROUNDS, THREADS, all_at_once, assert_all_sent,
                                         describe, open_form, post)

PER_SECTOR = 50  # 4 sectors: 200 people
RESERVED = 5
OPEN = 10
CAPACITY = RESERVED * len(QUOTA_SECTORS) + OPEN


def new_edition(app):
    with app.app_context():
        series = make_series(slug=f"live-sectors-{uuid.uuid4().hex[:12]}")
        event = make_event(series, capacity=CAPACITY,
                           starts_at=utcnow().replace(microsecond=0) + timedelta(days=30),
                           **{f"reserved_{s}": RESERVED for s in QUOTA_SECTORS})
        ids = event.id, event.slug, event.starts_at
        db.session.remove()
    return ids


def sector_rush(server, slug: str):
    tag = uuid.uuid4().hex[:8]
    people = [(sector, i) for i in range(PER_SECTOR) for sector in QUOTA_SECTORS]

    def visitor(person):
        sector, i = person
        v = open_form(server, slug, f"{sector[:4]}{i}-{tag}@example.org")
        v.form["sector"] = sector
        return v

    with ThreadPoolExecutor(THREADS) as pool:
        visitors = list(pool.map(visitor, people))
    try:
        return all_at_once(visitors, lambda v: post(v.client, f"/events/{slug}/register", v.form))
    finally:
        for v in visitors:
            v.client.close()


def rows(app, event_id):
    with app.app_context():
        result = db.session.execute(
            sa.select(Registration.id, Registration.place, Registration.sector,
                      Registration.created_at, Registration.hold_expires_at,
                      Registration.waitlisted_at)
            .where(Registration.event_id == event_id, Registration.status.in_(ACTIVE_STATUSES))
            .order_by(Registration.created_at, Registration.id)).all()
        db.session.remove()
    return result


def seats_by_sector(result) -> Counter:
    return Counter(r.sector.value for r in result if r.place.value == "seat")


def test_a_rush_from_four_sectors_fills_each_sectors_seats_exactly_on_postgresql(
        live_postgres_url, gunicorn_server, data_app, timings):
    app = data_app(live_postgres_url)
    server = gunicorn_server(live_postgres_url, workers=4)
    event_id, slug, starts_at = new_edition(app)
    answers = sector_rush(server, slug)
    result = rows(app, event_id)
    by_sector = seats_by_sector(result)
    timings(f"sector rush: {describe(answers)}; seats by sector {dict(by_sector)}")
    assert_all_sent(answers, slug)
    assert len(result) == PER_SECTOR * len(QUOTA_SECTORS)
    assert sum(by_sector.values()) == CAPACITY
    assert all(by_sector[s] >= RESERVED for s in QUOTA_SECTORS), by_sector
    assert sum(by_sector[s] - RESERVED for s in QUOTA_SECTORS) == OPEN
    # Replayed in the lock's order, the domain decides every single place the same way.
    seats = sector_seats({s: RESERVED for s in QUOTA_SECTORS}, starts_at, None)
    holders: list[Holder] = []
    for r in result:
        count = compute_seat_count(CAPACITY, holders, r.created_at, seats)
        assert decide_placement(count, r.sector.value).value == r.place.value, r
        holders.append(Holder(id=r.id, place=r.place.value, confirmed=False,
                              hold_expires_at=r.hold_expires_at, waitlisted_at=r.waitlisted_at,
                              sector=r.sector.value))


def test_control_without_the_lock_the_sector_rush_overbooks(
        live_postgres_url, gunicorn_server, data_app, timings):
    """Proves the test above can fail: without the lock a sector or the room overbooks."""
    app = data_app(live_postgres_url)
    server = gunicorn_server(live_postgres_url, workers=4, locking=False)

    def one_round(round_no: int) -> bool:
        event_id, slug, _ = new_edition(app)
        answers = sector_rush(server, slug)
        by_sector = seats_by_sector(rows(app, event_id))
        beyond_reserved = sum(max(by_sector[s] - RESERVED, 0) for s in QUOTA_SECTORS)
        timings(f"sector control (no lock) round {round_no}: {describe(answers)}; "
                f"{dict(by_sector)}")
        return (sum(by_sector.values()) > CAPACITY or beyond_reserved > OPEN
                or any(by_sector[s] > RESERVED + OPEN for s in QUOTA_SECTORS))

    overbooked = rounds_until_race(CONTROL_ROUNDS, one_round, bool)
    assert any(overbooked), f"no overbooking in {len(overbooked)} rounds without the lock"

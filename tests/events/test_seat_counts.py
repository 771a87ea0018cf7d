"""One seat count (issue 14): the SQL aggregate that list pages use agrees with the domain's
SeatCount, which every decision under the lock goes by, on every state a registration can be
in — on SQLite and on PostgreSQL (the `app` fixture runs every test on both)."""
import itertools
from datetime import timedelta

import pytest

from app.events.services import seat_counts
from app.models import Place, RegistrationStatus, utcnow
from app.registration.services import checks_and_seats, seat_count
from tests.factories import make_event, make_registration

STATUSES = list(RegistrationStatus)
PLACES = list(Place)
HOLDS = ["none", "past", "now", "future"]  # when an (unconfirmed) hold runs out


def _hold(kind, now):
    return {"none": None, "past": now - timedelta(minutes=1), "now": now,
            "future": now + timedelta(hours=3)}[kind]


def _state(event, status, place, hold, now, **extra):
    make_registration(event, status=status, place=place, hold_expires_at=_hold(hold, now),
                      waitlisted_at=now - timedelta(hours=1) if place == Place.WAITLIST else None,
                      confirmed_at=now if status == RegistrationStatus.CONFIRMED else None,
                      **extra)


def _both(event, now):
    return seat_counts([event], now)[event.id], seat_count(event, now)


@pytest.mark.parametrize(("status", "place", "hold"),
                         list(itertools.product(STATUSES, PLACES, HOLDS)))
def test_the_aggregate_agrees_with_the_domain_on_every_state(db, status, place, hold):
    now = utcnow().replace(microsecond=0)
    event = make_event(capacity=1)
    _state(event, status, place, hold, now)
    sql, domain = _both(event, now)
    assert sql == domain
    assert (sql.left, sql.waitlist_open) == (domain.left, domain.waitlist_open)


@pytest.mark.parametrize("capacity", [0, 3, 40])
def test_the_aggregate_agrees_with_every_state_at_once(db, capacity):
    now = utcnow().replace(microsecond=0)
    event, other = make_event(capacity=capacity), make_event(capacity=2)
    for status, place, hold in itertools.product(STATUSES, PLACES, HOLDS):
        _state(event, status, place, hold, now)
    _state(other, RegistrationStatus.CONFIRMED, Place.SEAT, "none", now)
    sql = seat_counts([event, other], now)
    assert sql[event.id] == seat_count(event, now)
    assert sql[other.id] == seat_count(other, now)
    # The states are not all alike: the figure really depends on them.
    assert (sql[event.id].taken, sql[event.id].waiting) == (6, 6)


def test_the_registrations_one_statement_under_the_lock_counts_the_same(db):
    """A new registration counts in the same statement as its checks (a resent form, already
    registered): its SeatCount agrees with the domain's, its checks find what they should."""
    now = utcnow().replace(microsecond=0)
    event, other = make_event(capacity=40), make_event(capacity=2)
    for status, place, hold in itertools.product(STATUSES, PLACES, HOLDS):
        _state(event, status, place, hold, now)
    _state(other, RegistrationStatus.CONFIRMED, Place.SEAT, "none", now)
    mine, _ = make_registration(event, status="pending", hold_expires_at=now + timedelta(hours=1))
    earlier, seats = checks_and_seats(event, "no such nonce", "nobody@example.org", now)
    assert (earlier, seats) == ([], seat_count(event, now))
    assert (seats.taken, seats.waiting) == (7, 6)
    earlier, _ = checks_and_seats(event, mine.nonce, "nobody@example.org", now)
    assert [(r.id, r.nonce) for r in earlier] == [(mine.id, mine.nonce)]
    earlier, _ = checks_and_seats(event, "no such nonce", mine.participant.email, now)
    assert [(r.id, r.status) for r in earlier] == [(mine.id, RegistrationStatus.PENDING)]
    assert checks_and_seats(other, "no such nonce", "nobody@example.org", now)[1] \
        == seat_count(other, now)


def test_an_edition_without_registrations_and_no_editions_at_all(db):
    event = make_event(capacity=5)
    assert _both(event, utcnow())[0] == _both(event, utcnow())[1]
    assert seat_counts([]) == {}

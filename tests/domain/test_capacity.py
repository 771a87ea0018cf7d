"""Seat or waiting list, expiry and promotion, decided without a database."""
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.capacity import (Holder, Placement, SeatCount, compute_seat_count,
                                 compute_waitlist_position, decide_placement, decide_promotions,
                                 decide_staff_move, is_expired)

NOW = datetime(2030, 3, 1, 12, tzinfo=UTC)
START = NOW + timedelta(days=10)
CUTOFF = timedelta(hours=24)
LATER = NOW + timedelta(hours=5)
EARLIER = NOW - timedelta(minutes=1)


def seat(id, confirmed=True, expires=None):
    return Holder(id=id, place="seat", confirmed=confirmed,
                  hold_expires_at=None if confirmed else (expires or LATER))


def waiting(id, confirmed=True, joined_minutes=0, expires=None):
    return Holder(id=id, place="waitlist", confirmed=confirmed,
                  hold_expires_at=None if confirmed else (expires or LATER),
                  waitlisted_at=NOW - timedelta(minutes=60 - joined_minutes))


@pytest.mark.parametrize(("holder", "expired"), [
    (seat(1), False),
    (seat(1, confirmed=False, expires=LATER), False),
    (seat(1, confirmed=False, expires=NOW), True),
    (seat(1, confirmed=False, expires=EARLIER), True),
    (waiting(1, confirmed=False, expires=EARLIER), True),
])
def test_an_unconfirmed_hold_expires_when_its_time_is_up(holder, expired):
    assert is_expired(holder, NOW) is expired


@pytest.mark.parametrize(("holders", "taken", "waiting_count"), [
    ([], 0, 0),
    ([seat(1), seat(2, confirmed=False)], 2, 0),
    ([seat(1), seat(2, confirmed=False, expires=EARLIER)], 1, 0),
    ([seat(1), waiting(2), waiting(3, confirmed=False)], 1, 2),
    ([waiting(2, confirmed=False, expires=EARLIER)], 0, 0),
])
def test_seats_taken_are_confirmed_plus_unexpired_holds(holders, taken, waiting_count):
    count = compute_seat_count(3, holders, NOW)
    assert (count.taken, count.waiting) == (taken, waiting_count)


@pytest.mark.parametrize(("capacity", "taken", "waiting_count", "placement"), [
    (20, 0, 0, Placement.SEAT),
    (20, 19, 0, Placement.SEAT),
    (20, 20, 0, Placement.WAITLIST),
    (20, 21, 0, Placement.WAITLIST),  # staff overrode the capacity
    (20, 10, 1, Placement.WAITLIST),  # a freed seat goes to who waits, not to a newcomer
    (0, 0, 0, Placement.WAITLIST),
])
def test_a_new_registration_gets_a_seat_only_while_one_is_free_and_nobody_waits(
        capacity, taken, waiting_count, placement):
    assert decide_placement(SeatCount(capacity, taken, waiting_count)) == placement


@pytest.mark.parametrize(("capacity", "taken", "left"), [(30, 12, 18), (30, 30, 0), (30, 33, 0)])
def test_seats_left_never_negative(capacity, taken, left):
    assert SeatCount(capacity, taken, 0).left == left


def test_waitlist_position_is_fifo_among_live_entries():
    holders = [waiting(5, joined_minutes=3), waiting(3, joined_minutes=1),
               waiting(4, confirmed=False, joined_minutes=2, expires=EARLIER),
               waiting(6, joined_minutes=3), seat(1)]
    assert [compute_waitlist_position(holders, i, NOW) for i in (3, 4, 5, 6, 1)] == \
        [1, None, 2, 3, None]


@pytest.mark.parametrize(("capacity", "holders", "now", "expire", "promote"), [
    # A free seat goes to the first confirmed person waiting.
    (2, [seat(1), waiting(2, joined_minutes=1), waiting(3, joined_minutes=2)], NOW, (), (2,)),
    # Unconfirmed entries keep their place but are skipped until they confirm.
    (2, [seat(1), waiting(2, confirmed=False, joined_minutes=1), waiting(3, joined_minutes=2)],
     NOW, (), (3,)),
    # An expired hold frees its seat for the next person.
    (1, [seat(1, confirmed=False, expires=EARLIER), waiting(2)], NOW, (1,), (2,)),
    # Two free seats, FIFO by joining time, then id.
    (3, [seat(1), waiting(9, joined_minutes=5), waiting(7, joined_minutes=5),
         waiting(8, joined_minutes=1)], NOW, (), (8, 7)),
    # No free seat: nobody moves.
    (1, [seat(1), waiting(2)], NOW, (), ()),
    # Capacity raised: several move up at once.
    (4, [seat(1), waiting(2, joined_minutes=1), waiting(3, joined_minutes=2)], NOW, (), (2, 3)),
    # Within the cutoff before the start, staff decide: expiry still happens, promotion not.
    (1, [seat(1, confirmed=False, expires=START - timedelta(hours=30)), waiting(2)],
     START - timedelta(hours=23), (1,), ()),
    # Exactly at the cutoff promotion has stopped.
    (2, [seat(1), waiting(2)], START - CUTOFF, (), ()),
])
def test_promotion_is_fifo_among_confirmed_and_stops_at_the_cutoff(capacity, holders, now,
                                                                  expire, promote):
    plan = decide_promotions(capacity, holders, now, START, CUTOFF)
    assert (plan.expire, plan.promote) == (expire, promote)


@pytest.mark.parametrize(("taken", "override", "allowed", "needs_override"), [
    (19, False, True, False),
    (20, False, False, True),
    (20, True, True, True),
    (25, True, True, True),
])
def test_staff_move_past_capacity_needs_an_override(taken, override, allowed, needs_override):
    decision = decide_staff_move(SeatCount(20, taken, 3), override)
    assert (decision.allowed, decision.needs_override) == (allowed, needs_override)

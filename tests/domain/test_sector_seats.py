"""Seats per sector (issue 16, DESIGN §3), decided without a database: placement and
promotion with reserved seats, and property tests over random sequences of registrations,
confirmations, cancellations, expiries, capacity changes and the release time."""
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.capacity import (QUOTA_SECTORS, Holder, Placement, SeatCount, SectorSeats,
                                 compute_seat_count, decide_placement, decide_promotions,
                                 decide_staff_move, is_expired, sector_seats, waitlist_order)

NOW = datetime(2030, 3, 1, 12, tzinfo=UTC)
START = NOW + timedelta(days=20)
CUTOFF = timedelta(hours=24)
SECTORS = QUOTA_SECTORS + ("private_person", "undisclosed")
CIVIL, ADMIN, BUSINESS, RESEARCH = QUOTA_SECTORS


def quota(**reserved) -> SectorSeats:
    return sector_seats(reserved, START, None)


def seat(id, sector, confirmed=True):
    return Holder(id=id, place="seat", confirmed=confirmed,
                  hold_expires_at=None if confirmed else NOW + timedelta(hours=5), sector=sector)


def waiting(id, sector, confirmed=True, minute=0):
    return Holder(id=id, place="waitlist", confirmed=confirmed,
                  hold_expires_at=None if confirmed else NOW + timedelta(hours=5),
                  waitlisted_at=NOW - timedelta(hours=1) + timedelta(minutes=minute),
                  sector=sector)


# --- examples --------------------------------------------------------------------------------

def test_the_release_defaults_to_seven_days_before_the_start():
    assert quota(business=2).releases_at == START - timedelta(days=7)
    assert quota(business=2).in_force(START - timedelta(days=7, seconds=1)) == {"business": 2}
    assert quota(business=2).in_force(START - timedelta(days=7)) == {}
    chosen = sector_seats({"business": 2}, START, START - timedelta(days=1))
    assert chosen.in_force(START - timedelta(days=2)) == {"business": 2}


@pytest.mark.parametrize(("holders", "sector", "placement"), [
    # 2 reserved for business, 1 open: business takes its reserved seat, then the open one.
    ([], BUSINESS, Placement.SEAT),
    ([seat(1, BUSINESS), seat(2, BUSINESS)], BUSINESS, Placement.SEAT),  # the open seat
    ([seat(1, BUSINESS), seat(2, BUSINESS), seat(3, BUSINESS)], BUSINESS, Placement.WAITLIST),
    # Research has no reserved seats here: the open seat only.
    ([], RESEARCH, Placement.SEAT),
    ([seat(1, RESEARCH)], RESEARCH, Placement.WAITLIST),  # business's seats stay reserved
    ([seat(1, "private_person")], "undisclosed", Placement.WAITLIST),
    # The open seat is taken by a person of research: business still has its two.
    ([seat(1, RESEARCH)], BUSINESS, Placement.SEAT),
    # Someone waits: a newcomer may not take the open seat, but a reserved seat of a sector
    # nobody of which waits.
    ([waiting(1, RESEARCH, confirmed=False)], "private_person", Placement.WAITLIST),
    ([waiting(1, RESEARCH, confirmed=False)], BUSINESS, Placement.SEAT),
    ([waiting(1, BUSINESS, confirmed=False)], BUSINESS, Placement.WAITLIST),
])
def test_a_newcomer_takes_a_reserved_seat_of_its_sector_else_an_open_one(holders, sector,
                                                                          placement):
    count = compute_seat_count(3, holders, NOW, quota(business=2))
    assert decide_placement(count, sector) == placement


def test_after_the_release_every_free_seat_is_open_to_everyone():
    holders = [seat(1, RESEARCH)]
    released = START - timedelta(days=6)
    assert decide_placement(compute_seat_count(3, holders, released, quota(business=2)),
                            RESEARCH) == Placement.SEAT


def test_the_event_page_figures_say_which_sectors_still_have_seats():
    count = compute_seat_count(4, [seat(1, RESEARCH), seat(2, CIVIL)], NOW,
                               quota(business=1, research=1, civil_society=1))
    # Each of the three holds its sector's reserved seat or none: the open seat is free.
    assert count.seats_for_everyone and not count.waitlist_open
    full_open = compute_seat_count(4, [seat(1, RESEARCH), seat(2, CIVIL), seat(3, RESEARCH)],
                                   NOW, quota(business=1, research=1, civil_society=1))
    assert not full_open.seats_for_everyone
    assert full_open.sectors_with_seats == (BUSINESS,)
    assert not full_open.waitlist_open
    assert compute_seat_count(1, [seat(1, CIVIL)], NOW).waitlist_open


def test_a_freed_reserved_seat_goes_to_the_first_waiting_person_of_its_sector():
    # Capacity 3: 2 reserved for business, 1 open. Business person 1 cancelled (not listed).
    holders = [seat(2, BUSINESS), seat(3, RESEARCH),
               waiting(4, RESEARCH, minute=1), waiting(5, "undisclosed", minute=2),
               waiting(6, BUSINESS, minute=3), waiting(7, BUSINESS, minute=4)]
    plan = decide_promotions(3, holders, NOW, START, CUTOFF, quota(business=2))
    assert (plan.promote, plan.reserved) == ((6,), (6,))


def test_a_freed_open_seat_goes_to_the_first_waiting_person_overall():
    holders = [seat(1, BUSINESS), seat(2, BUSINESS),
               waiting(4, RESEARCH, confirmed=False, minute=1), waiting(5, "undisclosed", minute=2),
               waiting(6, BUSINESS, minute=3)]
    plan = decide_promotions(3, holders, NOW, START, CUTOFF, quota(business=2))
    assert (plan.promote, plan.reserved) == ((5,), ())


def test_the_first_waiting_person_takes_their_sectors_reserved_seat_before_an_open_one():
    holders = [seat(1, RESEARCH), waiting(4, BUSINESS, minute=1), waiting(5, CIVIL, minute=2)]
    plan = decide_promotions(4, holders, NOW, START, CUTOFF, quota(business=2))
    # 2 reserved (business) + 2 open, research holds one open seat.
    assert (plan.promote, plan.reserved) == ((4, 5), (4,))


def test_no_promotion_after_the_cutoff_even_for_a_reserved_seat():
    holders = [waiting(4, BUSINESS)]
    plan = decide_promotions(3, holders, START - CUTOFF, START, CUTOFF, quota(business=2))
    assert plan.promote == ()


def test_without_reserved_seats_everything_is_as_before():
    holders = [seat(1, CIVIL), waiting(2, RESEARCH, minute=1), waiting(3, CIVIL, minute=2)]
    assert decide_promotions(2, holders, NOW, START, CUTOFF).promote == (2,)
    assert decide_promotions(2, holders, NOW, START, CUTOFF, quota()).promote == (2,)


@pytest.mark.parametrize(("holders", "sector", "needs_override"), [
    ([seat(1, RESEARCH)], BUSINESS, False),  # a reserved seat of business is free
    ([seat(1, RESEARCH)], CIVIL, True),  # the open seat is taken
    ([], CIVIL, False),
])
def test_staff_move_past_what_the_sector_may_take_needs_an_override(holders, sector,
                                                                   needs_override):
    count = compute_seat_count(3, holders, NOW, quota(business=2))
    decision = decide_staff_move(count, False, sector)
    assert (decision.allowed, decision.needs_override) == (not needs_override, needs_override)


# --- properties ------------------------------------------------------------------------------

def _within_limits(count: SeatCount) -> bool:
    """Never over capacity; while reserved seats bind, no sector beyond its reserved seats
    plus the open seats, and all people beyond their sector's reserved seats fit the open."""
    if count.taken > count.capacity:
        return False
    for sector in SECTORS:
        if count.taken_by_sector.get(sector, 0) > count.reserved.get(sector, 0) + count.open_seats:
            return False
    return count.open_taken <= count.open_seats


class Room:
    """The rules played through: a list of live holders, a clock, the setting."""

    def __init__(self, capacity, seats):
        self.capacity, self.seats, self.now = capacity, seats, NOW
        self.holders: list[Holder] = []
        self.next_id = 1

    def count(self) -> SeatCount:
        return compute_seat_count(self.capacity, self.holders, self.now, self.seats)

    def promote(self):
        """What the services do after every change, and the worker on a schedule."""
        plan = decide_promotions(self.capacity, self.holders, self.now, START, CUTOFF,
                                 self.seats)
        before = self.count()
        queue = [h for h in waitlist_order(self.holders)
                 if h.confirmed and not is_expired(h, self.now)]
        promoted = set(plan.promote)
        for p in plan.promote:
            earlier = queue[:[h.id for h in queue].index(p)]
            sector = next(h.sector for h in queue if h.id == p)
            if p in plan.reserved:
                # A reserved seat: nobody of the sector who waits longer is left behind.
                assert all(h.id in promoted for h in earlier if h.sector == sector)
                assert sector in before.reserved
            else:
                # An open seat: nobody who waits longer (and may sit) is left behind.
                assert all(h.id in promoted for h in earlier)
        self.holders = [replace(h, place="seat") if h.id in promoted else h
                        for h in self.holders if h.id not in plan.expire]
        after = self.count()
        if plan.promote and _within_limits(before):
            assert _within_limits(after), after
        if self.now < START - CUTOFF:
            # Maximal: nobody confirmed waits while a seat they may take is free.
            for h in self.holders:
                if h.place == "waitlist" and h.confirmed:
                    assert after.free_for(h.sector) == 0, (h, after)

    def register(self, sector):
        count = self.count()
        placement = decide_placement(count, sector)
        if placement == Placement.SEAT and count.waiting:
            # Past people waiting only into a reserved seat nobody of the sector waits for.
            assert count.reserved_free(sector) > 0
            assert count.waiting_by_sector.get(sector, 0) == 0
        self.holders.append(Holder(
            id=self.next_id, place=placement.value, confirmed=False,
            hold_expires_at=self.now + timedelta(hours=24), sector=sector,
            waitlisted_at=self.now if placement == Placement.WAITLIST else None))
        self.next_id += 1
        # A registration never breaks the limits. (They may be broken already: staff may lower
        # the capacity below the seats taken, and nobody loses their seat for it.)
        if placement == Placement.SEAT and _within_limits(count):
            assert _within_limits(self.count()), self.count()
        self.promote()

    def confirm(self, index):
        live = [h for h in self.holders if not h.confirmed and not is_expired(h, self.now)]
        if live:
            chosen = live[index % len(live)]
            self.holders = [replace(h, confirmed=True, hold_expires_at=None)
                            if h.id == chosen.id else h for h in self.holders]
        self.promote()

    def cancel(self, index):
        if self.holders:
            chosen = self.holders[index % len(self.holders)]
            self.holders = [h for h in self.holders if h.id != chosen.id]
        self.promote()

    def wait(self, hours):
        self.now += timedelta(hours=hours)
        self.promote()

    def change_capacity(self, capacity):
        # Staff may never reserve more than the capacity (the form refuses it).
        self.capacity = max(capacity, sum(self.seats.reserved.values()))
        self.promote()


OPERATION = st.one_of(
    st.tuples(st.just("register"), st.sampled_from(SECTORS)),
    st.tuples(st.just("confirm"), st.integers(0, 50)),
    st.tuples(st.just("cancel"), st.integers(0, 50)),
    st.tuples(st.just("wait"), st.integers(1, 60)),
    st.tuples(st.just("change_capacity"), st.integers(0, 14)),
)


@st.composite
def settings_(draw):
    reserved = {s: draw(st.integers(0, 3)) for s in QUOTA_SECTORS}
    capacity = draw(st.integers(sum(reserved.values()), sum(reserved.values()) + 6))
    release = draw(st.one_of(st.none(), st.integers(1, 19 * 24)))
    releases_at = None if release is None else NOW + timedelta(hours=release)
    return capacity, sector_seats(reserved, START, releases_at)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(settings_(), st.lists(OPERATION, max_size=60))
def test_random_histories_keep_the_limits_and_fifo_among_those_who_may_sit(setting, operations):
    room = Room(*setting)
    for name, argument in operations:
        getattr(room, name)(argument)
    count = room.count()
    assert count.taken == sum(count.taken_by_sector.values())


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(SECTORS), max_size=40))
def test_a_rush_fills_each_sector_to_its_reserved_seats_plus_the_open_ones(sectors):
    """People arrive one after the other: each quota sector gets its reserved seats as far as
    it asks for them, and the 10 open seats go to the first ten of everybody else."""
    room = Room(30, quota(civil_society=5, public_administration=5, business=5, research=5))
    for sector in sectors:
        room.register(sector)
    count = room.count()
    beyond = [s for n, s in enumerate(sectors)
              if s not in QUOTA_SECTORS or sectors[:n + 1].count(s) > 5]
    for sector in SECTORS:
        reserved = min(sectors.count(sector), 5) if sector in QUOTA_SECTORS else 0
        assert count.taken_by_sector.get(sector, 0) == reserved + beyond[:10].count(sector)
    assert count.taken == sum(min(sectors.count(s), 5) for s in QUOTA_SECTORS) \
        + min(len(beyond), 10)


def test_staff_rows_count_each_seat_once_so_they_add_up():
    """A sector beyond its reserved seats counts its extra people under the open seats, so
    the rows add up to the capacity, the seats taken and the seats left (not 32 of 30)."""
    from app.domain.capacity import sector_seat_rows
    reserved = {s: 6 for s in QUOTA_SECTORS}
    count = SeatCount(capacity=30, taken=29, waiting=1, reserved=reserved,
                      taken_by_sector={"civil_society": 8, "public_administration": 7,
                                       "business": 6, "research": 5, "private_person": 2,
                                       "undisclosed": 1})
    rows = sector_seat_rows(reserved, count)
    assert [(r.sector, r.reserved, r.taken, r.free) for r in rows] == [
        ("civil_society", 6, 6, 0), ("public_administration", 6, 6, 0), ("business", 6, 6, 0),
        ("research", 6, 5, 1), ("open", 6, 6, 0)]
    assert sum(r.reserved for r in rows) == count.capacity
    assert sum(r.taken for r in rows) == count.taken
    assert sum(r.free for r in rows) == count.left

    # Released: research's free reserved seat has become an open one, and a person of civil
    # society who waited holds it; nothing shows as free in a full room.
    released = SeatCount(capacity=30, taken=30, waiting=0, reserved={},
                         taken_by_sector={**count.taken_by_sector, "civil_society": 9})
    rows = sector_seat_rows(reserved, released)
    assert [(r.sector, r.reserved, r.taken, r.free) for r in rows] == [
        ("civil_society", 6, 6, 0), ("public_administration", 6, 6, 0), ("business", 6, 6, 0),
        ("research", 5, 5, 0), ("open", 7, 7, 0)]
    assert (sum(r.reserved for r in rows), sum(r.taken for r in rows),
            sum(r.free for r in rows)) == (30, 30, 0)

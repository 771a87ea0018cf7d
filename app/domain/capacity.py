"""Seats and the waiting list: who gets a seat, whose hold has expired, who moves up.

Pure decisions; the registration service loads the rows under a lock on the
edition, asks these functions, and writes what they decide in one transaction.

Seats per sector (DESIGN §3): an edition may reserve seats for the four sectors; the rest
are open seats. Until the release time a person takes a free reserved seat of their
sector, else an open seat; "private person" and "prefer not to say" take open seats only.
After the release every free seat is open to everyone. Who holds which kind of seat is not
stored: people of a sector fill its reserved seats first, so the counts per sector say it.
"""
import enum
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# The sectors that may have reserved seats, in the order pages list them.
QUOTA_SECTORS = ("civil_society", "public_administration", "business", "research")
# Reserved seats open to everyone this long before the start, unless staff chose a time.
DEFAULT_RELEASE_BEFORE_START = timedelta(days=7)


class Placement(enum.StrEnum):
    SEAT = "seat"
    WAITLIST = "waitlist"


@dataclass(frozen=True)
class Holder:
    """What the rules need to know about one active registration."""

    id: int
    place: str  # "seat" | "waitlist"
    confirmed: bool
    hold_expires_at: datetime | None  # for unconfirmed registrations
    waitlisted_at: datetime | None = None
    sector: str = ""  # as given for this edition


@dataclass(frozen=True)
class SectorSeats:
    """An edition's reserved seats per sector (QUOTA_SECTORS; zero or missing: none), which
    open to everyone at `releases_at`."""

    reserved: Mapping[str, int]
    releases_at: datetime

    def in_force(self, now: datetime) -> dict[str, int]:
        """The reserved seats that still bind at `now` (none once released)."""
        if now >= self.releases_at:
            return {}
        return {s: n for s, n in self.reserved.items() if n > 0 and s in QUOTA_SECTORS}


def sector_seats(reserved: Mapping[str, int], starts_at: datetime,
                 releases_at: datetime | None) -> SectorSeats:
    """An edition's setting; without a chosen time the seats open 7 days before the start."""
    return SectorSeats(reserved=dict(reserved),
                       releases_at=releases_at or starts_at - DEFAULT_RELEASE_BEFORE_START)


@dataclass(frozen=True)
class SeatCount:
    capacity: int
    taken: int  # confirmed seats + unexpired unconfirmed seat holds
    waiting: int  # active waiting-list entries (unexpired)
    reserved: Mapping[str, int] = field(default_factory=dict)  # in force now, by sector
    taken_by_sector: Mapping[str, int] = field(default_factory=dict)  # seats taken, by sector
    waiting_by_sector: Mapping[str, int] = field(default_factory=dict)

    @property
    def left(self) -> int:
        """Seats still free; never negative even if staff overrode the capacity."""
        return max(self.capacity - self.taken, 0)

    def reserved_free(self, sector: str | None) -> int:
        """Free reserved seats of this sector (0 for sectors without any)."""
        if not sector or sector not in self.reserved:
            return 0
        return max(min(self.reserved[sector] - self.taken_by_sector.get(sector, 0), self.left), 0)

    @property
    def open_seats(self) -> int:
        """Seats for everyone: the capacity less the reserved seats in force."""
        return max(self.capacity - sum(self.reserved.values()), 0)

    @property
    def open_taken(self) -> int:
        """Seats taken beyond the reserved seats of their holders' sectors."""
        return self.taken - sum(min(self.taken_by_sector.get(s, 0), n)
                                for s, n in self.reserved.items())

    @property
    def open_free(self) -> int:
        return max(min(self.open_seats - self.open_taken, self.left), 0)

    def free_for(self, sector: str | None) -> int:
        """Seats a person of this sector may take (whoever waits)."""
        return min(self.reserved_free(sector) + self.open_free, self.left)

    def seat_for(self, sector: str | None) -> bool:
        """A new registration of this sector would get a seat."""
        return decide_placement(self, sector) == Placement.SEAT

    @property
    def sectors_with_seats(self) -> tuple[str, ...]:
        """Quota sectors whose newcomers would get a seat, in QUOTA_SECTORS order."""
        return tuple(s for s in QUOTA_SECTORS if self.seat_for(s))

    @property
    def seats_for_everyone(self) -> bool:
        """A newcomer of any sector would get a seat (an open one is free and nobody waits)."""
        return self.seat_for(None)

    @property
    def waitlist_open(self) -> bool:
        """A new registration goes to the waiting list, whatever its sector."""
        return not self.seats_for_everyone and not self.sectors_with_seats


@dataclass(frozen=True)
class PromotionPlan:
    expire: tuple[int, ...]  # unconfirmed holds whose time is up
    promote: tuple[int, ...]  # confirmed waiting-list entries that get a seat, in FIFO order
    reserved: tuple[int, ...] = ()  # of them, those who take a reserved seat of their sector


def is_expired(holder: Holder, now: datetime) -> bool:
    """An unconfirmed hold is expired once its time is up; a confirmed one never."""
    return (not holder.confirmed and holder.hold_expires_at is not None
            and now >= holder.hold_expires_at)


def compute_seat_count(capacity: int, holders: Sequence[Holder], now: datetime,
                       seats: SectorSeats | None = None) -> SeatCount:
    """Count seats taken (confirmed + unexpired holds) and active waiting-list entries, in
    all and per sector, with the reserved seats in force at `now`."""
    live = [h for h in holders if not is_expired(h, now)]
    taken = Counter(h.sector for h in live if h.place == Placement.SEAT)
    waiting = Counter(h.sector for h in live if h.place == Placement.WAITLIST)
    return SeatCount(capacity=capacity, taken=taken.total(), waiting=waiting.total(),
                     reserved=seats.in_force(now) if seats else {},
                     taken_by_sector=dict(taken), waiting_by_sector=dict(waiting))


def decide_placement(count: SeatCount, sector: str | None = None) -> Placement:
    """A new registration holds a seat it may take, otherwise joins the waiting list.

    It takes a free reserved seat of its sector, else a free open seat. Nobody jumps the
    queue: while people wait who may take the same seat (for a reserved seat: people of the
    sector; for an open seat: anybody), a freed seat goes to them by promotion, not to a
    newcomer.
    """
    if count.reserved_free(sector) > 0 and count.waiting_by_sector.get(sector, 0) == 0:
        return Placement.SEAT
    if count.open_free > 0 and count.waiting == 0:
        return Placement.SEAT
    return Placement.WAITLIST


def waitlist_order(holders: Sequence[Holder]) -> list[Holder]:
    """The waiting list in FIFO order (joined first, then lower id)."""
    waiting = [h for h in holders if h.place == Placement.WAITLIST]
    return sorted(waiting, key=lambda h: (h.waitlisted_at or _EPOCH, h.id))


def compute_waitlist_position(holders: Sequence[Holder], holder_id: int,
                              now: datetime) -> int | None:
    """1-based place on the waiting list among live entries; None if not waiting."""
    live = [h for h in waitlist_order(holders) if not is_expired(h, now)]
    for position, holder in enumerate(live, start=1):
        if holder.id == holder_id:
            return position
    return None


def decide_promotions(capacity: int, holders: Sequence[Holder], now: datetime,
                      starts_at: datetime, cutoff: timedelta,
                      seats: SectorSeats | None = None) -> PromotionPlan:
    """Expire timed-out holds and move confirmed waiting-list entries up into free seats.

    Promotion is FIFO among confirmed entries who may take a free seat: a free reserved
    seat of sector S goes to the first confirmed person of S waiting, a free open seat to
    the first confirmed person waiting at all (who takes a reserved seat of their own
    sector first, if one is free). An unconfirmed entry keeps its place but is skipped
    until it confirms. Promotion stops `cutoff` before the start: after that staff decide.
    """
    expire = tuple(h.id for h in holders if is_expired(h, now))
    live = [h for h in holders if h.id not in expire]
    promote: list[int] = []
    reserved: list[int] = []
    if now < starts_at - cutoff:
        count = compute_seat_count(capacity, live, now, seats)
        taken, by_sector = count.taken, Counter(count.taken_by_sector)
        for holder in waitlist_order(live):
            if taken >= capacity:
                break
            if not holder.confirmed:
                continue
            now_count = SeatCount(capacity, taken, 0, count.reserved, by_sector)
            if now_count.reserved_free(holder.sector) > 0:
                reserved.append(holder.id)
            elif now_count.open_free <= 0:
                continue
            promote.append(holder.id)
            taken += 1
            by_sector[holder.sector] += 1
    return PromotionPlan(expire=expire, promote=tuple(promote), reserved=tuple(reserved))


@dataclass(frozen=True)
class SectorSeatRow:
    sector: str  # a QUOTA_SECTORS value, or "open" for the seats open to everyone
    reserved: int  # seats of this kind
    taken: int  # of them, taken (a sector's people beyond its reserved seats sit on open ones)

    @property
    def free(self) -> int:
        return max(self.reserved - self.taken, 0)


def sector_seat_rows(reserved: Mapping[str, int], count: SeatCount) -> tuple[SectorSeatRow, ...]:
    """Reserved against taken per sector, then the open seats, for staff (also after the
    release); nothing for an edition without reserved seats.

    Each seat is counted once, so the rows add up to the capacity, the seats taken and the
    seats left: a sector's people fill its reserved seats first, those beyond them count as
    open seats. Once released (`count` has no reserved seats in force), a sector keeps only
    the reserved seats its people hold; the rest have become open seats."""
    setting = {s: reserved.get(s, 0) for s in QUOTA_SECTORS}
    if not any(setting.values()):
        return ()
    taken = {s: min(count.taken_by_sector.get(s, 0), n) for s, n in setting.items()}
    if not count.reserved:
        setting = taken
    rows = [SectorSeatRow(s, n, taken[s]) for s, n in setting.items()]
    rows.append(SectorSeatRow("open", max(count.capacity - sum(setting.values()), 0),
                              count.taken - sum(row.taken for row in rows)))
    return tuple(rows)


@dataclass(frozen=True)
class MoveDecision:
    allowed: bool
    needs_override: bool


def decide_staff_move(count: SeatCount, override: bool, sector: str | None = None) -> MoveDecision:
    """Staff may move someone onto a seat they may take (whoever waits); past the capacity,
    or past what the person's sector may take, only with an explicit override."""
    if count.free_for(sector) > 0:
        return MoveDecision(allowed=True, needs_override=False)
    return MoveDecision(allowed=override, needs_override=True)

"""Seats and the waiting list: who gets a seat, whose hold has expired, who moves up.

Pure decisions; the registration service loads the rows under a lock on the
edition, asks these functions, and writes what they decide in one transaction.
"""
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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


@dataclass(frozen=True)
class SeatCount:
    capacity: int
    taken: int  # confirmed seats + unexpired unconfirmed seat holds
    waiting: int  # active waiting-list entries (unexpired)

    @property
    def left(self) -> int:
        """Seats still free; never negative even if staff overrode the capacity."""
        return max(self.capacity - self.taken, 0)

    @property
    def waitlist_open(self) -> bool:
        """A new registration would go to the waiting list (decide_placement says so)."""
        return decide_placement(self) == Placement.WAITLIST


@dataclass(frozen=True)
class PromotionPlan:
    expire: tuple[int, ...]  # unconfirmed holds whose time is up
    promote: tuple[int, ...]  # confirmed waiting-list entries that get a seat, in FIFO order


def is_expired(holder: Holder, now: datetime) -> bool:
    """An unconfirmed hold is expired once its time is up; a confirmed one never."""
    return (not holder.confirmed and holder.hold_expires_at is not None
            and now >= holder.hold_expires_at)


def compute_seat_count(capacity: int, holders: Sequence[Holder], now: datetime) -> SeatCount:
    """Count seats taken (confirmed + unexpired holds) and active waiting-list entries."""
    live = [h for h in holders if not is_expired(h, now)]
    return SeatCount(capacity=capacity,
                     taken=sum(1 for h in live if h.place == Placement.SEAT),
                     waiting=sum(1 for h in live if h.place == Placement.WAITLIST))


def decide_placement(count: SeatCount) -> Placement:
    """A new registration holds a seat while one is free, otherwise joins the waiting list.

    Nobody jumps the queue: while people wait, a freed seat goes to them (by
    promotion), not to a newcomer.
    """
    if count.taken < count.capacity and count.waiting == 0:
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
                      starts_at: datetime, cutoff: timedelta) -> PromotionPlan:
    """Expire timed-out holds and move confirmed waiting-list entries up into free seats.

    Promotion is FIFO among confirmed entries (an unconfirmed one keeps its
    place but is skipped until it confirms) and stops `cutoff` before the
    start: after that staff decide.
    """
    expire = tuple(h.id for h in holders if is_expired(h, now))
    live = [h for h in holders if h.id not in expire]
    free = capacity - sum(1 for h in live if h.place == Placement.SEAT)
    promote: list[int] = []
    if now < starts_at - cutoff:
        for holder in waitlist_order(live):
            if free <= 0:
                break
            if holder.confirmed:
                promote.append(holder.id)
                free -= 1
    return PromotionPlan(expire=expire, promote=tuple(promote))


@dataclass(frozen=True)
class MoveDecision:
    allowed: bool
    needs_override: bool


def decide_staff_move(count: SeatCount, override: bool) -> MoveDecision:
    """Staff may move someone onto a seat; past the capacity only with an explicit override."""
    if count.taken < count.capacity:
        return MoveDecision(allowed=True, needs_override=False)
    return MoveDecision(allowed=override, needs_override=True)

"""When check-in is open: on the day, from a while before the start until a while after the end.

Checking people in weeks early would rewrite the records (their history says
"teilgenommen", the statistics count them, the board allocates only the checked-in),
so every check-in and walk-in asks this rule first.
"""
import enum
from dataclasses import dataclass
from datetime import datetime, timedelta


class CheckinState(enum.StrEnum):
    NOT_YET = "not_yet"
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class CheckinWindow:
    opens_at: datetime
    closes_at: datetime
    state: CheckinState

    @property
    def is_open(self) -> bool:
        return self.state == CheckinState.OPEN


def decide_checkin_window(starts_at: datetime, ends_at: datetime, now: datetime,
                          opens_before: timedelta, closes_after: timedelta,
                          cancelled: bool = False) -> CheckinWindow:
    """Return the check-in window of an edition and whether it is open at `now`."""
    opens_at, closes_at = starts_at - opens_before, ends_at + closes_after
    if cancelled:
        state = CheckinState.CANCELLED
    elif now < opens_at:
        state = CheckinState.NOT_YET
    elif now >= closes_at:
        state = CheckinState.CLOSED
    else:
        state = CheckinState.OPEN
    return CheckinWindow(opens_at=opens_at, closes_at=closes_at, state=state)

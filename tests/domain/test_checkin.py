"""When check-in is open, decided without a database."""
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.checkin import CheckinState, decide_checkin_window

START = datetime(2026, 3, 10, 16, tzinfo=UTC)
END = datetime(2026, 3, 10, 17, 30, tzinfo=UTC)
BEFORE, AFTER = timedelta(hours=2), timedelta(hours=24)


@pytest.mark.parametrize(("now", "cancelled", "state"), [
    (START - timedelta(weeks=6), False, CheckinState.NOT_YET),
    (START - BEFORE - timedelta(seconds=1), False, CheckinState.NOT_YET),
    (START - BEFORE, False, CheckinState.OPEN),
    (START, False, CheckinState.OPEN),
    (END, False, CheckinState.OPEN),
    (END + AFTER - timedelta(seconds=1), False, CheckinState.OPEN),
    (END + AFTER, False, CheckinState.CLOSED),
    (END + timedelta(days=30), False, CheckinState.CLOSED),
    (START, True, CheckinState.CANCELLED),
])
def test_check_in_opens_on_the_day_a_while_before_the_start(now, cancelled, state):
    window = decide_checkin_window(START, END, now, BEFORE, AFTER, cancelled=cancelled)
    assert window.state == state
    assert window.is_open == (state == CheckinState.OPEN)
    assert (window.opens_at, window.closes_at) == (utc_hour(14), END + AFTER)


def utc_hour(hour: int) -> datetime:
    return datetime(2026, 3, 10, hour, tzinfo=UTC)

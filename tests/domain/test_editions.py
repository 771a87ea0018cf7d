"""The life cycle of an edition, decided without a database."""
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.editions import (BERLIN, EditionTimes, Phase, compute_phase,
                                 compute_retention_cutoff,
                                 compute_quarter_shift, compute_registration_window,
                                 compute_slug, has_ended, is_upcoming, shift_local_days,
                                 shows_room_link, slugify, to_utc)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


START = utc(2026, 3, 10, 16)
END = utc(2026, 3, 10, 17, 30)


def times(status="published", opens=None, closes=None) -> EditionTimes:
    return EditionTimes(status=status, starts_at=START, ends_at=END,
                        registration_opens_at=opens, registration_closes_at=closes)


@pytest.mark.parametrize(("edition", "now", "phase"), [
    (times(status="draft"), START - timedelta(days=9), Phase.DRAFT),
    (times(status="draft"), END + timedelta(days=9), Phase.DRAFT),
    (times(status="cancelled"), START - timedelta(days=1), Phase.CANCELLED),
    (times(status="cancelled"), END + timedelta(days=1), Phase.CANCELLED),
    (times(), START - timedelta(days=20), Phase.REGISTRATION_OPEN),
    (times(opens=START - timedelta(days=10)), START - timedelta(days=20), Phase.ANNOUNCED),
    (times(opens=START - timedelta(days=10)), START - timedelta(days=10), Phase.REGISTRATION_OPEN),
    (times(closes=START - timedelta(days=2)), START - timedelta(days=3), Phase.REGISTRATION_OPEN),
    (times(closes=START - timedelta(days=2)), START - timedelta(days=2), Phase.REGISTRATION_CLOSED),
    (times(), START - timedelta(seconds=1), Phase.REGISTRATION_OPEN),
    (times(), START, Phase.RUNNING),
    (times(), END - timedelta(seconds=1), Phase.RUNNING),
    (times(), END, Phase.HELD),
    (times(), END + timedelta(days=3), Phase.HELD),  # a published report is no phase
])
def test_phase_follows_from_status_and_time(edition, now, phase):
    assert compute_phase(edition, now) == phase


def test_registration_never_closes_after_the_start():
    edition = times(closes=END + timedelta(days=1))
    assert compute_registration_window(edition) == (None, START)


@pytest.mark.parametrize(("start_local", "expected_local"), [
    # 9 December 2025 is a Tuesday; three months on is Monday 9 March → Tuesday 10 March.
    (datetime(2025, 12, 9, 17), datetime(2026, 3, 10, 17)),
    # Winter to summer time: the wall-clock time stays 17:00.
    (datetime(2026, 1, 13, 17), datetime(2026, 4, 14, 17)),
    # Summer to winter time.
    (datetime(2026, 9, 15, 17), datetime(2026, 12, 15, 17)),
    # 30 November + 3 months has no 30 February: end of February, then the same weekday.
    (datetime(2026, 11, 30, 10), datetime(2027, 3, 1, 10)),
    # Across the year boundary.
    (datetime(2026, 10, 27, 18, 30), datetime(2027, 1, 26, 18, 30)),
])
def test_next_edition_is_a_quarter_later_on_the_same_weekday_and_local_time(
        start_local, expected_local):
    start = start_local.replace(tzinfo=BERLIN).astimezone(UTC)
    shifted = shift_local_days(start, compute_quarter_shift(start))
    local = shifted.astimezone(BERLIN)
    assert local.replace(tzinfo=None) == expected_local
    assert local.weekday() == start_local.weekday()
    assert shifted.tzinfo == UTC


def test_shifting_keeps_the_order_of_all_times_of_an_edition():
    opens = to_utc(datetime(2026, 2, 1, 9))
    start = to_utc(datetime(2026, 3, 10, 17))
    days = compute_quarter_shift(start)
    assert shift_local_days(opens, days) < shift_local_days(start, days)
    assert shift_local_days(None, days) is None


@pytest.mark.parametrize(("text", "slug"), [
    ("Innovationswerkstatt", "innovationswerkstatt"),
    ("Grüße aus Köln", "gruesse-aus-koeln"),
    ("  Straße & Café!  ", "strasse-cafe"),
    ("<script>", "script"),
    ("!!!", ""),
])
def test_slugify(text, slug):
    assert slugify(text) == slug


def test_edition_slug_is_series_and_number():
    assert compute_slug("Innovationswerkstatt", 7) == "innovationswerkstatt-7"


def test_no_phase_is_declared_that_compute_phase_never_produces():
    """Every phase is reachable from some status and moment (REPORT_PUBLISHED was not)."""
    moments = [START - timedelta(days=20), START - timedelta(days=2), START, END]
    editions = [times(status=s, opens=o, closes=c)
                for s in ("draft", "published", "cancelled")
                for o in (None, START - timedelta(days=10))
                for c in (None, START - timedelta(days=5))]
    produced = {compute_phase(e, now) for e in editions for now in moments}
    assert produced == set(Phase)


@pytest.mark.parametrize(("edition", "now", "upcoming", "ended"), [
    (times(), START - timedelta(days=1), True, False),
    (times(), START, True, False),  # running: still ahead for those registered
    (times(), END, False, True),
    (times(status="cancelled"), START - timedelta(days=1), False, False),
    (times(status="cancelled"), END, False, True),
    (times(status="draft"), START - timedelta(days=1), True, False),
])
def test_upcoming_means_neither_cancelled_nor_ended(edition, now, upcoming, ended):
    assert is_upcoming(edition, now) is upcoming
    assert has_ended(edition, now) is ended


@pytest.mark.parametrize(("kwargs", "now", "shown"), [
    ({}, START - timedelta(days=1), True),
    ({}, END, False),  # over
    ({"online": False}, START, False),  # on site
    ({"has_room": False}, START, False),
    ({"confirmed": False}, START, False),
    ({"on_seat": False}, START, False),  # waiting list
])
def test_the_room_link_is_for_a_confirmed_seat_of_an_upcoming_online_edition(kwargs, now, shown):
    values = {"online": True, "has_room": True, "confirmed": True, "on_seat": True} | kwargs
    assert shows_room_link(times(), now=now, **values) is shown
    assert not shows_room_link(times(status="cancelled"), now=START - timedelta(days=1),
                               **values)


def test_retention_cuts_off_the_retention_days_before_now():
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    cutoff = compute_retention_cutoff(now, 365)
    assert cutoff == datetime(2025, 12, 3, 12, 0, tzinfo=UTC)

"""Figures of editions and series, and chart geometry, decided without a database."""
from datetime import UTC, date, datetime, timedelta

import pytest

from app.domain.statistics import (SECTOR_ORDER, AxisLabel, DayCount, RegistrationFact,
                                   SectorShare, Tick, combine_sector_mixes,
                                   compute_attendance_rate, compute_bar_chart,
                                   compute_edition_figures, compute_line_chart,
                                   compute_registrations_over_time, compute_sector_mix,
                                   compute_series_figures, compute_ticks, count_returning)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


START = utc(2026, 3, 10, 16)  # Tuesday 17:00 in Berlin (CET)
NOW_AFTER = START + timedelta(days=30)


def fact(pid, status="confirmed", place="seat", sector="undisclosed", created=utc(2026, 3, 1, 9),
         attended=False, walk_in=False, returning=False) -> RegistrationFact:
    return RegistrationFact(participant_id=pid, status=status, place=place, sector=sector,
                            created_at=created, attended=attended, walk_in=walk_in,
                            returning=returning)


# --- registrations over time ---------------------------------------------------------------------

@pytest.mark.parametrize(("created", "now", "expected"), [
    ([], NOW_AFTER, []),
    # One registration: a single day.
    ([utc(2026, 3, 10, 8)], NOW_AFTER, [(date(2026, 3, 10), 1, 1)]),
    # Every day from the first registration to the start day, zero days included.
    ([utc(2026, 3, 7, 9), utc(2026, 3, 7, 10), utc(2026, 3, 9, 12)], NOW_AFTER,
     [(date(2026, 3, 7), 2, 2), (date(2026, 3, 8), 0, 2), (date(2026, 3, 9), 1, 3),
      (date(2026, 3, 10), 0, 3)]),
    # 23:30 UTC on 7 March is 00:30 on 8 March in Berlin (CET, UTC+1).
    ([utc(2026, 3, 7, 22, 59), utc(2026, 3, 7, 23, 30)], NOW_AFTER,
     [(date(2026, 3, 7), 1, 1), (date(2026, 3, 8), 1, 2), (date(2026, 3, 9), 0, 2),
      (date(2026, 3, 10), 0, 2)]),
    # In winter 21:59 and 22:00 UTC are 22:59 and 23:00 in Berlin: both on 9 March.
    ([utc(2026, 3, 9, 21, 59), utc(2026, 3, 9, 22, 0)], NOW_AFTER,
     [(date(2026, 3, 9), 2, 2), (date(2026, 3, 10), 0, 2)]),
    # Before the edition the series ends today, not on the start day.
    ([utc(2026, 3, 1, 9), utc(2026, 3, 2, 9)], utc(2026, 3, 3, 12),
     [(date(2026, 3, 1), 1, 1), (date(2026, 3, 2), 1, 2), (date(2026, 3, 3), 0, 2)]),
    # Added after the start day: counted on the last day, so the total adds up.
    ([utc(2026, 3, 9, 9), utc(2026, 3, 12, 9)], NOW_AFTER,
     [(date(2026, 3, 9), 1, 1), (date(2026, 3, 10), 1, 2)]),
    # Only late registrations: one day.
    ([utc(2026, 3, 12, 9)], NOW_AFTER, [(date(2026, 3, 12), 1, 1)]),
])
def test_registrations_are_counted_cumulatively_per_berlin_day(created, now, expected):
    result = compute_registrations_over_time(created, START, now)
    assert result == [DayCount(day, new, total) for day, new, total in expected]


def test_summer_time_moves_the_berlin_midnight_to_22_utc():
    start = utc(2026, 7, 7, 15)  # 17:00 CEST
    created = [utc(2026, 7, 5, 21, 59), utc(2026, 7, 5, 22, 0)]
    assert compute_registrations_over_time(created, start, start + timedelta(days=1)) == [
        DayCount(date(2026, 7, 5), 1, 1), DayCount(date(2026, 7, 6), 1, 2),
        DayCount(date(2026, 7, 7), 0, 2)]


def test_registrations_over_time_ignore_the_order_they_come_in():
    created = [utc(2026, 3, 9, 9), utc(2026, 3, 8, 9), utc(2026, 3, 9, 8)]
    days = compute_registrations_over_time(created, START, NOW_AFTER)
    assert [d.total for d in days] == [1, 3, 3]


# --- sector mix ----------------------------------------------------------------------------------

def test_the_sector_order_is_the_registration_forms():
    assert SECTOR_ORDER == ("civil_society", "public_administration", "business", "research",
                            "private_person", "undisclosed")


@pytest.mark.parametrize(("sectors", "expected"), [
    ([], [0, 0, 0, 0, 0, 0]),
    (["business"], [0, 0, 1, 0, 0, 0]),
    (["undisclosed", "civil_society", "civil_society", "research"], [2, 0, 0, 1, 0, 1]),
])
def test_sector_mix_lists_all_six_sectors_in_a_fixed_order(sectors, expected):
    mix = compute_sector_mix(sectors)
    assert [s.sector for s in mix] == list(SECTOR_ORDER)
    assert [s.count for s in mix] == expected


@pytest.mark.parametrize(("sectors", "shares"), [
    ([], [0.0] * 6),
    (["business"], [0.0, 0.0, 1.0, 0.0, 0.0, 0.0]),
    (["civil_society", "civil_society", "research", "undisclosed"],
     [0.5, 0.0, 0.0, 0.25, 0.0, 0.25]),
])
def test_sector_shares_are_fractions_of_the_total_and_zero_without_anyone(sectors, shares):
    assert [s.share for s in compute_sector_mix(sectors)] == shares


def test_an_unknown_sector_is_refused():
    with pytest.raises(ValueError, match="astronaut"):
        compute_sector_mix(["astronaut"])


def test_sector_mixes_add_up_with_new_shares():
    combined = combine_sector_mixes([compute_sector_mix(["business"]),
                                     compute_sector_mix(["business", "research", "research"])])
    assert combined[2] == SectorShare("business", 2, 0.5)
    assert combined[3] == SectorShare("research", 2, 0.5)
    assert sum(s.count for s in combined) == 4


# --- attendance and returning people -------------------------------------------------------------

@pytest.mark.parametrize(("attended", "seats", "walk_ins", "rate"), [
    (0, 0, 0, None),
    (0, 10, 0, 0.0),
    (8, 10, 0, 0.8),
    (10, 8, 2, 1.0),
    (3, 0, 3, 1.0),
    (6, 4, 0, 1.5),  # waiting-list people who came anyway: not hidden by a cap
])
def test_attendance_rate_divides_attended_by_seats_and_walk_ins(attended, seats, walk_ins, rate):
    assert compute_attendance_rate(attended, seats, walk_ins) == rate


@pytest.mark.parametrize(("participants", "before", "returning"), [
    ([], [], 0),
    ([1, 2, 3], [], 0),
    ([1, 2, 3], [3, 4], 1),
    ([1, 2, 3], [1, 2, 3, 9], 3),
])
def test_returning_people_attended_before(participants, before, returning):
    assert count_returning(participants, before) == returning


def test_edition_figures_follow_the_definitions():
    facts = [
        fact(1, sector="business", attended=True),  # confirmed seat, came
        fact(2, sector="business"),  # confirmed seat, no-show
        fact(3, place="waitlist", sector="research"),  # confirmed, waiting: no place
        fact(4, status="pending", sector="research"),  # unconfirmed
        fact(5, status="cancelled", sector="research"),
        fact(6, status="expired", sector="research"),
        fact(7, sector="civil_society", attended=True, walk_in=True),  # at the door
        fact(8, place="waitlist", sector="private_person", attended=True),  # came anyway
    ]
    figures = compute_edition_figures(facts, attended_before={2, 7, 99})
    assert figures.registered == 7
    assert figures.confirmed == 4  # 1, 2, 3 and 8
    assert figures.confirmed_seats == 2
    assert figures.walk_ins == 1
    assert figures.attended == 3
    assert figures.attendance_rate == 1.0  # 3 / (2 + 1)
    assert figures.participants == {1, 2, 7, 8}
    assert figures.attendees == {1, 7, 8}
    assert figures.returning == 2  # 2 and 7
    assert [s.count for s in figures.sectors] == [1, 0, 2, 0, 1, 0]


def test_an_edition_without_registrations_has_zero_figures_and_no_rate():
    figures = compute_edition_figures([])
    assert (figures.registered, figures.confirmed, figures.attended,
            figures.returning) == (0, 0, 0, 0)
    assert figures.attendance_rate is None
    assert [s.count for s in figures.sectors] == [0] * 6


def test_a_person_counts_once_with_the_sector_of_the_registration_that_gives_the_place():
    facts = [fact(1, status="cancelled", sector="business", created=utc(2026, 3, 1)),
             fact(1, status="confirmed", sector="research", created=utc(2026, 3, 2))]
    figures = compute_edition_figures(facts)
    assert figures.registered == 2
    assert [s.count for s in figures.sectors] == [0, 0, 0, 1, 0, 0]


def test_a_cancelled_walk_in_is_not_expected():
    figures = compute_edition_figures([fact(1, status="cancelled", walk_in=True)])
    assert (figures.walk_ins, figures.attendance_rate, figures.registered) == (0, None, 0)


def test_series_figures_count_returning_people_from_all_earlier_editions():
    editions = [
        [fact(1, attended=True), fact(2, attended=True), fact(3)],  # 3 did not come
        [fact(1, attended=True), fact(3, attended=True), fact(4)],
        [fact(1), fact(2), fact(3), fact(4), fact(5)],
    ]
    figures = compute_series_figures(editions)
    assert [f.returning for f in figures] == [0, 1, 3]
    assert [f.attended for f in figures] == [2, 2, 0]
    assert [f.attendance_rate for f in figures] == [2 / 3, 2 / 3, 0.0]


@pytest.mark.parametrize(("facts", "attended_before", "returning"), [
    # Retention recorded it before unlinking: counted without any earlier link.
    ([fact(10, returning=True), fact(11)], set(), 1),
    # Recorded and linked: the same person counts once.
    ([fact(1, returning=True)], {1}, 1),
    # A recorded registration that does not take part (cancelled) does not count.
    ([fact(10, status="cancelled", returning=True)], set(), 0),
])
def test_returning_recorded_by_retention_counts(facts, attended_before, returning):
    assert compute_edition_figures(facts, attended_before).returning == returning


# --- chart geometry ------------------------------------------------------------------------------

@pytest.mark.parametrize(("maximum", "ticks"), [
    (0, (0, 1)),
    (1, (0, 1)),
    (3, (0, 1, 2, 3)),
    (5, (0, 1, 2, 3, 4, 5)),
    (7, (0, 2, 4, 6, 8)),
    (10, (0, 2, 4, 6, 8, 10)),
    (11, (0, 5, 10, 15)),
    (42, (0, 10, 20, 30, 40, 50)),
    (100, (0, 20, 40, 60, 80, 100)),
    (101, (0, 50, 100, 150)),
    (1234, (0, 500, 1000, 1500)),
])
def test_ticks_are_round_numbers_up_to_at_least_the_maximum(maximum, ticks):
    assert compute_ticks(maximum) == ticks


def test_bars_are_scaled_to_the_last_tick():
    chart = compute_bar_chart([("A", 4, "4"), ("B", 8, "8"), ("C", 0, "0")], width=640,
                              label_width=200, text_width=40, band=30, bar_height=20)
    # Plot from x=200 to x=600; ticks 0, 2, …, 8, so 8 fills the 400 pixels.
    assert [t.value for t in chart.ticks] == [0, 2, 4, 6, 8]
    assert [t.position for t in chart.ticks] == [200, 300, 400, 500, 600]
    assert [b.width for b in chart.bars] == [200, 400, 0]
    assert [b.x for b in chart.bars] == [200, 200, 200]
    assert [b.y for b in chart.bars] == [13, 43, 73]  # top 8 + band * i + (30 - 20) / 2
    assert [b.text_x for b in chart.bars] == [406, 606, 206]
    assert [b.label_x for b in chart.bars] == [192, 192, 192]
    assert [(b.label, b.text) for b in chart.bars] == [("A", "4"), ("B", "8"), ("C", "0")]
    assert (chart.plot_top, chart.plot_bottom, chart.height) == (8, 98, 154)


def test_a_bar_chart_of_zeros_still_has_an_axis():
    chart = compute_bar_chart([("A", 0, "0")], label_width=200, text_width=40)
    assert [t.value for t in chart.ticks] == [0, 1]
    assert chart.bars[0].width == 0


def test_line_points_are_spread_evenly_and_scaled_to_the_last_tick():
    chart = compute_line_chart([("1. März", 1), ("2. März", 3), ("3. März", 3), ("4. März", 4)],
                               width=640, height=300)
    # Plot: x 72 … 600, y 16 … 236; ticks 0 … 4, so 1 unit is 55 pixels.
    assert [(p.x, p.y) for p in chart.points] == [(72, 181), (248, 71), (424, 71), (600, 16)]
    assert chart.line == "72,181 248,71 424,71 600,16"
    assert chart.area == "M72,236 L72,181 L248,71 L424,71 L600,16 L600,236 Z"
    assert chart.y_ticks == tuple(Tick(v, y) for v, y in [(0, 236), (1, 181), (2, 126),
                                                            (3, 71), (4, 16)])
    assert chart.x_labels == tuple(AxisLabel(t, x) for t, x in [
        ("1. März", 72), ("2. März", 248), ("3. März", 424), ("4. März", 600)])
    assert chart.markers


def test_a_single_point_sits_in_the_middle():
    chart = compute_line_chart([("heute", 2)])
    assert [(p.x, p.y) for p in chart.points] == [(336, 16)]
    assert chart.x_labels == (AxisLabel("heute", 336),)


def test_long_series_get_thinned_labels_and_no_markers():
    chart = compute_line_chart([(f"Tag {i}", i) for i in range(42)], max_labels=6, max_markers=31)
    assert [label.text for label in chart.x_labels] == ["Tag 0", "Tag 9", "Tag 18", "Tag 27",
                                                        "Tag 36", "Tag 41"]
    assert chart.x_labels[-1].position == chart.plot_right
    assert not chart.markers


@pytest.mark.parametrize(("n", "labels"), [
    (1, [0]), (6, [0, 1, 2, 3, 4, 5]), (7, [0, 2, 4, 6]), (10, [0, 2, 4, 6, 9]),
    (13, [0, 3, 6, 9, 12]), (31, [0, 6, 12, 18, 24, 30]), (100, [0, 20, 40, 60, 80, 99]),
])
def test_axis_labels_never_exceed_the_limit_and_always_show_first_and_last(n, labels):
    chart = compute_line_chart([(str(i), i) for i in range(n)], max_labels=6)
    assert [int(label.text) for label in chart.x_labels] == labels

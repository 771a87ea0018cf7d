"""The agenda ("Ablaufplan"): derived times, validation, ordering and the preset."""
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.agenda import (AgendaCheck, ItemInput, ItemKind, Problem, ProblemCode,
                               ScheduledItem, compute_move, compute_reorder,
                               compute_schedule, standard_evening, validate_agenda)
from app.domain.editions import BERLIN

K = ItemKind


def at(hhmm: str, day: str = "2026-03-10") -> datetime:
    """A Berlin wall-clock time on the test evening, as UTC."""
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=BERLIN).astimezone(UTC)


def hhmm(moment: datetime) -> str:
    return moment.astimezone(BERLIN).strftime("%H:%M")


def item(key, minutes, kind=K.OTHER, pinned=None) -> ItemInput:
    return ItemInput(key=key, duration_minutes=minutes, kind=kind,
                     pinned_start=at(pinned) if pinned else None)


def times(schedule) -> list[tuple]:
    return [(s.key, hhmm(s.starts_at), hhmm(s.ends_at)) for s in schedule]


# Tuesday 10 March 2026, 17:00–18:30 Berlin (CET, UTC+1).
START, END = at("17:00"), at("18:30")

EVENING = {
    "welcome": item("welcome", 10, K.WELCOME),
    "input1": item("input1", 20, K.INPUT),
    "input2": item("input2", 20, K.INPUT),
    "breakout": item("breakout", 30, K.BREAKOUT),
    "wrapup": item("wrapup", 10, K.WRAPUP),
}
PLANNED = list(EVENING)


def evening(order=PLANNED, **durations) -> list[ItemInput]:
    return [ItemInput(key, durations.get(key, EVENING[key].duration_minutes), EVENING[key].kind)
            for key in order]


# --- derived times -------------------------------------------------------------------------

@pytest.mark.parametrize(("agenda", "expected"), [
    pytest.param(evening(), [
        ("welcome", "17:00", "17:10"), ("input1", "17:10", "17:30"),
        ("input2", "17:30", "17:50"), ("breakout", "17:50", "18:20"),
        ("wrapup", "18:20", "18:30"),
    ], id="as planned"),
    pytest.param(evening(compute_reorder(PLANNED, "input2", 1)), [
        ("welcome", "17:00", "17:10"), ("input2", "17:10", "17:30"),
        ("input1", "17:30", "17:50"), ("breakout", "17:50", "18:20"),
        ("wrapup", "18:20", "18:30"),
    ], id="second input moved before the first"),
    pytest.param(evening(compute_reorder(PLANNED, "breakout", 0)), [
        ("breakout", "17:00", "17:30"), ("welcome", "17:30", "17:40"),
        ("input1", "17:40", "18:00"), ("input2", "18:00", "18:20"),
        ("wrapup", "18:20", "18:30"),
    ], id="breakout moved to the top"),
    pytest.param(evening(compute_move(PLANNED, "wrapup", -1)), [
        ("welcome", "17:00", "17:10"), ("input1", "17:10", "17:30"),
        ("input2", "17:30", "17:50"), ("wrapup", "17:50", "18:00"),
        ("breakout", "18:00", "18:30"),
    ], id="wrap-up moved up one place"),
    pytest.param(evening(input1=35, breakout=15), [
        ("welcome", "17:00", "17:10"), ("input1", "17:10", "17:45"),
        ("input2", "17:45", "18:05"), ("breakout", "18:05", "18:20"),
        ("wrapup", "18:20", "18:30"),
    ], id="first input lengthened, breakout shortened"),
    pytest.param(evening(welcome=5), [
        ("welcome", "17:00", "17:05"), ("input1", "17:05", "17:25"),
        ("input2", "17:25", "17:45"), ("breakout", "17:45", "18:15"),
        ("wrapup", "18:15", "18:25"),
    ], id="welcome shortened pulls everything after it forward"),
])
def test_each_item_starts_where_the_one_before_ended(agenda, expected):
    assert times(compute_schedule(START, agenda)) == expected


@pytest.mark.parametrize(("agenda", "expected"), [
    pytest.param([item("a", 30), item("b", 20, pinned="17:45"), item("c", 15)], [
        ("a", "17:00", "17:30"), ("b", "17:45", "18:05"), ("c", "18:05", "18:20"),
    ], id="pinned later: the following items continue from its end"),
    pytest.param([item("a", 30), item("b", 20, pinned="17:30"), item("c", 15)], [
        ("a", "17:00", "17:30"), ("b", "17:30", "17:50"), ("c", "17:50", "18:05"),
    ], id="pinned exactly where it would start anyway"),
    pytest.param([item("a", 30), item("b", 20, pinned="17:20"), item("c", 15)], [
        ("a", "17:00", "17:30"), ("b", "17:20", "17:40"), ("c", "17:40", "17:55"),
    ], id="pinned earlier: times are still computed, validation refuses them"),
    pytest.param([item("a", 15, pinned="17:10"), item("b", 20)], [
        ("a", "17:10", "17:25"), ("b", "17:25", "17:45"),
    ], id="first item pinned after the start"),
    pytest.param([item("a", 10), item("b", 10, pinned="17:30"), item("c", 10, pinned="18:00"),
                  item("d", 10)], [
        ("a", "17:00", "17:10"), ("b", "17:30", "17:40"), ("c", "18:00", "18:10"),
        ("d", "18:10", "18:20"),
    ], id="two pinned items"),
])
def test_a_pinned_item_starts_at_its_time_and_the_rest_follow_it(agenda, expected):
    assert times(compute_schedule(START, agenda)) == expected


def test_schedule_is_in_utc_whatever_zone_the_times_came_in():
    pinned_in_berlin = datetime(2026, 3, 10, 17, 30, tzinfo=BERLIN)
    schedule = compute_schedule(START.astimezone(BERLIN), [
        ItemInput("a", 10, K.WELCOME), ItemInput("b", 20, K.INPUT, pinned_in_berlin)])
    assert schedule == [
        ScheduledItem("a", datetime(2026, 3, 10, 16, 0, tzinfo=UTC),
                      datetime(2026, 3, 10, 16, 10, tzinfo=UTC)),
        ScheduledItem("b", datetime(2026, 3, 10, 16, 30, tzinfo=UTC),
                      datetime(2026, 3, 10, 16, 50, tzinfo=UTC)),
    ]
    assert all(s.starts_at.tzinfo is UTC and s.ends_at.tzinfo is UTC for s in schedule)


def test_an_empty_agenda_has_an_empty_schedule():
    assert compute_schedule(START, []) == []


NAIVE = datetime(2026, 3, 10, 17, 0)


@pytest.mark.parametrize("call", [
    pytest.param(lambda: compute_schedule(NAIVE, []), id="schedule: event start"),
    pytest.param(lambda: compute_schedule(START, [ItemInput("a", 10, K.OTHER, NAIVE)]),
                 id="schedule: pinned start"),
    pytest.param(lambda: validate_agenda(START, NAIVE, []), id="validate: event end"),
    pytest.param(lambda: standard_evening(NAIVE, END), id="preset: event start"),
])
def test_naive_datetimes_are_refused_rather_than_guessed(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


# --- validation ----------------------------------------------------------------------------

P = ProblemCode


@pytest.mark.parametrize(("agenda", "errors"), [
    pytest.param([item("a", 0), item("b", 90)], [
        Problem("a", P.NON_POSITIVE_DURATION, minutes=0),
    ], id="zero duration"),
    pytest.param([item("a", 90), item("b", -5)], [
        Problem("b", P.NON_POSITIVE_DURATION, minutes=-5),
    ], id="negative duration"),
    pytest.param([item("a", 20, pinned="16:50"), item("b", 80)], [
        Problem("a", P.STARTS_BEFORE_EVENT, minutes=10, at=at("16:50"), limit=START),
    ], id="starts before the edition"),
    pytest.param([item("a", 10), item("b", 90)], [
        Problem("b", P.ENDS_AFTER_EVENT, minutes=10, at=at("18:40"), limit=END),
    ], id="ends after the edition"),
    pytest.param([item("a", 60), item("b", 20, pinned="18:20")], [
        Problem("b", P.ENDS_AFTER_EVENT, minutes=10, at=at("18:40"), limit=END),
    ], id="pinned item ends after the edition"),
    pytest.param([item("a", 30), item("b", 70, pinned="17:20")], [
        Problem("b", P.OVERLAP, minutes=10, at=at("17:20"), limit=at("17:30"), other_key="a"),
    ], id="pinned start before the previous end"),
    pytest.param([item("a", 30), item("b", 30), item("c", 10, pinned="17:20"), item("d", 60)], [
        Problem("c", P.OVERLAP, minutes=40, at=at("17:20"), limit=at("18:00"), other_key="b"),
        Problem("d", P.OVERLAP, minutes=30, at=at("17:30"), limit=at("18:00"), other_key="b"),
    ], id="pinned item jumping back overlaps everything up to the latest end"),
    pytest.param([item("a", 0), item("b", 100)], [
        Problem("a", P.NON_POSITIVE_DURATION, minutes=0),
        Problem("b", P.ENDS_AFTER_EVENT, minutes=10, at=at("18:40"), limit=END),
    ], id="several errors in agenda order"),
])
def test_invalid_agendas_are_refused(agenda, errors):
    check = validate_agenda(START, END, agenda)
    assert check.errors == tuple(errors)
    assert check.ok is False


@pytest.mark.parametrize(("agenda", "warnings"), [
    pytest.param([item("a", 30), item("b", 50, pinned="17:40")], [
        Problem("b", P.GAP, minutes=10, at=at("17:40"), limit=at("17:30"), other_key="a"),
    ], id="gap before a pinned item"),
    pytest.param([item("a", 75, pinned="17:15")], [
        Problem("a", P.STARTS_LATE, minutes=15, at=at("17:15"), limit=START),
    ], id="first item starts after the edition"),
    pytest.param([item("a", 30), item("b", 45)], [
        Problem(None, P.ENDS_EARLY, minutes=15, at=at("18:15"), limit=END),
    ], id="agenda ends before the edition"),
    pytest.param([item("a", 30), item("b", 20, pinned="17:35"), item("c", 20, pinned="18:05")], [
        Problem("b", P.GAP, minutes=5, at=at("17:35"), limit=at("17:30"), other_key="a"),
        Problem("c", P.GAP, minutes=10, at=at("18:05"), limit=at("17:55"), other_key="b"),
        Problem(None, P.ENDS_EARLY, minutes=5, at=at("18:25"), limit=END),
    ], id="several warnings in agenda order, the agenda-wide one last"),
    pytest.param([item("a", 30), item("b", 59, pinned="17:30:30")], [
        Problem("b", P.GAP, minutes=1, at=at("17:30:30"), limit=at("17:30"), other_key="a"),
        Problem(None, P.ENDS_EARLY, minutes=1, at=at("18:29:30"), limit=END),
    ], id="a gap of seconds is rounded up, never reported as 0 minutes"),
])
def test_gaps_and_an_early_end_are_warned_not_refused(agenda, warnings):
    check = validate_agenda(START, END, agenda)
    assert check.errors == ()
    assert check.warnings == tuple(warnings)
    assert check.ok is True


@pytest.mark.parametrize("agenda", [
    pytest.param(evening(), id="the standard evening"),
    pytest.param([item("a", 90)], id="one item filling the window"),
    pytest.param([item("a", 30), item("b", 30, pinned="17:30"), item("c", 30)],
                 id="pinned exactly at the previous end"),
    pytest.param([], id="empty: not planned yet, so no ends-early warning"),
])
def test_a_valid_agenda_has_no_problems(agenda):
    assert validate_agenda(START, END, agenda) == AgendaCheck(errors=(), warnings=())


def test_problem_codes_are_the_stable_strings_a_ui_keys_on():
    assert [str(code) for code in ProblemCode] == [
        "non_positive_duration", "starts_before_event", "ends_after_event", "overlap",
        "gap", "starts_late", "ends_early",
    ]


# --- reorder and move ----------------------------------------------------------------------

ABCD = ["a", "b", "c", "d"]


@pytest.mark.parametrize(("keys", "key", "new_index", "expected"), [
    (ABCD, "b", 0, ["b", "a", "c", "d"]),
    (ABCD, "a", 3, ["b", "c", "d", "a"]),
    (ABCD, "a", 2, ["b", "c", "a", "d"]),
    (ABCD, "d", 1, ["a", "d", "b", "c"]),
    (ABCD, "c", 2, ABCD),
    (ABCD, "d", 99, ABCD),
    (ABCD, "a", 99, ["b", "c", "d", "a"]),
    (ABCD, "a", -1, ABCD),
    (ABCD, "d", -5, ["d", "a", "b", "c"]),
    (["a"], "a", 5, ["a"]),
    ((1, 2, 3), 3, 0, [3, 1, 2]),
])
def test_reorder_moves_one_item_and_clamps_the_index(keys, key, new_index, expected):
    assert compute_reorder(keys, key, new_index) == expected


@pytest.mark.parametrize(("key", "delta", "expected"), [
    ("b", -1, ["b", "a", "c", "d"]),
    ("b", +1, ["a", "c", "b", "d"]),
    ("c", +1, ["a", "b", "d", "c"]),
    ("a", -1, ABCD),
    ("d", +1, ABCD),
    ("a", +1, ["b", "a", "c", "d"]),
    ("d", -1, ["a", "b", "d", "c"]),
    ("c", 0, ABCD),
])
def test_up_and_down_buttons_stop_at_the_ends(key, delta, expected):
    assert compute_move(ABCD, key, delta) == expected


def test_reorder_leaves_the_given_order_untouched():
    keys = list(ABCD)
    compute_reorder(keys, "a", 3)
    compute_move(keys, "b", 1)
    assert keys == ABCD


@pytest.mark.parametrize("call", [
    pytest.param(lambda: compute_reorder(ABCD, "x", 0), id="reorder"),
    pytest.param(lambda: compute_move(ABCD, "x", 1), id="move"),
])
def test_moving_an_unknown_item_is_an_error(call):
    with pytest.raises(ValueError):
        call()


# --- the standard evening ------------------------------------------------------------------

KINDS = [K.WELCOME, K.INPUT, K.INPUT, K.BREAKOUT, K.WRAPUP]


def as_items(templates) -> list[ItemInput]:
    return [ItemInput(i, t.duration_minutes, t.kind) for i, t in enumerate(templates)]


@pytest.mark.parametrize(("minutes", "durations"), [
    (90, [10, 20, 20, 30, 10]),
    (120, [10, 20, 20, 60, 10]),
    (60, [5, 15, 15, 15, 10]),
    (75, [10, 20, 20, 15, 10]),
    (74, [10, 19, 20, 15, 10]),
    (70, [9, 18, 18, 15, 10]),
    (80, [10, 20, 20, 20, 10]),
    (180, [10, 20, 20, 120, 10]),
])
def test_standard_evening_stretches_the_breakout_to_fill_the_window(minutes, durations):
    templates = standard_evening(START, START + timedelta(minutes=minutes))
    assert [t.kind for t in templates] == KINDS
    assert [t.duration_minutes for t in templates] == durations
    assert sum(durations) == minutes
    assert validate_agenda(START, START + timedelta(minutes=minutes), as_items(templates)) \
        == AgendaCheck()


def test_standard_evening_of_90_minutes_is_the_usual_shape():
    templates = standard_evening(START, END)
    assert [(t.title_de, t.title_en) for t in templates] == [
        ("Begrüßung", "Welcome"),
        ("Impuls 1", "Input 1"),
        ("Impuls 2", "Input 2"),
        ("Arbeitsphase in Gruppen", "Breakout work phase"),
        ("Zusammenfassung und Ausblick", "Wrap-up and outlook"),
    ]
    assert times(compute_schedule(START, as_items(templates))) == [
        (0, "17:00", "17:10"), (1, "17:10", "17:30"), (2, "17:30", "17:50"),
        (3, "17:50", "18:20"), (4, "18:20", "18:30"),
    ]


def test_standard_evening_validates_cleanly_for_every_window_from_one_to_six_hours():
    for minutes in range(60, 361):
        end = START + timedelta(minutes=minutes)
        templates = standard_evening(START, end)
        assert sum(t.duration_minutes for t in templates) == minutes, minutes
        assert min(t.duration_minutes for t in templates) >= 5, minutes
        assert templates[3].duration_minutes >= 15, minutes
        assert validate_agenda(START, end, as_items(templates)) == AgendaCheck(), minutes


def test_standard_evening_with_leftover_seconds_ends_early_but_without_errors():
    end = START + timedelta(minutes=90, seconds=30)
    check = validate_agenda(START, end, as_items(standard_evening(START, end)))
    assert check.errors == ()
    assert check.warnings == (Problem(None, P.ENDS_EARLY, minutes=1, at=END, limit=end),)


@pytest.mark.parametrize("minutes", [59, 30, 0, -30])
def test_standard_evening_refuses_windows_under_an_hour(minutes):
    with pytest.raises(ValueError, match="at least 60 minutes"):
        standard_evening(START, START + timedelta(minutes=minutes))


# --- daylight saving -----------------------------------------------------------------------

# Sunday 25 October 2026: at 03:00 CEST the clocks go back to 02:00 CET, so the
# wall-clock window 01:30–04:00 is 210 real minutes, not 150.
DST_START = datetime(2026, 10, 25, 1, 30, tzinfo=BERLIN)
DST_END = datetime(2026, 10, 25, 4, 0, tzinfo=BERLIN)


def local_iso(moment: datetime) -> str:
    return moment.astimezone(BERLIN).isoformat(timespec="minutes")


def test_an_evening_across_the_clock_change_counts_real_minutes():
    templates = standard_evening(DST_START, DST_END)
    assert [t.duration_minutes for t in templates] == [10, 20, 20, 150, 10]
    schedule = compute_schedule(DST_START, as_items(templates))
    assert [(local_iso(s.starts_at), local_iso(s.ends_at)) for s in schedule] == [
        ("2026-10-25T01:30+02:00", "2026-10-25T01:40+02:00"),
        ("2026-10-25T01:40+02:00", "2026-10-25T02:00+02:00"),
        ("2026-10-25T02:00+02:00", "2026-10-25T02:20+02:00"),
        ("2026-10-25T02:20+02:00", "2026-10-25T03:50+01:00"),
        ("2026-10-25T03:50+01:00", "2026-10-25T04:00+01:00"),
    ]
    assert schedule[-1].ends_at == DST_END.astimezone(UTC)
    assert validate_agenda(DST_START, DST_END, as_items(templates)) == AgendaCheck()


@pytest.mark.parametrize(("pinned", "minutes", "ends"), [
    # 02:30 summer time plus one hour is 02:30 winter time: same wall clock, 60 real minutes.
    (datetime(2026, 10, 25, 2, 30, fold=0, tzinfo=BERLIN), 60, "2026-10-25T02:30+01:00"),
    (datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BERLIN), 60, "2026-10-25T03:30+01:00"),
    (datetime(2026, 10, 25, 1, 45, tzinfo=BERLIN), 90, "2026-10-25T02:15+01:00"),
])
def test_a_pinned_item_across_the_clock_change_lasts_its_real_minutes(pinned, minutes, ends):
    (slot,) = compute_schedule(DST_START, [ItemInput("a", minutes, K.OTHER, pinned)])
    assert slot.ends_at - slot.starts_at == timedelta(minutes=minutes)
    assert local_iso(slot.ends_at) == ends

"""The pure rules of a group board: the time box, the dot limit, names, the top cards."""
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.boards import (BoardOverride, BoardPhase, VoteRefusal, compute_top_cards,
                               compute_work_phase, decide_board_time, decide_vote, first_name)

START = datetime(2026, 12, 3, 18, 30, tzinfo=UTC)
END = START + timedelta(minutes=40)
GRACE = timedelta(minutes=15)


@pytest.mark.parametrize("minutes, override, phase", [
    (-1, BoardOverride.AUTO, BoardPhase.NOT_YET),
    (0, BoardOverride.AUTO, BoardPhase.OPEN),
    (40, BoardOverride.AUTO, BoardPhase.OPEN),  # the work phase ended: grace
    (54, BoardOverride.AUTO, BoardPhase.OPEN),
    (55, BoardOverride.AUTO, BoardPhase.CLOSED),  # end plus grace: read-only
    (-30, BoardOverride.OPEN, BoardPhase.OPEN),  # opened by hand before the work phase
    (120, BoardOverride.OPEN, BoardPhase.OPEN),
    (10, BoardOverride.CLOSED, BoardPhase.CLOSED),  # closed by hand during it
])
def test_the_board_is_open_from_the_work_phase_to_its_end_plus_grace_unless_set_by_hand(
        minutes, override, phase):
    time = decide_board_time(START + timedelta(minutes=minutes), (START, END), GRACE, override)
    assert time.phase == phase
    assert time.writable is (phase == BoardPhase.OPEN)
    assert (time.opens_at, time.closes_at) == (START, END + GRACE)


def test_without_a_work_phase_in_the_agenda_the_board_opens_only_by_hand():
    assert decide_board_time(START, None, GRACE, BoardOverride.AUTO).phase == BoardPhase.NOT_YET
    assert decide_board_time(START, None, GRACE, BoardOverride.OPEN).phase == BoardPhase.OPEN


def test_the_work_phase_spans_every_breakout_item():
    second = (END + timedelta(minutes=10), END + timedelta(minutes=30))
    assert compute_work_phase([(START, END), second]) == (START, second[1])
    assert compute_work_phase([]) is None


@pytest.mark.parametrize("writable, voting, voted, used, refusal", [
    (True, True, False, 0, None),
    (True, True, False, 2, None),
    (True, True, False, 3, VoteRefusal.NO_DOTS_LEFT),
    (True, True, True, 1, VoteRefusal.ALREADY_VOTED),
    (True, False, False, 0, VoteRefusal.VOTING_CLOSED),
    (False, True, False, 0, VoteRefusal.BOARD_CLOSED),
])
def test_a_member_places_at_most_their_dots_and_one_per_card(writable, voting, voted, used,
                                                              refusal):
    assert decide_vote(writable=writable, voting_open=voting, already_voted=voted,
                       dots_used=used, dots_per_member=3) == refusal


@pytest.mark.parametrize("name, first", [("Ada Lovelace", "Ada"), ("  Grace  ", "Grace"),
                                         ("", "")])
def test_a_card_shows_the_first_name(name, first):
    assert first_name(name) == first


def test_top_cards_are_the_most_voted_ties_in_board_order_and_unvoted_ones_left_out():
    assert compute_top_cards({1: 2, 2: 5, 3: 2, 4: 0}, [1, 2, 3, 4], 5) == [2, 1, 3]
    assert compute_top_cards({1: 2, 2: 5, 3: 2}, [1, 2, 3], 2) == [2, 1]

"""The survey's rules, table-driven: who is asked, the window, answers, results."""
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.feedback import (AnswerProblem, Candidate, QuestionSpec, SurveyState,
                                 compute_results, compute_state, compute_trend_point,
                                 compute_window, decide_invitees, is_reminder_due,
                                 validate_answers)

END = datetime(2026, 3, 12, 19, 30, tzinfo=UTC)
WINDOW = compute_window(END, reminder_days=3, closes_days=14)


@pytest.mark.parametrize(("now", "state", "remind"), [
    (END - timedelta(seconds=1), SurveyState.NOT_YET, False),
    (END, SurveyState.OPEN, False),
    (END + timedelta(days=3) - timedelta(seconds=1), SurveyState.OPEN, False),
    (END + timedelta(days=3), SurveyState.OPEN, True),
    (END + timedelta(days=14) - timedelta(seconds=1), SurveyState.OPEN, True),
    (END + timedelta(days=14), SurveyState.CLOSED, False),
])
def test_the_survey_opens_at_the_end_reminds_after_three_days_and_closes_after_fourteen(
        now, state, remind):
    assert compute_state(WINDOW, now) == state
    assert is_reminder_due(WINDOW, now) is remind


def c(id_, *, seat=True, came=False, email=None, anonymised=False):
    return Candidate(id_, seat, came, email or f"p{id_}@example.org", anonymised)


@pytest.mark.parametrize(("candidates", "asked"), [
    # check-in used: only those who came, even without a confirmed seat (walk-ins with mail)
    ([c(1, came=True), c(2), c(3, seat=False, came=True)], [1, 3]),
    # check-in never used: every confirmed seat
    ([c(1), c(2), c(3, seat=False)], [1, 2]),
    # walk-ins without an address and anonymised people are never asked
    ([c(1, came=True, email="walk-in-7@walk-in.invalid"), c(2, came=True, anonymised=True),
      c(3, came=True)], [3]),
    ([], []),
])
def test_who_is_asked(candidates, asked):
    assert decide_invitees(candidates) == asked


QUESTIONS = [QuestionSpec(0, "scale", True), QuestionSpec(1, "single", False, ("yes", "no")),
             QuestionSpec(2, "multiple", False, ("a", "b", "c")), QuestionSpec(3, "text", False)]


@pytest.mark.parametrize(("raw", "values", "problems"), [
    ({0: ["5"], 1: ["no"], 2: ["c", "a"], 3: [" Mehr Pausen \r\n bitte "]},
     {0: "5", 1: "no", 2: "a\nc", 3: "Mehr Pausen \n bitte"}, {}),
    ({0: ["3"]}, {0: "3"}, {}),
    ({}, {}, {0: AnswerProblem.MISSING}),
    ({0: ["6"], 1: ["perhaps"], 2: ["a", "z"]}, {},
     {0: AnswerProblem.INVALID, 1: AnswerProblem.INVALID, 2: AnswerProblem.INVALID}),
    ({0: ["1", "2"]}, {}, {0: AnswerProblem.INVALID}),
    ({0: ["1"], 3: ["x" * 2001]}, {0: "1"}, {3: AnswerProblem.TOO_LONG}),
])
def test_answers_are_checked_against_the_questions(raw, values, problems):
    assert validate_answers(QUESTIONS, raw) == (values, problems)


def test_results_are_hidden_below_the_threshold_and_counted_above():
    answers = [{0: "5", 1: "yes", 2: "a\nb", 3: "Zeit"}, {0: "4", 1: "no", 2: "b"},
               {0: "3", 3: "anders"}]
    hidden = compute_results(QUESTIONS, answers[:2], invited=4, threshold=3)
    assert (hidden.responses, hidden.rate, hidden.shown, hidden.questions) == (2, 0.5, False, ())
    shown = compute_results(QUESTIONS, answers, invited=4, threshold=3)
    scale, single, multiple, text = shown.questions
    assert scale.counts == (("1", 0), ("2", 0), ("3", 1), ("4", 1), ("5", 1))
    assert scale.mean == 4.0 and scale.answered == 3
    assert single.counts == (("yes", 1), ("no", 1)) and single.answered == 2
    assert multiple.counts == (("a", 1), ("b", 2), ("c", 0))
    assert text.texts == ("anders", "Zeit") and text.mean is None


@pytest.mark.parametrize(("ratings", "responses", "invited", "mean", "rate"), [
    (["4", "5", "5", "4", "5"], 5, 10, 4.6, 0.5),
    (["5", "5"], 2, 2, None, 1.0),
    ([], 0, 0, None, None),
])
def test_the_trend_point_hides_the_rating_below_the_threshold(ratings, responses, invited,
                                                              mean, rate):
    point = compute_trend_point(7, ratings, responses, invited, threshold=5)
    assert (point.mean, point.rate) == (mean, rate)

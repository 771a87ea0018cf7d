"""Rules of the feedback survey: who is asked, when it opens, reminds and closes, what a
valid answer is, and the results (hidden below a threshold so no answer can be attributed)."""
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

SCALE = ("1", "2", "3", "4", "5")
TEXT_MAX = 2000  # characters of one free-text answer
WALK_IN_DOMAIN = "@walk-in.invalid"  # placeholder addresses of walk-ins without one


class SurveyState(StrEnum):
    NOT_YET = "not_yet"  # the edition has not ended
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class SurveyWindow:
    opens_at: datetime  # when the edition ends
    reminder_at: datetime
    closes_at: datetime


def compute_window(ends_at: datetime, reminder_days: int, closes_days: int) -> SurveyWindow:
    """The survey opens when the edition ends, reminds after `reminder_days`, closes after
    `closes_days`."""
    return SurveyWindow(ends_at, ends_at + timedelta(days=reminder_days),
                        ends_at + timedelta(days=closes_days))


def compute_state(window: SurveyWindow, now: datetime) -> SurveyState:
    if now < window.opens_at:
        return SurveyState.NOT_YET
    return SurveyState.OPEN if now < window.closes_at else SurveyState.CLOSED


@dataclass(frozen=True)
class Candidate:
    """A registration of an ended edition, as the invitation needs it."""

    id: int
    confirmed_seat: bool  # status confirmed with a seat
    checked_in: bool
    email: str
    anonymised: bool


def decide_invitees(candidates: Sequence[Candidate]) -> list[int]:
    """Who is asked: those checked in; if check-in was never used, every confirmed seat.

    Walk-ins without a real address and anonymised registrations are never asked.
    """
    check_in_used = any(c.checked_in for c in candidates)
    return [c.id for c in candidates
            if (c.checked_in if check_in_used else c.confirmed_seat)
            and not c.anonymised and c.email and not c.email.endswith(WALK_IN_DOMAIN)]


def is_reminder_due(window: SurveyWindow, now: datetime) -> bool:
    """The one reminder goes once `reminder_at` has passed and while the survey is open."""
    return window.reminder_at <= now < window.closes_at


# --- answers ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class QuestionSpec:
    id: int
    kind: str  # scale | single | multiple | text
    required: bool
    option_keys: tuple[str, ...] = ()


class AnswerProblem(StrEnum):
    MISSING = "missing"
    INVALID = "invalid"  # not one of the offered values
    TOO_LONG = "too_long"


def validate_answers(questions: Sequence[QuestionSpec], raw: Mapping[int, Sequence[str]]
                     ) -> tuple[dict[int, str], dict[int, AnswerProblem]]:
    """Turn the submitted values per question into stored values, or say what is wrong.

    Returns (values, problems); a skipped optional question has no value.
    """
    values: dict[int, str] = {}
    problems: dict[int, AnswerProblem] = {}
    for q in questions:
        given = [v.strip() for v in raw.get(q.id, ()) if v and v.strip()]
        if not given:
            if q.required:
                problems[q.id] = AnswerProblem.MISSING
            continue
        if q.kind == "text":
            text = given[0].replace("\r\n", "\n")
            if len(text) > TEXT_MAX:
                problems[q.id] = AnswerProblem.TOO_LONG
            else:
                values[q.id] = text
        elif q.kind == "multiple":
            if any(v not in q.option_keys for v in given):
                problems[q.id] = AnswerProblem.INVALID
            else:  # in the options' order, each once
                values[q.id] = "\n".join(k for k in q.option_keys if k in given)
        else:
            allowed = SCALE if q.kind == "scale" else q.option_keys
            if len(given) != 1 or given[0] not in allowed:
                problems[q.id] = AnswerProblem.INVALID
            else:
                values[q.id] = given[0]
    return values, problems


# --- results ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class QuestionResult:
    question_id: int
    kind: str
    answered: int  # responses that answered this question
    counts: tuple[tuple[str, int], ...]  # scale: "1".."5"; choices: option keys, in order
    mean: float | None  # scale only
    texts: tuple[str, ...]  # free text only, in a fixed, meaningless order


@dataclass(frozen=True)
class Results:
    responses: int
    invited: int
    rate: float | None  # responses / invited
    shown: bool  # False below the threshold: no figure, no text, no chart
    questions: tuple[QuestionResult, ...]


def compute_results(questions: Sequence[QuestionSpec], answers: Sequence[Mapping[int, str]],
                    invited: int, threshold: int) -> Results:
    """Aggregate the responses (each a mapping question id → stored value).

    Below `threshold` responses nothing but the count is returned: with very few answers
    a single person's could be recognised.
    """
    responses = len(answers)
    rate = responses / invited if invited else None
    if responses < threshold:
        return Results(responses, invited, rate, False, ())
    results = []
    for q in questions:
        values = [a[q.id] for a in answers if q.id in a]
        if q.kind == "text":
            # Sorted: the stored order says nothing, and neither may the shown order.
            results.append(QuestionResult(q.id, q.kind, len(values), (), None,
                                          tuple(sorted(values, key=str.casefold))))
            continue
        picked = Counter(k for v in values for k in v.split("\n")) if q.kind == "multiple" \
            else Counter(values)
        keys = SCALE if q.kind == "scale" else q.option_keys
        mean = (sum(int(v) for v in values) / len(values)) if q.kind == "scale" and values \
            else None
        results.append(QuestionResult(q.id, q.kind, len(values),
                                      tuple((k, picked.get(k, 0)) for k in keys), mean, ()))
    return Results(responses, invited, rate, True, tuple(results))


@dataclass(frozen=True)
class TrendPoint:
    """One edition in the series trend; `mean` is None while its results are hidden."""

    event_id: int
    responses: int
    invited: int
    rate: float | None
    mean: float | None


def compute_trend_point(event_id: int, ratings: Sequence[str], responses: int, invited: int,
                        threshold: int) -> TrendPoint:
    """The overall rating and response rate of one edition; the rating hidden below the
    threshold."""
    rate = responses / invited if invited else None
    mean = sum(int(r) for r in ratings) / len(ratings) \
        if ratings and responses >= threshold else None
    return TrendPoint(event_id, responses, invited, rate, mean)

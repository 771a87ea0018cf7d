"""The questions of a series and of an edition: the standard set, staff's own questions,
and copying them along with a duplicated edition. The lowest feedback module."""
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.domain import feedback as rules
from app.errors import Refusal, refuse
from app.extensions import db
from app.models import (Event, FeedbackQuestion, FeedbackResponse, QuestionKind, QuestionPurpose,
                        Series)

_YES_MAYBE_NO = [{"key": "yes", "de": "Ja", "en": "Yes"},
                 {"key": "maybe", "de": "Vielleicht", "en": "Maybe"},
                 {"key": "no", "de": "Nein", "en": "No"}]

# The standard set of a series until staff change it (issue 17).
STANDARD_QUESTIONS = (
    {"kind": QuestionKind.SCALE, "required": True, "purpose": QuestionPurpose.OVERALL,
     "text_de": "Wie war die Werkstatt insgesamt?", "text_en": "How was the workshop overall?"},
    {"kind": QuestionKind.SCALE, "required": False, "purpose": QuestionPurpose.NONE,
     "text_de": "Die Mischung der Teilnehmenden war …", "text_en": "The mix of participants was …"},
    {"kind": QuestionKind.SINGLE, "required": False, "purpose": QuestionPurpose.NONE,
     "text_de": "Ich würde wieder teilnehmen", "text_en": "I would take part again",
     "options": _YES_MAYBE_NO},
    {"kind": QuestionKind.TEXT, "required": False, "purpose": QuestionPurpose.NONE,
     "text_de": "Was sollen wir ändern?", "text_en": "What should we change?"},
    {"kind": QuestionKind.TEXT, "required": False, "purpose": QuestionPurpose.TOPICS,
     "text_de": "Welches Thema wünschen Sie sich für die nächste Werkstatt?",
     "text_en": "Which topic would you like for the next workshop?"},
)


class FeedbackError(Refusal):
    """The survey refused; `problems` name the questions (by index) that need a change."""

    def __init__(self, message, problems: dict[int, rules.AnswerProblem] | None = None):
        super().__init__(message)
        self.problems = problems or {}


# --- questions -------------------------------------------------------------------------------

def _copy(question, **owner) -> FeedbackQuestion:
    get = question.get if isinstance(question, dict) else lambda k, d=None: getattr(question, k)
    return FeedbackQuestion(position=get("position", 0), kind=get("kind"), required=get("required"),
                            text_de=get("text_de"), text_en=get("text_en"),
                            options=[dict(o) for o in (get("options", None) or [])],
                            purpose=get("purpose", QuestionPurpose.NONE), **owner)


def _own_questions(column, owner_id: int) -> list[FeedbackQuestion]:
    return list(db.session.scalars(sa.select(FeedbackQuestion).where(column == owner_id)
                                   .order_by(FeedbackQuestion.position, FeedbackQuestion.id)))


def series_questions(series: Series) -> list[FeedbackQuestion]:
    """The series' standard set; the built-in one (unsaved) while staff have not changed it."""
    own = _own_questions(FeedbackQuestion.series_id, series.id)
    return own or [_copy({**q, "position": i}) for i, q in enumerate(STANDARD_QUESTIONS)]


def questions_of(event: Event) -> list[FeedbackQuestion]:
    """The edition's questions; its series' set (unsaved) while the edition has none of its own."""
    return _own_questions(FeedbackQuestion.event_id, event.id) or series_questions(event.series)


def ensure_edition_questions(event: Event) -> list[FeedbackQuestion]:
    """Give the edition its own copy of the questions (caller commits); return them."""
    own = _own_questions(FeedbackQuestion.event_id, event.id)
    if own:
        return own
    # Two first answers (or two workers) at once must make one copy: lock the edition's row,
    # then look again (SQLite: the write transaction already began IMMEDIATE).
    db.session.execute(sa.select(Event.id).where(Event.id == event.id).with_for_update())
    own = _own_questions(FeedbackQuestion.event_id, event.id)
    if own:
        return own
    copies = [_copy(q, event_id=event.id) for q in series_questions(event.series)]
    db.session.add_all(copies)
    db.session.flush()
    return copies


def copy_questions(source: Event, target: Event) -> None:
    """Duplicating an edition copies its questions (caller commits)."""
    questions = questions_of(source)
    db.session.add(target)
    db.session.flush()  # the copy's id
    db.session.add_all([_copy(q, event_id=target.id) for q in questions])


def has_own_questions(event: Event) -> bool:
    return bool(_own_questions(FeedbackQuestion.event_id, event.id))


@dataclass(frozen=True)
class QuestionData:
    text_de: str
    text_en: str
    kind: QuestionKind
    options: list[dict]
    required: bool
    position: int | None


def _refuse_once_answered(event: Event) -> None:
    if has_responses(event):
        refuse(FeedbackError(_l("Es gibt schon Antworten: Die Fragen lassen sich nicht mehr "
                                "ändern, sonst passen Antworten und Fragen nicht mehr "
                                "zusammen.")))


def _apply(question: FeedbackQuestion, data: QuestionData) -> None:
    question.text_de, question.text_en = data.text_de, data.text_en
    question.kind, question.required = data.kind, data.required
    question.options = data.options if data.kind in (QuestionKind.SINGLE,
                                                     QuestionKind.MULTIPLE) else []
    if data.position is not None:
        question.position = data.position
    if question.purpose == QuestionPurpose.OVERALL and data.kind != QuestionKind.SCALE:
        question.purpose = QuestionPurpose.NONE  # the headline rating needs a scale


def customise_questions(event: Event) -> None:
    """Give the edition its own copy of the series' questions, to change; commit."""
    ensure_edition_questions(event)
    db.session.commit()


def make_series_standard(event: Event) -> int:
    """The edition's questions become its series' standard set (for editions that have none
    of their own yet, and for the next ones); commit; return how many."""
    db.session.execute(sa.delete(FeedbackQuestion)
                       .where(FeedbackQuestion.series_id == event.series_id))
    questions = [_copy(q, series_id=event.series_id) for q in questions_of(event)]
    db.session.add_all(questions)
    db.session.commit()
    return len(questions)


def add_question(event: Event, data: QuestionData) -> FeedbackQuestion:
    _refuse_once_answered(event)
    questions = ensure_edition_questions(event)
    question = FeedbackQuestion(event_id=event.id, position=len(questions),
                                purpose=QuestionPurpose.NONE)
    _apply(question, data)
    db.session.add(question)
    db.session.commit()
    return question


def change_question(event: Event, question: FeedbackQuestion, data: QuestionData) -> None:
    _refuse_once_answered(event)
    _apply(question, data)
    db.session.commit()


def delete_question(event: Event, question: FeedbackQuestion) -> None:
    _refuse_once_answered(event)
    db.session.delete(question)
    db.session.commit()


def has_responses(event: Event) -> bool:
    return bool(db.session.scalar(sa.select(sa.func.count()).select_from(FeedbackResponse)
                                  .where(FeedbackResponse.event_id == event.id)))


def question_spec(index: int, q: FeedbackQuestion) -> rules.QuestionSpec:
    """The domain's view of one question (its number, kind, whether required, option keys)."""
    return rules.QuestionSpec(index, q.kind.value, q.required,
                              tuple(o["key"] for o in q.options or ()))

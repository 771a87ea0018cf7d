"""Feedback use cases: answering, the survey mails, results. The questions are in
feedback.questions; callers import those from there.

Anonymity is kept here by what is written: an answer is a FeedbackResponse (random id,
edition, day) with its values; the registration only gets `feedback_answered = True`;
the audit log gets "someone answered" for the edition, dated to the day, without a user or
a registration. No mail is queued when someone answers.
"""
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask import abort, current_app, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.audit import audit
from app.domain import feedback as rules
from app.errors import refuse
from app.extensions import db
from app.feedback.questions import (FeedbackError, ensure_edition_questions, question_spec,
                                    questions_of)
from app.mail.outbox import queue_mail
from app.models import (Event, EventStatus, FeedbackAnswer, FeedbackQuestion, FeedbackResponse,
                        Participant, Place, QuestionKind, QuestionPurpose, Registration,
                        RegistrationStatus, utcnow)
from app.registration.links import hash_token
from app.spreadsheet import csv_text

FEEDBACK_LINK_SALT = "feedback-link"


# --- the survey window and the link ---------------------------------------------------------

def window_of(event: Event) -> rules.SurveyWindow:
    config = current_app.config
    return rules.compute_window(event.ends_at, config["FEEDBACK_REMINDER_DAYS"],
                                config["FEEDBACK_CLOSES_DAYS"])


def state_of(event: Event, now: datetime | None = None) -> rules.SurveyState:
    if event.status != EventStatus.PUBLISHED:
        return rules.SurveyState.CLOSED if event.status == EventStatus.CANCELLED \
            else rules.SurveyState.NOT_YET
    return rules.compute_state(window_of(event), now or utcnow())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=FEEDBACK_LINK_SALT)


def feedback_token(registration: Registration) -> str:
    """A link for the survey only; it dies with the personal link (new link, erasure)."""
    return _serializer().dumps([registration.id, registration.token_hash[:16]])


def feedback_url(registration: Registration) -> str:
    return url_for("feedback.survey", token=feedback_token(registration),
                   lang=registration.language, _external=True)


def registration_for_token(token: str) -> Registration:
    """The registration of a personal link or of a survey link; 404 for anything else."""
    if not (20 <= len(token) <= 200):
        abort(404)
    registration = db.session.scalar(
        sa.select(Registration).where(Registration.token_hash == hash_token(token)))
    if registration is None:
        max_age = (current_app.config["FEEDBACK_CLOSES_DAYS"] + 30) * 86400
        try:
            registration_id, fingerprint = _serializer().loads(token, max_age=max_age)
            registration = db.session.get(Registration, int(registration_id))
        except (BadSignature, ValueError, TypeError):
            abort(404)
        if registration is None or registration.token_hash[:16] != fingerprint:
            abort(404)
    if registration.anonymised_at is not None:
        abort(404)
    return registration


# --- answering --------------------------------------------------------------------------------

@dataclass(frozen=True)
class SurveyPage:
    registration: Registration
    event: Event
    state: rules.SurveyState
    answered: bool
    may_answer: bool  # asked (or attended) and the survey is open
    questions: list[FeedbackQuestion]


def _may_answer(registration: Registration) -> bool:
    """Who may answer: whoever was invited, or could have been (a seat, confirmed)."""
    return registration.feedback_invited or (
        registration.status == RegistrationStatus.CONFIRMED and
        (registration.place == Place.SEAT or registration.checked_in_at is not None))


def survey_page(registration: Registration, now: datetime | None = None) -> SurveyPage:
    event = registration.event
    state = state_of(event, now)
    return SurveyPage(registration, event, state, registration.feedback_answered,
                      state == rules.SurveyState.OPEN and _may_answer(registration)
                      and not registration.feedback_answered, questions_of(event))


def _lock_registration(registration_id: int) -> Registration:
    """Load the registration and lock its row for the transaction (PostgreSQL: FOR UPDATE;
    SQLite: the POST's transaction began IMMEDIATE). Only the control test turns it off."""
    query = sa.select(Registration).where(Registration.id == registration_id) \
        .execution_options(populate_existing=True)
    if current_app.config.get("REGISTRATION_LOCKING", True):
        query = query.with_for_update()
    return db.session.scalar(query)


def _refusal(registration: Registration, state: rules.SurveyState) -> FeedbackError | None:
    if state == rules.SurveyState.CLOSED:
        return FeedbackError(_l("Die Umfrage ist geschlossen. Vielen Dank für Ihr Interesse!"))
    if state == rules.SurveyState.NOT_YET or not _may_answer(registration):
        return FeedbackError(_l("Die Umfrage ist für Sie nicht geöffnet."))
    if registration.feedback_answered:
        return FeedbackError(_l("Sie haben schon geantwortet. Vielen Dank!"))
    return None


def submit_answers(registration_id: int, raw: dict[int, list[str]],
                   now: datetime | None = None) -> None:
    """Store one anonymous response for this registration, at most once.

    Two transactions on purpose: first the registration is marked "answered" under its row
    lock (that is what makes it one answer per link), then the response is stored. Written in
    one transaction, the two rows would carry the same transaction id (PostgreSQL's `xmin`),
    a link between answer and person that no column shows. Should storing the response fail,
    the mark is taken back, so the person can try again.
    """
    now = now or utcnow()
    registration = db.session.get(Registration, registration_id)
    event = registration.event
    if (refused := _refusal(registration, state_of(event, now))) is not None:
        refuse(refused)
    questions = ensure_edition_questions(event)
    values, problems = rules.validate_answers(
        [question_spec(i, q) for i, q in enumerate(questions)], raw)
    if problems:
        refuse(FeedbackError(_l("Bitte prüfen Sie die markierten Fragen."), problems))
    question_ids = [q.id for q in questions]
    db.session.commit()  # the edition's own copy of the questions, if it was just made

    registration = _lock_registration(registration_id)
    if (refused := _refusal(registration, state_of(registration.event, now))) is not None:
        refuse(refused)
    registration.feedback_answered = True
    db.session.commit()

    try:
        db.session.add(FeedbackResponse(event_id=event.id, answered_on=now.date(), answers=[
            FeedbackAnswer(question_id=question_ids[i], value=value)
            for i, value in values.items()]))
        # Only that someone answered: no user, no registration, the day and not the time.
        audit("feedback.answered", None, event_id=event.id,
              at=datetime.combine(now.date(), time(), tzinfo=UTC))
        db.session.commit()
    except Exception:
        db.session.rollback()
        db.session.execute(sa.update(Registration).where(Registration.id == registration_id)
                           .values(feedback_answered=False))
        db.session.commit()
        raise


# --- the mails ------------------------------------------------------------------------------

SUBJECTS = {
    "feedback_invite": _l("Wie war es? Ihre Meinung zu „%(title)s“"),
    "feedback_reminder": _l("Erinnerung: Ihre Meinung zu „%(title)s“"),
}


def _queue(kind: str, registration: Registration, closes_on: date) -> None:
    with force_locale(registration.language):
        subject = str(SUBJECTS[kind]) % {"title": registration.event.title}
    queue_mail(kind, registration.participant.email, registration.language, subject,
               {"event": registration.event, "person": registration.participant,
                "feedback_link": feedback_url(registration), "closes_on": closes_on,
                "link": None}, registration=registration)


def send_feedback_mails(now: datetime) -> dict:
    """Invite the attendees of editions that ended; remind once; nothing after closing."""
    closes_days = current_app.config["FEEDBACK_CLOSES_DAYS"]
    # The query only narrows the editions down; whether a survey is open decides state_of.
    events = list(db.session.scalars(
        sa.select(Event).where(Event.status == EventStatus.PUBLISHED, Event.ends_at <= now,
                               Event.ends_at > now - timedelta(days=closes_days))
        .order_by(Event.ends_at)))
    invited = reminded = 0
    for event in events:
        if state_of(event, now) != rules.SurveyState.OPEN:
            continue
        window = window_of(event)
        rows = list(db.session.execute(
            sa.select(Registration, Participant.email)
            .join(Participant, Participant.id == Registration.participant_id)
            .where(Registration.event_id == event.id)
            .with_for_update(of=Registration, skip_locked=True)))
        candidates = [rules.Candidate(
            r.id, r.status == RegistrationStatus.CONFIRMED and r.place == Place.SEAT,
            r.checked_in_at is not None, email, r.anonymised_at is not None) for r, email in rows]
        asked = set(rules.decide_invitees(candidates))
        registrations = [r for r, _email in rows]
        closes_on = window.closes_at.date()
        to_invite = [r for r in registrations
                     if r.id in asked and not r.feedback_invited and not r.feedback_answered]
        if to_invite:
            ensure_edition_questions(event)
        for registration in to_invite:
            _queue("feedback_invite", registration, closes_on)
            registration.feedback_invited = True
        invited += len(to_invite)
        if rules.is_reminder_due(window, now):
            for registration in registrations:
                if registration.feedback_invited and not registration.feedback_answered \
                        and not registration.feedback_reminded \
                        and registration.anonymised_at is None and registration not in to_invite:
                    _queue("feedback_reminder", registration, closes_on)
                    registration.feedback_reminded = True
                    reminded += 1
        db.session.commit()
        _restamp(event.id)
    return {"invited": invited, "reminded": reminded}


def _restamp(event_id: int) -> None:
    """Rewrite the edition's responses, then its "answered" marks, each set in one statement.

    On PostgreSQL every row remembers the transaction that wrote it (`xmin`), and the
    transaction ids of one answer's mark and response follow each other. Rewritten together,
    all responses share one id and all marks another, and that order is gone.
    """
    if db.engine.dialect.name != "postgresql":
        return  # SQLite keeps no such id per row
    db.session.execute(sa.update(FeedbackResponse).where(FeedbackResponse.event_id == event_id)
                       .values(answered_on=FeedbackResponse.answered_on))
    db.session.commit()
    db.session.execute(sa.update(Registration).where(Registration.event_id == event_id,
                                                     Registration.feedback_answered.is_(True))
                       .values(feedback_answered=True))
    db.session.commit()


# --- results --------------------------------------------------------------------------------

@dataclass(frozen=True)
class EditionResults:
    event: Event
    questions: list[FeedbackQuestion]
    results: rules.Results
    threshold: int
    state: rules.SurveyState


def _answers_of(event_id: int) -> list[dict[int, str]]:
    """Every response of the edition as {question id: value}, in one query."""
    by_response: dict = {}
    for response_id, question_id, value in db.session.execute(
            sa.select(FeedbackAnswer.response_id, FeedbackAnswer.question_id, FeedbackAnswer.value)
            .join(FeedbackResponse, FeedbackResponse.id == FeedbackAnswer.response_id)
            .where(FeedbackResponse.event_id == event_id)):
        by_response.setdefault(response_id, {})[question_id] = value
    # A response that skipped every optional question still counts.
    for response_id in db.session.scalars(sa.select(FeedbackResponse.id)
                                          .where(FeedbackResponse.event_id == event_id)):
        by_response.setdefault(response_id, {})
    return list(by_response.values())


def invited_count(event_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Registration).where(
        Registration.event_id == event_id, Registration.feedback_invited.is_(True))) or 0


def edition_results(event: Event, now: datetime | None = None) -> EditionResults:
    questions = questions_of(event)
    threshold = current_app.config["FEEDBACK_MIN_ANSWERS"]
    specs = [rules.QuestionSpec(q.id or -i, q.kind.value, q.required,
                                tuple(o["key"] for o in q.options or ()))
             for i, q in enumerate(questions, start=1)]
    results = rules.compute_results(specs, _answers_of(event.id), invited_count(event.id),
                                    threshold)
    return EditionResults(event, questions, results, threshold, state_of(event, now))


def results_csv(results: EditionResults, language: str) -> str:
    """The results as CSV for Excel (BOM, `;`, formula-safe): one row per value and count,
    and each free text as written. Nothing below the threshold."""
    with force_locale(language):
        rows = [[str(_l("Frage")), str(_l("Antwort")), str(_l("Anzahl"))]]
        if results.results.shown:
            for q, r in zip(results.questions, results.results.questions, strict=True):
                for key, count in r.counts:
                    label = key if q.kind == QuestionKind.SCALE else q.option_label(key, language)
                    rows.append([q.text(language), label, count])
                for text in r.texts:
                    rows.append([q.text(language), text, 1])
    return csv_text(rows)


def overall_question(questions: list[FeedbackQuestion]) -> FeedbackQuestion | None:
    return next((q for q in questions if q.purpose == QuestionPurpose.OVERALL
                 and q.kind == QuestionKind.SCALE), None)


@dataclass(frozen=True)
class Headline:
    responses: int
    invited: int
    mean: float | None  # the overall rating, None while hidden or not asked


def headline(event: Event) -> Headline | None:
    """"27 of 30 answered; overall 4.6 of 5" — None while results are hidden."""
    found = edition_results(event)
    if not found.results.shown:
        return None
    overall = overall_question(found.questions)
    mean = None
    if overall is not None:
        mean = next(r.mean for r in found.results.questions if r.question_id == overall.id)
    return Headline(found.results.responses, found.results.invited, mean)


def series_trend(events: list[Event]) -> list[rules.TrendPoint]:
    """Overall rating and response rate per edition, in a fixed number of queries."""
    ids = [e.id for e in events]
    if not ids:
        return []
    threshold = current_app.config["FEEDBACK_MIN_ANSWERS"]
    responses = dict(db.session.execute(
        sa.select(FeedbackResponse.event_id, sa.func.count())
        .where(FeedbackResponse.event_id.in_(ids)).group_by(FeedbackResponse.event_id)).all())
    invited = dict(db.session.execute(
        sa.select(Registration.event_id, sa.func.count())
        .where(Registration.event_id.in_(ids), Registration.feedback_invited.is_(True))
        .group_by(Registration.event_id)).all())
    ratings: dict[int, list[str]] = {}
    for event_id, value in db.session.execute(
            sa.select(FeedbackResponse.event_id, FeedbackAnswer.value)
            .join(FeedbackAnswer, FeedbackAnswer.response_id == FeedbackResponse.id)
            .join(FeedbackQuestion, FeedbackQuestion.id == FeedbackAnswer.question_id)
            .where(FeedbackResponse.event_id.in_(ids),
                   FeedbackQuestion.purpose == QuestionPurpose.OVERALL,
                   FeedbackQuestion.kind == QuestionKind.SCALE)):
        ratings.setdefault(event_id, []).append(value)
    return [rules.compute_trend_point(e.id, ratings.get(e.id, []), responses.get(e.id, 0),
                                      invited.get(e.id, 0), threshold) for e in events]


def topics_for_next_time(event: Event) -> list[str]:
    """Answers to the topic question of this edition, shown while planning the next one;
    nothing below the threshold."""
    found = edition_results(event)
    if not found.results.shown:
        return []
    return [text for q, r in zip(found.questions, found.results.questions, strict=True)
            if q.purpose == QuestionPurpose.TOPICS for text in r.texts]


@dataclass(frozen=True)
class PlanningTopics:
    source: Event  # the edition whose survey they come from
    topics: list[str]


def planning_topics(event: Event) -> PlanningTopics | None:
    """What people asked for, where staff plan the next edition: the topic answers of this
    edition's survey, else of the edition before it in the series."""
    earlier = db.session.scalar(
        sa.select(Event).where(Event.series_id == event.series_id, Event.number < event.number,
                               Event.status == EventStatus.PUBLISHED)
        .order_by(Event.number.desc()).limit(1))
    for source in (event, earlier):
        if source is not None and (topics := topics_for_next_time(source)):
            return PlanningTopics(source, topics)
    return None

"""One answer per survey link, whatever the concurrency (issue 17).

Twenty parallel submits of the same link at a real gunicorn with four worker processes
store exactly one response. The control turns REGISTRATION_LOCKING off (the row lock on
the registration) and shows that then the race does happen, so the real test can fail.
"""
import uuid
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import FeedbackQuestion, FeedbackResponse, Registration, utcnow
from tests.factories import make_event, make_registration, make_series
from tests.live.races import CSRF_RE, one_session, rounds_until_race
from tests.live.test_concurrency import all_at_once, post

SUBMITS = 20
ROUNDS = 3
CONTROL_ROUNDS = 8


def ended_edition_with_link(app) -> tuple[int, str]:
    """A published edition that ended an hour ago and one attendee's personal-link token."""
    with app.app_context():
        series = make_series(slug=f"live-fb-{uuid.uuid4().hex[:12]}")
        ends_at = utcnow().replace(microsecond=0) - timedelta(hours=1)
        event = make_event(series, starts_at=ends_at - timedelta(minutes=90))
        registration, token = make_registration(event, checked_in=True)
        ids = event.id, token
        db.session.remove()
    return ids


def responses(app, event_id: int) -> int:
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(FeedbackResponse)
                                  .where(FeedbackResponse.event_id == event_id))
        answered = db.session.scalar(sa.select(Registration.feedback_answered)
                                     .where(Registration.event_id == event_id))
        db.session.remove()
    assert answered is True
    return count


def submit_at_once(server, token: str) -> list:
    """One session (cookie, CSRF token) posting the same answers on SUBMITS connections."""
    url = f"/r/{token}/feedback"
    with one_session(server, url, SUBMITS) as (csrf, clients):
        form = {"csrf_token": csrf, "q0": "4", "q1": "5", "q2": "yes", "q3": "Gern wieder",
                "q4": ""}
        return all_at_once(clients, lambda c: post(c, url, form), threads=SUBMITS)


def test_twenty_parallel_submits_of_one_link_store_one_answer(
        live_postgres_url, gunicorn_server, data_app, timings):
    app = data_app(live_postgres_url)
    server = gunicorn_server(live_postgres_url, workers=4)
    for round_no in range(1, ROUNDS + 1):
        event_id, token = ended_edition_with_link(app)
        answers = submit_at_once(server, token)
        statuses = sorted(a.status for a in answers)
        timings(f"feedback round {round_no}: statuses {statuses}")
        assert statuses == [303] + [409] * (SUBMITS - 1)
        assert responses(app, event_id) == 1


def test_twenty_people_answering_first_at_once_make_one_copy_of_the_questions(
        live_postgres_url, gunicorn_server, data_app, timings):
    """The edition gets its own copy of the questions with the first answer: once only."""
    app = data_app(live_postgres_url)
    server = gunicorn_server(live_postgres_url, workers=4)
    with app.app_context():
        series = make_series(slug=f"live-fb-{uuid.uuid4().hex[:12]}")
        ends_at = utcnow().replace(microsecond=0) - timedelta(hours=1)
        event = make_event(series, starts_at=ends_at - timedelta(minutes=90))
        event_id = event.id
        tokens = [make_registration(event, checked_in=True)[1] for _ in range(SUBMITS)]
        db.session.remove()
    visitors = []
    for token in tokens:
        client = server.client()
        page = client.get(f"/r/{token}/feedback")
        visitors.append((client, f"/r/{token}/feedback", {
            "csrf_token": CSRF_RE.search(page.text).group(1), "q0": "5", "q1": "3"}))
    try:
        answers = all_at_once(visitors, lambda v: post(v[0], v[1], v[2]), threads=SUBMITS)
    finally:
        for client, _url, _form in visitors:
            client.close()
    timings(f"feedback first answers at once: statuses {sorted(a.status for a in answers)}")
    assert [a.status for a in answers] == [303] * SUBMITS
    with app.app_context():
        questions = db.session.scalar(sa.select(sa.func.count()).select_from(FeedbackQuestion)
                                      .where(FeedbackQuestion.event_id == event_id))
        stored = db.session.scalar(sa.select(sa.func.count()).select_from(FeedbackResponse)
                                   .where(FeedbackResponse.event_id == event_id))
        db.session.remove()
    assert (questions, stored) == (5, SUBMITS)


def test_control_without_the_lock_one_link_stores_several_answers(
        live_postgres_url, gunicorn_server, data_app, timings):
    """Proves the test above can fail: without the row lock the submits race."""
    app = data_app(live_postgres_url)
    server = gunicorn_server(live_postgres_url, workers=4, locking=False)

    def one_round(_round_no: int) -> int:
        event_id, token = ended_edition_with_link(app)
        submit_at_once(server, token)
        return responses(app, event_id)

    stored = rounds_until_race(CONTROL_ROUNDS, one_round, lambda answers: answers > 1)
    timings(f"feedback control (no lock): responses per round {stored}")
    assert max(stored) > 1, f"no double answer in {len(stored)} rounds without the lock"

"""Capacity is never exceeded, whatever the concurrency (DESIGN §3, issue 4).

Each test fires real parallel HTTP requests at a real gunicorn with four worker
processes (tests/live/conftest.py) and then checks the database. A control
test turns the lock off and shows the race does happen, so the real test can fail.
Every visitor has its own cookie session, CSRF token and form nonce, as people do.
"""
import re
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
import sqlalchemy as sa

from app.domain.capacity import Holder, compute_waitlist_position
from app.events.services import seat_counts
from app.extensions import db
from app.models import (ACTIVE_STATUSES, Event, OutboxMessage, Participant, Place, Registration,
                        RegistrationStatus, utcnow)
from tests.factories import make_event, make_series
from tests.live.races import CSRF_RE, rounds_until_race

PEOPLE = 200
SEATS = 20
THREADS = 50
PG_ROUNDS = 3
CONTROL_ROUNDS = 5

NONCE_RE = re.compile(r'name="nonce"[^>]*value="([^"]+)"')
LINK_RE = re.compile(r"/r/([A-Za-z0-9_-]{20,100})")


# --- visitors ------------------------------------------------------------------------------

@dataclass
class Visitor:
    """One person in a browser: a cookie session and the form they were given."""

    client: httpx.Client
    form: dict = field(default_factory=dict)


def open_form(server, slug: str, email: str) -> Visitor:
    """GET the registration form (new session, CSRF token, nonce) and fill it in."""
    client = server.client()
    page = client.get(f"/events/{slug}/register")
    assert page.status_code == 200, page.text[:500]
    return Visitor(client, {
        "csrf_token": CSRF_RE.search(page.text).group(1),
        "nonce": NONCE_RE.search(page.text).group(1),
        "name": f"Person {email.split('@')[0]}", "email": email,
        "organisation": "Verein für Beteiligung e. V.", "sector": "civil_society",
        "privacy_acknowledged": "y",
    })


@dataclass(frozen=True)
class Answer:
    status: int
    location: str
    worker_pid: str
    seconds: float


def post(client: httpx.Client, url: str, data: dict) -> Answer:
    started = time.perf_counter()
    response = client.post(url, data=data)
    return Answer(response.status_code, response.headers.get("location", ""),
                  response.headers.get("x-worker-pid", ""), time.perf_counter() - started)


def all_at_once(jobs: list, run, threads: int = THREADS) -> list:
    """Run run(job) for every job on `threads` threads that start together behind a barrier.

    Each thread takes every threads-th job, so all threads post from the first moment.
    """
    threads = min(threads, len(jobs))
    barrier = threading.Barrier(threads)
    results: list = [None] * len(jobs)

    def worker(offset: int):
        barrier.wait(timeout=120)
        for index in range(offset, len(jobs), threads):
            results[index] = run(jobs[index])

    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(worker, offset) for offset in range(threads)]:
            future.result()
    return results


def rush(server, slug: str, people: int = PEOPLE) -> tuple[list[Answer], float, float]:
    """`people` visitors open the form, then all post it at once. Returns answers and timings."""
    tag = uuid.uuid4().hex[:8]
    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        visitors = list(pool.map(lambda i: open_form(server, slug, f"p{i}-{tag}@example.org"),
                                 range(people)))
    forms_done = time.perf_counter()
    try:
        answers = all_at_once(visitors, lambda v: post(v.client, f"/events/{slug}/register",
                                                       v.form))
    finally:
        for visitor in visitors:
            visitor.client.close()
    return answers, forms_done - started, time.perf_counter() - forms_done


def describe(answers: list[Answer]) -> str:
    latencies = sorted(a.seconds for a in answers)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    return (f"statuses {dict(Counter(a.status for a in answers))}, "
            f"{len({a.worker_pid for a in answers})} workers, "
            f"p50 {latencies[len(latencies) // 2] * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")


def assert_all_sent(answers: list[Answer], slug: str) -> None:
    """Every post got the neutral 303 to the 'sent' page: no 5xx, nothing refused."""
    assert Counter(a.status for a in answers) == {303: len(answers)}
    assert all(a.location.endswith(f"/events/{slug}/register/sent") for a in answers)


# --- the database, read from the test process ----------------------------------------------

def new_edition(app, capacity: int):
    """A published edition starting in ~30 days, registration open (no window set)."""
    with app.app_context():
        series = make_series(slug=f"live-{uuid.uuid4().hex[:12]}")
        event = make_event(series, capacity=capacity, starts_at=utcnow().replace(microsecond=0)
                           + timedelta(days=30))
        ids = event.id, event.slug
        db.session.remove()
    return ids


def places(app, event_id: int) -> Counter:
    """Active registrations per place: Counter({'seat': n, 'waitlist': m})."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(Registration.place, sa.func.count())
            .where(Registration.event_id == event_id, Registration.status.in_(ACTIVE_STATUSES))
            .group_by(Registration.place)).all()
        db.session.remove()
    return Counter({place.value: n for place, n in rows})


def assert_invariants(app, event_id: int) -> None:
    """Seats taken ≤ capacity; the waiting list in FIFO order (waitlisted_at, id) is 1..N."""
    with app.app_context():
        try:
            event_capacity = db.session.scalar(sa.text(
                "SELECT capacity FROM events WHERE id = :id"), {"id": event_id})
            count = seat_counts([db.session.get(Event, event_id)])[event_id]
            taken, waiting = count.taken, count.waiting
            assert taken <= event_capacity, f"{taken} seats taken of {event_capacity}"

            fifo = db.session.execute(
                sa.select(Registration.id, Registration.waitlisted_at)
                .where(Registration.event_id == event_id, Registration.place == Place.WAITLIST,
                       Registration.status.in_(ACTIVE_STATUSES))
                .order_by(Registration.waitlisted_at, Registration.id)).all()
            assert all(row.waitlisted_at is not None for row in fifo), "waiting without a time"
            assert len(fifo) == waiting
            holders = [Holder(id=r.id, place=r.place.value,
                              confirmed=r.status == RegistrationStatus.CONFIRMED,
                              hold_expires_at=r.hold_expires_at, waitlisted_at=r.waitlisted_at)
                       for r in db.session.scalars(sa.select(Registration).where(
                           Registration.event_id == event_id,
                           Registration.status.in_(ACTIVE_STATUSES)))]
            now = utcnow()
            positions = [compute_waitlist_position(holders, row.id, now) for row in fifo]
            assert positions == list(range(1, len(fifo) + 1))

            # The database's last line of defence held too: one active registration per person.
            per_person = db.session.execute(
                sa.select(Registration.participant_id, sa.func.count())
                .where(Registration.event_id == event_id, Registration.status.in_(ACTIVE_STATUSES))
                .group_by(Registration.participant_id).having(sa.func.count() > 1)).all()
            assert per_person == []
        finally:
            db.session.remove()


def assert_one_opt_in_mail_each(app, event_id: int) -> None:
    """No mail lost, none doubled: every registration queued exactly one opt-in mail."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(Registration.id, sa.func.count(OutboxMessage.id))
            .outerjoin(OutboxMessage, sa.and_(OutboxMessage.registration_id == Registration.id,
                                              OutboxMessage.kind == "opt_in"))
            .where(Registration.event_id == event_id).group_by(Registration.id)).all()
        db.session.remove()
    assert {n for _, n in rows} == {1}


def check_rush_round(app, server, round_no: int, timings, backend: str) -> None:
    event_id, slug = new_edition(app, SEATS)
    answers, forms_s, posts_s = rush(server, slug)
    counts = places(app, event_id)
    timings(f"{backend} rush round {round_no}: {PEOPLE} forms in {forms_s:.1f}s, "
            f"{PEOPLE} posts in {posts_s:.1f}s; {describe(answers)}; {dict(counts)}")
    assert_all_sent(answers, slug)
    assert len({a.worker_pid for a in answers}) > 1, "one worker served the whole rush"
    assert counts == {"seat": SEATS, "waitlist": PEOPLE - SEATS}
    assert_invariants(app, event_id)
    assert_one_opt_in_mail_each(app, event_id)


# --- the tests -----------------------------------------------------------------------------

def test_a_registration_rush_fills_exactly_the_seats_on_postgresql(
        live_postgres_url, gunicorn_server, data_app, timings):
    app = data_app(live_postgres_url)
    server = gunicorn_server(live_postgres_url, workers=4)
    for round_no in range(1, PG_ROUNDS + 1):
        check_rush_round(app, server, round_no, timings, "postgresql")


def test_simultaneous_cancellations_promote_the_first_waiting_people_once_each(
        live_postgres_url, gunicorn_server, data_app, timings):
    app = data_app(live_postgres_url)
    server = gunicorn_server(live_postgres_url, workers=4)
    started = time.perf_counter()
    seats, waiting = 5, 8  # three more than the seats that free up: the order matters
    event_id, slug = new_edition(app, seats)
    tag = uuid.uuid4().hex[:8]

    # One after the other, so the waiting list has a known order.
    for i in range(seats + waiting):
        visitor = open_form(server, slug, f"c{i}-{tag}@example.org")
        with closing(visitor.client):
            assert post(visitor.client, f"/events/{slug}/register", visitor.form).status == 303

    with app.app_context():
        registrations = db.session.execute(
            sa.select(Registration.id, Registration.place, OutboxMessage.body_text)
            .join(OutboxMessage, sa.and_(OutboxMessage.registration_id == Registration.id,
                                         OutboxMessage.kind == "opt_in"))
            .where(Registration.event_id == event_id)
            .order_by(Registration.waitlisted_at, Registration.id)).all()
        db.session.remove()
    token = {r.id: LINK_RE.search(r.body_text).group(1) for r in registrations}
    holders = [r.id for r in registrations if r.place == Place.SEAT]
    queue = [r.id for r in registrations if r.place == Place.WAITLIST]  # FIFO order
    assert (len(holders), len(queue)) == (seats, waiting)

    def personal_page(registration_id: int, path: str = "") -> tuple[httpx.Client, str]:
        client = server.client()
        page = client.get(f"/r/{token[registration_id]}{path}")
        assert page.status_code == 200
        return client, CSRF_RE.search(page.text).group(1)

    # The double opt-in, through the personal pages: everybody confirms, in order.
    for registration_id in holders + queue:
        client, csrf = personal_page(registration_id)
        with closing(client):
            answer = post(client, f"/r/{token[registration_id]}/confirm", {"csrf_token": csrf})
            assert answer.status == 303
    with app.app_context():
        statuses = set(db.session.scalars(sa.select(Registration.status)
                                          .where(Registration.event_id == event_id)))
        db.session.remove()
    assert statuses == {RegistrationStatus.CONFIRMED}

    # Every seat holder cancels at the same moment.
    # Cancelling asks first: each opens the question page, then all press "Ja, abmelden".
    pages = [(registration_id, *personal_page(registration_id, "/cancel"))
             for registration_id in holders]
    cancel_started = time.perf_counter()
    answers = all_at_once(pages, lambda p: post(p[1], f"/r/{token[p[0]]}/cancel",
                                                 {"csrf_token": p[2]}))
    cancel_s = time.perf_counter() - cancel_started
    for _, client, _ in pages:
        client.close()
    assert [a.status for a in answers] == [303] * seats

    with app.app_context():
        now = {r.id: r for r in db.session.scalars(
            sa.select(Registration).where(Registration.event_id == event_id))}
        promoted_mails = Counter(db.session.scalars(
            sa.select(OutboxMessage.registration_id).where(
                OutboxMessage.kind == "promoted",
                OutboxMessage.registration_id.in_(list(now)))))
        cancelled_mails = Counter(db.session.scalars(
            sa.select(OutboxMessage.registration_id).where(
                OutboxMessage.kind == "cancelled",
                OutboxMessage.registration_id.in_(list(now)))))
        count = seat_counts([db.session.get(Event, event_id)])[event_id]
        taken, still_waiting = count.taken, count.waiting
        db.session.remove()

    assert all(now[r].status == RegistrationStatus.CANCELLED for r in holders)
    first, rest = queue[:seats], queue[seats:]
    assert [r for r in queue if now[r].place == Place.SEAT] == first
    assert all(now[r].promoted_at is not None and now[r].status == RegistrationStatus.CONFIRMED
               for r in first)
    assert all(now[r].place == Place.WAITLIST and now[r].promoted_at is None for r in rest)
    assert promoted_mails == Counter({r: 1 for r in first})
    assert cancelled_mails == Counter({r: 1 for r in holders})
    assert (taken, still_waiting) == (seats, waiting - seats)
    assert_invariants(app, event_id)
    timings(f"postgresql cancellations: {seats} posted at once in {cancel_s:.2f}s "
            f"(whole test {time.perf_counter() - started:.1f}s); {describe(answers)}")


def test_a_form_posted_ten_times_at_once_makes_one_registration(
        live_postgres_url, gunicorn_server, data_app, timings):
    app = data_app(live_postgres_url)
    server = gunicorn_server(live_postgres_url, workers=4)
    event_id, slug = new_edition(app, SEATS)
    visitor = open_form(server, slug, f"twice-{uuid.uuid4().hex[:8]}@example.org")
    # Ten connections, one session: the same cookie, CSRF token, nonce and data.
    clients = [server.client(cookies=visitor.client.cookies) for _ in range(10)]
    started = time.perf_counter()
    try:
        answers = all_at_once(clients, lambda c: post(c, f"/events/{slug}/register",
                                                       visitor.form))
    finally:
        for client in [visitor.client, *clients]:
            client.close()
    timings(f"postgresql duplicate nonce: 10 posts in {time.perf_counter() - started:.2f}s; "
            f"{describe(answers)}")
    assert_all_sent(answers, slug)
    with app.app_context():
        registrations = db.session.scalars(
            sa.select(Registration).where(Registration.event_id == event_id)).all()
        people = db.session.scalar(sa.select(sa.func.count()).select_from(Participant)
                                   .where(Participant.email == visitor.form["email"]))
        mails = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                  .where(OutboxMessage.to_address == visitor.form["email"]))
        assert [(r.nonce, r.place, r.status) for r in registrations] == [
            (visitor.form["nonce"], Place.SEAT, RegistrationStatus.PENDING)]
        db.session.remove()
    assert (people, mails) == (1, 1)
    assert_invariants(app, event_id)


def test_one_new_address_registering_for_two_editions_at_once_gets_both(
        live_postgres_url, gunicorn_server, data_app, timings):
    """The locks are per edition but people are global: their creation must not race."""
    app = data_app(live_postgres_url)
    server = gunicorn_server(live_postgres_url, workers=4)
    first_id, first = new_edition(app, SEATS)
    second_id, second = new_edition(app, SEATS)
    tag = uuid.uuid4().hex[:8]
    emails = [f"both{i}-{tag}@example.org" for i in range(30)]
    visitors = [open_form(server, slug, email) for email in emails for slug in (first, second)]
    slugs = [slug for _ in emails for slug in (first, second)]
    started = time.perf_counter()
    try:
        answers = all_at_once(list(zip(visitors, slugs, strict=True)),
                              lambda job: post(job[0].client, f"/events/{job[1]}/register",
                                               job[0].form))
    finally:
        for visitor in visitors:
            visitor.client.close()
    timings(f"postgresql same address, two editions: 60 posts in "
            f"{time.perf_counter() - started:.2f}s; {describe(answers)}")
    assert Counter(a.status for a in answers) == {303: 60}
    with app.app_context():
        people = db.session.scalar(sa.select(sa.func.count()).select_from(Participant)
                                   .where(Participant.email.in_(emails)))
        per_edition = Counter(db.session.scalars(
            sa.select(Registration.event_id).join(Participant)
            .where(Participant.email.in_(emails))))
        db.session.remove()
    assert people == 30
    assert per_edition == {first_id: 30, second_id: 30}


def test_control_without_the_lock_the_rush_overbooks(
        live_postgres_url, gunicorn_server, data_app, timings):
    """Proves the rush test can fail: the same rush with REGISTRATION_LOCKING off overbooks."""
    app = data_app(live_postgres_url)
    server = gunicorn_server(live_postgres_url, workers=4, locking=False)

    def one_round(round_no: int) -> int:
        event_id, slug = new_edition(app, SEATS)
        answers, _forms_s, posts_s = rush(server, slug)
        counts = places(app, event_id)
        timings(f"control (no lock) round {round_no}: posts in {posts_s:.1f}s; "
                f"{describe(answers)}; {dict(counts)} for {SEATS} seats")
        return counts["seat"]

    seats_per_round = rounds_until_race(CONTROL_ROUNDS, one_round, lambda seats: seats > SEATS)
    assert max(seats_per_round) > SEATS, (
        f"no overbooking in {len(seats_per_round)} rounds without the lock: {seats_per_round}")


def test_a_registration_rush_fills_exactly_the_seats_on_sqlite(
        live_sqlite_url, gunicorn_server, data_app, timings):
    app = data_app(live_sqlite_url)
    server = gunicorn_server(live_sqlite_url, workers=4)
    with app.app_context():
        assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        db.session.remove()
    check_rush_round(app, server, 1, timings, "sqlite")

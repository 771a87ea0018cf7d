"""Scale-out: two app servers and two outbox workers on one PostgreSQL (DESIGN §9, issue 8).

Two gunicorn servers (separate processes, two workers each, different ports) take
a registration rush between them, alternating, while two `flask worker`
processes send the outbox to a real SMTP server (aiosmtpd, tests/smtp.py). Then
some of the people confirm through the link in the mail they received, on the
other server. Afterwards: the seats taken are exactly the capacity, everybody
else waits, and every outbox row reached the SMTP server exactly once —
none twice (the workers claim with FOR UPDATE SKIP LOCKED), none missing.
"""
import email.utils
import re
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, closing

import pytest
import sqlalchemy as sa

from app.events.services import seat_counts
from app.extensions import db
from app.models import Event, OutboxMessage, OutboxStatus, Registration, RegistrationStatus
from tests.conftest import temporary_postgres_database
from tests.live.conftest import migrate, start_gunicorn, start_worker, stop_process
from tests.live.races import CSRF_RE
from tests.live.test_concurrency import (LINK_RE, all_at_once, assert_invariants,
                                         new_edition, open_form, post)
from tests.smtp import SMTPServer

PEOPLE = 60
SEATS = 20
CONFIRMING = 16  # the first people to get their mail confirm (some hold seats, some wait)
DRAIN_TIMEOUT = 30
MESSAGE_ID_RE = re.compile(r"<outbox-(\d+)@")


def outbox_status(app) -> Counter:
    with app.app_context():
        counts = Counter({status.value: n for status, n in db.session.execute(
            sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status))})
        db.session.remove()
    return counts


def wait_until_sent(app, expected: int) -> float:
    """Wait until the workers have sent `expected` outbox rows and nothing else is open."""
    started = time.monotonic()
    while True:
        counts = outbox_status(app)
        if counts == Counter({"sent": expected}):
            return time.monotonic() - started
        assert time.monotonic() - started < DRAIN_TIMEOUT, f"outbox not drained: {counts}"
        time.sleep(0.2)


def received_ids(smtp: SMTPServer) -> Counter:
    """How often each outbox row arrived at the SMTP server, by its Message-ID."""
    return Counter(int(MESSAGE_ID_RE.match(m["Message-ID"]).group(1)) for m in smtp.messages())


@pytest.fixture
def scale_postgres_url():
    """A migrated database of this test's own: the outbox must hold only this test's mail
    (the other live tests share theirs and leave their mail in it)."""
    with temporary_postgres_database("werkstatt_scale") as url:
        migrate(url)
        yield url


def test_two_servers_and_two_workers_fill_exactly_the_seats_and_send_each_mail_once(
        scale_postgres_url, data_app, tmp_path, timings):
    live_postgres_url = scale_postgres_url
    app = data_app(live_postgres_url)
    event_id, slug = new_edition(app, SEATS)
    started = time.perf_counter()
    smtp = SMTPServer()
    smtp.start()
    with ExitStack() as cleanup:
        cleanup.callback(smtp.stop)
        with ThreadPoolExecutor(2) as pool:
            booting = [pool.submit(start_gunicorn, live_postgres_url, tmp_path / f"server-{i}",
                                   workers=2) for i in range(2)]
            servers = []
            for future in booting:  # every started server is stopped, even if another failed
                try:
                    servers.append(future.result())
                except Exception:
                    for other in booting:
                        if other is not future and other.exception() is None:
                            other.result().stop()
                    raise
        for server in servers:
            cleanup.callback(server.stop)
        assert servers[0].base_url != servers[1].base_url
        workers = []
        for i in range(2):  # each one stopped at the end, whatever happens after it started
            workers.append(start_worker(live_postgres_url, tmp_path / f"worker-{i}", smtp.port))
            cleanup.callback(stop_process, workers[-1])
        booted = time.perf_counter()

        # The rush: every other person on the other server, all posting at once.
        tag = uuid.uuid4().hex[:8]
        with ThreadPoolExecutor(20) as pool:
            visitors = list(pool.map(
                lambda i: open_form(servers[i % 2], slug, f"s{i}-{tag}@example.org"),
                range(PEOPLE)))
        try:
            answers = all_at_once(visitors, lambda v: post(v.client, f"/events/{slug}/register",
                                                           v.form), threads=30)
        finally:
            for visitor in visitors:
                visitor.client.close()
        rushed = time.perf_counter()
        assert Counter(a.status for a in answers) == {303: PEOPLE}
        served_by = {(i % 2, a.worker_pid) for i, a in enumerate(answers)}
        assert {server for server, _ in served_by} == {0, 1}
        assert {pid for _, pid in served_by} <= {str(p) for s in servers for p in s.worker_pids}

        # The workers send the opt-in mails; people confirm through the link, on the other server.
        drained_first = wait_until_sent(app, PEOPLE)
        opt_ins = [m for m in smtp.messages() if LINK_RE.search(m.get_body().get_content())]
        assert len(opt_ins) == PEOPLE
        for i, message in enumerate(sorted(opt_ins, key=lambda m: m["Message-ID"])[:CONFIRMING]):
            token = LINK_RE.search(message.get_body().get_content()).group(1)
            server = servers[(i + 1) % 2]
            with closing(server.client()) as client:
                page = client.get(f"/r/{token}")
                assert page.status_code == 200, page.text[:300]
                answer = client.post(f"/r/{token}/confirm",
                                     data={"csrf_token": CSRF_RE.search(page.text).group(1)})
                assert answer.status_code == 303
        # One "confirmed" or "waitlisted" mail each: PEOPLE + CONFIRMING in all.
        drained_second = wait_until_sent(app, PEOPLE + CONFIRMING)

        for worker in workers:
            stop_process(worker)
        sent_per_worker = []
        for i in range(2):
            log = (tmp_path / f"worker-{i}" / "worker.log").read_text()
            assert "Traceback" not in log, log
            sent_per_worker.append(int(re.search(r"Worker stopped; (\d+) mail", log).group(1)))

    # Capacity exact: seats taken (confirmed + live holds) == capacity, everybody else waits.
    with app.app_context():
        count = seat_counts([db.session.get(Event, event_id)])[event_id]
        taken, waiting = count.taken, count.waiting
        statuses = Counter(db.session.scalars(sa.select(Registration.status)
                                              .where(Registration.event_id == event_id)))
        outbox_ids = set(db.session.scalars(sa.select(OutboxMessage.id)))
        recipients = Counter(db.session.scalars(sa.select(OutboxMessage.to_address)))
        db.session.remove()
    assert (taken, waiting) == (SEATS, PEOPLE - SEATS)
    assert statuses == {RegistrationStatus.CONFIRMED: CONFIRMING,
                        RegistrationStatus.PENDING: PEOPLE - CONFIRMING}
    assert_invariants(app, event_id)

    # Every mail exactly once: none twice, none missing, every row marked sent.
    arrived = received_ids(smtp)
    assert set(arrived) == outbox_ids and len(outbox_ids) == PEOPLE + CONFIRMING
    assert set(arrived.values()) == {1}, [i for i, n in arrived.items() if n > 1]
    assert outbox_status(app) == {OutboxStatus.SENT.value: PEOPLE + CONFIRMING}
    to_addresses = Counter(email.utils.parseaddr(m["To"])[1] for m in smtp.messages())
    assert to_addresses == recipients
    assert sum(sent_per_worker) == PEOPLE + CONFIRMING
    assert min(sent_per_worker) > 0, f"one worker sent everything: {sent_per_worker}"

    timings(f"scale-out: 2 servers x 2 workers up in {booted - started:.1f}s; "
            f"{PEOPLE} posts in {rushed - booted:.1f}s; outbox drained {drained_first:.1f}s "
            f"after the rush; {CONFIRMING} confirmations drained in {drained_second:.1f}s; "
            f"mails per worker {sent_per_worker}; total {time.perf_counter() - started:.1f}s")

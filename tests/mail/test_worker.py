"""The outbox worker against a real SMTP server (aiosmtpd) in the test process."""
import email
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from email import policy
from pathlib import Path

import icalendar
import pytest
import sqlalchemy as sa
from aiosmtpd.smtp import AuthResult

from app.events.calendar import edition_ics
from app.extensions import db
from app.mail.sender import FileBackend, backend_from_config
from app.mail.worker import backoff, deliver_due
from app.models import OutboxMessage, OutboxStatus, utcnow
from tests.factories import make_event, make_registration
from tests.mail import make_outbox_message
from tests.smtp import SMTPServer

ROOT = Path(__file__).resolve().parents[2]


def _reload(message: OutboxMessage) -> OutboxMessage:
    return db.session.get(OutboxMessage, message.id, populate_existing=True)


def _ics_for(event) -> str:
    return edition_ics(event, [], f"https://example.org/{event.slug}", "test.example.org").decode()


# --- delivery ------------------------------------------------------------------------------

def test_a_due_mail_is_delivered_with_headers_body_and_calendar_attachment(app, db, smtp_server):
    event = make_event(title="Daten teilen")
    row = make_outbox_message(
        to_address="kim@example.org", subject="Ihre Anmeldung ist bestätigt: Daten teilen",
        body_text="Guten Tag,\n\nwir freuen uns auf Sie – bis bald!\n",
        attachment_name=f"{event.slug}.ics", attachment_type="text/calendar; method=PUBLISH",
        attachment=_ics_for(event))
    now = utcnow()

    assert deliver_due(now, smtp_server.backend()) == 1

    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["kim@example.org"]
    assert envelope.mail_from == "werkstatt@example.org"
    [mail] = smtp_server.messages()
    assert mail["From"] == app.config["MAIL_FROM"]
    assert mail["To"] == "kim@example.org"
    assert mail["Subject"] == "Ihre Anmeldung ist bestätigt: Daten teilen"
    assert mail["Message-ID"] == f"<outbox-{row.id}@{app.config['MAIL_MESSAGE_ID_DOMAIN']}>"
    assert mail["Date"].datetime == row.created_at.replace(microsecond=0)
    body = mail.get_body(("plain",))
    assert body.get_content_charset() == "utf-8"
    assert body.get_content().replace("\r\n", "\n") == "Guten Tag,\n\nwir freuen uns auf Sie – bis bald!\n"
    [attachment] = mail.iter_attachments()
    assert attachment.get_filename() == f"{event.slug}.ics"
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "PUBLISH"
    [vevent] = icalendar.Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    assert str(vevent["uid"]) == f"{event.slug}@test.example.org"
    assert str(vevent["summary"]) == f"{event.series.name} #{event.number}: Daten teilen"
    row = _reload(row)
    assert (row.status, row.attempts, row.sent_at, row.claimed_at) == (OutboxStatus.SENT, 0, now, None)


def test_a_mail_due_later_is_not_sent_yet(app, db, smtp_server):
    now = utcnow()
    row = make_outbox_message(next_attempt_at=now + timedelta(minutes=5))

    assert deliver_due(now, smtp_server.backend()) == 0

    assert smtp_server.envelopes == []
    assert _reload(row).status == OutboxStatus.PENDING


def test_an_unreachable_server_leaves_the_mail_pending_with_backoff(app, db, smtp_server):
    row = make_outbox_message()
    smtp_server.stop()
    now = utcnow()

    started = time.monotonic()
    assert deliver_due(now, smtp_server.backend()) == 0
    assert time.monotonic() - started < 5

    row = _reload(row)
    assert row.status == OutboxStatus.PENDING
    assert row.attempts == 1
    assert row.last_error.startswith("ConnectionRefusedError: ")
    assert row.next_attempt_at == now + timedelta(minutes=2)
    assert row.claimed_at is None


def test_after_the_server_is_back_the_mail_is_delivered_exactly_once(app, db, smtp_server):
    row = make_outbox_message()
    backend = smtp_server.backend()
    smtp_server.stop()
    now = utcnow()
    assert deliver_due(now, backend) == 0
    smtp_server.start()

    assert deliver_due(now + timedelta(minutes=1), backend) == 0  # still backing off
    assert deliver_due(now + timedelta(minutes=2), backend) == 1
    assert deliver_due(now + timedelta(minutes=3), backend) == 0

    assert [m["Subject"] for m in smtp_server.messages()] == [row.subject]
    row = _reload(row)
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 1)
    assert row.sent_at == now + timedelta(minutes=2)


def test_a_mail_is_given_up_after_the_maximum_number_of_attempts(app, db, smtp_server):
    row = make_outbox_message()
    backend = smtp_server.backend()
    smtp_server.stop()
    now = utcnow()
    maximum = app.config["MAIL_MAX_ATTEMPTS"]
    assert maximum == 8

    for attempt in range(1, maximum + 1):
        deliver_due(now, backend)
        row = _reload(row)
        assert row.attempts == attempt
        assert row.status == (OutboxStatus.FAILED if attempt == maximum else OutboxStatus.PENDING)
        now += timedelta(hours=2)

    smtp_server.start()
    assert deliver_due(now + timedelta(days=1), backend) == 0
    assert smtp_server.envelopes == []
    assert _reload(row).attempts == maximum


def test_a_mail_that_cannot_be_built_does_not_hold_up_the_others(app, db, smtp_server):
    broken = make_outbox_message(subject="Zeile eins\nBcc: alle@example.org")
    fine = make_outbox_message()
    now = utcnow()

    assert deliver_due(now, smtp_server.backend()) == 1

    assert [m["Subject"] for m in smtp_server.messages()] == [fine.subject]
    broken = _reload(broken)
    assert (broken.status, broken.attempts) == (OutboxStatus.PENDING, 1)
    assert broken.last_error.startswith("ValueError: ")


@pytest.mark.parametrize(("attempts", "minutes"), [(1, 2), (2, 4), (3, 8), (5, 32), (6, 60),
                                                   (7, 60), (50, 60)])
def test_backoff_doubles_from_two_minutes_up_to_one_hour(attempts, minutes):
    assert backoff(attempts) == timedelta(minutes=minutes)


def test_a_rejected_login_is_recorded_without_the_password(app, db):
    def reject(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=False, handled=False)

    server = SMTPServer(auth_require_tls=False, authenticator=reject)
    server.start()
    try:
        row = make_outbox_message()
        deliver_due(utcnow(), server.backend(user="werkstatt", password="geheim-Passwort-42"))
    finally:
        server.stop()

    row = _reload(row)
    assert row.attempts == 1
    assert row.last_error.startswith("SMTPAuthenticationError: (535, ")
    assert "geheim-Passwort-42" not in row.last_error
    assert server.envelopes == []


def test_a_mail_stuck_in_sending_is_taken_over_after_ten_minutes(app, db, smtp_server):
    now = utcnow()
    abandoned = make_outbox_message(status=OutboxStatus.SENDING,
                                    claimed_at=now - timedelta(minutes=11))
    in_progress = make_outbox_message(status=OutboxStatus.SENDING,
                                      claimed_at=now - timedelta(minutes=5))

    assert deliver_due(now, smtp_server.backend()) == 1

    assert [m["Subject"] for m in smtp_server.messages()] == [abandoned.subject]
    assert _reload(abandoned).status == OutboxStatus.SENT
    assert _reload(in_progress).status == OutboxStatus.SENDING


def test_the_file_backend_writes_a_parseable_eml_file(app, db, tmp_path):
    event = make_event()
    row = make_outbox_message(kind="promoted", subject="Ein Platz ist frei geworden",
                              attachment_name="ausgabe.ics", attachment_type="text/calendar",
                              attachment=_ics_for(event))
    folder = tmp_path / "not" / "there" / "yet"

    assert deliver_due(utcnow(), FileBackend(folder)) == 1

    assert [p.name for p in folder.iterdir()] == [f"{row.id}-promoted.eml"]
    mail = email.message_from_bytes((folder / f"{row.id}-promoted.eml").read_bytes(),
                                    policy=policy.default)
    assert mail["Subject"] == "Ein Platz ist frei geworden"
    assert mail["To"] == row.to_address
    assert mail.get_body(("plain",)).get_content() == row.body_text
    [attachment] = mail.iter_attachments()
    assert attachment.get_param("method") == "PUBLISH"  # taken from the file's METHOD line
    assert len(icalendar.Calendar.from_ical(attachment.get_content()).walk("VEVENT")) == 1
    assert _reload(row).status == OutboxStatus.SENT


def test_the_configured_backend_is_files_in_development_and_smtp_when_asked():
    assert isinstance(backend_from_config({"MAIL_BACKEND": "file", "MAIL_FILE_DIR": "x"}),
                      FileBackend)
    smtp = backend_from_config({"MAIL_BACKEND": "smtp", "SMTP_HOST": "mail.example.org",
                                "SMTP_PORT": "587", "SMTP_USER": "u", "SMTP_PASSWORD": "p",
                                "SMTP_STARTTLS": True})
    assert (smtp.host, smtp.port, smtp.user, smtp.starttls, smtp.timeout) == (
        "mail.example.org", 587, "u", True, 10.0)
    with pytest.raises(ValueError):
        backend_from_config({"MAIL_BACKEND": "pigeon"})


# --- several workers -----------------------------------------------------------------------

def test_two_racing_workers_deliver_each_mail_exactly_once(app, db, smtp_server):
    subjects = sorted(make_outbox_message(subject=f"Nachricht {n:02d}").subject for n in range(60))
    now = utcnow()
    db.session.commit()  # the test's own session must not hold SQLite's write lock
    start = threading.Barrier(2)
    errors = []

    def work():
        try:
            with app.app_context():
                backend = smtp_server.backend()
                start.wait()
                while deliver_due(now, backend, batch=5):
                    pass
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(m["Subject"] for m in smtp_server.messages()) == subjects
    statuses = db.session.scalars(sa.select(OutboxMessage.status)).all()
    assert statuses == [OutboxStatus.SENT] * 60


def run_worker_once(app, runner, smtp_server, monkeypatch):
    """`flask worker --once` sending to the test SMTP server; it must exit cleanly."""
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", smtp_server.port)
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    return result


def test_flask_worker_once_drains_the_outbox(app, db, runner, smtp_server, monkeypatch):
    # More than one batch of 50, so draining must go on after the first.
    for n in range(60):
        make_outbox_message(subject=f"Nachricht {n:02d}")
    result = run_worker_once(app, runner, smtp_server, monkeypatch)

    assert result.output == "Worker stopped; 60 mail(s) sent.\n"
    assert len(smtp_server.envelopes) == 60
    pending = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                .where(OutboxMessage.status != OutboxStatus.SENT))
    assert pending == 0


def test_flask_worker_once_writes_the_reminder_and_the_survey_mail_outside_any_request(
        app, db, runner, smtp_server, monkeypatch):
    # The worker renders the mails its jobs queue with no request around it (as `flask worker`
    # runs); a template context that needs one made every such job fail.
    tomorrow = make_event(title="Morgen", starts_at=utcnow().replace(microsecond=0)
                          + timedelta(hours=12))
    make_registration(tomorrow, email="morgen@example.org")
    ended = utcnow().replace(microsecond=0) - timedelta(hours=1)
    yesterday = make_event(title="Vorbei", starts_at=ended - timedelta(minutes=90))
    make_registration(yesterday, email="vorbei@example.org", checked_in=True)
    result = run_worker_once(app, runner, smtp_server, monkeypatch)

    assert result.output == "Worker stopped; 2 mail(s) sent.\n"
    sent = {m["To"]: " ".join(m["Subject"].split()) for m in smtp_server.messages()}
    assert sent == {"morgen@example.org": "Morgen: Morgen",
                    "vorbei@example.org": "Wie war es? Ihre Meinung zu „Vorbei“"}
    survey = next(m for m in smtp_server.messages() if m["To"] == "vorbei@example.org")
    assert "http://localhost/r/" in survey.get_body(preferencelist=("plain",)).get_content()


def test_the_worker_process_sends_and_stops_cleanly_on_sigterm(app, db, tmp_path):
    row = make_outbox_message(kind="opt_in")
    written = tmp_path / f"{row.id}-opt_in.eml"
    db.session.commit()  # reading row.id began a transaction; on SQLite it holds the write lock
    env = dict(os.environ, FLASK_APP="wsgi:app", WERKSTATT_ENV="development",
               DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], MAIL_BACKEND="file",
               MAIL_FILE_DIR=str(tmp_path))
    process = subprocess.Popen([sys.executable, "-m", "flask", "worker", "--interval", "0.2"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not written.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert written.exists()
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert process.returncode == 0, err
    assert out.splitlines()[-1] == "Worker stopped; 1 mail(s) sent."
    assert _reload(row).status == OutboxStatus.SENT

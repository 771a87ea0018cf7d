"""The staff page of the outbox: failed and waiting mails, retry, access."""
from datetime import timedelta

from app.extensions import db
from app.models import OutboxMessage, OutboxStatus, utcnow
from tests.conftest import csrf_from
from tests.mail import make_outbox_message


def _failed_mail(**overrides) -> OutboxMessage:
    values = {"status": OutboxStatus.FAILED, "attempts": 8,
              "subject": "Ihre Anmeldung ist bestätigt: Daten teilen",
              "to_address": "kim@example.org",
              "last_error": "SMTPRecipientsRefused: {'kim@example.org': (550, b'No such user')}"}
    values.update(overrides)
    return make_outbox_message(**values)


def _reload(message_id: int) -> OutboxMessage:
    return db.session.get(OutboxMessage, message_id, populate_existing=True)


def test_staff_see_a_failed_mail_with_its_error_and_can_retry_it(client, db, login_as):
    login_as("staff")
    message_id = _failed_mail().id

    page = client.get("/manage/mail").get_data(as_text=True)
    assert "Ihre Anmeldung ist bestätigt: Daten teilen" in page
    assert "kim@example.org" in page
    assert "SMTPRecipientsRefused: {&#39;kim@example.org&#39;: (550, b&#39;No such user&#39;)}" in page
    assert f'action="/manage/mail/{message_id}/retry"' in page

    before = utcnow()
    response = client.post(f"/manage/mail/{message_id}/retry",
                           data={"csrf_token": csrf_from(client, "/manage/mail")})
    after = utcnow()

    assert response.status_code == 303
    assert response.headers["Location"] == "/manage/mail"
    message = _reload(message_id)
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 8)
    assert before <= message.next_attempt_at <= after
    page = client.get("/manage/mail").get_data(as_text=True)
    assert "Die E-Mail wird erneut versendet." in page
    assert f'action="/manage/mail/{message_id}/retry"' not in page
    assert "Keine fehlgeschlagenen E-Mails." in page


def test_the_page_lists_waiting_mails_and_counts_sent_mails_of_the_last_seven_days(
        client, db, login_as):
    login_as("staff")
    now = utcnow()
    make_outbox_message(subject="Wartet noch", attempts=2, last_error="TimeoutError: timed out",
                        next_attempt_at=now + timedelta(minutes=4))
    for days in (0, 3, 6):
        make_outbox_message(status=OutboxStatus.SENT, sent_at=now - timedelta(days=days),
                            subject=f"Vor {days} Tagen gesendet")
    make_outbox_message(status=OutboxStatus.SENT, sent_at=now - timedelta(days=8),
                        subject="Vor acht Tagen gesendet")

    page = client.get("/manage/mail").get_data(as_text=True)

    assert "Wartet noch" in page
    assert "TimeoutError: timed out" in page
    assert 'Wartend <span class="kern-body--muted">(1)</span>' in page
    assert 'Gesendet in den letzten 7 Tagen <span class="kern-body--muted">(3)</span>' in page
    assert "Vor 6 Tagen gesendet" in page
    assert "Vor acht Tagen gesendet" not in page
    assert "/retry" not in page


def test_the_page_is_available_in_english(client, db, login_as):
    login_as("staff")
    _failed_mail()

    page = client.get("/manage/mail?lang=en").get_data(as_text=True)

    assert "<h1 class=\"kern-heading-x-large\">E-mail delivery</h1>" in page
    assert "Send again" in page


def test_facilitators_may_neither_see_nor_retry_mails(client, db, login_as):
    login_as("facilitator")
    message_id = _failed_mail().id
    token = csrf_from(client, "/manage/")

    assert client.get("/manage/mail").status_code == 403
    response = client.post(f"/manage/mail/{message_id}/retry", data={"csrf_token": token})
    assert response.status_code == 403
    assert _reload(message_id).status == OutboxStatus.FAILED


def test_a_retry_without_csrf_token_is_refused(client, db, login_as):
    login_as("staff")
    message_id = _failed_mail().id

    response = client.post(f"/manage/mail/{message_id}/retry")

    assert response.status_code == 400
    assert _reload(message_id).status == OutboxStatus.FAILED


def test_a_retry_of_a_missing_mail_is_404(client, db, login_as):
    login_as("staff")
    token = csrf_from(client, "/manage/mail")

    response = client.post("/manage/mail/999999/retry", data={"csrf_token": token})

    assert response.status_code == 404


def test_a_retry_of_a_mail_that_has_not_failed_changes_nothing(client, db, login_as):
    login_as("staff")
    later = utcnow() + timedelta(minutes=30)
    message_id = make_outbox_message(attempts=3, next_attempt_at=later).id

    response = client.post(f"/manage/mail/{message_id}/retry",
                           data={"csrf_token": csrf_from(client, "/manage/mail")})

    assert response.status_code == 303
    message = _reload(message_id)
    assert (message.status, message.attempts, message.next_attempt_at) == (
        OutboxStatus.PENDING, 3, later)
    assert "Diese E-Mail ist nicht fehlgeschlagen; es ist nichts zu tun." in client.get(
        "/manage/mail").get_data(as_text=True)

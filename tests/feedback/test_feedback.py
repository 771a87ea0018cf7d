"""The feedback survey (issue 17, DESIGN §10): anonymous by construction, asked of the right
people once with one reminder, closed politely, hidden below the threshold."""
import re
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db as _db
from app.feedback import questions, services
from app.models import (AuditLog, FeedbackAnswer, FeedbackQuestion, FeedbackResponse,
                        OutboxMessage, Registration, RegistrationStatus, utcnow)
from app.records.services import erase_person, run_retention
from tests.conftest import csrf_from
from tests.factories import make_event, make_registration

ANSWER_TABLES = ("feedback_responses", "feedback_answers")


def ended_event(hours_ago: float = 1, **overrides):
    """An edition that ended `hours_ago` hours ago (the survey is open)."""
    ends_at = utcnow().replace(microsecond=0) - timedelta(hours=hours_ago)
    return make_event(starts_at=ends_at - timedelta(minutes=90), **overrides)


def answer(client, token: str, data: dict | None = None):
    url = f"/r/{token}/feedback"
    # The session's token, from a page that always has a form (the survey may show none).
    values = {"csrf_token": csrf_from(client, "/manage/login"), "q0": "5", "q1": "4", "q2": "yes",
              "q3": "Mehr Pausen", "q4": "Verwaltungssprache"}
    values.update(data or {})
    return client.post(url, data=values)


def answered_people(event, count: int, **data) -> list[Registration]:
    """`count` people who came and answered, each through the survey."""
    from flask import current_app
    people = []
    client = current_app.test_client()
    for _ in range(count):
        registration, token = make_registration(event, checked_in=True)
        response = answer(client, token, data)
        assert response.status_code == 303, response.get_data(as_text=True)[:300]
        people.append(registration)
    return people


# --- anonymous by construction --------------------------------------------------------------

def test_no_column_index_key_or_log_line_can_link_an_answer_to_a_person(app, client, db):
    metadata = _db.metadata
    person_tables = {"registrations", "participants", "users", "consent_records", "audit_log",
                     "outbox_messages"}
    for name in ANSWER_TABLES:
        table = metadata.tables[name]
        referenced = {fk.column.table.name for fk in table.foreign_keys}
        assert referenced <= {"events", "feedback_responses", "feedback_questions"}, name
        assert not referenced & person_tables
        for column in table.columns:
            assert not isinstance(column.type, sa.DateTime), f"{name}.{column.name} has a time"
            assert not (column.primary_key and isinstance(column.type, sa.Integer)
                        and column.autoincrement is True), f"{name}.{column.name} is a sequence"
        # An integer primary key alone would be a sequence: the response's is a random UUID.
        assert [type(c.type) for c in table.primary_key.columns][0] is sa.Uuid
        indexed = {c.name for index in table.indexes for c in index.columns}
        assert indexed <= {"event_id", "question_id"}, name
        # SQLite's hidden rowid would keep the order of arrival.
        assert table.dialect_options["sqlite"]["with_rowid"] is False
    assert [c.name for c in metadata.tables["feedback_responses"].columns] == \
        ["id", "event_id", "answered_on"]
    assert type(metadata.tables["feedback_responses"].c.answered_on.type) is sa.Date
    # The mark on the registration has no time either.
    marks = [c for c in metadata.tables["registrations"].columns if "feedback" in c.name]
    assert {c.name for c in marks} == {"feedback_invited", "feedback_reminded",
                                       "feedback_answered"}
    assert all(isinstance(c.type, sa.Boolean) for c in marks)
    if db.engine.dialect.name == "sqlite":  # the migration built them WITHOUT ROWID too
        for name in ANSWER_TABLES:
            sql = db.session.scalar(sa.text("SELECT sql FROM sqlite_master WHERE name = :n"),
                                    {"n": name})
            assert "WITHOUT ROWID" in sql

    # And what answering writes: no mail, and one audit line that names nobody, dated to the day.
    event = ended_event()
    registration, token = make_registration(event, checked_in=True)
    outbox_before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    assert answer(client, token).status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) \
        == outbox_before
    (line,) = db.session.scalars(sa.select(AuditLog)).all()
    assert (line.action, line.user_id, line.registration_id, line.event_id, line.details) == \
        ("feedback.answered", None, None, event.id, "")
    assert (line.at.hour, line.at.minute, line.at.second, line.at.microsecond) == (0, 0, 0, 0)
    assert str(registration.id) not in line.details
    (response,) = db.session.scalars(sa.select(FeedbackResponse)).all()
    assert response.answered_on == utcnow().date()
    assert db.session.get(Registration, registration.id).feedback_answered is True


def test_one_answer_per_link(app, client, db):
    event = ended_event()
    _registration, token = make_registration(event, checked_in=True)
    assert answer(client, token).status_code == 303
    again = answer(client, token, {"q0": "1"})
    assert again.status_code == 409
    assert "Sie haben schon geantwortet" in again.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedbackResponse)) == 1
    assert db.session.scalars(sa.select(FeedbackAnswer.value).join(FeedbackQuestion)
                              .where(FeedbackQuestion.position == 0)).all() == ["5"]


def test_a_missing_required_answer_comes_back_next_to_the_question_and_stores_nothing(
        app, client, db):
    event = ended_event()
    registration, token = make_registration(event, checked_in=True)
    response = answer(client, token, {"q0": "", "q2": "perhaps"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Bitte beantworten Sie diese Frage." in html
    assert "Bitte wählen Sie eine der Antworten." in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedbackResponse)) == 0
    assert db.session.get(Registration, registration.id).feedback_answered is False


def test_the_survey_says_free_texts_are_read_as_written_in_the_registrations_language(
        app, client, db):
    event = ended_event()
    registration, _token = make_registration(event, checked_in=True, language="en")
    with app.test_request_context():
        link = services.feedback_url(registration)
    html = client.get(link.replace("http://localhost", "")).get_data(as_text=True)
    assert "How was the workshop overall?" in html
    assert "read by the team as you wrote them" in html


# --- who is asked, the reminder, closing ----------------------------------------------------

def run_mails(app, now):
    with app.test_request_context():
        return services.send_feedback_mails(now)


def mails(kind: str) -> list[str]:
    return sorted(_db.session.scalars(sa.select(OutboxMessage.to_address)
                                      .where(OutboxMessage.kind == kind)))


def test_attendees_are_asked_once_and_reminded_once_only_if_they_have_not_answered(
        app, client, db):
    event = ended_event(hours_ago=2)
    came, _t1 = make_registration(event, email="came@example.org", checked_in=True)
    answers, token = make_registration(event, email="answers@example.org", checked_in=True)
    make_registration(event, email="stayed-away@example.org")
    make_registration(event, email="walk-in-1@walk-in.invalid", checked_in=True, walk_in=True)
    now = utcnow()
    assert run_mails(app, now) == {"invited": 2, "reminded": 0}
    assert mails("feedback_invite") == ["answers@example.org", "came@example.org"]
    assert run_mails(app, now + timedelta(hours=1)) == {"invited": 0, "reminded": 0}
    assert answer(client, token).status_code == 303

    three_days = event.ends_at + timedelta(days=3, minutes=1)
    assert run_mails(app, three_days) == {"invited": 0, "reminded": 1}
    assert mails("feedback_reminder") == ["came@example.org"]
    assert run_mails(app, three_days + timedelta(days=1)) == {"invited": 0, "reminded": 0}
    assert mails("feedback_reminder") == ["came@example.org"]
    # The mail carries the survey link, not the personal page's.
    body = db.session.scalar(sa.select(OutboxMessage.body_text)
                             .where(OutboxMessage.kind == "feedback_reminder"))
    assert re.search(r"http://localhost/r/[A-Za-z0-9_.-]+/feedback\?lang=de", body)


def test_without_check_in_everyone_confirmed_is_asked_in_their_language(app, db):
    event = ended_event()
    make_registration(event, email="de@example.org")
    make_registration(event, email="en@example.org", language="en")
    make_registration(event, email="gone@example.org", status=RegistrationStatus.CANCELLED)
    assert run_mails(app, utcnow()) == {"invited": 2, "reminded": 0}
    subjects = dict(db.session.execute(sa.select(OutboxMessage.to_address, OutboxMessage.subject))
                    .all())
    assert subjects == {"de@example.org": f"Wie war es? Ihre Meinung zu „{event.title}“",
                        "en@example.org": f"How was it? Your view of “{event.title}”"}


def test_nobody_is_asked_before_the_end_or_after_the_survey_closed(app, db):
    upcoming = make_event()
    long_ago = ended_event(hours_ago=24 * 15)
    make_registration(upcoming, checked_in=False)
    make_registration(long_ago, checked_in=True)
    assert run_mails(app, utcnow()) == {"invited": 0, "reminded": 0}


def test_a_closed_survey_refuses_politely_and_stores_nothing(app, client, db):
    event = ended_event(hours_ago=24 * 14 + 1)
    _registration, token = make_registration(event, checked_in=True)
    page = client.get(f"/r/{token}/feedback").get_data(as_text=True)
    assert "Die Umfrage ist geschlossen. Vielen Dank für Ihr Interesse!" in page
    assert 'name="q0"' not in page
    response = answer(client, token)
    assert response.status_code == 409
    assert "Die Umfrage ist geschlossen. Vielen Dank für Ihr Interesse!" in \
        response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedbackResponse)) == 0


def test_a_link_that_is_not_a_survey_link_finds_nothing(app, client, db):
    event = ended_event()
    registration, _token = make_registration(event, checked_in=True)
    with app.test_request_context():
        from app.breakouts.services import topic_link_token
        topic_link = topic_link_token(registration)
    assert client.get(f"/r/{topic_link}/feedback").status_code == 404
    assert client.get("/r/" + "x" * 40 + "/feedback").status_code == 404


# --- results ----------------------------------------------------------------------------------

def test_results_stay_hidden_below_five_answers(app, client, db, login_as):
    event = ended_event()
    answered_people(event, 4)
    login_as("staff")
    html = client.get(f"/manage/events/{event.slug}/feedback").get_data(as_text=True)
    assert "Ergebnisse erscheinen, sobald mindestens 5 Personen geantwortet haben." in html
    assert '<svg class="chart__svg"' not in html and "Mehr Pausen" not in html
    csv_text = client.get(f"/manage/events/{event.slug}/feedback.csv").get_data(as_text=True)
    assert csv_text == "\ufeffFrage;Antwort;Anzahl\r\n"

    answered_people(event, 1)
    html = client.get(f"/manage/events/{event.slug}/feedback").get_data(as_text=True)
    assert "results-hidden" not in html
    assert html.count('<svg class="chart__svg"') == 3
    assert "Durchschnitt: 5,0 von 5 (5 Antworten)" in html
    assert html.count("Mehr Pausen") == 5


def test_hostile_free_text_is_shown_as_text(app, client, db, login_as):
    event = ended_event()
    hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    answered_people(event, 5, q3=hostile, q4="=HYPERLINK(\"http://evil\")")
    login_as("staff")
    html = client.get(f"/manage/events/{event.slug}/feedback").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;") \
        == 5
    csv_text = client.get(f"/manage/events/{event.slug}/feedback.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in csv_text and ";=HYPERLINK" not in csv_text


def test_erasure_and_retention_leave_the_answers_and_the_figures_intact(app, client, db,
                                                                       login_as):
    event = ended_event()
    people = answered_people(event, 5)
    with app.test_request_context():
        before = services.edition_results(event).results
        erase_person(people[0].participant)
        run_retention(utcnow() + timedelta(days=400))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedbackResponse)) == 5
    with app.test_request_context():
        after = services.edition_results(event).results
    assert after == before
    # The marks went with the registrations.
    assert db.session.scalars(sa.select(Registration.feedback_answered)).all() == [False] * 5


def test_duplicating_an_edition_copies_its_questions(app, client, db, login_as):
    event = ended_event()
    with app.test_request_context():
        questions.customise_questions(event)
        questions.add_question(event, questions.QuestionData(
            text_de="Wie war der Raum?", text_en="How was the room?",
            kind=services.QuestionKind.SCALE, options=[], required=False, position=None))
    login_as("staff")
    token = csrf_from(client, f"/manage/events/{event.slug}/edit")
    assert client.post(f"/manage/events/{event.slug}/duplicate",
                       data={"csrf_token": token}).status_code == 303
    texts = db.session.execute(sa.select(FeedbackQuestion.event_id, FeedbackQuestion.text_de)
                               .order_by(FeedbackQuestion.event_id, FeedbackQuestion.position,
                                         FeedbackQuestion.id)).all()
    originals = [t for e, t in texts if e == event.id]
    copies = [t for e, t in texts if e != event.id]
    assert copies == originals
    assert originals[-1] == "Wie war der Raum?" and len(originals) == 6


def test_questions_cannot_change_once_answers_exist(app, client, db, login_as):
    event = ended_event()
    answered_people(event, 1)
    login_as("staff")
    url = f"/manage/events/{event.slug}/feedback/questions"
    response = client.post(url, data={"csrf_token": csrf_from(client, url), "text_de": "Neu",
                                      "text_en": "New", "kind": "scale"})
    assert response.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedbackQuestion)
                             .where(FeedbackQuestion.text_de == "Neu")) == 0


def test_the_series_statistics_show_rating_and_response_rate_per_edition(app, client, db,
                                                                        login_as):
    first = ended_event(hours_ago=48, number=1)
    second = ended_event(series=first.series, number=2)
    for person in answered_people(first, 5, q0="4") + answered_people(second, 2, q0="5"):
        person.feedback_invited = True
    make_registration(first, checked_in=True, feedback_invited=True)
    db.session.commit()
    login_as("staff")
    html = client.get(f"/manage/series/{first.series.slug}/statistics").get_data(as_text=True)
    rows = re.findall(r'<tr class="kern-table__row" id="feedback-edition-(\d)">(.*?)</tr>', html,
                      re.S)
    cells = {number: re.findall(r'numeric">([^<]*)</td>', row) for number, row in rows}
    assert cells == {"1": ["6", "5", "83\xa0%", "4,0"], "2": ["2", "2", "100\xa0%", "keine Angabe"]}
    assert 'id="chart-feedback-rating"' in html and 'id="chart-feedback-rate"' in html


def test_the_report_can_show_the_headline_figures_at_a_glance(app, client, db, login_as):
    event = ended_event()
    people = answered_people(event, 5, q0="5")
    for person in people:
        person.feedback_invited = True
    make_registration(event, checked_in=True, feedback_invited=True)
    db.session.commit()
    # One more answer of 4: (5 * 5 + 4) / 6 = 4.83…
    extra, token = make_registration(event, checked_in=True, feedback_invited=True)
    assert answer(client, token, {"q0": "4"}).status_code == 303
    login_as("staff")
    editor = client.get(f"/manage/events/{event.slug}/report").get_data(as_text=True)
    assert "6 von 7 haben geantwortet; Gesamteindruck 4,8 von 5" in editor
    preview = client.get(f"/manage/events/{event.slug}/report/preview").get_data(as_text=True)
    assert 'id="report-feedback"' not in preview
    token = csrf_from(client, f"/manage/events/{event.slug}/report")
    assert client.post(f"/manage/events/{event.slug}/report/feedback",
                       data={"csrf_token": token, "show": "1"}).status_code == 303
    preview = client.get(f"/manage/events/{event.slug}/report/preview").get_data(as_text=True)
    match = re.search(r'id="report-feedback">\s*<dt>Rückmeldungen</dt>\s*<dd>(.*?)</dd>', preview,
                      re.S)
    assert match and match.group(1).strip() == \
        "6 von 7 haben geantwortet; Gesamteindruck 4,8 von 5"


def test_topics_for_next_time_are_shown_when_the_next_edition_is_planned(app, client, db,
                                                                        login_as):
    event = ended_event(number=4)
    answered_people(event, 3, q4="Verwaltungssprache")
    answered_people(event, 2, q4="<b>KI</b> in der Verwaltung")
    login_as("staff")
    token = csrf_from(client, f"/manage/events/{event.slug}/edit")
    duplicated = client.post(f"/manage/events/{event.slug}/duplicate", data={"csrf_token": token})
    html = client.get(duplicated.headers["Location"]).get_data(as_text=True)
    section = re.search(r'<div class="section" id="wished-topics">(.*?)</div>', html, re.S).group(1)
    assert "Aus der Umfrage nach Ausgabe #4, so wie geschrieben:" in section
    assert re.findall(r'<li class="kern-body">(.*?)</li>', section) == [
        "&lt;b&gt;KI&lt;/b&gt; in der Verwaltung", "&lt;b&gt;KI&lt;/b&gt; in der Verwaltung",
        "Verwaltungssprache", "Verwaltungssprache", "Verwaltungssprache"]


def test_no_topics_are_shown_while_fewer_than_five_answered(app, client, db, login_as):
    event = ended_event()
    answered_people(event, 4, q4="Verwaltungssprache")
    login_as("staff")
    html = client.get(f"/manage/events/{event.slug}/edit").get_data(as_text=True)
    assert "wished-topics" not in html and "Verwaltungssprache" not in html


def test_an_editions_questions_can_become_the_series_standard_for_new_editions(
        app, client, db, login_as):
    event = ended_event()
    with app.test_request_context():
        questions.customise_questions(event)
        questions.add_question(event, questions.QuestionData(
            text_de="Wie war das Essen?", text_en="How was the food?",
            kind=services.QuestionKind.SINGLE, required=False, position=None,
            options=[{"key": "o1", "de": "Gut", "en": "Good"},
                     {"key": "o2", "de": "Schlecht", "en": "Bad"}]))
    login_as("staff")
    url = f"/manage/events/{event.slug}/feedback/questions"
    assert client.post(f"{url}/standard", data={"csrf_token": csrf_from(client, url)}) \
        .status_code == 303
    later = make_event(series=event.series, number=event.number + 1)
    with app.test_request_context():
        texts = [q.text_de for q in questions.questions_of(later)]
    assert texts == ["Wie war die Werkstatt insgesamt?", "Die Mischung der Teilnehmenden war …",
                     "Ich würde wieder teilnehmen", "Was sollen wir ändern?",
                     "Welches Thema wünschen Sie sich für die nächste Werkstatt?",
                     "Wie war das Essen?"]
    # Another series keeps the built-in set.
    with app.test_request_context():
        assert len(questions.questions_of(make_event())) == 5


def test_no_transaction_id_links_an_answer_to_the_registration_on_postgresql(app, client, db):
    if db.engine.dialect.name != "postgresql":
        return  # SQLite keeps no transaction id per row
    event = ended_event()
    people = answered_people(event, 3)

    def xmins(table: str, where: str = "") -> list[int]:
        return [int(x) for x in db.session.scalars(sa.text(
            f"SELECT xmin::text::bigint FROM {table} WHERE event_id = :e {where}"),
            {"e": event.id})]

    marks = xmins("registrations", "AND feedback_answered")
    answers_ = xmins("feedback_responses")
    assert len(marks) == len(answers_) == len(people)
    assert not set(marks) & set(answers_)  # never written in the same transaction
    # The worker's next run rewrites both sets, so neither order nor neighbourhood is left.
    run_mails(app, utcnow())
    assert len(set(xmins("feedback_responses"))) == 1
    assert len(set(xmins("registrations", "AND feedback_answered"))) == 1

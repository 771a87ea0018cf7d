"""Export, erasure, retention, merging and the audit log — what a data-protection officer checks."""
import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.models import (AuditLog, ConsentPurpose, ConsentRecord, Participant, Place,
                        Registration, RegistrationStatus, Sector, utcnow)
from app.records import services
from app.registration.personal import withdraw_consent
from app.registration.services import RegistrationData, register_participant
from tests.conftest import csrf_from
from tests.factories import make_event

EMAIL = "erika.privat@example.org"


def registered(app, event, email=EMAIL, **overrides):
    """Register someone through the real use case (mail queued, consents recorded)."""
    values = dict(name="Erika Privat", email=email, organisation="Verein Privat e. V.",
                  sector=Sector.CIVIL_SOCIETY, language="de", nonce=f"n-{email}-{event.id}",
                  privacy_acknowledged=True, accessibility_needs="Rollstuhlplatz nahe der Tür",
                  accessibility_consent=True, consents={ConsentPurpose.PHOTOS})
    values.update(overrides)
    with app.test_request_context():
        outcome = register_participant(event.id, RegistrationData(**values))
    from app.extensions import db
    return db.session.get(Registration, outcome.registration_id)


def figures(db) -> list[tuple]:
    """What statistics are made of: per registration its edition, status, place, sector, attendance."""
    rows = db.session.execute(sa.select(
        Registration.event_id, Registration.status, Registration.place, Registration.sector,
        Registration.checked_in_at.is_not(None)).order_by(Registration.id)).all()
    return [tuple(r) for r in rows]


def text_columns(db):
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, (sa.String, sa.Text)) and not isinstance(column.type, sa.Enum):
                yield table, column


def occurrences(db, needle: str) -> list[str]:
    """Every text column of every table that still contains `needle`."""
    found = []
    for table, column in text_columns(db):
        count = db.session.scalar(sa.select(sa.func.count()).select_from(table)
                                  .where(column.ilike(f"%{needle}%")))
        if count:
            found.append(f"{table.name}.{column.name}")
    return found


def test_staff_export_contains_everything_stored_about_the_person(app, client, db, login_as):
    event = make_event()
    registration = registered(app, event)
    login_as("staff")
    response = client.get(f"/manage/participants/{registration.participant_id}/export.json")
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.data)
    person = db.session.get(Participant, registration.participant_id)
    # Every column of the person and of the registration with personal content is in it.
    assert data["person"]["email"] == EMAIL and data["person"]["organisation"] == person.organisation
    [r] = data["registrations"]
    for key, value in (("accessibility_needs", "Rollstuhlplatz nahe der Tür"),
                       ("sector", "civil_society"), ("status", "pending"), ("place", "seat")):
        assert r[key] == value
    assert sorted(c["purpose"] for c in data["consents"]) == ["accessibility_data", "photos",
                                                              "privacy_notice"]
    assert [m["kind"] for m in data["mails"]] == ["opt_in"]
    assert "Rollstuhlplatz" not in json.dumps(data["mails"])
    audit = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "participant.export"))
    assert audit.user_id is not None and EMAIL not in audit.details


def test_erasure_leaves_the_email_nowhere_in_any_text_column(app, client, db, login_as):
    event = make_event(capacity=1)
    registration = registered(app, event)
    waiting = registered(app, event, email="next@example.org", name="Nora Nächste",
                         organisation="", accessibility_needs="", accessibility_consent=False)
    waiting.status = RegistrationStatus.CONFIRMED
    db.session.commit()
    assert occurrences(db, EMAIL) != []  # the control: it is there before

    login_as("staff")
    token = csrf_from(client, "/manage/")
    response = client.post(f"/manage/participants/{registration.participant_id}/erase",
                           data={"csrf_token": token, "confirm": "yes"})
    assert response.status_code == 303
    db.session.expire_all()
    for needle in (EMAIL, "Erika Privat", "Verein Privat", "Rollstuhlplatz"):
        assert occurrences(db, needle) == [], needle
    # The seat went to the next person; the erased registration still counts as cancelled.
    assert db.session.get(Registration, waiting.id).place == Place.SEAT
    assert db.session.get(Registration, registration.id).status == RegistrationStatus.CANCELLED
    assert client.get(f"/manage/participants/{registration.participant_id}").status_code == 404


def test_erased_content_does_not_linger_in_the_sqlite_file(app, db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the file check is about SQLite; PostgreSQL is checked by the column scan")
    event = make_event()
    registration = registered(app, event)
    person = db.session.get(Participant, registration.participant_id)
    services.erase_person(person)
    db.session.remove()
    db.engine.dispose()
    path = Path(db.engine.url.database)
    for candidate in (path, Path(f"{path}-wal")):
        if candidate.exists():
            content = candidate.read_bytes()
            assert EMAIL.encode() not in content, candidate
            assert "Rollstuhlplatz".encode() not in content, candidate


def test_retention_anonymises_after_the_period_and_keeps_the_figures(app, db):
    past = make_event(starts_at=utcnow() - timedelta(days=30))
    registration = registered(app, make_event())  # registration must be open to register
    registration.event_id = past.id
    registration.status = RegistrationStatus.CONFIRMED
    registration.checked_in_at = past.starts_at
    db.session.commit()
    before = figures(db)
    days = app.config["RETENTION_DAYS"]

    assert services.run_retention(past.ends_at + timedelta(days=days - 1)) == \
        {"registrations": 0, "people": 0}
    assert occurrences(db, EMAIL) != []

    result = services.run_retention(past.ends_at + timedelta(days=days, minutes=1))
    assert result == {"registrations": 1, "people": 1}
    db.session.expire_all()
    assert occurrences(db, EMAIL) == [] and occurrences(db, "Rollstuhlplatz") == []
    person = db.session.get(Participant, registration.participant_id)
    assert person.anonymised_at is not None
    assert figures(db) == before
    # Consent records stay as proof, without personal data.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ConsentRecord)) == 3
    # Running again changes nothing.
    assert services.run_retention(past.ends_at + timedelta(days=days + 5)) == \
        {"registrations": 0, "people": 0}


def test_retention_keeps_a_person_who_still_has_a_recent_edition(app, db):
    old = make_event(starts_at=utcnow() - timedelta(days=200))
    recent = make_event()
    first = registered(app, recent, nonce="first")
    first.event_id = old.id
    db.session.commit()
    registered(app, recent, nonce="second")
    person_id = first.participant_id  # the old registration moves to a placeholder
    services.run_retention()
    db.session.expire_all()
    person = db.session.get(Participant, person_id)
    assert person.anonymised_at is None and person.email == EMAIL
    assert db.session.get(Registration, first.id).accessibility_needs == ""
    # The worker runs this every few seconds: a second run finds nothing new to do.
    assert services.run_retention() == {"registrations": 0, "people": 0}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.action == "retention.run")) == 1


def test_the_worker_runs_retention(app, db):
    from app.jobs import run_due_jobs
    past = make_event(starts_at=utcnow() - timedelta(days=400))
    registration = registered(app, make_event())
    registration.event_id = past.id
    db.session.commit()
    assert run_due_jobs(utcnow())["retention"] == 1


def test_merging_two_records_of_the_same_person(app, client, db, login_as):
    first = registered(app, make_event(), email="kim@example.org")
    second = registered(app, make_event(), email="kim.privat@example.org")
    duplicate_id, second_id = second.participant_id, second.id
    login_as("staff")
    response = client.post(f"/manage/participants/{first.participant_id}/merge",
                           data={"csrf_token": csrf_from(client, "/manage/"),
                                 "email": "Kim.Privat@example.org"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Participant, duplicate_id) is None
    assert db.session.get(Registration, second_id).participant_id == first.participant_id
    page = client.get(f"/manage/participants/{first.participant_id}").get_data(as_text=True)
    assert page.count("angemeldet") >= 2


def test_merging_two_active_registrations_of_one_edition_is_refused(app, client, db, login_as):
    event = make_event()
    first = registered(app, event, email="kim@example.org")
    second = registered(app, event, email="kim.privat@example.org")
    login_as("staff")
    client.post(f"/manage/participants/{first.participant_id}/merge",
                data={"csrf_token": csrf_from(client, "/manage/"), "email": "kim.privat@example.org"})
    db.session.expire_all()
    assert db.session.get(Participant, second.participant_id) is not None


def test_accessibility_needs_are_for_staff_only(app, client, db, login_as):
    event = make_event()
    registration = registered(app, event)
    user = login_as("facilitator")
    event.facilitators = [user]
    db.session.commit()
    for url in ("/manage/participants", f"/manage/participants/{registration.participant_id}",
                f"/manage/participants/{registration.participant_id}/export.json",
                f"/manage/events/{event.slug}/registrations",  # the list of needs per edition
                f"/manage/events/{event.slug}/registrations.csv"):
        assert client.get(url).status_code == 403
    checkin = client.get(f"/manage/events/{event.slug}/checkin")
    if checkin.status_code == 200:  # the check-in page, once it exists, hides them
        assert "Rollstuhlplatz" not in checkin.get_data(as_text=True)


def test_staff_see_the_person_with_history_consents_and_needs(app, client, db, login_as):
    registration = registered(app, make_event())
    login_as("staff")
    html = client.get(f"/manage/participants/{registration.participant_id}").get_data(as_text=True)
    for text in ("Erika Privat", "Rollstuhlplatz nahe der Tür", "Fotos", "Datenschutzerklärung gelesen"):
        assert text in html
    listing = client.get("/manage/participants?q=privat").get_data(as_text=True)
    assert "Erika Privat" in listing
    assert "Erika Privat" not in client.get("/manage/participants?sector=business").get_data(as_text=True)


def test_the_audit_log_shows_who_viewed_and_exported(app, client, db, login_as):
    registration = registered(app, make_event())
    admin = login_as("admin")
    client.get(f"/manage/participants/{registration.participant_id}")
    client.get(f"/manage/participants/{registration.participant_id}/export.json")
    html = client.get("/manage/audit").get_data(as_text=True)
    assert "Person angesehen" in html and "Daten einer Person exportiert" in html
    assert admin.name in html and f"Person Nr. {registration.participant_id}" in html
    # The interface's words, not the stored keys (those stay only as the filter's values).
    shown = html.replace('value="participant.view"', "").replace('value="participant.export"', "")
    assert "participant.view" not in shown and "participant.export" not in shown
    assert f"participant {registration.participant_id}" not in html
    assert EMAIL not in html
    html = client.get("/manage/audit?lang=en").get_data(as_text=True)
    assert "Viewed a person" in html and "Exported a person’s data" in html
    assert f"Person no. {registration.participant_id}" in html


def test_the_audit_log_is_for_admins(client, db, login_as):
    login_as("staff")
    assert client.get("/manage/audit").status_code == 403


def test_retention_runs_from_the_command_line(app, runner, db):
    past = make_event(starts_at=utcnow() - timedelta(days=400))
    registration = registered(app, make_event())
    registration.event_id = past.id
    db.session.commit()
    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0, result.output
    assert "Anonymised the data of 1 registrations; 1 people" in result.output
    db.session.expire_all()
    assert occurrences(db, EMAIL) == []


# --- retention unties old editions from the person ------------------------------------------

def _returning_history(app, db, *, keep_history: bool):
    """Erika attended editions 1 and 2 (long over) and has a confirmed seat at edition 3."""
    from tests.factories import make_series
    series = make_series()
    now = utcnow()
    old = [make_event(series, number=1, starts_at=now - timedelta(days=400)),
           make_event(series, number=2, starts_at=now - timedelta(days=200))]
    recent = make_event(series, number=3)
    consents = {ConsentPurpose.PHOTOS, ConsentPurpose.FUTURE_EDITIONS}
    if keep_history:
        consents.add(ConsentPurpose.KEEP_HISTORY)
    registrations = []
    for event in old:
        registration = registered(app, recent, nonce=f"n-{event.number}", consents=consents)
        registration.event_id = event.id
        registration.status = RegistrationStatus.CONFIRMED
        registration.checked_in_at = event.starts_at
        db.session.commit()
        registrations.append(registration)
    # Someone else came to edition 2 only, so edition 2's figures have two people.
    other = registered(app, recent, email="otto@example.org", nonce="otto")
    other.event_id, other.status, other.checked_in_at = old[1].id, RegistrationStatus.CONFIRMED, old[1].starts_at
    db.session.commit()
    current = registered(app, recent, nonce="n-3", consents=consents)
    current.status = RegistrationStatus.CONFIRMED
    for consent in db.session.scalars(sa.select(ConsentRecord)):
        consent.confirmed_at = consent.given_at
    db.session.commit()
    return series, old, recent, registrations, current


def _series_figures(series):
    from app.records.statistics import edition_statistics, series_statistics
    stats = series_statistics(series)
    rows = [(row.event.number, row.figures.registered, row.figures.confirmed,
             row.figures.attended, len(row.figures.participants), row.figures.returning,
             row.figures.sectors) for row in stats.rows]
    editions = [(e.number, edition_statistics(e).figures.returning,
                 len(edition_statistics(e).figures.participants)) for e in series.events]
    return rows, editions, stats.sectors


def _record_page(client, person_id):
    return client.get(f"/manage/participants/{person_id}").get_data(as_text=True)


def test_retention_unties_old_editions_from_a_returning_person_and_keeps_the_figures(
        app, client, db, login_as):
    series, old, recent, registrations, current = _returning_history(app, db, keep_history=False)
    person_id = current.participant_id
    before = _series_figures(series)
    assert [row[5] for row in before[0]] == [0, 1, 1]  # edition 2 and 3: Erika came back

    assert services.run_retention() == {"registrations": 3, "people": 1}
    db.session.expire_all()

    assert _series_figures(series) == before
    person = db.session.get(Participant, person_id)
    assert person.anonymised_at is None and person.email == EMAIL
    # Nothing stored ties the person to editions 1 and 2 any more.
    assert [r.event_id for r in person.registrations] == [recent.id]
    assert {c.registration_id for c in person.consents} == {current.id}
    export = services.export_person(person)
    assert [r["edition_number"] for r in export["registrations"]] == [3]
    assert sorted(c["purpose"] for c in export["consents"]) == [
        "accessibility_data", "future_editions", "photos", "privacy_notice"]
    for registration in registrations:
        moved = db.session.get(Registration, registration.id)
        owner = moved.participant
        assert owner.id != person_id and owner.anonymised_at is not None
        assert (owner.name, owner.organisation) == ("", "")
        assert EMAIL not in owner.email
        assert {c.participant_id for c in db.session.scalars(sa.select(ConsentRecord).where(
            ConsentRecord.registration_id == moved.id))} == {owner.id}
    login_as("staff")
    html = _record_page(client, person_id)
    assert "Ausgabe 3" in html and "Ausgabe 1" not in html and "Ausgabe 2" not in html
    # Running again changes nothing.
    assert services.run_retention() == {"registrations": 0, "people": 0}


def test_with_the_history_consent_old_editions_stay_with_the_person_until_it_is_withdrawn(
        app, client, db, login_as):
    series, old, recent, registrations, current = _returning_history(app, db, keep_history=True)
    person_id = current.participant_id
    before = _series_figures(series)

    assert services.run_retention() == {"registrations": 3, "people": 1}
    db.session.expire_all()
    person = db.session.get(Participant, person_id)
    assert sorted(r.event.number for r in person.registrations) == [1, 2, 3]
    assert [r.accessibility_needs for r in sorted(person.registrations, key=lambda r: r.id)] == \
        ["", "", "Rollstuhlplatz nahe der Tür"]
    assert [r["edition_number"] for r in services.export_person(person)["registrations"]] == [1, 2, 3]
    login_as("staff")
    html = _record_page(client, person_id)
    assert "Ausgabe 1" in html and "Ausgabe 2" in html
    assert "Teilnahme-Historie aufbewahren" in html
    assert services.run_retention() == {"registrations": 0, "people": 0}

    withdraw_consent(db.session.get(Registration, current.id), ConsentPurpose.KEEP_HISTORY)
    assert services.run_retention() == {"registrations": 2, "people": 0}
    db.session.expire_all()
    person = db.session.get(Participant, person_id)
    assert [r.event.number for r in person.registrations] == [3]
    assert "Ausgabe 1" not in _record_page(client, person_id)
    assert _series_figures(series) == before



def _audit_actions_written_by_the_app() -> set[str]:
    """Every literal action passed to audit() or audit_access() (or the old _audit(),
    _audit_access()) in app/, or written straight into an AuditLog(action=...)."""
    import ast
    actions = set()
    for path in Path("app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in {
                    "audit", "_audit", "_audit_access", "audit_access"} and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    actions.add(first.value)
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "AuditLog":
                actions.update(k.value.value for k in node.keywords if k.arg == "action"
                               and isinstance(k.value, ast.Constant))
    return actions


def test_every_audit_action_has_words_in_both_languages(app):
    from flask_babel import force_locale

    from app.records.audit_words import ACTION_LABELS, action_label
    actions = _audit_actions_written_by_the_app()
    assert "participant.view" in actions and len(actions) > 20
    assert actions - set(ACTION_LABELS) == set()
    with app.test_request_context():
        for language in ("de", "en"):
            with force_locale(language):
                labels = [action_label(a) for a in sorted(ACTION_LABELS)]
            assert all("." not in label and "_" not in label for label in labels), labels
            assert len(set(labels)) == len(labels)


@pytest.mark.parametrize(("details", "de", "en"), [
    ("participant 62", "Person Nr. 62", "Person no. 62"),
    ("participant 61 into 62", "Person Nr. 61 in Person Nr. 62", "Person no. 61 into person no. 62"),
    ("place: waitlist, status: confirmed", "Platz: Warteliste, Status: Bestätigt",
     "Place: Waiting list, Status: Confirmed"),
    ("registrations: 3, people: 1",
     "Anmeldungen: 3, vollständig anonymisierte Personen: 1",
     "Registrations: 3, people fully anonymised: 1"),
    ("mails: 1", "1 E-Mail", "1 e-mail"),
    ("place: seat, status: confirmed, mail: no, reason given: yes",
     "Platz: Platz, Status: Bestätigt, E-Mail verschickt: nein, Grund angegeben: ja",
     "Place: Seat, Status: Confirmed, E-mail sent: no, Reason given: yes"),
    ("group: waitlist, mails: 3", "An: Warteliste, 3 E-Mails", "To: Waiting list, 3 e-mails"),
    ("12 mails", "12 E-Mails", "12 e-mails"),
    ("", "", ""),
])
def test_audit_details_are_shown_in_words(app, details, de, en):
    from flask_babel import force_locale

    from app.records.audit_words import details_text
    with app.test_request_context():
        with force_locale("de"):
            assert details_text(details) == de
        with force_locale("en"):
            assert details_text(details) == en


@pytest.mark.parametrize(("url", "texts"), [
    ("/privacy?lang=de", ["werden 45 Tage nach ihrem Ende automatisch anonymisiert",
                          "von Ihrer Person getrennt",
                          "Aufbewahrung Ihrer Teilnahme-Historie"]),
    ("/privacy?lang=en", ["anonymised automatically 45 days after the event ends",
                          "are separated from you",
                          "keeping your participation history"]),
    ("/leichte-sprache?lang=de", ["45 Tage nach dem Treffen löschen wir Ihre Daten.",
                                  "Dann weiß niemand mehr: Sie waren bei dem Treffen."]),
    ("/leichte-sprache?lang=en", ["45 days after the meeting we delete your data.",
                                  "Then nobody knows any more: you were at the meeting."]),
])
def test_the_notices_say_what_retention_does_with_the_configured_period(app, client, url, texts):
    days = app.config["RETENTION_DAYS"]
    app.config["RETENTION_DAYS"] = 45
    try:
        html = client.get(url).get_data(as_text=True)
    finally:
        app.config["RETENTION_DAYS"] = days
    for text in texts:
        assert text in html
    assert "Nach dem Treffen löschen wir Ihre Daten" not in html
    assert "After the meeting we delete your data" not in html

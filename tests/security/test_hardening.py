"""Issue 13: no input gives a 500, no link can be poisoned, limits that hold.

One test (or a few) per numbered item of the issue, each failing before its fix. The
fuzzing over every route's URL parameters and every date field is in test_fuzzing.py.
"""
import time

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import limiter
from app.models import OutboxMessage, Registration
from config import Config, ProductionConfig
from tests.conftest import CSRF_RE, csrf_from
from tests.factories import PASSWORD, make_agenda_item, make_event, make_user
from tests.registration.conftest import register


def count(db, model) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- 1. the Host header decides nothing -----------------------------------------------------

def test_production_refuses_to_start_without_a_public_address():
    with pytest.raises(RuntimeError, match="SERVER_NAME"):
        create_app(ProductionConfig, SECRET_KEY="s3cret", SERVER_NAME=None,
                   SQLALCHEMY_DATABASE_URI="sqlite://")


def test_production_accepts_requests_for_its_own_host_only():
    app = create_app(ProductionConfig, SECRET_KEY="s3cret", SERVER_NAME="werkstatt.example.org",
                     SQLALCHEMY_DATABASE_URI="sqlite://")
    assert app.config["TRUSTED_HOSTS"] == ["werkstatt.example.org"]
    client = app.test_client()
    assert client.get("/imprint", headers={"Host": "werkstatt.example.org"}).status_code == 200
    refused = client.get("/imprint", headers={"Host": "evil.example"})
    assert refused.status_code == 400
    assert refused.get_data(as_text=True) == "400 Bad Request: unknown host / unbekannter Host\n"


def test_a_registration_sent_for_another_host_is_refused_and_mails_nothing(client, db):
    event = make_event()
    response = register(client, event.slug)  # a first, normal registration
    assert response.status_code == 303
    mails = count(db, OutboxMessage)
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    token = csrf_from(client, f"/events/{event.slug}/register")
    nonce = html.split('name="nonce"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    # The same person again (a repeated registration mails a fresh link), for evil.example.
    response = client.post(f"/events/{event.slug}/register", headers={"Host": "evil.example"},
                           data={"csrf_token": token, "nonce": nonce, "name": "Erika Mustermann",
                                 "email": "erika@example.org", "sector": "civil_society",
                                 "privacy_acknowledged": "y"})
    assert response.status_code == 400
    assert count(db, OutboxMessage) == mails


def test_links_in_mails_name_the_configured_host_whatever_host_was_asked_for(client, db, app,
                                                                             monkeypatch):
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["localhost", "alias.example"])
    event = make_event()
    alias = {"Host": "alias.example"}  # the session cookie, too, is for this host
    html = client.get(f"/events/{event.slug}/register", headers=alias).get_data(as_text=True)
    token = CSRF_RE.search(html).group(1)
    nonce = html.split('name="nonce"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    response = client.post(f"/events/{event.slug}/register", headers=alias,
                           data={"csrf_token": token, "nonce": nonce, "name": "Erika Mustermann",
                                 "email": "erika@example.org", "sector": "civil_society",
                                 "privacy_acknowledged": "y"})
    assert response.status_code == 303
    body = db.session.scalar(sa.select(OutboxMessage.body_text))
    assert "http://localhost/r/" in body
    assert "alias.example" not in body


# --- 2. and 3. login throttling: per account and source, normalised, growing ---------------

@pytest.fixture
def limited(app):
    """The production defaults for failed logins."""
    saved = {k: app.config[k] for k in ("LOGIN_LIMIT_PER_IP", "LOGIN_LIMIT_PER_ACCOUNT")}
    app.config.update(LOGIN_LIMIT_PER_IP=Config.LOGIN_LIMIT_PER_IP,
                      LOGIN_LIMIT_PER_ACCOUNT=Config.LOGIN_LIMIT_PER_ACCOUNT)
    limiter.reset()
    yield
    app.config.update(saved)
    limiter.reset()


def login_from(client, address: str, email: str, password: str):
    """Sign in as if from the client address `address`."""
    token = csrf_from(client, "/manage/login")
    return client.post("/manage/login", data={"email": email, "password": password,
                                              "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def test_unicode_variants_of_the_address_count_towards_the_same_limit(client, db, limited):
    make_user(email="throttle@example.org")
    for variant in ("throttle@example.org", "THROTTLE@example.org", "throttle@ｅxample.org",
                    "throttle@EXAMPLE.ORG", " throttle@example.org"):
        assert login_from(client, "192.0.2.1", variant, "wrong").status_code == 200, variant
    # With a fullwidth "ｅ" the limit used to be a fresh one, and this signed in.
    response = login_from(client, "192.0.2.1", "throttle@ｅxample.org", PASSWORD)
    assert response.status_code == 429


def test_an_attacker_elsewhere_cannot_lock_the_real_person_out(client, db, limited):
    make_user(email="kim@example.org")
    for _ in range(5):
        assert login_from(client, "203.0.113.66", "kim@example.org", "wrong").status_code == 200
    # The attacker is throttled, even with the right password …
    assert login_from(client, "203.0.113.66", "kim@example.org", PASSWORD).status_code == 429
    # … the person, from their own address, signs in.
    assert login_from(client, "198.51.100.7", "kim@example.org", PASSWORD).status_code == 303


def test_the_wait_grows_with_every_round_of_failed_logins(client, db, limited, monkeypatch):
    make_user(email="kim@example.org")
    clock = [1_900_000_000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])  # the limiter's storage reads it

    def failing_round():
        for _ in range(5):
            assert login_from(client, "203.0.113.66", "kim@example.org", "x").status_code == 200
        refused = login_from(client, "203.0.113.66", "kim@example.org", PASSWORD)
        assert refused.status_code == 429
        return int(refused.headers["Retry-After"])

    start = clock[0]
    assert failing_round() in (600, 601)  # five failures: ten minutes (rounded up)
    clock[0] += 601
    failing_round()  # ten failures: the rest of the hour
    clock[0] += 601  # ten minutes more are not enough now …
    assert login_from(client, "203.0.113.66", "kim@example.org", PASSWORD).status_code == 429
    clock[0] = start + 3601  # … the hour is
    assert login_from(client, "203.0.113.66", "kim@example.org", PASSWORD).status_code == 303


# --- 6. integers in URLs beyond the database's range ------------------------------------------

@pytest.mark.parametrize("number", [2**31, 2**63, 99999999999999999999])
def test_a_huge_number_in_a_url_is_not_found(client, db, login_as, number):
    event = make_event()
    assert client.get(f"/events/{event.slug}/report/photos/{number}").status_code == 404
    login_as("staff")
    assert client.get(f"/manage/events/{event.slug}/agenda/items/{number}").status_code == 404
    assert client.get(f"/manage/participants/{number}").status_code == 404
    csrf = csrf_from(client, "/manage/account/password")
    assert client.post(f"/manage/events/{event.slug}/registrations/{number}/cancel",
                       data={"csrf_token": csrf}).status_code == 404


def test_a_huge_item_number_in_the_reorder_form_is_not_found(client, db, login_as):
    event = make_event()
    make_agenda_item(event)
    login_as("staff")
    csrf = csrf_from(client, "/manage/account/password")
    response = client.post(f"/manage/events/{event.slug}/agenda/reorder",
                           data={"csrf_token": csrf, "item_id": str(2**64), "new_index": "0"})
    assert response.status_code == 404


# --- 9. line breaks in next= ---------------------------------------------------------------

@pytest.mark.parametrize("target", ["/manage/users%0D%0ASet-Cookie:%20x=1", "/manage/%0A",
                                    "/manage/%09users", "/manage\\evil.example"])
def test_a_next_parameter_with_control_characters_leads_to_the_dashboard(client, db, target):
    make_user(email="kim@example.org")
    token = csrf_from(client, "/manage/login")
    response = client.post(f"/manage/login?next={target}",
                           data={"email": "kim@example.org", "password": PASSWORD,
                                 "csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == "/manage/"


# --- 7. dates in a sensible range, in every staff form with dates ----------------------------

def edition_form(series_id: int, **overrides) -> dict:
    from tests.events.test_events import event_form
    return event_form(series_id, **overrides)


DATE_MESSAGE = "Bitte ein Datum zwischen den Jahren 2000 und 2100 angeben."
EDITION_DATES = {"starts_at": ("starts_at", "ends_at"), "ends_at": ("ends_at",),
                 "registration_opens_at": ("registration_opens_at",),
                 "registration_closes_at": ("registration_closes_at",)}


@pytest.mark.parametrize("year", ["0001", "1999", "2101", "9999"])
@pytest.mark.parametrize("field", EDITION_DATES)
def test_an_edition_with_a_date_out_of_range_is_refused_with_a_message(client, db, login_as,
                                                                       field, year):
    from app.models import Event, Series
    login_as("staff")
    series = Series(slug="reihe", name="Reihe", description="")
    db.session.add(series)
    db.session.commit()
    # Out of range together with whatever must follow it (the end after the beginning).
    values = {name: f"{year}-03-09T17:00" if name != "ends_at" else f"{year}-03-09T18:30"
              for name in EDITION_DATES[field]}
    if field == "registration_opens_at":
        values["registration_closes_at"] = ""
    csrf = csrf_from(client, "/manage/events/new")
    response = client.post("/manage/events/new",
                           data={**edition_form(series.id, **values), "csrf_token": csrf})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert DATE_MESSAGE in html
    assert count(db, Event) == 0

    english = client.post("/manage/events/new?lang=en",
                          data={**edition_form(series.id, **values), "csrf_token": csrf})
    assert "Please enter a date between the years 2000 and 2100." in english.get_data(as_text=True)


@pytest.mark.parametrize("year", ["0001", "9999"])
def test_an_agenda_item_pinned_out_of_range_is_refused_with_a_message(client, db, login_as, year):
    from app.models import AgendaItem
    event = make_event()
    login_as("staff")
    csrf = csrf_from(client, f"/manage/events/{event.slug}/agenda")
    response = client.post(f"/manage/events/{event.slug}/agenda/items",
                           data={"csrf_token": csrf, "kind": "input", "title": "Impuls",
                                 "duration_minutes": "20", "description": "",
                                 "pinned_start": f"{year}-01-01T18:00"})
    assert response.status_code == 422
    assert DATE_MESSAGE in response.get_data(as_text=True)
    assert count(db, AgendaItem) == 0


def test_an_edition_in_the_last_sensible_year_works_everywhere(client, db, login_as):
    from tests.factories import berlin
    event = make_event(starts_at=berlin(2100, 12, 20, 17))
    assert client.get("/events.ics").status_code == 200
    assert client.get(f"/events/{event.slug}/event.ics").status_code == 200
    login_as("staff")
    csrf = csrf_from(client, f"/manage/events/{event.slug}/agenda")
    assert client.post(f"/manage/events/{event.slug}/duplicate",
                       data={"csrf_token": csrf}).status_code == 303


# --- 8. twenty speakers ------------------------------------------------------------------------

def test_an_edition_with_the_most_speakers_can_be_edited_again(client, db, login_as):
    from app.models import Speaker
    event = make_event(status="draft")
    login_as("staff")
    edit = f"/manage/events/{event.slug}/edit"
    page = client.get(edit).get_data(as_text=True)
    csrf = CSRF_RE.search(page).group(1)
    speakers = {f"speakers-{i}-name": f"Person {i + 1}" for i in range(20)}
    data = edition_form(event.series_id, number=str(event.number), **speakers)
    response = client.post(edit, data={**data, "csrf_token": csrf})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    assert count(db, Speaker) == 20
    again = client.get(edit)
    assert again.status_code == 200
    html = again.get_data(as_text=True)
    assert 'name="speakers-19-name"' in html and 'name="speakers-20-name"' not in html
    assert "Mehr als 20 Personen sind nicht möglich." in html
    # A 21st row sent anyway is left out, not a crash.
    response = client.post(edit, data={**data, "speakers-20-name": "Person 21",
                                       "csrf_token": csrf})
    assert response.status_code == 303
    assert count(db, Speaker) == 20


# --- 10. a request-size limit, with a message -------------------------------------------------

@pytest.mark.parametrize(("lang", "text"), [
    ("de", "Die gesendeten Daten sind zu groß: höchstens 12 MB auf einmal, ein Foto höchstens "
           "10 MB."),
    ("en", "The data sent is too large: at most 12 MB at once, a photo at most 10 MB.")])
def test_an_oversized_post_to_the_public_form_is_refused_with_a_message(client, db, lang, text):
    from app.models import Participant
    event = make_event()
    token = csrf_from(client, f"/events/{event.slug}/register")
    response = client.post(f"/events/{event.slug}/register?lang={lang}",
                           data={"csrf_token": token, "name": "x" * (13 * 2**20)})
    assert response.status_code == 413
    assert text in response.get_data(as_text=True)
    assert count(db, Participant) == 0


def test_the_request_limit_leaves_room_for_a_report_photo(app):
    from app.reports.photos import MAX_UPLOAD_BYTES
    assert app.config["MAX_CONTENT_LENGTH"] >= MAX_UPLOAD_BYTES + 2**20


# --- 11. the Atom feed stays valid XML whatever the report says --------------------------------

HOSTILE_INTRODUCTION = ("Erste Zeile  \nzweite Zeile\n\n---\n\nGeschützte\u00a0Leerzeichen, "
                        "&nbsp; &copy; & < > ]]> \"Zitat\" 'x'\n\n<script>alert(1)</script>"
                        "<br><hr><img src=x onerror=alert(1)>\n\n* Liste\n* mit [Link](https://"
                        "example.org/?a=1&b=2)")


def test_the_feed_is_valid_atom_with_hostile_report_text(client, db):
    import xml.etree.ElementTree as ET

    import feedparser

    from app.markdown import render_markdown
    from tests.reports.conftest import make_held_event, make_report
    event = make_held_event(title="Daten & <Familien>")
    make_report(event, introduction=HOSTILE_INTRODUCTION)
    body = client.get("/feed.atom").data
    root = ET.fromstring(body)  # a strict XML parser: raw HTML in the feed fails here
    atom = "{http://www.w3.org/2005/Atom}"
    summaries = [e.find(f"{atom}summary") for e in root.iter(f"{atom}entry")]
    html = [s for s in summaries if s.get("type") == "html"]
    assert len(html) == 1
    # RFC 4287: the element's text, once unescaped by the XML parser, is the HTML itself.
    assert html[0].text == str(render_markdown(HOSTILE_INTRODUCTION))
    assert list(html[0]) == []  # no child elements
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.bozo_exception
    assert len(parsed.entries) == 2  # the edition and its report


# --- 12. published photos: caches ask again --------------------------------------------------

def test_a_published_photo_is_revalidated_so_unpublishing_reaches_caches(client, db, login_as):
    import hashlib

    from app.models import ReportPhoto
    from tests.reports.conftest import make_held_event, make_report
    event = make_held_event()
    report = make_report(event)
    data = b"\x89PNG fake bytes"
    photo = ReportPhoto(report=report, data=data, mime_type="image/png", width=240, height=240,
                        sha256=hashlib.sha256(data).hexdigest(), alt="Blau", credit="Foto: Test")
    db.session.add(photo)
    db.session.commit()
    url = f"/events/{event.slug}/report/photos/{photo.id}"
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, no-cache"
    assert response.headers["ETag"] == f'"{photo.sha256}"'
    # A cache revalidating gets a cheap 304 while published …
    assert client.get(url, headers={"If-None-Match": f'"{photo.sha256}"'}).status_code == 304
    report.published_at = None
    db.session.commit()
    # … and a 404 once the report is unpublished.
    assert client.get(url, headers={"If-None-Match": f'"{photo.sha256}"'}).status_code == 404


# --- 5. bidirectional overrides and line separators in names ---------------------------------

UNSAFE_NAMES = ["Anna\u202egnp.exe", "Anna\u2028Bcc: x", "Anna\u2029B", "Anna\x85B",
                "Anna\u2066B\u2069", "Anna\u202aB\u202c", "Anna\x9bB"]


@pytest.mark.parametrize("name", UNSAFE_NAMES)
def test_a_name_with_bidi_controls_or_line_separators_is_refused(client, db, name):
    from app.models import Participant
    event = make_event()
    response = register(client, event.slug, name=name)
    assert response.status_code == 422
    assert ("Bitte nur eine Zeile ohne Steuerzeichen und ohne &lt; oder &gt; eingeben."
            in response.get_data(as_text=True))
    response = register(client, event.slug, organisation=f"Verein {name}")
    assert response.status_code == 422
    assert count(db, Participant) == 0 and count(db, OutboxMessage) == 0


def test_names_in_other_scripts_are_still_welcome(client, db):
    from app.models import Participant
    event = make_event()
    for n, name in enumerate(["Zoë Ünal-Øster", "محمد عبد الله", "שרה כהן", "李小龍", "Αθηνά"]):
        assert register(client, event.slug, name=name,
                        email=f"p{n}@example.org").status_code == 303, name
    assert count(db, Participant) == 5


@pytest.mark.parametrize("name", UNSAFE_NAMES[:3])
def test_an_account_name_with_bidi_controls_is_refused(client, db, login_as, name):
    from app.models import User
    login_as("admin")
    csrf = csrf_from(client, "/manage/users/new")
    response = client.post("/manage/users/new", data={
        "csrf_token": csrf, "email": "neu@example.org", "name": name, "role": "staff",
        "active": "y", "password": "a long enough password"})
    assert response.status_code == 200
    assert "Bitte nur eine Zeile ohne Steuerzeichen eingeben." in response.get_data(as_text=True)
    assert count(db, User) == 1


# --- 4. internationalised addresses go out with SMTPUTF8 --------------------------------------

def test_an_internationalised_address_is_registered_and_mailed_with_smtputf8(client, db):
    from app.mail.worker import deliver_due
    from app.models import utcnow as now
    from tests.smtp import SMTPServer
    event = make_event()
    assert register(client, event.slug, email="ünïcödé@example.net").status_code == 303
    server = SMTPServer(enable_SMTPUTF8=True)
    server.start()
    try:
        assert deliver_due(now(), server.backend()) == 1
    finally:
        server.stop()
    [envelope] = server.envelopes
    assert envelope.rcpt_tos == ["ünïcödé@example.net"]
    assert "SMTPUTF8" in envelope.mail_options
    # The header names the address itself, in UTF-8, not an encoded-word nobody can deliver.
    assert "To: ünïcödé@example.net\r\n".encode() in envelope.content
    assert b"=?utf-8?" not in envelope.content.split(b"\r\n\r\n", 1)[0].split(b"To:", 1)[1][:60]


def test_the_file_backend_writes_an_internationalised_address_as_it_goes_out(app, db, tmp_path):
    from app.mail.sender import FileBackend
    from app.mail.worker import deliver_due
    from app.models import utcnow as now
    from tests.mail import make_outbox_message
    row = make_outbox_message(to_address="ünïcödé@example.net", kind="confirmed")
    assert deliver_due(now(), FileBackend(tmp_path)) == 1
    raw = (tmp_path / f"{row.id}-confirmed.eml").read_bytes()
    assert "\nTo: ünïcödé@example.net\n".encode() in raw


# --- 13. erasure reaches the file backend's mails -------------------------------------------

def test_erasure_deletes_the_persons_mail_files_in_development(app, client, db, login_as,
                                                               tmp_path, monkeypatch):
    from app.mail.sender import backend_from_config
    from app.mail.worker import deliver_due
    from app.models import Participant
    from app.models import utcnow as now
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "file")
    monkeypatch.setitem(app.config, "MAIL_FILE_DIR", str(tmp_path))
    event = make_event()
    assert register(client, event.slug, email="Erika@Example.org").status_code == 303
    assert register(client, event.slug, email="nora@example.org", name="Nora").status_code == 303
    assert deliver_due(now(), backend_from_config(app.config)) == 2
    assert len(list(tmp_path.glob("*.eml"))) == 2
    erika = db.session.scalar(sa.select(Participant).where(
        Participant.email == "erika@example.org"))
    login_as("staff")
    response = client.post(f"/manage/participants/{erika.id}/erase",
                           data={"csrf_token": csrf_from(client, "/manage/"), "confirm": "yes"})
    assert response.status_code == 303
    left = [p.read_bytes() for p in tmp_path.glob("*.eml")]
    assert len(left) == 1 and b"To: nora@example.org" in left[0]
    assert not any(b"rika" in p.read_bytes() for p in tmp_path.iterdir())

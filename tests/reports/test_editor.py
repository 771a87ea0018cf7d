"""Staff write, reorder, upload, publish and send the report; bad input never stores or 500s."""
import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image

from app.models import (ConsentPurpose, Learning, OutboxMessage, Report, ReportPhoto,
                        ReportSection, utcnow)
from tests.conftest import csrf_from
from tests.factories import make_event
from tests.reports.conftest import (CONSENT_FUTURE, jpeg_with_exif_and_gps, make_attendee,
                                    make_group, make_held_event, make_report)


def _url(event, suffix=""):
    return f"/manage/events/{event.slug}/report{suffix}"


def _post(client, event, data, files=None, token=None):
    token = token or csrf_from(client, _url(event))
    payload = {"csrf_token": token, **data}
    if files:
        payload.update(files)
    return client.post(_url(event), data=payload,
                       content_type="multipart/form-data" if files else None)


def _report(db):
    db.session.expire_all()
    return db.session.scalars(sa.select(Report)).one_or_none()


def _snapshot(db):
    """Everything a report consists of, to show that nothing changed."""
    db.session.expire_all()
    rows = []
    for model in (Report, ReportSection, Learning, ReportPhoto):
        for row in db.session.scalars(sa.select(model).order_by(model.id)):
            rows.append({c.key: getattr(row, c.key) for c in sa.inspect(model).column_attrs
                         if c.key not in ("updated_at", "updated_by_id")})
    return rows


@pytest.fixture
def staff(login_as):
    return login_as("staff")


def test_staff_write_every_section_and_the_raw_markdown_is_stored(client, db, staff):
    event = make_held_event()
    group = make_group(event)
    speaker = event.speakers[0]
    response = _post(client, event, {
        "introduction": "Ein **guter** Abend.", "closing": "Bis bald.",
        f"input_{speaker.id}": "Karten aus der *Crowd*.", f"group_{group.id}": "Vertrauen zählt.",
        "action": "save"})
    assert response.status_code == 303
    report = _report(db)
    assert report.introduction == "Ein **guter** Abend." and report.closing == "Bis bald."
    bodies = {(s.speaker_id, s.breakout_group_id): s.body for s in report.sections}
    assert bodies == {(speaker.id, None): "Karten aus der *Crowd*.",
                      (None, group.id): "Vertrauen zählt."}
    assert report.published_at is None
    editor = client.get(_url(event)).get_data(as_text=True)
    assert "Karten aus der *Crowd*." in editor and "Gruppe „Vertrauen“" in editor


def test_learnings_are_added_moved_by_keyboard_buttons_and_by_drag_and_removed(client, db, staff):
    event = make_held_event()
    for _ in range(3):
        assert _post(client, event, {"action": "add_learning"}).status_code == 303
    ids = [learning.id for learning in _report(db).learnings]
    titles = {f"learning_{lid}_title": f"L{n}" for n, lid in enumerate(ids, 1)}
    bodies = {f"learning_{lid}_body": "" for lid in ids}
    assert _post(client, event, {**titles, **bodies, "action": "save"}).status_code == 303
    assert [lr.title for lr in _report(db).learnings] == ["L1", "L2", "L3"]
    _post(client, event, {"action": f"down:{ids[0]}"})
    assert [lr.title for lr in _report(db).learnings] == ["L2", "L1", "L3"]
    _post(client, event, {"action": f"up:{ids[2]}"})
    assert [lr.title for lr in _report(db).learnings] == ["L2", "L3", "L1"]
    # Drag and drop (static/js/report.js) submits the whole form with "<id>:<index>".
    _post(client, event, {"drag_move": f"{ids[0]}:0", **titles, **bodies})
    assert [lr.title for lr in _report(db).learnings] == ["L1", "L2", "L3"]
    _post(client, event, {"action": f"delete_learning:{ids[1]}"})
    assert [(lr.title, lr.position) for lr in _report(db).learnings] == [("L1", 0), ("L3", 1)]


def test_a_button_saves_the_text_typed_before_it(client, db, staff):
    event = make_held_event()
    _post(client, event, {"action": "add_learning"})
    learning = _report(db).learnings[0]
    response = _post(client, event, {"introduction": "Noch nicht gespeichert",
                                     f"learning_{learning.id}_title": "Titel",
                                     f"learning_{learning.id}_body": "Text",
                                     "action": "add_learning"})
    assert response.status_code == 303
    report = _report(db)
    assert report.introduction == "Noch nicht gespeichert"
    assert [lr.title for lr in report.learnings] == ["Titel", ""]


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"introduction": "x" * 20_001}, "introduction", "Bitte höchstens 20000 Zeichen."),
    ({"closing": "Steuer\x07zeichen"}, "closing", "Bitte entfernen Sie Steuerzeichen aus dem Text."),
    ({"learning_title": "", "learning_body": "Text ohne Titel"}, "learning_title",
     "Bitte geben Sie dem Learning eine Überschrift."),
    ({"learning_title": "Zeile\nmit Umbruch", "learning_body": ""}, "learning_title",
     "Bitte nur eine Zeile ohne Steuerzeichen eingeben."),
    ({"learning_title": "t" * 301, "learning_body": ""}, "learning_title",
     "Bitte höchstens 300 Zeichen."),
    ({"drag_move": "1:abc"}, "drag_move", "Ungültige Angabe."),
])
def test_invalid_input_re_renders_with_the_message_next_to_the_field_and_stores_nothing(
        client, db, staff, data, field, message):
    event = make_held_event()
    report = make_report(event, published=False, learnings=("Alt",))
    learning_id = report.learnings[0].id
    data = {k.replace("learning_title", f"learning_{learning_id}_title")
             .replace("learning_body", f"learning_{learning_id}_body"): v for k, v in data.items()}
    field = field.replace("learning_title", f"learning_{learning_id}_title")
    before = _snapshot(db)
    response = _post(client, event, {"introduction": "Neue Einleitung", **data, "action": "save"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(rf'<p class="kern-error" id="{field}-error">(.*?)</p>', html, re.S)
    assert error and message in error.group(1), html[:200]
    assert f'aria-describedby="{field}-error"' in html or f'{field}-error"' in html
    assert _snapshot(db) == before


@pytest.mark.parametrize("action", ["explode", "up:abc", "up:99999999999", "delete_photo:-1",
                                    "up:", "save:1:2"])
def test_hostile_actions_are_refused_without_500(client, db, staff, action):
    event = make_held_event()
    make_report(event, published=False)
    before = _snapshot(db)
    response = _post(client, event, {"action": action})
    assert response.status_code in (303, 422)
    if response.status_code == 422:
        assert _snapshot(db) == before


@pytest.mark.parametrize("action", ["up:424242", "delete_learning:424242", "delete_photo:424242"])
def test_ids_of_other_reports_are_refused_with_a_message(client, db, staff, action):
    event = make_held_event()
    other = make_report(make_held_event(), learnings=("Fremd",))
    make_report(event, published=False)
    action = action.replace("424242", str(other.learnings[0].id))
    response = _post(client, event, {"action": action})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "gibt es nicht (mehr)" in page
    assert [lr.title for lr in db.session.get(Report, other.id).learnings] == ["Fremd"]


def test_an_expired_token_keeps_the_text_and_asks_to_save_again(client, db, staff):
    event = make_held_event()
    make_report(event, published=False, introduction="Alt")
    text = "Eine lange Einleitung, an der jemand eine Stunde geschrieben hat."
    response = _post(client, event, {"introduction": text, "action": "save"},
                     token="expired-or-forged")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert text in html
    assert "Bitte speichern Sie noch einmal." in html
    assert _report(db).introduction == "Alt"
    fresh = re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert fresh, "a fresh token comes with the re-rendered form"
    again = _post(client, event, {"introduction": text, "action": "save"}, token=fresh.group(1))
    assert again.status_code == 303 and _report(db).introduction == text


def test_uploaded_photo_is_re_encoded_without_exif_and_gps(client, db, staff):
    event = make_held_event()
    raw = jpeg_with_exif_and_gps((900, 600))
    response = _post(client, event, {"action": "upload_photo", "photo_alt": "Ein Tisch",
                                     "photo_credit": "Foto: Kim Knipser"},
                     files={"photo_file": (io.BytesIO(raw), "IMG_0001.jpg")})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    photo = db.session.scalars(sa.select(ReportPhoto)).one()
    assert (photo.width, photo.height, photo.mime_type) == (900, 600, "image/jpeg")
    stored = client.get(f"/events/{event.slug}/report/photos/{photo.id}").data  # staff: draft ok
    image = Image.open(io.BytesIO(stored))
    assert len(image.getexif()) == 0 and image.getexif().get_ifd(0x8825) == {}
    assert "exif" not in image.info and "comment" not in image.info
    assert b"PhoneMaker" not in stored and b"secret comment" not in stored
    assert photo.credit == "Foto: Kim Knipser" and photo.alt == "Ein Tisch"


def _png(size) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (1, 2, 3)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(("content", "filename", "extra", "field", "message"), [
    (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "x.svg", {}, "photo_file",
     "Die Datei ist kein Foto im Format JPEG, PNG oder WebP."),
    (b"GIF89a" + b"\x00" * 100, "x.gif", {}, "photo_file",
     "Die Datei ist kein Foto im Format JPEG, PNG oder WebP."),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 50, "broken.jpg", {}, "photo_file",
     "Die Datei ist kein Foto im Format JPEG, PNG oder WebP."),
    ("small", "small.png", {}, "photo_file", "Das Foto ist zu klein"),
    ("ok", "ok.png", {"photo_alt": ""}, "photo_alt",
     "Bitte beschreiben Sie, was auf dem Foto zu sehen ist."),
    ("ok", "ok.png", {"photo_credit": ""}, "photo_credit",
     "Bitte geben Sie einen Bildnachweis an."),
    (None, None, {}, "photo_file", "Bitte wählen Sie ein Foto aus."),
])
def test_bad_uploads_show_the_reason_next_to_the_field_and_store_nothing(
        client, db, staff, content, filename, extra, field, message):
    event = make_held_event()
    make_report(event, published=False)
    if content == "small":
        content = _png((50, 50))
    elif content == "ok":
        content = _png((400, 300))
    data = {"action": "upload_photo", "photo_alt": "Ein Bild", "photo_credit": "Foto: X", **extra}
    files = {"photo_file": (io.BytesIO(content), filename)} if content is not None else None
    before = _snapshot(db)
    response = _post(client, event, data, files=files)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(rf'<p class="kern-error" id="{field}-error">(.*?)</p>', html, re.S)
    assert error and message in error.group(1)
    assert _snapshot(db) == before


def test_an_oversized_upload_is_refused(client, db, staff, app):
    event = make_held_event()
    make_report(event, published=False)
    huge = b"\xff\xd8" + b"0" * (13 * 1024 * 1024)
    response = _post(client, event, {"action": "upload_photo", "photo_alt": "a",
                                     "photo_credit": "b"},
                     files={"photo_file": (io.BytesIO(huge), "huge.jpg")})
    assert response.status_code == 413
    assert db.session.scalars(sa.select(ReportPhoto)).all() == []


def test_publish_and_unpublish(client, db, staff):
    event = make_held_event()
    make_report(event, published=False)
    token = csrf_from(client, _url(event))
    assert client.post(_url(event, "/publish"), data={"csrf_token": token}).status_code == 303
    report = _report(db)
    assert report.published_at is not None and report.first_published_at is not None
    first = report.first_published_at
    assert client.get(f"/events/{event.slug}/report").status_code == 200
    client.post(_url(event, "/unpublish"), data={"csrf_token": token})
    assert _report(db).published_at is None
    assert client.get(f"/events/{event.slug}/report").status_code == 404
    client.post(_url(event, "/publish"), data={"csrf_token": token})
    assert _report(db).first_published_at == first  # the feed entry keeps its date


@pytest.mark.parametrize("case", ["future", "empty", "untitled_learning"])
def test_publishing_is_refused_with_a_reason(client, db, staff, case):
    if case == "future":
        event = make_event()  # starts in 30 days
        make_report(event, published=False)
    else:
        event = make_held_event()
        make_report(event, published=False, introduction="" if case == "empty" else "x",
                    learnings=() if case == "empty" else ("",))
    token = csrf_from(client, _url(event))
    response = client.post(_url(event, "/publish"), data={"csrf_token": token})
    assert response.status_code == 303
    assert _report(db).published_at is None
    page = client.get(_url(event)).get_data(as_text=True)
    assert 'kern-alert--danger' in page


def test_preview_shows_the_draft_to_staff_only(client, db, login_as):
    event = make_held_event()
    make_report(event, published=False, introduction="Geheimer Entwurf")
    login_as("staff")
    html = client.get(_url(event, "/preview")).get_data(as_text=True)
    assert "Geheimer Entwurf" in html and "Vorschau" in html
    pdf = client.get(_url(event, "/preview.pdf"))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_notify_mails_attendees_who_want_news_once_in_their_language(client, db, staff):
    event = make_held_event()
    make_attendee(event, "Dana Deutsch", consents=CONSENT_FUTURE)
    make_attendee(event, "Emma English", consents=CONSENT_FUTURE, language="en")
    make_attendee(event, "Nora Nichtgekommen", consents=CONSENT_FUTURE, attended=False)
    make_attendee(event, "Kai Keinewerbung")
    withdrawn = make_attendee(event, "Willi Widerruf", consents=CONSENT_FUTURE)
    from app.models import ConsentRecord
    db.session.scalar(sa.select(ConsentRecord).where(
        ConsentRecord.participant_id == withdrawn.participant_id)).withdrawn_at = utcnow()
    db.session.commit()
    make_report(event)
    token = csrf_from(client, _url(event))
    assert client.post(_url(event, "/notify"), data={"csrf_token": token}).status_code == 303
    mails = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert len(mails) == 2
    german, english = mails
    assert german.subject.startswith("Der Bericht ist online") and "Dana Deutsch" in german.body_text
    assert "Fragen? Antworten Sie einfach" in german.body_text
    assert "Emma English" in english.body_text
    assert "Questions? Simply reply to this email" in english.body_text  # rendered in English
    assert f"/events/{event.slug}/report" in german.body_text
    client.post(_url(event, "/notify"), data={"csrf_token": token})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 2


def test_notify_asks_first_and_counts_only_people_with_an_address(client, db, staff):
    event = make_held_event()
    make_attendee(event, "Dana Deutsch", consents=CONSENT_FUTURE)
    make_attendee(event, "Emma English", consents=CONSENT_FUTURE, language="en")
    placeholder = make_attendee(event, "Wanda Walkin", consents=CONSENT_FUTURE)
    placeholder.participant.email = "0123456789abcdef01234567@walk-in.invalid"
    make_attendee(event, "Kai Keinewerbung")
    db.session.commit()
    make_report(event)
    assert f'href="{_url(event, "/notify")}"' in client.get(_url(event)).get_data(as_text=True)

    page = client.get(_url(event, "/notify"))

    assert page.status_code == 200
    html = re.sub(r"\s+", " ", page.get_data(as_text=True))
    assert "2 Personen bekommen eine E-Mail mit dem Link zum Bericht, in der Sprache ihrer " \
           "Anmeldung." in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    assert _report(db).participants_notified_at is None

    token = csrf_from(client, _url(event, "/notify"))
    assert client.post(_url(event, "/notify"), data={"csrf_token": token}).status_code == 303
    addresses = db.session.scalars(sa.select(OutboxMessage.to_address)).all()
    assert len(addresses) == 2
    assert not any(a.endswith("@walk-in.invalid") for a in addresses)


def test_notify_says_why_nobody_would_get_the_mail(client, db, staff):
    event = make_held_event()
    make_attendee(event, "Kai Keinewerbung")
    make_attendee(event, "Lea Lieberkeine")
    make_report(event)
    html = re.sub(r"\s+", " ", client.get(_url(event, "/notify")).get_data(as_text=True))
    assert "Niemand bekommt eine E-Mail: von 2 Personen, die da waren, möchte niemand von " \
           "künftigen Ausgaben hören (oder es fehlt eine E-Mail-Adresse)." in html
    assert "Ja, E-Mails senden" not in html


def test_notify_is_refused_for_a_draft(client, db, staff):
    event = make_held_event()
    make_attendee(event, "Dana Deutsch", consents=CONSENT_FUTURE)
    make_report(event, published=False)
    token = csrf_from(client, _url(event))
    client.post(_url(event, "/notify"), data={"csrf_token": token})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    assert _report(db).participants_notified_at is None


def test_facilitators_cannot_open_the_editor(client, db, login_as):
    event = make_held_event()
    login_as("facilitator")
    assert client.get(_url(event)).status_code == 403

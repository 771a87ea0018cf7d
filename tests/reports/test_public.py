"""The published report: page, A4 PDF (text read back), Atom feed, photos, who is named."""
import io
from datetime import timedelta

import feedparser
import pytest
import sqlalchemy as sa
from PIL import Image
from pypdf import PdfReader

from app.models import (ConsentPurpose, ConsentRecord, EventStatus, ReportPhoto, utcnow)
from app.reports.photos import process_photo
from tests.reports.conftest import (CONSENT_NAMED, jpeg_with_exif_and_gps, make_attendee,
                                    make_group, make_held_event, make_report)

A4 = (595.28, 841.89)  # points


def _pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def _add_photo(report, db):
    photo = process_photo(jpeg_with_exif_and_gps((1200, 800)))
    row = ReportPhoto(report=report, data=photo.data, mime_type=photo.mime_type,
                      width=photo.width, height=photo.height, sha256=photo.sha256,
                      alt="Menschen an einem Tisch", caption="Arbeit in Gruppen",
                      credit="Foto: Kim Knipser")
    db.session.add(row)
    db.session.commit()
    return row


def test_report_pdf_is_a4_and_has_the_title_and_every_learning(client, db):
    event = make_held_event(title="Daten für Familien")
    learnings = ("Vertrauen entsteht durch Verständlichkeit", "Offene Daten helfen",
                 "Zuständigkeit klären")
    report = make_report(event, learnings=learnings)
    _add_photo(report, db)
    response = client.get(f"/events/{event.slug}/report.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    reader, text = _pdf_text(response.data)
    flat = " ".join(text.split())
    assert "Daten für Familien" in flat
    for number, title in enumerate(learnings, start=1):
        assert title in flat
        assert f"Learning {number}" in flat
    assert "Foto: Kim Knipser" in flat
    for page in reader.pages:
        assert (round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2)) == A4
    assert f"Seite 1 von {len(reader.pages)}" in flat
    assert len({image.name for page in reader.pages for image in page.images}) == 1  # the photo


def test_report_page_shows_texts_sections_and_figures_from_the_records(client, db):
    event = make_held_event()
    group = make_group(event, topic="Vertrauen")
    make_attendee(event, "Ada Anwesend")
    make_attendee(event, "Bo Behörde", sector="public_administration")
    make_attendee(event, "Cy Nichtda", attended=False)
    report = make_report(event)
    from app.models import ReportSection
    report.sections.extend([ReportSection(speaker_id=event.speakers[0].id,
                                          body="Was der *Impuls* zeigte."),
                            ReportSection(breakout_group_id=group.id,
                                          body="Die Gruppe sammelte Ideen.")])
    db.session.commit()
    html = client.get(f"/events/{event.slug}/report").get_data(as_text=True)
    assert "2 Personen" in html  # checked in: two of three
    assert "Zivilgesellschaft" in html and "Öffentliche Verwaltung" in html
    assert "Vertrauen" in html and "Die Gruppe sammelte Ideen." in html
    assert "Was der <em>Impuls</em> zeigte." in html and "Sam Exempel" in html
    assert "Learning 1" in html and "Erstes Learning" in html
    assert "Ada Anwesend" not in html  # nobody consented to be named


def test_only_consenting_attendees_are_named_on_the_page_and_in_the_pdf(client, db):
    event = make_held_event()
    make_attendee(event, "Nina Namentlich", consents=CONSENT_NAMED)
    make_attendee(event, "Otto Ohnezustimmung")
    make_attendee(event, "Paula Photos", consents=(ConsentPurpose.PHOTOS,))
    widerruf = make_attendee(event, "Wanda Widerruf", consents=CONSENT_NAMED)
    erased = make_attendee(event, "Erik Erased", consents=CONSENT_NAMED)
    make_report(event)
    consent = db.session.scalar(sa.select(ConsentRecord).where(
        ConsentRecord.participant_id == widerruf.participant_id))
    consent.withdrawn_at = utcnow()
    erased.anonymised_at = utcnow()
    db.session.commit()
    html = client.get(f"/events/{event.slug}/report").get_data(as_text=True)
    _reader, text = _pdf_text(client.get(f"/events/{event.slug}/report.pdf").data)
    for output in (html, " ".join(text.split())):
        assert "Nina Namentlich" in output
        for name in ("Otto Ohnezustimmung", "Paula Photos", "Wanda Widerruf", "Erik Erased"):
            assert name not in output


def test_draft_report_is_not_public_and_neither_are_its_photos(client, db):
    event = make_held_event()
    report = make_report(event, published=False)
    photo = _add_photo(report, db)
    assert client.get(f"/events/{event.slug}/report").status_code == 404
    assert client.get(f"/events/{event.slug}/report.pdf").status_code == 404
    assert client.get(f"/events/{event.slug}/report/photos/{photo.id}").status_code == 404
    assert "Bericht lesen" not in client.get("/").get_data(as_text=True)


def test_published_report_is_linked_from_home_and_edition_page(client, db):
    event = make_held_event()
    make_report(event)
    link = f'href="/events/{event.slug}/report"'
    assert link in client.get("/").get_data(as_text=True)
    assert link in client.get(f"/events/{event.slug}").get_data(as_text=True)


def test_photo_is_served_from_the_database_without_exif_or_gps(client, db):
    event = make_held_event()
    photo = _add_photo(make_report(event), db)
    response = client.get(f"/events/{event.slug}/report/photos/{photo.id}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(response.data))
    assert image.size == (1200, 800)
    assert len(image.getexif()) == 0
    assert "exif" not in image.info and "comment" not in image.info
    assert b"PhoneMaker" not in response.data and b"secret comment" not in response.data
    again = client.get(f"/events/{event.slug}/report/photos/{photo.id}",
                       headers={"If-None-Match": f'"{photo.sha256}"'})
    assert again.status_code == 304


def test_feed_parses_as_atom_with_editions_and_reports_and_stable_ids(client, db):
    event = make_held_event(title="Daten für Familien")
    upcoming = make_event_upcoming()
    make_event_draft()
    make_report(event)
    first = feedparser.parse(client.get("/feed.atom").data)
    assert first.bozo == 0, first.bozo_exception
    assert first.version == "atom10"
    ids = [entry.id for entry in first.entries]
    assert len(ids) == len(set(ids)) == 3  # two editions and one report; no draft
    report_entry = next(e for e in first.entries if "/report/" in e.id or e.id.endswith(
        f"report/{event.slug}"))
    assert report_entry.link.endswith(f"/events/{event.slug}/report")
    assert "Daten für Familien" in report_entry.title
    assert any(e.link.endswith(f"/events/{upcoming.slug}") for e in first.entries)
    second = feedparser.parse(client.get("/feed.atom").data)
    assert [e.id for e in second.entries] == ids
    assert client.get("/feed.atom").headers["Content-Type"].startswith("application/atom+xml")


def make_event_upcoming():
    from tests.factories import make_event
    return make_event(starts_at=utcnow().replace(microsecond=0) + timedelta(days=20))


def make_event_draft():
    from tests.factories import make_event
    return make_event(status=EventStatus.DRAFT)


@pytest.mark.parametrize("path", ["/events/nope/report", "/events/nope/report.pdf",
                                  "/events/nope/report/photos/1"])
def test_unknown_edition_answers_404(client, db, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("lang, inputs, learnings, closing", [
    ("de", "Die Impulse", "Unsere Learnings", "Zum Schluss"),
    ("en", "The inputs", "Our learnings", "In closing"),
])
def test_demo_report_pdf_fills_its_pages_without_needless_breaks(runner, client, db, lang,
                                                                 inputs, learnings, closing):
    """The lead photo used to jump to page 2, leaving half of page 1 empty, and the closing
    words stood alone on the last page: page 1 now goes on into the inputs, and the closing
    words share their page with the learnings."""
    assert runner.invoke(args=["demo"]).exit_code == 0
    response = client.get(f"/events/innovationswerkstatt-6/report.pdf?lang={lang}")
    reader = PdfReader(io.BytesIO(response.data))
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    assert len(pages) == 3
    assert inputs in pages[0] and "Sam Exempel" in pages[0]
    assert learnings in pages[1] and closing in pages[2]
    assert "Zuständigkeit muss jemand übernehmen" in pages[2]  # the last learning

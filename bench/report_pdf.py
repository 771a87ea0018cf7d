"""Report benchmark: A4 PDF render time of a four-page report with two photos, and the public
report page's server time.

    .venv/bin/python bench/report_pdf.py                 # 7 PDF renders, 50 page requests
    .venv/bin/python bench/report_pdf.py --pdf-runs 3 --page-runs 20

Builds a throw-away SQLite database with the real migrations, an edition that was held
yesterday with 30 attendees (some consenting to be named), three breakout groups and a
published report long enough for four A4 pages, with two photos (1600 × 1000, re-encoded by
the upload pipeline). Requests go through Flask's test client, so the times are the server's
own (routing, queries, templates, WeasyPrint), without a network. Target: PDF under 1.5 s.
The last line is one JSON object.
"""
import argparse
import io
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image, ImageDraw, ImageFilter  # noqa: E402
from pypdf import PdfReader  # noqa: E402

PDF_TARGET_S = 1.5
PARAGRAPH = ("Die Gruppe sprach darüber, welche Daten Familien im Alltag wirklich helfen, wo "
             "sie heute schon liegen und warum sie so selten dort ankommen, wo sie gebraucht "
             "werden. Mehrere Teilnehmende berichteten aus ihrer Arbeit in Verwaltung und "
             "Zivilgesellschaft; am Ende stand eine Liste von Hindernissen und erste Ideen. ")


def _photo(seed: int) -> bytes:
    """A photo-like JPEG: noise, shapes and a blur, so it compresses like a real one."""
    rnd = random.Random(seed)
    image = Image.effect_noise((1600, 1000), 60).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rnd.randrange(1600), rnd.randrange(1000)
        draw.ellipse((x, y, x + rnd.randrange(50, 300), y + rnd.randrange(50, 300)),
                     fill=tuple(rnd.randrange(256) for _ in range(3)))
    image = image.filter(ImageFilter.GaussianBlur(2))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92)
    return out.getvalue()


def _build(db):
    from app.models import (BreakoutGroup, ConsentPurpose, ConsentRecord, Event, EventFormat,
                            EventStatus, Learning, Participant, Place, Registration,
                            RegistrationStatus, Report, ReportPhoto, ReportSection, Sector,
                            Series, Speaker, utcnow)
    from app.reports.photos import process_photo

    starts = utcnow().replace(microsecond=0) - timedelta(days=1)
    series = Series(slug="bench", name="Innovationswerkstatt", description="")
    event = Event(series=series, number=6, slug="bench-6", status=EventStatus.PUBLISHED,
                  title="Wie können Daten den Alltag von Familien erleichtern?",
                  guiding_question="Was hindert uns daran, Daten für Familien besser zu nutzen?",
                  starts_at=starts, ends_at=starts + timedelta(minutes=90),
                  format=EventFormat.ONLINE, capacity=30)
    event.speakers = [Speaker(position=0, name="Sam Exempel", organisation="Verein", role="Impuls"),
                      Speaker(position=1, name="Lea Probe", organisation="Plattform", role="Impuls")]
    groups = [BreakoutGroup(event=event, position=i, topic=t, title=f"Leitfrage zu {t}?")
              for i, t in enumerate(("Hürden im Alltag", "Vertrauen", "Datenqualität"))]
    db.session.add_all([event, *groups])
    sectors = list(Sector)
    for i in range(30):
        person = Participant(email=f"p{i}@example.org", name=f"Person {i}",
                             sector=sectors[i % 5], organisation=f"Organisation {i % 7}")
        registration = Registration(event=event, participant=person, place=Place.SEAT,
                                    status=RegistrationStatus.CONFIRMED, token_hash=f"{i:064d}",
                                    nonce=f"n{i}", sector=sectors[i % 5], confirmed_at=starts,
                                    checked_in_at=starts if i < 24 else None)
        db.session.add(registration)
        if i % 6 == 0:
            db.session.add(ConsentRecord(participant=person, registration=registration,
                                         purpose=ConsentPurpose.NAMED_IN_REPORT, text_version="x",
                                         confirmed_at=starts))
    report = Report(event=event, introduction=PARAGRAPH,
                    closing="Danke an alle, die dabei waren.", published_at=utcnow(), first_published_at=utcnow())
    for speaker in event.speakers:
        report.sections.append(ReportSection(speaker=speaker, body=PARAGRAPH))
    for group in groups:
        report.sections.append(ReportSection(breakout_group=group,
                                             body=PARAGRAPH + "\n\n- eins\n- zwei\n"))
    for n in range(3):
        report.learnings.append(Learning(position=n, title=f"Learning mit einer Überschrift {n + 1}",
                                         body=PARAGRAPH))
    for n in range(2):
        photo = process_photo(_photo(n))
        report.photos.append(ReportPhoto(position=n, data=photo.data, mime_type=photo.mime_type,
                                         width=photo.width, height=photo.height,
                                         sha256=photo.sha256, alt="Foto", credit="Foto: Bench"))
    db.session.add(report)
    db.session.commit()
    return event.slug


def _timed(client, url: str, runs: int) -> tuple[list[float], bytes]:
    times, body = [], b""
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        body = response.data
    return times, body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdf-runs", type=int, default=7)
    parser.add_argument("--page-runs", type=int, default=50)
    parser.add_argument("--save", metavar="PATH", help="write the rendered PDF here, to look at")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from config import TestConfig

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{os.path.join(tmp, 'b.db')}")
        with app.app_context():
            upgrade()
            slug = _build(db)
            db.session.remove()
        client = app.test_client()
        client.get(f"/events/{slug}/report.pdf")  # warm up fonts and templates
        pdf_times, pdf = _timed(client, f"/events/{slug}/report.pdf", args.pdf_runs)
        client.get(f"/events/{slug}/report")
        page_times, _html = _timed(client, f"/events/{slug}/report", args.page_runs)
        with app.app_context():
            db.engine.dispose()
    if args.save:
        Path(args.save).write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    images = {image.name for page in reader.pages for image in page.images}
    page_times_ms = sorted(t * 1000 for t in page_times)
    result = {
        "pdf_pages": len(reader.pages), "pdf_photos": len(images), "pdf_bytes": len(pdf),
        "pdf_median_s": round(statistics.median(pdf_times), 3),
        "pdf_max_s": round(max(pdf_times), 3),
        "pdf_target_s": PDF_TARGET_S,
        "pdf_target_met": statistics.median(pdf_times) < PDF_TARGET_S,
        "page_median_ms": round(statistics.median(page_times_ms), 1),
        "page_p95_ms": round(page_times_ms[int(0.95 * (len(page_times_ms) - 1))], 1),
    }
    print(f"report PDF: {result['pdf_pages']} A4 pages, {result['pdf_photos']} photos, "
          f"{result['pdf_bytes'] / 1024:.0f} KiB")
    print(f"PDF render: median {result['pdf_median_s']:.3f} s, max {result['pdf_max_s']:.3f} s "
          f"over {args.pdf_runs} runs (target < {PDF_TARGET_S} s: "
          f"{'met' if result['pdf_target_met'] else 'MISSED'})")
    print(f"report page: median {result['page_median_ms']:.1f} ms, p95 "
          f"{result['page_p95_ms']:.1f} ms over {args.page_runs} requests")
    print(json.dumps(result))
    assert result["pdf_pages"] == 4 and result["pdf_photos"] == 2, result  # what is measured
    return 0 if result["pdf_target_met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())

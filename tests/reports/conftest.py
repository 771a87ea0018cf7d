"""Builders for report tests: a held edition with attendees, consents and a report."""
import io
import itertools
from datetime import timedelta

import pytest
from PIL import Image

from app.extensions import db
from app.models import (BreakoutGroup, ConsentPurpose, ConsentRecord, Learning,
                        Registration, Report, Sector, utcnow)
from app.registration.services import text_version
from tests.factories import make_event, make_registration

_n = itertools.count(1)


def make_held_event(**overrides):
    """A published edition that ended yesterday, with two speakers."""
    starts = utcnow().replace(microsecond=0) - timedelta(days=1)
    return make_event(starts_at=starts, speakers=[("Sam Exempel", "Verein für Karten"),
                                                  ("Lea Probe", "Kursplattform")], **overrides)


def make_attendee(event, name: str, *, sector=Sector.CIVIL_SOCIETY, consents=(), language="de",
                  attended=True, organisation="Beispiel e. V.") -> Registration:
    """A confirmed registration, checked in unless attended=False, with confirmed consents."""
    registration, _token = make_registration(
        event, name, email=f"attendee{next(_n)}@example.org", organisation=organisation,
        sector=sector, language=language, at=event.starts_at - timedelta(days=3),
        checked_in_at=event.starts_at + timedelta(minutes=2) if attended else None, commit=False)
    for purpose in consents:
        db.session.add(ConsentRecord(participant=registration.participant,
                                     registration=registration,
                                     purpose=purpose, text_version=text_version(purpose),
                                     given_at=event.starts_at - timedelta(days=4),
                                     confirmed_at=event.starts_at - timedelta(days=3)))
    db.session.commit()
    return registration


def make_report(event, *, published=True, learnings=("Erstes Learning", "Zweites Learning"),
                **overrides) -> Report:
    values = {"introduction": "Eine **Einleitung**.", "closing": "Danke."}
    values.update(overrides)
    report = Report(event=event, **values)
    for position, title in enumerate(learnings):
        report.learnings.append(Learning(position=position, title=title,
                                         body=f"Text zu {title}."))
    if published:
        report.published_at = report.first_published_at = utcnow()
    db.session.add(report)
    db.session.commit()
    return report


def make_group(event, topic="Vertrauen", title="Wann teilen Familien Daten?", position=0):
    group = BreakoutGroup(event=event, topic=topic, title=title, position=position,
                          description="", min_size=1, max_size=10)
    db.session.add(group)
    db.session.commit()
    return group


def jpeg_with_exif_and_gps(size=(640, 480)) -> bytes:
    """A JPEG carrying EXIF (camera, date) and GPS coordinates, as phones write them."""
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    exif[0x0132] = "2025:12:09 17:45:00"  # DateTime
    exif[0x0112] = 1  # Orientation
    gps = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
    exif[0x8825] = gps  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), comment=b"secret comment")
    return out.getvalue()


@pytest.fixture
def held_event(db):
    return make_held_event()


CONSENT_NAMED = (ConsentPurpose.NAMED_IN_REPORT,)
CONSENT_FUTURE = (ConsentPurpose.FUTURE_EDITIONS,)

"""The data set of the API tests: one series with every kind of edition the API must handle."""
import contextvars
import itertools
from dataclasses import dataclass
from datetime import timedelta

import pytest

from app.domain.agenda import ItemKind
from app.extensions import db as _db
from app.models import (Event, EventFormat, EventStatus, Learning, Place,
                        Registration, RegistrationStatus, Report, Sector, utcnow)
from tests.factories import berlin, make_agenda_item, make_event, make_registration, make_series

ROOM_LINK = "https://meet.example.org/geheimer-raum-7"
_numbers = itertools.count(1)


def add_registration(event: Event, place: Place, status: RegistrationStatus,
                     hold_hours: float | None = 24) -> Registration:
    """A registration as the services leave it (pending ones hold their place for `hold_hours`;
    the waiting list in the order they are added)."""
    now = utcnow()
    hold = now + timedelta(hours=hold_hours) if hold_hours is not None else None
    registration, _token = make_registration(
        event, place=place, status=status, organisation="", sector=Sector.RESEARCH,
        hold_expires_at=hold if status == RegistrationStatus.PENDING else None,
        waitlisted_at=now + timedelta(seconds=next(_numbers)) if place == Place.WAITLIST else None)
    return registration


@dataclass(frozen=True)
class Editions:
    past: Event
    upcoming: Event
    cancelled: Event
    draft: Event
    report: Report  # #6's, published
    draft_report: Report  # #7's, not published


def make_report(event: Event, learnings: list[tuple[int, str, str]],
                published_at=None) -> Report:
    """A report with learnings given as (position, title, Markdown body), in any order."""
    report = Report(event=event, introduction="Eine **Einleitung**.", closing="Danke.",
                    published_at=published_at, first_published_at=published_at)
    for position, title, body in learnings:
        report.learnings.append(Learning(position=position, title=title, body=body))
    _db.session.add(report)
    _db.session.commit()
    return report


@pytest.fixture
def editions(db) -> Editions:
    """#5 cancelled, #6 held, #7 upcoming with programme, speakers, holds and a waiting list, #8 draft.

#6 has a published report (learnings created out of order), #7 an unpublished draft one.

    #7 has 3 seats: one confirmed, one unexpired hold, one expired hold (frees its seat),
    one cancelled; two people wait. So 1 seat is left and the waiting list is open.
    """
    series = make_series(slug="innovationswerkstatt", name="Innovationswerkstatt")
    cancelled = make_event(series, number=5, title="Abgesagte Ausgabe",
                           starts_at=berlin(2030, 9, 10, 17), status=EventStatus.CANCELLED)
    past = make_event(series, number=6, title="Vergangene Ausgabe",
                      starts_at=utcnow().replace(microsecond=0) - timedelta(days=60),
                      format=EventFormat.ONSITE, venue="Rathaus, Großer Saal")
    upcoming = make_event(
        series, number=7, title="Verwaltung, die Familien mitdenkt",
        guiding_question="Wie finden Familien leichter die Leistungen, die ihnen zustehen?",
        teaser="Gemeinsam suchen wir Wege.", description="Mehr **dazu**.",
        starts_at=berlin(2030, 12, 10, 17), ends_at=berlin(2030, 12, 10, 19),
        registration_closes_at=berlin(2030, 12, 9, 12),
        format=EventFormat.HYBRID, venue="Musterstraße 1, 10117 Berlin", online_url=ROOM_LINK,
        capacity=3, speakers=[("Sam Exempel", "Verein für Stadtkarten"),
                              ("Kim Beispielfrau", "Familienservice")])
    draft = make_event(series, number=8, title="Geheimer Entwurf", status=EventStatus.DRAFT,
                       starts_at=berlin(2031, 3, 10, 17))
    sam, kim = upcoming.speakers
    # Created out of order: the API follows the position, not the insertion order.
    wrapup = make_agenda_item(upcoming, position=3, kind=ItemKind.WRAPUP, title="Abschluss",
                              duration_minutes=15)
    make_agenda_item(upcoming, position=0, kind=ItemKind.WELCOME, title="Begrüßung",
                     description="Das Büro stellt die *Leitfrage* vor.", duration_minutes=10)
    talk = make_agenda_item(upcoming, position=1, kind=ItemKind.INPUT, title="Impuls",
                            duration_minutes=20)
    make_agenda_item(upcoming, position=2, kind=ItemKind.BREAKOUT, title="Gruppenarbeit",
                     duration_minutes=45)
    talk.speakers = [kim, sam]
    wrapup.speakers = [sam]
    _db.session.commit()
    for place, status, hours in [
            (Place.SEAT, RegistrationStatus.CONFIRMED, None),
            (Place.SEAT, RegistrationStatus.PENDING, 24),
            (Place.SEAT, RegistrationStatus.PENDING, -1),  # expired hold: frees its seat
            (Place.SEAT, RegistrationStatus.CANCELLED, None),
            (Place.WAITLIST, RegistrationStatus.CONFIRMED, None),
            (Place.WAITLIST, RegistrationStatus.PENDING, 24)]:
        add_registration(upcoming, place, status, hours)
    add_registration(past, Place.SEAT, RegistrationStatus.CONFIRMED)
    add_registration(draft, Place.SEAT, RegistrationStatus.CONFIRMED)
    report = make_report(past, [
        (1, "Sprache zählt", "Formulare in *einfacher* Sprache."),
        (0, "Familien fragen", "Wer fragt, **erfährt** mehr."),
        (2, "Daten teilen", ""),
    ], published_at=berlin(2030, 1, 15, 9, 30))
    draft_report = make_report(upcoming, [(0, "Geheimes Learning", "Noch nicht fertig.")])
    _db.session.expire_all()
    return Editions(past=past, upcoming=upcoming, cancelled=cancelled, draft=draft,
                    report=report, draft_report=draft_report)


class IsolatedWSGI:
    """Each request in a context of its own, as IsolatedClient does for the test client."""

    def __init__(self, app):
        self.app = app
        self.seen: list[tuple[str, int]] = []  # (path, status) of every request

    def __call__(self, environ, start_response):
        _db.session.commit()

        def _start(status, headers, exc_info=None):
            self.seen.append((environ["PATH_INFO"], int(status.split()[0])))
            return start_response(status, headers, exc_info)

        return contextvars.Context().run(self.app, environ, _start)

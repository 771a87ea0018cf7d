"""Demo data: the Innovationswerkstatt series with two past editions and an upcoming one.

The facts (titles, dates, times, the shape of the programme) follow the real
editions; every text is written anew for this demo.
"""
import hashlib
import secrets
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from app.auth.services import hash_password
from app.domain.capacity import (QUOTA_SECTORS, Holder, compute_seat_count, decide_placement,
                                 decide_promotions, sector_seats)
from app.domain.editions import BERLIN
from app.extensions import db
from app.domain.agenda import ItemKind
from app.models import (ACTIVE_STATUSES, AgendaItem, BreakoutGroup, ConsentPurpose,
                        ConsentRecord, Event, EventFormat, EventStatus, Participant, Place,
                        Preference, Registration, RegistrationStatus, Role, Sector, Series,
                        Speaker, User, utcnow)
from app.registration.services import text_version
from app.reports.demo import load_demo_reports

DEMO_ACCOUNTS = [
    ("admin@example.org", "Alex Admin", Role.ADMIN, "werkstatt-admin-demo"),
    ("team@example.org", "Toni Team", Role.STAFF, "werkstatt-team-demo"),
    ("moderation@example.org", "Mo Moderation", Role.FACILITATOR, "werkstatt-moderation-demo"),
]

SERIES = {
    "slug": "innovationswerkstatt",
    "name": "Innovationswerkstatt",
    "description": (
        "Viermal im Jahr lädt das Innovationsbüro zu einem Abend ein, an dem Menschen aus "
        "Zivilgesellschaft, Verwaltung, Wirtschaft und Wissenschaft gemeinsam an einer Frage "
        "arbeiten: zwei kurze Impulse, dann Arbeit in gemischten Kleingruppen."
    ),
}


# Named in the privacy notice and on the event page of every online edition.
DEMO_VIDEO_SERVICE = "BigBlueButton, betrieben vom Innovationsbüro auf eigenen Servern"


def _berlin(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


def _next_edition_start(now: datetime) -> datetime:
    """A Tuesday at 17:00 Berlin time, six to seven weeks from now."""
    day = (now.astimezone(BERLIN) + timedelta(weeks=6)).date()
    day += timedelta(days=(1 - day.weekday()) % 7)
    return datetime.combine(day, time(17, 0), tzinfo=BERLIN).astimezone(UTC)


def _editions(now: datetime) -> list[dict]:
    upcoming = _next_edition_start(now)
    return [
        {
            "number": 5,
            "title": "Gemeinsam durch die Krise: Verwaltung und Zivilgesellschaft",
            "guiding_question": "Was kann Verwaltung aus der Zusammenarbeit mit der "
                                "Zivilgesellschaft in Krisen lernen?",
            "teaser": "Wenn es schnell gehen muss, arbeiten Behörden und Engagierte plötzlich "
                      "Seite an Seite. Was davon sollten wir beibehalten?",
            "description": (
                "In Krisenzeiten entstehen oft in wenigen Tagen Kooperationen, für die sonst "
                "Monate nötig wären: Freiwillige entwickeln digitale Werkzeuge, Behörden öffnen "
                "ihre Daten, Netzwerke organisieren Hilfe.\n\n"
                "An diesem Abend schauen wir auf solche Erfahrungen zurück:\n\n"
                "- Was hat ein großer, offener Hackathon über die Zusammenarbeit von Staat und "
                "Zivilgesellschaft gezeigt?\n"
                "- Welche Strukturen braucht die Verwaltung, damit gute Ideen nicht nach der "
                "Krise verschwinden?\n\n"
                "Nach zwei kurzen Impulsen arbeiten wir in gemischten Kleingruppen weiter."
            ),
            "starts_at": _berlin(2025, 9, 16, 17), "ends_at": _berlin(2025, 9, 16, 18, 30),
            "format": EventFormat.ONLINE, "capacity": 30, "video_service": DEMO_VIDEO_SERVICE,
            "breakout": "Was hat in der Krise gut funktioniert, und was davon sollte die "
                        "Verwaltung dauerhaft übernehmen?",
            "speakers": [
                ("Jana Beispiel", "Ehrenamtliches Organisationsteam eines Hackathons",
                 "Impuls: Was wir aus dem Hackathon gelernt haben"),
                ("Dr. Malte Muster", "Bundesverwaltung, Referat für Engagementpolitik",
                 "Impuls: Zusammenarbeit auf Augenhöhe"),
            ],
        },
        {
            "number": 6,
            "title": "Wie können Daten den Alltag von Familien erleichtern?",
            "guiding_question": "Wie können Daten den Alltag von Familien erleichtern?",
            "teaser": "Von barrierefreien Wegen bis zum Elternkurs auf dem Handy: Wo helfen "
                      "Daten Familien schon heute, und was steht ihnen im Weg?",
            "description": (
                "Familien haben wenig Zeit und viele Fragen: Ist der Spielplatz mit dem "
                "Kinderwagen erreichbar? Wo finde ich verlässliche Informationen für die ersten "
                "Lebensmonate meines Kindes?\n\n"
                "Zwei Projekte zeigen, wie Daten dabei helfen können: eine Karte, auf der viele "
                "Menschen gemeinsam Informationen zur Barrierefreiheit von Orten sammeln, und "
                "eine Plattform mit Online-Kursen für junge Eltern.\n\n"
                "Danach fragen wir in Kleingruppen: **Was hindert uns daran, Daten für Familien "
                "besser zu nutzen?**"
            ),
            "starts_at": _berlin(2025, 12, 9, 17), "ends_at": _berlin(2025, 12, 9, 18, 30),
            "format": EventFormat.ONLINE, "capacity": 30, "video_service": DEMO_VIDEO_SERVICE,
            "breakout": "Was hindert uns daran, Daten für Familien besser zu nutzen? "
                        "Jede Gruppe nimmt sich ein Hindernis vor.",
            "speakers": [
                ("Sam Exempel", "Gemeinnütziger Verein für inklusive Stadtkarten",
                 "Impuls: Barrierefreiheitsdaten aus der Crowd"),
                ("Lea Probe", "Online-Kursplattform für junge Eltern",
                 "Impuls: Wissen für die ersten Lebensjahre, digital"),
            ],
        },
        {
            "number": 7,
            "title": "Verwaltung, die Familien mitdenkt",
            "guiding_question": "Wie finden Familien leichter die Leistungen, die ihnen zustehen?",
            "teaser": "Viele Familien wissen nicht, welche Unterstützung es gibt. Gemeinsam "
                      "suchen wir nach Wegen, wie Angebote zu den Menschen kommen.",
            "description": (
                "Elterngeld, Kinderzuschlag, Beratung vor Ort: Es gibt viele Angebote für "
                "Familien, aber sie sind über Ämter, Portale und Formulare verteilt.\n\n"
                "In der siebten Innovationswerkstatt hören wir zwei kurze Impulse aus der "
                "Praxis und arbeiten dann in gemischten Gruppen an der Frage, wie Verwaltung "
                "Familien von sich aus erreichen kann.\n\n"
                "Die Teilnahme ist kostenlos. Den Link zum Online-Raum erhalten Sie nach der "
                "Bestätigung Ihrer Anmeldung."
            ),
            "starts_at": upcoming, "ends_at": upcoming + timedelta(minutes=90),
            "format": EventFormat.ONLINE, "capacity": 30, "video_service": DEMO_VIDEO_SERVICE,
            "online_url": "https://konferenz.example.org/innovationswerkstatt-7",
            # Seats per sector: 6 each for the four sectors, 6 open to everyone; unfilled
            # reserved seats open to all 7 days before the start (the default release).
            "reserved_civil_society": 6, "reserved_public_administration": 6,
            "reserved_business": 6, "reserved_research": 6,
            "breakout": "Wie kann Verwaltung Familien von sich aus auf Leistungen hinweisen, "
                        "die ihnen zustehen?",
            "speakers": [
                ("Kim Beispielfrau", "Familienservice einer Großstadt",
                 "Impuls: Leistungen aus einer Hand"),
                ("Dr. Ole Vorlage", "Forschungsinstitut für Verwaltungsdigitalisierung",
                 "Impuls: Proaktive Verwaltung in anderen Ländern"),
            ],
        },
    ]


def _programme(speakers: list[Speaker], breakout: str) -> list[AgendaItem]:
    """The usual evening: welcome, two inputs, breakout work phase, wrap-up."""
    first, second = speakers
    return [
        AgendaItem(position=0, kind=ItemKind.WELCOME, duration_minutes=10,
                   title="Begrüßung und Einführung in die Leitfrage",
                   description="Das Innovationsbüro stellt den Abend und die Leitfrage vor."),
        AgendaItem(position=1, kind=ItemKind.INPUT, duration_minutes=20,
                   title=first.role.removeprefix("Impuls: "), speakers=[first],
                   description="Kurzer Vortrag mit anschließenden Fragen."),
        AgendaItem(position=2, kind=ItemKind.INPUT, duration_minutes=20,
                   title=second.role.removeprefix("Impuls: "), speakers=[second],
                   description="Kurzer Vortrag mit anschließenden Fragen."),
        AgendaItem(position=3, kind=ItemKind.BREAKOUT, duration_minutes=30,
                   title="Arbeitsphase in gemischten Gruppen", description=breakout),
        AgendaItem(position=4, kind=ItemKind.WRAPUP, duration_minutes=10,
                   title="Ergebnisse aus den Gruppen und Ausblick",
                   description="Jede Gruppe teilt ihre wichtigste Erkenntnis."),
    ]


# Invented people for the demo; addresses on example.org never reach anyone.
_FIRST = ["Anna", "Ben", "Clara", "David", "Elif", "Felix", "Greta", "Hamid", "Ines", "Jonas",
          "Katrin", "Luca", "Mara", "Nils", "Olga", "Paul", "Rania", "Simon", "Tara", "Uwe",
          "Vera", "Yusuf", "Zoe", "Jan", "Lea", "Omar"]
_LAST = ["Albers", "Brandt", "Çelik", "Demir", "Engel", "Fischer", "Graf", "Hoffmann", "Ivanova",
         "Jung", "Krause", "Lorenz", "Meyer", "Nowak", "Otto", "Peters", "Quast", "Richter",
         "Schulz", "Thiel", "Ulrich", "Vogel", "Weber", "Yilmaz", "Zimmer", "Arnold"]
_ORGS = {
    Sector.CIVIL_SOCIETY: ["Elternnetzwerk Nord e. V.", "Familienzentrum Mitte", "Stiftung Kinderzukunft"],
    Sector.PUBLIC_ADMINISTRATION: ["Bezirksamt Musterstadt", "Landesamt für Soziales", "Jobcenter Beispielkreis"],
    Sector.BUSINESS: ["Datenwerk GmbH", "Civic Apps UG", "Beratung Plus AG"],
    Sector.RESEARCH: ["Institut für Sozialforschung", "Hochschule für Verwaltung", "Zentrum für Datenethik"],
    Sector.PRIVATE_PERSON: [""],
    Sector.UNDISCLOSED: [""],
}


# Breakout groups per edition: (topic, guiding question, min, max). The people of the coming
# edition have ranked them, so the board can be tried at once.
_GROUPS = {
    5: [("Daten finden", "Wo liegen Daten, die Familien den Alltag erleichtern könnten?", 3, 8),
        ("Zusammenarbeit", "Wie arbeiten Verwaltung und Zivilgesellschaft an Daten zusammen?", 3, 8),
        ("Vom Prototyp zum Dienst", "Was braucht eine Hackathon-Idee, um zu bleiben?", 3, 8)],
    6: [("Hürden im Alltag", "Was hält Familien davon ab, digitale Angebote zu nutzen?", 3, 8),
        ("Vertrauen", "Wann geben Familien ihre Daten gern weiter – und wann nicht?", 3, 8),
        ("Datenqualität", "Welche Daten fehlen, damit Angebote für Familien gut werden?", 3, 8)],
    7: [("Proaktive Leistungen", "Wie kann Verwaltung Familien von sich aus auf Leistungen hinweisen?", 4, 9),
        ("Beratung vor Ort", "Wie greifen Beratung vor Ort und digitale Angebote ineinander?", 4, 9),
        ("Einfache Sprache", "Wie werden Bescheide und Formulare für Familien verständlich?", 4, 9)],
}


def _demo_groups(event: Event, facilitator: User) -> list[BreakoutGroup]:
    groups = [BreakoutGroup(event=event, position=i, topic=topic, title=title, min_size=low,
                            max_size=high, facilitator=facilitator,
                            room=f"Breakout-Raum {i + 1}" if event.format == EventFormat.ONLINE
                            else f"Raum {i + 1}")
              for i, (topic, title, low, high) in enumerate(_GROUPS.get(event.number, []))]
    db.session.add_all(groups)
    return groups


def _demo_preferences(event: Event, groups: list[BreakoutGroup]) -> None:
    """Rankings for the people of an edition, skewed towards the first topic as in real rooms."""
    topics = [g.topic for g in groups]
    registrations = db.session.scalars(sa.select(Registration).where(
        Registration.event_id == event.id, Registration.status.in_(ACTIVE_STATUSES))
        .order_by(Registration.id)).all()
    for i, registration in enumerate(registrations):
        if i % 6 == 5:
            continue  # some people rank nothing
        order = topics[i % 3:] + topics[:i % 3] if i % 4 else topics
        for rank, topic in enumerate(order[:2 + i % 2], start=1):
            db.session.add(Preference(registration=registration, topic=topic, rank=rank))


def _demo_person(i: int, sector: Sector, event: Event) -> Participant:
    """The i-th invented person of an edition; the first eight come back every time."""
    shift = 0 if i < 8 else event.number
    name = f"{_FIRST[(i * 7 + shift) % len(_FIRST)]} {_LAST[(i * 5 + shift) % len(_LAST)]}"
    email = f"{name.lower().replace(' ', '.').replace('ç', 'c')}@example.org"
    person = db.session.scalar(sa.select(Participant).where(Participant.email == email))
    if person is None:
        person = Participant(email=email, name=name, sector=sector,
                             organisation=_ORGS[sector][i % len(_ORGS[sector])], language="de")
        db.session.add(person)
    return person


def _demo_registration(event: Event, person: Participant, sector: Sector,
                       registered_at: datetime, **values) -> Registration:
    """A confirmed registration (double opt-in done nine minutes later) with its consent."""
    registration = Registration(
        event=event, participant=person, status=RegistrationStatus.CONFIRMED,
        token_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
        nonce=secrets.token_urlsafe(16), language="de", sector=sector,
        created_at=registered_at, confirmed_at=registered_at + timedelta(minutes=9), **values)
    db.session.add(registration)
    db.session.add(ConsentRecord(participant=person, registration=registration,
                                 purpose=ConsentPurpose.PRIVACY_NOTICE,
                                 text_version=text_version(ConsentPurpose.PRIVACY_NOTICE),
                                 given_at=registered_at,
                                 confirmed_at=registered_at + timedelta(minutes=9)))
    return registration


def _demo_people(event: Event, count: int, attended: int, now: datetime) -> None:
    """Registrations for an edition: mixed sectors, some colleagues, some who did not come."""
    if event.id is not None and db.session.scalar(
            sa.select(Registration.id).where(Registration.event_id == event.id).limit(1)):
        return
    sectors = [Sector.CIVIL_SOCIETY, Sector.PUBLIC_ADMINISTRATION, Sector.BUSINESS,
               Sector.RESEARCH, Sector.CIVIL_SOCIETY, Sector.PUBLIC_ADMINISTRATION,
               Sector.RESEARCH, Sector.PRIVATE_PERSON]
    for i in range(count):
        sector = sectors[i % len(sectors)]
        person = _demo_person(i, sector, event)
        registered_at = min(now, event.starts_at - timedelta(days=30 - i % 25, hours=i % 7))
        _demo_registration(
            event, person, sector, registered_at, place=Place.SEAT,
            checked_in_at=event.starts_at + timedelta(minutes=i % 12) if i < attended else None)


# How the coming edition's room filled, one step every five hours up to now: "+" a person of
# that sector registers (and confirms), "-" the n-th registration cancels. The first eight
# are the people who come every time (same sectors as before). Civil society and
# administration heard of it first: their reserved seats and the open seats are gone, so the
# next person of civil society waits; a research person who came after her moved up into a
# research seat freed by a cancellation; business and research still have seats.
_C, _A, _B, _R = (Sector.CIVIL_SOCIETY, Sector.PUBLIC_ADMINISTRATION, Sector.BUSINESS,
                  Sector.RESEARCH)
_P, _U = Sector.PRIVATE_PERSON, Sector.UNDISCLOSED
_FILLING = [("+", s) for s in (_C, _A, _B, _R, _C, _A, _R, _P,
                               _C, _A, _C, _A, _R, _C, _A, _C, _R, _U, _A, _C, _R, _P, _B, _C,
                               _A, _R, _B)] + [
    ("+", _C),  # #27: civil society's six seats and the six open seats are taken: she waits
    ("+", _R),  # #28: research's six seats are taken too: he waits behind her
    ("-", 12),  # a research seat holder cancels: #28 moves up into the research seat, past #27
    ("-", 20),  # another research seat holder cancels; nobody of research waits now
    ("+", _B),
]


def _demo_filling(event: Event, now: datetime) -> None:
    """Registrations for the coming edition, placed by the rules themselves (seats per
    sector), so the room, the waiting list and the moves up are what the app would do."""
    if db.session.scalar(sa.select(Registration.id).where(
            Registration.event_id == event.id).limit(1)):
        return
    seats = sector_seats({s: getattr(event, f"reserved_{s}") for s in QUOTA_SECTORS},
                         event.starts_at, event.seats_release_at)
    registrations: list[Registration] = []
    at = now - timedelta(hours=5 * len(_FILLING))
    for step, what in _FILLING:
        at += timedelta(hours=5)
        holders = [Holder(id=n, place=r.place.value, confirmed=True, hold_expires_at=None,
                          waitlisted_at=r.waitlisted_at, sector=r.sector.value)
                   for n, r in enumerate(registrations)
                   if r.status == RegistrationStatus.CONFIRMED]
        if step == "+":
            count = compute_seat_count(event.capacity, holders, at, seats)
            place = Place(decide_placement(count, what.value).value)
            registrations.append(_demo_registration(
                event, _demo_person(len(registrations), what, event), what, at, place=place,
                waitlisted_at=at if place == Place.WAITLIST else None))
            continue
        leaving = registrations[what]
        leaving.status, leaving.cancelled_at = RegistrationStatus.CANCELLED, at
        rest = [h for h in holders if h.id != what]
        plan = decide_promotions(event.capacity, rest, at, event.starts_at, timedelta(0), seats)
        for n in plan.promote:
            registrations[n].place, registrations[n].promoted_at = Place.SEAT, at
            registrations[n].promoted_reserved = n in plan.reserved


def load_demo(now: datetime | None = None) -> list[tuple[str, str, str]]:
    """Create what is missing of the demo; return the demo accounts' credentials."""
    now = now or utcnow()
    accounts = {}
    for email, name, role, password in DEMO_ACCOUNTS:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            user = User(email=email, name=name, role=role, password_hash=hash_password(password))
            db.session.add(user)
        accounts[role] = user

    series = db.session.scalar(sa.select(Series).where(Series.slug == SERIES["slug"]))
    if series is None:
        series = Series(**SERIES)
        db.session.add(series)
        db.session.flush()

    for data in _editions(now):
        slug = f"{series.slug}-{data['number']}"
        if db.session.scalar(sa.select(Event.id).where(Event.slug == slug)) is not None:
            continue
        speakers = data.pop("speakers")
        breakout = data.pop("breakout")
        event = Event(series=series, slug=slug, status=EventStatus.PUBLISHED,
                      published_at=min(now, data["starts_at"] - timedelta(weeks=6)), **data)
        event.speakers = [Speaker(position=i, name=n, organisation=o, role=r)
                          for i, (n, o, r) in enumerate(speakers)]
        event.agenda_items = _programme(event.speakers, breakout)
        event.facilitators = [accounts[Role.FACILITATOR]]
        db.session.add(event)
        db.session.flush()
        held = event.ends_at < now
        if held:
            _demo_people(event, count=26, attended=21, now=now)
        else:
            _demo_filling(event, now)
        groups = _demo_groups(event, accounts[Role.FACILITATOR])
        if not held:
            db.session.flush()
            _demo_preferences(event, groups)
    db.session.flush()
    load_demo_reports(list(db.session.scalars(sa.select(Event).where(Event.series_id == series.id))),
                      now)
    db.session.commit()
    return [(email, role.value, password) for email, _name, role, password in DEMO_ACCOUNTS]

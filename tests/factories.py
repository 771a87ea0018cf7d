"""Builders for test data: make_x(**overrides) with sensible defaults."""
import itertools
import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.auth.services import hash_password
from app.extensions import db
from app.domain.agenda import ItemKind
from app.models import (AgendaItem, AuditLog, Event, EventFormat, EventStatus, Participant, Place,
                        Registration, RegistrationStatus, Role, Sector, Series, Speaker, User,
                        utcnow)

_counter = itertools.count(1)
PASSWORD = "correct horse battery"
_HASH = None


def _password_hash() -> str:
    global _HASH
    if _HASH is None:  # argon2 is slow on purpose; hash the shared test password once
        _HASH = hash_password(PASSWORD)
    return _HASH


def make_user(role: str = "staff", **overrides) -> User:
    n = next(_counter)
    values = {"email": f"user{n}@example.org", "name": f"User {n}", "role": Role(role),
              "password_hash": _password_hash(), "active": True}
    values.update(overrides)
    user = User(**values)
    db.session.add(user)
    db.session.commit()
    return user


def make_series(**overrides) -> Series:
    n = next(_counter)
    values = {"slug": f"reihe-{n}", "name": f"Reihe {n}", "description": ""}
    values.update(overrides)
    series = Series(**values)
    db.session.add(series)
    db.session.commit()
    return series


def make_event(series: Series | None = None, *, speakers=(), facilitators=(),
               **overrides) -> Event:
    series = series or make_series()
    number = overrides.pop("number", next(_counter))
    starts_at = overrides.pop("starts_at", utcnow().replace(microsecond=0) + timedelta(days=30))
    values = {
        "series": series, "number": number, "slug": f"{series.slug}-{number}",
        "title": f"Ausgabe {number}", "guiding_question": "Wie geht es weiter?",
        "teaser": "Kurz gesagt.", "description": "Lang *erklärt*.",
        "starts_at": starts_at, "ends_at": starts_at + timedelta(minutes=90),
        "format": EventFormat.ONLINE, "venue": "", "online_url": "", "capacity": 30,
        "status": EventStatus.PUBLISHED,
    }
    values.update(overrides)
    event = Event(**values)
    event.speakers = [Speaker(position=i, name=name, organisation=org)
                      for i, (name, org) in enumerate(speakers)]
    event.facilitators = list(facilitators)
    db.session.add(event)
    db.session.commit()
    return event


def make_agenda_item(event: Event, **overrides) -> AgendaItem:
    values = {"position": len(event.agenda_items), "kind": ItemKind.INPUT,
              "title": f"Punkt {next(_counter)}", "description": "", "duration_minutes": 10}
    values.update(overrides)
    item = AgendaItem(event=event, **values)
    db.session.add(item)
    db.session.commit()
    return item


def berlin(year, month, day, hour=0, minute=0) -> datetime:
    """A Berlin wall-clock time as an aware UTC datetime."""
    from app.domain.editions import BERLIN
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


HOLD = timedelta(hours=24)  # how long an unconfirmed registration holds its place


def make_registration(event: Event, name: str | None = None, *, email: str | None = None,
                      person: Participant | None = None, status: str = "confirmed",
                      place: str = "seat", at: datetime | None = None,
                      organisation: str = "Beispiel e. V.", sector: Sector = Sector.CIVIL_SOCIETY,
                      checked_in: bool = False, commit: bool = True,
                      **overrides) -> tuple[Registration, str]:
    """A registration as the public flow leaves it in `status` and `place` (its times at `at`,
    default now), of `person`, else of the person with this address, else of a new person
    named `name`. Returns the registration and its personal-link token."""
    from app.registration.links import new_token
    n = next(_counter)
    status, place, at = RegistrationStatus(status), Place(place), at or utcnow()
    if email is None:
        email = (re.sub(r"\W+", ".", name.lower()).strip(".") if name else f"person{n}") \
            + "@example.org"
    person = person or db.session.scalar(sa.select(Participant).where(
        Participant.email == email)) or Participant(
        email=email, name=name or f"Person {n}", organisation=organisation, sector=sector,
        language=overrides.get("language", "de"))
    token, token_hash = new_token()
    values = {"event": event, "participant": person, "status": status, "place": place,
              "token_hash": token_hash, "nonce": f"nonce-{n}", "sector": sector,
              "created_at": at,
              "confirmed_at": at if status == RegistrationStatus.CONFIRMED else None,
              "waitlisted_at": at if place == Place.WAITLIST else None,
              "hold_expires_at": at + HOLD if status == RegistrationStatus.PENDING else None,
              "cancelled_at": at if status == RegistrationStatus.CANCELLED else None,
              "checked_in_at": event.starts_at if checked_in else None}
    values.update(overrides)
    registration = Registration(**values)
    db.session.add(registration)
    if commit:
        db.session.commit()
    return registration, token


def fresh(registration: Registration) -> Registration:
    """The registration as the database has it now (after a request changed it)."""
    db.session.expire_all()
    return db.session.get(Registration, registration.id)


def audit_entries(action: str) -> list[AuditLog]:
    """The audit log's entries of one action, oldest first."""
    return list(db.session.scalars(
        sa.select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))

"""Helpers for registration tests, and the invariants checked after every one of them."""
import re

import pytest
import sqlalchemy as sa

from app.models import (ACTIVE_STATUSES, Event, OutboxMessage, Participant, Place, Registration,
                        RegistrationStatus)


def register(client, slug: str, **overrides):
    """Fill in the public form like a person: GET it (CSRF token, nonce), then POST."""
    html = client.get(f"/events/{slug}/register").get_data(as_text=True)
    data = {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1),
        "nonce": re.search(r'name="nonce"[^>]*value="([^"]+)"', html).group(1),
        "name": "Erika Mustermann", "email": "erika@example.org", "organisation": "Verein e. V.",
        "sector": "civil_society", "privacy_acknowledged": "y",
    }
    data.update(overrides)
    return client.post(f"/events/{slug}/register", data={k: v for k, v in data.items()
                                                          if v is not None})


def outbox(db, to: str | None = None, kind: str | None = None) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if to:
        query = query.where(OutboxMessage.to_address == to)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


def registration_of(db, email: str) -> Registration:
    """The newest registration of this address, as the database has it now."""
    db.session.expire_all()
    return db.session.scalar(sa.select(Registration).join(Participant).where(
        Participant.email == email).order_by(Registration.id.desc()))


def link_token(message: OutboxMessage) -> str:
    """The personal-link token in a mail, as a person would click it."""
    return re.search(r"/r/([A-Za-z0-9_-]{20,})", message.body_text).group(1)


def token_for(db, email: str) -> str:
    return link_token([m for m in outbox(db, email) if "/r/" in m.body_text][-1])


def post_button(client, url: str):
    """Press a button of the personal page: cancelling on its own page that asks first, every
    other one on the personal page. A button no longer shown is pressed as from a page still
    open in another tab (the session's CSRF token from the "send my link" form)."""
    page_url = url if url.endswith("/cancel") else url.rsplit("/", 1)[0]
    html = client.get(page_url).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', client.get("/r/new-link").get_data(as_text=True))
    return client.post(url, data={"csrf_token": found.group(1)})


@pytest.fixture(autouse=True)
def invariants(db):
    """After every registration test: no edition over capacity, waiting list gap-free."""
    yield
    db.session.rollback()
    for event in db.session.scalars(sa.select(Event)):
        active = db.session.scalars(sa.select(Registration).where(
            Registration.event_id == event.id, Registration.status.in_(ACTIVE_STATUSES))).all()
        seats = [r for r in active if r.place == Place.SEAT]
        overridden = any(r.added_by_staff for r in seats)
        assert overridden or len(seats) <= event.capacity, f"{event.slug} over capacity"
        waiting = sorted((r for r in active if r.place == Place.WAITLIST),
                         key=lambda r: (r.waitlisted_at, r.id))
        assert all(r.waitlisted_at is not None for r in waiting)
        assert len({(r.waitlisted_at, r.id) for r in waiting}) == len(waiting)
        confirmed_ids = [r.participant_id for r in active]
        assert len(confirmed_ids) == len(set(confirmed_ids)), "one active registration per person"
        assert all(r.status != RegistrationStatus.PENDING or r.hold_expires_at for r in active)

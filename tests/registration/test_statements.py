"""The registration rush's two requests send few statements, the same however many people
registered, and the lock is held only for the checks, the count, the inserts and the commit."""
import re

import pytest
import sqlalchemy as sa

from app.models import BreakoutGroup, Preference, Registration, Sector
from app.registration import services
from tests.conftest import counted_statements
from tests.factories import make_event

# Statements per request on PostgreSQL; SQLite adds its explicit BEGIN. Form: the edition with
# its series (one join), the seat count, the breakout topics. POST: the edition with its series
# and the breakout topics (no seat count: it is taken under the lock), the person
# (insert-or-nothing returning the new id), then under the lock: the edition's figures FOR
# UPDATE, ONE statement for "a resent form or already registered" and the seat count, and on
# PostgreSQL ONE statement writing the person's details, the registration, its consent and the
# mail in the outbox (data-modifying CTEs) — and the commit. SQLite has no data-modifying CTEs:
# its writes go one by one (4 statements).
FORM, POST = 3, 6
SQLITE_WRITES = 4 - 1


@pytest.fixture
def edition(db):
    return make_event(capacity=3)


def _form_and_post(db, client, slug, email):
    with counted_statements(db) as form:
        html = client.get(f"/events/{slug}/register").get_data(as_text=True)
    data = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1),
            "nonce": re.search(r'name="nonce"[^>]*value="([^"]+)"', html).group(1),
            "name": "Erika Mustermann", "email": email, "organisation": "Verein e. V.",
            "sector": "civil_society", "privacy_acknowledged": "y"}
    with counted_statements(db) as post:
        response = client.post(f"/events/{slug}/register", data=data)
    assert response.status_code == 303
    return form, post



def test_the_form_and_the_registration_send_few_statements_however_full(app, db, edition):
    sqlite = db.engine.dialect.name == "sqlite"
    counts = []
    for n in range(5):  # seats, then the waiting list
        form, post = _form_and_post(db, app.test_client(), edition.slug, f"p{n}@example.org")
        counts.append((len(form), len(post)))
        if n == 4:
            last = post
    assert set(counts) == {(FORM + sqlite, POST + sqlite * (1 + SQLITE_WRITES))}, counts
    if not sqlite:
        locked = next(i for i, s in enumerate(last) if "FOR UPDATE" in s)
        under_lock = last[locked:]
        assert len(under_lock) == 3, under_lock  # the lock, 2 more; the commit is not counted
        checks_and_count = under_lock[1]
        assert "UNION ALL" in checks_and_count and "count(*)" in checks_and_count, \
            checks_and_count
        write = under_lock[-1]
        assert write.lstrip().upper().startswith("WITH"), write
        for table in ("registrations", "consent_records", "outbox_messages"):
            assert f"INSERT INTO {table}" in write, write
        assert "UPDATE participants" in write, write


def test_ranked_topics_are_written_with_the_registration_in_the_same_statement(app, db,
                                                                                edition):
    """With breakout topics to rank, the POST reads the topics before the lock and writes the
    ranking with everything else: on PostgreSQL still one write statement under the lock."""
    db.session.add_all(BreakoutGroup(event_id=edition.id, position=i, topic=topic,
                                     title=f"{topic}?", min_size=2, max_size=6)
                       for i, topic in enumerate(("Schule", "Pflege", "Schule", "Wohnen")))
    db.session.commit()
    client, slug = app.test_client(), edition.slug
    html = client.get(f"/events/{slug}/register").get_data(as_text=True)
    data = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1),
            "nonce": re.search(r'name="nonce"[^>]*value="([^"]+)"', html).group(1),
            "name": "Erika Mustermann", "email": "erika@example.org",
            "organisation": "Verein e. V.", "sector": "civil_society",
            "privacy_acknowledged": "y", "rank_1": "Wohnen", "rank_2": "Schule"}
    with counted_statements(db) as post:
        assert client.post(f"/events/{slug}/register", data=data).status_code == 303
    db.session.expire_all()
    registration = db.session.scalar(sa.select(Registration))
    assert [(p.rank, p.topic) for p in db.session.scalars(
        sa.select(Preference).where(Preference.registration_id == registration.id)
        .order_by(Preference.rank))] == [(1, "Wohnen"), (2, "Schule")]
    if db.engine.dialect.name == "postgresql":
        assert len(post) == POST + 1, "\n".join(s[:70] for s in post)  # the topics, before the lock
        under_lock = post[next(i for i, s in enumerate(post) if "FOR UPDATE" in s):]
        assert len(under_lock) == 3, under_lock
        assert "INSERT INTO breakout_preferences" in under_lock[-1], under_lock[-1]


def test_the_service_keeps_only_topics_the_edition_has_each_once(app, db, edition):
    """Other callers than the form (which offers only the edition's topics) get the same
    ranking set_preferences would keep: unknown topics and repeats dropped, order kept."""
    db.session.add_all(BreakoutGroup(event_id=edition.id, position=i, topic=topic,
                                     title=f"{topic}?", min_size=2, max_size=6)
                       for i, topic in enumerate(("Schule", "Pflege")))
    db.session.commit()
    with app.test_request_context():
        outcome = services.register_participant(edition.id, services.RegistrationData(
            name="Erika", email="erika@example.org", organisation="", sector=Sector.RESEARCH,
            language="de", nonce="n-1", privacy_acknowledged=True,
            topics=["Pflege", "Raumfahrt", "Pflege", "Schule"]))
    db.session.expire_all()
    assert [p.topic for p in db.session.scalars(
        sa.select(Preference).where(Preference.registration_id == outcome.registration_id)
        .order_by(Preference.rank))] == ["Pflege", "Schule"]

"""The registration rush's two requests send few statements, the same however many people
registered, and the lock is held only for the checks, the count, the inserts and the commit."""
import re

import pytest
import sqlalchemy as sa

from app.models import (BreakoutGroup, ConsentRecord, OutboxMessage, Participant, Preference,
                        Registration, Sector)
from app.registration import services
from tests.conftest import counted_statements
from tests.factories import make_event

# Statements per request on PostgreSQL; SQLite adds its explicit BEGIN. Form: the edition with
# its series (one join), the seat count, the breakout topics. POST: the edition with its series
# and the breakout topics (no seat count: it is taken under the lock), then under the lock: the
# edition's figures FOR UPDATE, ONE statement for "a resent form or already registered" and the
# seat count, and on PostgreSQL ONE statement writing the person (created or updated), the
# registration, its consent and the mail in the outbox (data-modifying CTEs) — and the commit.
# SQLite has no data-modifying CTEs: it finds or creates the person before the lock and writes
# one by one (the person's details, the registration, its consent, the mail).
FORM, POST = 3, 5
SQLITE_POST = 1 + 2 + 1 + 2 + 4  # BEGIN; edition, topics; a new person (insert-or-nothing);
# lock, checks and count; 4 writes


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
    assert set(counts) == {(FORM + sqlite, SQLITE_POST if sqlite else POST)}, counts
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
        assert "INSERT INTO participants" in write and "ON CONFLICT (email) DO UPDATE" in write, \
            write


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


def test_a_known_person_registering_for_another_edition_is_one_person_with_new_details(
        app, db, edition):
    """The write finds the person by address (PostgreSQL: INSERT … ON CONFLICT DO UPDATE in
    the one statement; SQLite: before the lock): one person, the details as last given, every
    registration and consent theirs."""
    other = make_event(capacity=3)
    slugs = edition.slug, other.slug
    for slug, name, organisation in ((slugs[0], "Erika", "Verein e. V."),
                                     (slugs[1], "Erika Mustermann", "Stiftung")):
        client = app.test_client()
        html = client.get(f"/events/{slug}/register").get_data(as_text=True)
        assert client.post(f"/events/{slug}/register", data={
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1),
            "nonce": re.search(r'name="nonce"[^>]*value="([^"]+)"', html).group(1),
            "name": name, "email": "Erika@Example.org", "organisation": organisation,
            "sector": "research", "privacy_acknowledged": "y"}).status_code == 303
    db.session.expire_all()
    people = db.session.scalars(sa.select(Participant)).all()
    assert [(p.email, p.name, p.organisation, p.sector) for p in people] == [
        ("erika@example.org", "Erika Mustermann", "Stiftung", Sector.RESEARCH)]
    assert {r.participant_id for r in db.session.scalars(sa.select(Registration))} \
        == {people[0].id}
    consents = db.session.scalars(sa.select(ConsentRecord)).all()
    assert len(consents) == 2 and {c.participant_id for c in consents} == {people[0].id}


def test_a_form_that_comes_back_shows_the_whole_page_again(app, db, edition):
    """The POST loads only what a registration needs; when the form comes back with an error,
    the page is the form page as before: seats, the topics' questions, the edition's language."""
    db.session.add(BreakoutGroup(event_id=edition.id, position=0, topic="Schule",
                                 title="Wie lernen Kinder mit Daten?", min_size=2, max_size=6))
    edition.working_language = "en"
    db.session.commit()
    client, slug = app.test_client(), edition.slug
    html = client.get(f"/events/{slug}/register").get_data(as_text=True)
    data = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1),
            "nonce": re.search(r'name="nonce"[^>]*value="([^"]+)"', html).group(1),
            "name": "Erika", "email": "not an address", "sector": "civil_society",
            "privacy_acknowledged": "y", "rank_1": "Schule"}
    with counted_statements(db) as post:
        response = client.post(f"/events/{slug}/register", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Wie lernen Kinder mit Daten?" in page and "3 Plätze" in page, page
    assert 'lang="en"' in page  # the edition's working language, loaded for the page
    assert len(post) <= 8, post  # edition and topics for the check, then the page's own


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_opt_in_mail_from_its_cached_text_is_the_template_rendered_for_the_person(
        app, db, edition, language):
    """The opt-in mail's text is rendered once per edition's words and language with marks
    for the name, the link and the placement's sentence: the mail is what rendering the
    template for this person gives, whatever the name holds, and an edited title shows."""
    from flask import render_template
    from flask_babel import force_locale

    name = "Zoë %(name)s {{ 1 + 1 }} ${x} \\1"
    with app.test_request_context():
        for title in ("Daten für Familien", "Daten für Familien (neu)"):
            edition.title = title
            db.session.commit()
            outcome = services.register_participant(edition.id, services.RegistrationData(
                name=name, email=f"{len(title)}@example.org", organisation="",
                sector=Sector.RESEARCH, language=language, nonce=f"nonce-{len(title)}",
                privacy_acknowledged=True))
            registration = db.session.get(Registration, outcome.registration_id)
            mail = db.session.scalar(sa.select(OutboxMessage).where(
                OutboxMessage.registration_id == registration.id))
            with force_locale(language):
                expected = render_template(
                    "mail/opt_in.txt", lang=language, registration=registration,
                    event=registration.event, person=registration.participant,
                    link=services.personal_url(outcome.token), show_room_link=False,
                    hours=app.config["CONFIRMATION_HOURS"])
            assert mail.body_text == expected
            assert title in mail.subject and name in mail.body_text

"""The registration rush's two requests send few statements, the same however many people
registered, and the lock is held only for the checks, the count, the inserts and the commit."""
import re

import pytest
import sqlalchemy as sa

from app.extensions import cache
from app.models import (BreakoutGroup, ConsentRecord, EventStatus, OutboxMessage, Participant,
                        Preference, Registration, Sector, utcnow)
from app.registration import services
from tests.conftest import counted_statements, csrf_from
from tests.factories import make_event
from tests.registration.conftest import outbox, register

# Statements per request on PostgreSQL; SQLite adds its explicit BEGIN. Form: the edition with
# its series (one join), the seat count, the breakout topics. POST: the edition with its
# series' name and its breakout topics in one statement (no seat count: it is taken under the
# lock; with the public page cache on, as in production, this read is shared for a second),
# then under the lock: the edition's figures FOR UPDATE, ONE statement for "a resent form or
# already registered" and the seat count, and on PostgreSQL ONE statement writing the person
# (created or updated), the registration, its consent and the mail in the outbox
# (data-modifying CTEs) — and the commit. SQLite has no data-modifying CTEs: it finds or
# creates the person before the lock and writes one by one (the person's details, the
# registration, its consent, the mail).
FORM, POST = 3, 4
SQLITE_POST = 1 + 1 + 1 + 2 + 4  # BEGIN; edition with topics; a new person
# (insert-or-nothing); lock, checks and count; 4 writes


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
        assert len(post) == POST, "\n".join(s[:70] for s in post)  # topics come with the edition
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
    assert len(post) <= 7, post  # edition with its topics for the check, then the page's own


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


@pytest.fixture
def cached(app, monkeypatch):
    """The public page cache on, as in development and production (tests have it off), its
    entries living a minute instead of a second: a slow machine must not see one run out."""
    monkeypatch.setitem(app.config, "PUBLIC_PAGE_SECONDS", 60)
    cache.clear()
    yield
    cache.clear()


def test_with_the_cache_on_a_rush_reads_the_edition_once_and_then_only_locks_and_writes(
        app, db, edition, cached):
    """What a POST reads of its edition before the lock is shared like the public pages: the
    first registration reads it, the next ones send only the statements under the lock."""
    sqlite = db.engine.dialect.name == "sqlite"
    _, first = _form_and_post(db, app.test_client(), edition.slug, "p1@example.org")
    _, second = _form_and_post(db, app.test_client(), edition.slug, "p2@example.org")
    assert len(first) == (SQLITE_POST if sqlite else POST), first
    assert len(second) == len(first) - 1, second
    if not sqlite:
        assert "FOR UPDATE" in second[0], second  # nothing before the lock


def test_an_edit_of_the_edition_or_its_topics_is_read_on_the_next_post(app, db, edition,
                                                                       cached):
    """The shared read goes with the public pages' generation: the opt-in mail names the
    edited title and a topic added a moment ago can be ranked."""
    assert register(app.test_client(), edition.slug, email="a@example.org").status_code == 303
    edition.title = "Daten für Familien, neu"
    db.session.commit()
    assert register(app.test_client(), edition.slug, email="b@example.org").status_code == 303
    assert "Daten für Familien, neu" in outbox(db, to="b@example.org")[0].subject
    db.session.add(BreakoutGroup(event_id=edition.id, position=0, topic="Wohnen",
                                 title="Wohnen?", min_size=2, max_size=6))
    db.session.commit()
    assert register(app.test_client(), edition.slug, email="c@example.org",
                    rank_1="Wohnen").status_code == 303
    assert [p.topic for p in db.session.scalars(sa.select(Preference))] == ["Wohnen"]


def test_the_lock_decides_whatever_the_shared_read_says(app, db, edition, cached):
    """Registration closed by another server a moment ago (this process's shared read not yet
    renewed): the figures read under the lock refuse it, nothing is stored."""
    assert register(app.test_client(), edition.slug, email="a@example.org").status_code == 303
    events = edition.__table__  # a plain UPDATE: no object changes, no generation is bumped
    db.session.execute(sa.update(events).where(events.c.id == edition.id)
                       .values(registration_closes_at=utcnow()))
    db.session.commit()
    client = app.test_client()
    with counted_statements(db) as sent:
        response = register(client, edition.slug, email="b@example.org")
    assert not [s for s in sent if "breakout_groups" in s], sent  # the shared read, not renewed
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/events/{edition.slug}")
    assert "nicht geöffnet" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1


@pytest.mark.parametrize("cache_on", [False, True])
def test_a_post_for_a_draft_or_an_unknown_edition_is_404_and_stores_nothing(
        app, db, edition, monkeypatch, cache_on):
    monkeypatch.setitem(app.config, "PUBLIC_PAGE_SECONDS", int(cache_on))
    cache.clear()
    draft = make_event(status=EventStatus.DRAFT)
    client = app.test_client()
    token = csrf_from(client, "/r/new-link")
    for slug in (draft.slug, "no-such-edition"):
        response = client.post(f"/events/{slug}/register", data={
            "csrf_token": token, "nonce": "n" * 24, "name": "Erika", "email": "e@example.org",
            "sector": "research", "privacy_acknowledged": "y"})
        assert response.status_code == 404, slug
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0
    cache.clear()

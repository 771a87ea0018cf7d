"""Registration use cases. Each locks the edition, asks app.domain.capacity, writes,
queues its mails and commits once."""
import functools
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from flask import abort, current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from app.agenda.services import agenda_view
from app.breakouts.topics import set_preferences, topics_in, with_topics
from app.domain.capacity import (Holder, Placement, PromotionPlan, SeatCount,
                                 compute_seat_count, compute_waitlist_position, decide_placement,
                                 decide_promotions, is_expired)
from app.domain.editions import Phase, shows_room_link
from app.errors import Refusal, refuse
from app.events.calendar import RoomLink, edition_ics
from app.events.locking import lock_edition_figures, lock_event
from app.events.services import (edition_times, phase_of, seat_count_statement,
                                 seat_counts_from, sector_seats_of)
from app.extensions import db
from app.domain.addresses import has_real_address
from app.mail.outbox import Attachment, queue_mail
from app.models import (ACTIVE_STATUSES, ConsentPurpose, ConsentRecord, Event,
                        EventFormat, EventStatus, OutboxMessage, Participant, Place,
                        Registration, RegistrationStatus, Sector, Series, utcnow)
from app.registration.inserts import insert_at_once
from app.registration.links import issue_link, personal_token
from app.registration.words import CONSENT_TEXTS


class RegistrationError(Refusal):
    """A use case refused; the message is for the person."""


@dataclass
class RegistrationData:
    name: str
    email: str  # normalised by the caller
    organisation: str
    sector: Sector
    language: str
    nonce: str
    privacy_acknowledged: bool
    accessibility_needs: str = ""
    accessibility_consent: bool = False
    consents: set[ConsentPurpose] = field(default_factory=set)
    topics: list[str] = field(default_factory=list)  # breakout topics, best first


@dataclass(frozen=True)
class EditionToRegister:
    """What a new registration reads of its edition before the lock: which edition and whether
    it is a draft, the words its opt-in mail names and the topics its form ranks. Its phase and
    seats are decided on the figures read under the lock (lock_edition_figures), never here."""

    id: int
    status: EventStatus
    series_name: str
    number: int
    title: str
    starts_at: datetime
    ends_at: datetime
    topics: tuple[str, ...]


def edition_to_register(slug: str) -> EditionToRegister | None:
    """The edition with this slug as a registration reads it (one statement), or None."""
    return _read_edition("slug", slug)


def _read_edition(by: str, value) -> EditionToRegister | None:
    rows = db.session.connection().execute(_edition_statement(by), {"value": value}).all()
    if not rows:
        return None
    first = rows[0]
    return EditionToRegister(
        id=first.id, status=EventStatus(first.status), series_name=first.series_name,
        number=first.number, title=first.title, starts_at=first.starts_at,
        ends_at=first.ends_at, topics=tuple(topics_in(rows)))


@functools.cache
def _edition_statement(by: str) -> sa.Select:
    """The edition by slug or id with its series' name and its topics: one statement, built
    once (a plain statement: the registration's hot path keeps no ORM object of it)."""
    e, series = Event.__table__.c, Series.__table__
    query = sa.select(e.id, e.status, series.c.name.label("series_name"), e.number, e.title,
                      e.starts_at, e.ends_at) \
        .join_from(Event.__table__, series, series.c.id == e.series_id) \
        .where(e[by] == sa.bindparam("value"))
    return with_topics(query, e.id)


@dataclass(frozen=True)
class Outcome:
    """What happened, for the caller; the person always sees the same neutral page."""

    kind: str  # "new" | "repeat_email" | "repeat_submit"
    registration_id: int
    token: str | None  # only for "new": tests and staff tools need it, the page never shows it


# --- text versions ----------------------------------------------------------------------------

_LEGAL = Path(__file__).resolve().parents[2] / "templates" / "public" / "legal"


@functools.cache
def text_version(purpose: ConsentPurpose) -> str:
    """The version (sha256) of the text a person agreed to for this purpose."""
    if purpose == ConsentPurpose.PRIVACY_NOTICE:
        text = "".join((_LEGAL / f"privacy_{lang}.html").read_text() for lang in ("de", "en"))
    else:
        text = str(CONSENT_TEXTS[purpose])
    return hashlib.sha256(f"{purpose}:{text}".encode()).hexdigest()


# --- locking and counting --------------------------------------------------------------------

def holders_of(event_id: int) -> list[Holder]:
    """The active registrations of an edition as the capacity rules see them."""
    rows = db.session.execute(
        sa.select(Registration.id, Registration.place, Registration.status,
                  Registration.hold_expires_at, Registration.waitlisted_at, Registration.sector)
        .where(Registration.event_id == event_id, Registration.status.in_(ACTIVE_STATUSES))
        .execution_options(populate_existing=True))
    return [holder(r) for r in rows]


def holder(registration) -> Holder:
    """One registration (or a row of its columns) as the capacity rules see it."""
    return Holder(id=registration.id, place=registration.place.value,
                  confirmed=registration.status == RegistrationStatus.CONFIRMED,
                  hold_expires_at=registration.hold_expires_at,
                  waitlisted_at=registration.waitlisted_at, sector=registration.sector.value)


def effective_status(registration: Registration, now: datetime) -> str:
    """The status as people see it: a pending hold past its time is expired."""
    if registration.status == RegistrationStatus.PENDING and is_expired(holder(registration), now):
        return RegistrationStatus.EXPIRED.value
    return registration.status.value


def seat_count(event: Event, now: datetime | None = None) -> SeatCount:
    """Seats taken and people waiting for one edition, as the domain counts them: what
    every decision under the lock (public, staff, expiry, attendance) goes by."""
    return compute_seat_count(event.capacity, holders_of(event.id), now or utcnow(),
                              sector_seats_of(event))


def plan_promotions(event: Event, holders: list[Holder], now: datetime) -> PromotionPlan:
    """Who expires and who moves up (app.domain.capacity.decide_promotions), with the
    edition's seats per sector and the promotion cut-off."""
    cutoff = timedelta(hours=current_app.config["PROMOTION_CUTOFF_HOURS"])
    return decide_promotions(event.capacity, holders, now, event.starts_at, cutoff,
                             sector_seats_of(event))


# --- mails -----------------------------------------------------------------------------------

def personal_url(token: str) -> str:
    return url_for("registration.personal_page", token=token, _external=True)


def personal_url_of(registration: Registration) -> str:
    """The registration's personal page as a mail links it (re-created, never stored)."""
    return personal_url(personal_token(registration))


def holds_room_link(registration: Registration, now: datetime | None = None) -> bool:
    """A confirmed seat at an upcoming online or hybrid edition with a room: the link is
    theirs (app.domain.editions.shows_room_link decides)."""
    event = registration.event
    return shows_room_link(edition_times(event), online=event.format != EventFormat.ONSITE,
                           has_room=bool(event.online_url),
                           confirmed=registration.status == RegistrationStatus.CONFIRMED,
                           on_seat=registration.place == Place.SEAT, now=now or utcnow())


def personal_calendar(registration: Registration) -> bytes:
    """The edition as this person's calendar entry: with the room link once it is theirs."""
    event = registration.event
    room = None
    if holds_room_link(registration):
        with force_locale(registration.language):
            room = RoomLink(event.online_url, str(_l("Link zum Online-Raum:")))
    event_url = url_for("public.show_event", slug=event.slug, _external=True)
    return edition_ics(event, agenda_view(event).rows, event_url,
                       current_app.config["CALENDAR_UID_DOMAIN"], room)


def _ics_attachment(registration: Registration) -> Attachment:
    return Attachment(f"{registration.event.slug}.ics", "text/calendar; method=PUBLISH",
                      personal_calendar(registration).decode())


SUBJECTS = {
    "opt_in": _l("Bitte bestätigen Sie Ihre Anmeldung: %(title)s"),
    "link_again": _l("Ihr Link zur Anmeldung: %(title)s"),
    "confirmed": _l("Ihre Anmeldung ist bestätigt: %(title)s"),
    "waitlisted": _l("Sie stehen auf der Warteliste: %(title)s"),
    "promoted": _l("Ein Platz ist frei geworden – Sie sind dabei: %(title)s"),
    "cancelled": _l("Ihre Abmeldung: %(title)s"),
    "cancelled_by_staff": _l("Ihre Anmeldung wurde abgesagt: %(title)s"),
    "reminder": _l("Morgen: %(title)s"),
    "event_changed": _l("Geändert: %(title)s"),
}
LINKS_SUBJECT = _l("Ihre persönlichen Links zur Innovationswerkstatt")


def mail_registration(kind: str, registration: Registration, token: str | None = None,
                      **extra) -> None:
    """Queue one of the registration mails (SUBJECTS) to the person, with their link."""
    event = registration.event
    person = registration.participant
    if not person.has_real_address:  # a walk-in who gave no address gets no mail
        return
    with force_locale(registration.language):
        subject = str(SUBJECTS[kind]) % {"title": event.title}
    # A changed time or place replaces the entry in everyone's calendar who may have one.
    attachment = _ics_attachment(registration) if kind == "event_changed" or (
        kind in ("confirmed", "promoted") and registration.place == Place.SEAT) else None
    queue_mail(kind, person.email, registration.language, subject,
               {"registration": registration, "event": event, "person": person,
                "link": personal_url(token) if token else personal_url_of(registration),
                "show_room_link": holds_room_link(registration),
                "hours": current_app.config["CONFIRMATION_HOURS"], **extra},
               registration=registration, attachment=attachment)


# --- use cases -------------------------------------------------------------------------------

# The opt-in mail's one sentence that depends on the placement (the same msgids as
# templates/mail/opt_in.txt, which other senders of the mail still render themselves).
PLACE_SENTENCES = {
    Placement.SEAT: _l("Wir haben einen Platz für Sie reserviert."),
    Placement.WAITLIST: _l("Alle Plätze sind vergeben. Sie kommen auf die Warteliste und "
                           "rücken nach, sobald ein Platz frei wird."),
}


def register_participant(event_id: int, data: RegistrationData, now: datetime | None = None,
                         edition: EditionToRegister | None = None) -> Outcome:
    """Hold a seat (or a waiting-list place) for a person and send the opt-in mail.

    `edition`: the edition as the caller read it (edition_to_register; the form's POST shares
    that read for a second, see app.registration.routes); read here otherwise."""
    fixed_now = now
    purposes = set(data.consents) | {ConsentPurpose.PRIVACY_NOTICE}
    if data.accessibility_consent and data.accessibility_needs.strip():
        purposes.add(ConsentPurpose.ACCESSIBILITY_DATA)
    # Everything that needs no lock happens before taking it: the lock is the bottleneck.
    # PostgreSQL writes the person (new or known, by address) in the one statement under the
    # lock; SQLite, which writes row by row, finds or creates them first.
    postgres = db.session.get_bind().dialect.name == "postgresql"
    person_id = None if postgres else person_id_for(data.email)
    edition = edition or _read_edition("id", event_id)
    if edition is None:
        abort(404)
    registration = Registration(
        event_id=event_id, participant_id=person_id, status=RegistrationStatus.PENDING,
        nonce=data.nonce, language=data.language, sector=data.sector,
        accessibility_needs=data.accessibility_needs.strip() if data.accessibility_consent
        else "")
    token = issue_link(registration)
    # The opt-in mail rendered now, all but the sentence that depends on the placement (the
    # dates in the edition's words are the costly part); the lock only fills that in.
    mail = _opt_in_mail(edition, data, token)
    # The ranking as set_preferences keeps it (topics the edition has, each once).
    topics = list(dict.fromkeys(t for t in data.topics if t in edition.topics))
    details = {"name": data.name.strip(), "organisation": data.organisation.strip(),
               "sector": data.sector, "language": data.language}

    event = lock_edition_figures(event_id)
    now = fixed_now or utcnow()  # after the lock: the waiting list's order is the lock's order
    if phase_of(event, now) != Phase.REGISTRATION_OPEN:
        refuse(RegistrationError(_l("Die Anmeldung für diese Ausgabe ist nicht geöffnet.")))
    # One statement (the lock is held meanwhile): this form sent before? this person already
    # registered? and the edition's seats, counted after the lock was granted.
    earlier, seats = checks_and_seats(event, data.nonce, data.email, now)
    existing = next((r for r in earlier if r.nonce == data.nonce), None)
    if existing is not None:  # a double-clicked or resent form
        return Outcome("repeat_submit", existing.id, None)
    active = next((r for r in earlier if r.status in ACTIVE_STATUSES), None)  # the person's
    if active is not None:
        # Same neutral answer as a new registration; the person gets their link again — the
        # same link: whoever typed their address must not be able to take it away.
        mail_registration("link_again", db.session.get(Registration, active.id))
        db.session.commit()
        return Outcome("repeat_email", active.id, None)

    # The placement from the SQL aggregate (checks_and_seats, with app.events.services'
    # seat_count_statement), not from every holder's row: one row per place and sector under
    # the lock instead of one per person.
    # It is the domain's own count — tests/events/test_seat_counts.py holds the aggregate and
    # app.domain.capacity.compute_seat_count together for every state a registration can be
    # in, on SQLite and PostgreSQL — and the domain still decides (decide_placement).
    # Promotions, which need the FIFO order, keep loading the holders (apply_promotions).
    placement = decide_placement(seats, data.sector.value)
    registration.place = Place(placement.value)
    registration.hold_expires_at = now + timedelta(hours=current_app.config["CONFIRMATION_HOURS"])
    registration.waitlisted_at = now if placement == Placement.WAITLIST else None
    registration.created_at = now
    consents = [{"purpose": purpose,
                 "text_version": text_version(purpose), "given_at": now}
                for purpose in sorted(purposes)]
    outbox = None
    if mail is not None:
        parts, subject, values = mail
        values = {**values, "place": values[placement]}
        outbox = {"kind": "opt_in", "to_address": data.email, "subject": subject,
                  "body_text": "".join(text if kind == "text" else values[kind]
                                       for kind, text in parts)}
    if postgres:
        registration_id = insert_at_once(_columns(registration), data.email, details,
                                         consents, outbox, topics, now)
        db.session.commit()
        return Outcome("new", registration_id, token)
    db.session.execute(sa.update(Participant).where(Participant.id == person_id)
                       .values(updated_at=now, **details))
    db.session.add(registration)
    for consent in consents:
        db.session.add(ConsentRecord(registration=registration, participant_id=person_id,
                                     **consent))
    if outbox is not None:
        db.session.add(OutboxMessage(registration=registration, **outbox))
    if topics:
        db.session.flush()
        set_preferences(registration, topics, commit=False)
    db.session.flush()  # the statements the commit would send anyway
    registration_id = registration.id  # read after the commit, it costs a SELECT and a BEGIN
    db.session.commit()
    return Outcome("new", registration_id, token)


def _columns(registration: Registration) -> dict:
    """A new registration's row as PostgreSQL's one statement inserts it (the person's id
    comes from the statement itself)."""
    return dict(
        event_id=registration.event_id, status=registration.status,
        place=registration.place, token_hash=registration.token_hash,
        link_secret=registration.link_secret, legacy_token_hash=None, nonce=registration.nonce,
        language=registration.language, sector=registration.sector,
        accessibility_needs=registration.accessibility_needs,
        hold_expires_at=registration.hold_expires_at, waitlisted_at=registration.waitlisted_at,
        created_at=registration.created_at)


def checks_and_seats(event, nonce: str, email: str, now: datetime) -> tuple[list, SeatCount]:
    """For a new registration under the edition's lock, in one statement: the edition's
    registrations sent with this nonce, or active and of the person with this (normalised)
    address (rows of id, nonce, participant_id, status), and its SeatCount at `now` (the count
    of app.events.services.seat_counts)."""
    rows = db.session.connection().execute(_checks_and_count_statement(), {
        "event_id": event.id, "nonce": nonce, "email": email, "ids": [event.id],
        "now": now}).all()
    counted = [(r.event_id, r.place, r.sector, r.n) for r in rows if not r.earlier]
    return [r for r in rows if r.earlier], seat_counts_from([event], counted, now)[event.id]


@functools.cache
def _checks_and_count_statement() -> sa.CompoundSelect:
    """register_participant's one statement under the lock, built once: rows with `earlier`
    true are this edition's registrations sent with this form's nonce or held by the person
    with this address; rows with `earlier` false are the edition's seat count
    (app.events.services' seat_count_statement, the count's one home, as a subquery)."""
    count = seat_count_statement().subquery()
    r, people = Registration.__table__.c, Participant.__table__.c  # a plain statement

    def none(column):  # NULL of the column's type (in SQL too), so every part reads alike
        return sa.cast(sa.null(), column.type)

    earlier = sa.select(
        sa.literal(True).label("earlier"), r.id, r.nonce, r.participant_id, r.status,
        none(count.c.event_id).label("event_id"), none(r.place).label("place"),
        none(r.sector).label("sector"), none(count.c.n).label("n"),
    ).where(r.event_id == sa.bindparam("event_id"))
    # Two lookups, not one condition with OR: each finds its rows through its own unique
    # index (the edition's nonces; the person's active registration), where an OR read every
    # registration of the edition. A row found by both comes twice; the caller takes the first.
    sent_before = earlier.where(r.nonce == sa.bindparam("nonce"))
    registered = earlier.where(
        r.participant_id == sa.select(people.id).where(
            people.email == sa.bindparam("email")).scalar_subquery(),
        r.status.in_(ACTIVE_STATUSES))
    counted = sa.select(sa.literal(False), none(r.id), none(r.nonce), none(r.participant_id),
                        none(r.status), count.c.event_id, count.c.place, count.c.sector,
                        count.c.n)
    return sa.union_all(sent_before, registered, counted)


def _opt_in_mail(edition: EditionToRegister, data: RegistrationData, token: str):
    """The opt-in mail, rendered before the lock but for the sentence that depends on the
    placement: its body as parts (kind, text) — kind "text" as it stands, "name", "link" and
    "place" filled in from the values — its subject, and the values (the person's name and
    link, and the sentence for each placement). None for an address the person did not give
    (queue_mail's guard)."""
    if not has_real_address(data.email):
        return None
    config = current_app.config
    parts, subject, sentences = _opt_in_text(
        data.language, edition.series_name, edition.number, edition.title, edition.starts_at,
        edition.ends_at, config["CONFIRMATION_HOURS"], config["OPERATOR_NAME"],
        config["CONTACT_EMAIL"], config["BABEL_DEFAULT_TIMEZONE"])
    return parts, subject, {"name": data.name.strip(), "link": personal_url(token), **sentences}


@functools.lru_cache(maxsize=256)
def _opt_in_text(language: str, series: str, number: int, title: str, starts_at: datetime,
                 ends_at: datetime, hours: int, *config: str):
    """templates/mail/opt_in.txt rendered once per edition's words and language, with marks
    where the person's name, their link and the placement's sentence go, split at them. The
    key is everything else the text shows (the edition's names and times, the configured
    hours, operator, contact and time zone): an edited edition renders anew, never stale."""
    marks = {kind: f"\x00{secrets.token_hex(8)}\x00" for kind in ("name", "link", "place")}
    edition = SimpleNamespace(series=SimpleNamespace(name=series), number=number, title=title,
                              starts_at=starts_at, ends_at=ends_at)
    with force_locale(language):
        subject = str(SUBJECTS["opt_in"]) % {"title": title}
        body = render_template("mail/opt_in.txt", lang=language, registration=None,
                               event=edition, person=SimpleNamespace(name=marks["name"]),
                               link=marks["link"],
                               show_room_link=False,  # a pending hold never holds the room link
                               hours=hours, place_sentence=marks["place"])
        sentences = {placement: str(text) for placement, text in PLACE_SENTENCES.items()}
    kinds = {mark: kind for kind, mark in marks.items()}
    pieces = re.split("(" + "|".join(map(re.escape, marks.values())) + ")", body)
    parts = tuple((kinds.get(piece, "text"), piece) for piece in pieces if piece)
    return parts, subject, sentences


def person_id_for(email: str) -> int:
    """The id of the person with this (normalised) address, created if new — safely when
    two requests race.

    The same new address may register for two editions at once; the locks are per
    edition, so the unique e-mail decides: INSERT … ON CONFLICT DO NOTHING RETURNING the
    new row's id (one statement for a new person), else read the one that exists.
    """
    now = utcnow()
    created = db.session.scalar(_new_person_statement(db.session.get_bind().dialect.name), {
        "email": email, "sector": Sector.UNDISCLOSED, "created_at": now, "updated_at": now})
    if created is not None:
        return created
    return db.session.scalar(sa.select(Participant.id).where(Participant.email == email))


def participant_for(email: str) -> Participant:
    """The person with this address (person_id_for), as a Participant."""
    return db.session.get(Participant, person_id_for(email))


@functools.cache
def _new_person_statement(dialect: str):
    """person_id_for's insert-or-nothing, built once per dialect (Core: no ORM object)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = Participant.__table__
    return (insert(table).values(
        email=sa.bindparam("email"), name="", organisation="", sector=sa.bindparam("sector"),
        language="de", created_at=sa.bindparam("created_at"),
        updated_at=sa.bindparam("updated_at"))
        .on_conflict_do_nothing(index_elements=["email"]).returning(table.c.id))


def confirm_registration(registration_id: int, now: datetime | None = None) -> Registration:
    """The double opt-in: confirm a held seat or waiting-list place (idempotent)."""
    now = now or utcnow()
    registration = db.session.get(Registration, registration_id)
    lock_event(registration.event_id)
    db.session.refresh(registration)
    if registration.status == RegistrationStatus.CONFIRMED:
        return registration
    if registration.status != RegistrationStatus.PENDING or is_expired(holder(registration), now):
        refuse(RegistrationError(
            _l("Diese Anmeldung ist nicht mehr gültig. Bitte melden Sie sich neu an.")))
    registration.status = RegistrationStatus.CONFIRMED
    registration.confirmed_at = now
    registration.hold_expires_at = None
    for consent in registration.participant.consents:
        if consent.registration_id == registration.id and consent.confirmed_at is None:
            consent.confirmed_at = now
    db.session.flush()
    apply_promotions(registration.event, now)
    if registration.place == Place.SEAT and registration.promoted_at != now:
        mail_registration("confirmed", registration)
    elif registration.place == Place.WAITLIST:
        mail_registration("waitlisted", registration, position=waitlist_position(registration, now))
    db.session.commit()
    return registration


def cancel_registration(registration_id: int, now: datetime | None = None,
                        mail_kind: str | None = "cancelled", **mail_extra) -> Registration:
    """Cancel; a freed seat goes to the first confirmed person waiting, in the same transaction.

    The person gets the `mail_kind` mail ("cancelled": they cancelled themselves;
    "cancelled_by_staff": the organisers did) or, with None, no mail."""
    now = now or utcnow()
    registration = db.session.get(Registration, registration_id)
    event = lock_event(registration.event_id)
    db.session.refresh(registration)
    if not registration.is_active:
        return registration
    fate = seat_fate(registration, now)
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now
    db.session.flush()
    if mail_kind is not None:
        mail_registration(mail_kind, registration, seat_fate=fate, **mail_extra)
    apply_promotions(event, now)
    db.session.commit()
    return registration


def seat_fate(registration: Registration, now: datetime | None = None) -> str:
    """What cancelling this registration does with its place, as the person is told:
    "next_in_line" (a seat that goes to the first confirmed person waiting), "freed" (a seat
    nobody waiting may take now) or "waitlist" (a waiting-list place)."""
    if registration.place == Place.WAITLIST:
        return "waitlist"
    now = now or utcnow()
    event = registration.event
    holders = holders_of(event.id)
    others = [h for h in holders if h.id != registration.id]
    before = plan_promotions(event, holders, now)
    after = plan_promotions(event, others, now)
    return "next_in_line" if len(after.promote) > len(before.promote) else "freed"


def apply_promotions(event: Event, now: datetime) -> list[Registration]:
    """Expire timed-out holds and promote into free seats (caller holds the lock)."""
    plan = plan_promotions(event, holders_of(event.id), now)
    for registration_id in plan.expire:
        expired = db.session.get(Registration, registration_id)
        expired.status = RegistrationStatus.EXPIRED
    promoted = []
    for registration_id in plan.promote:
        registration = db.session.get(Registration, registration_id)
        registration.place = Place.SEAT
        registration.promoted_at = now
        registration.promoted_reserved = registration_id in plan.reserved
        mail_registration("promoted", registration)
        promoted.append(registration)
    db.session.flush()
    return promoted


def queue_reminder(registration: Registration) -> None:
    """Queue the day-before reminder for one registration (caller commits)."""
    mail_registration("reminder", registration)


def promote_waitlist(event_id: int, now: datetime | None = None) -> list[int]:
    """Expire holds and fill free seats of one edition; return who was promoted."""
    now = now or utcnow()
    event = lock_event(event_id)
    promoted = [r.id for r in apply_promotions(event, now)]
    db.session.commit()
    return promoted


def waitlist_position(registration: Registration, now: datetime | None = None) -> int | None:
    return compute_waitlist_position(holders_of(registration.event_id), registration.id,
                                     now or utcnow())

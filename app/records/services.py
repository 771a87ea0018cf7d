"""People across editions and the duties of data protection: export, erasure, retention,
merging duplicates, and the audit log of staff access to personal data."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import abort, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.audit import audit
from app.boards.erasure import forget_authors
from app.domain.editions import compute_retention_cutoff
from app.errors import Refusal
from app.events.locking import lock_event
from app.extensions import db
from app.mail.sender import forget_written_mails
from app.models import (ACTIVE_STATUSES, Assignment, AuditLog,
                        BreakoutGroup, BreakoutPair, ConsentPurpose, ConsentRecord, Event,
                        OutboxMessage, Participant, Place, Preference, Registration,
                        RegistrationStatus, Sector, User, utcnow)
from app.registration.services import apply_promotions

ANONYMOUS_DOMAIN = "anonymised.invalid"


class RecordsError(Refusal):
    """A change to people's records was refused; the message says why."""


# --- the directory ---------------------------------------------------------------------

@dataclass(frozen=True)
class ParticipantRow:
    person: Participant
    registrations: int
    attended: int
    last_edition: str


def list_participants(query: str = "", sector: str = "", organisation: str = "",
                      user: User | None = None) -> list[ParticipantRow]:
    """People across editions (anonymised ones left out), with how often they registered
    and came; one query however many there are."""
    registered = sa.func.count(Registration.id)
    attended = sa.func.count(Registration.checked_in_at)
    last_start = sa.func.max(Event.starts_at)
    stmt = (sa.select(Participant, registered, attended, last_start)
            .outerjoin(Registration, Registration.participant_id == Participant.id)
            .outerjoin(Event, Event.id == Registration.event_id)
            .where(Participant.anonymised_at.is_(None))
            .group_by(Participant.id).order_by(Participant.name, Participant.id))
    if sector in {s.value for s in Sector}:
        stmt = stmt.where(Participant.sector == Sector(sector))
    rows = db.session.execute(stmt).all()
    needle = query.strip().casefold()
    org = organisation.strip().casefold()
    result = []
    for person, n_registered, n_attended, last in rows:
        if needle and needle not in f"{person.name} {person.email} {person.organisation}".casefold():
            continue
        if org and org not in person.organisation.casefold():
            continue
        result.append(ParticipantRow(person, n_registered, n_attended,
                                     last.isoformat() if last else ""))
    audit("participants.view", user)
    db.session.commit()
    return result


def get_person_or_404(person_id: int) -> Participant:
    person = db.session.scalar(
        sa.select(Participant).where(Participant.id == person_id)
        .options(selectinload(Participant.registrations).selectinload(Registration.event),
                 selectinload(Participant.consents)))
    if person is None or person.anonymised_at is not None:
        abort(404)
    return person


@dataclass(frozen=True)
class HistoryRow:
    registration: Registration
    outcome: str  # registered | attended | no_show | cancelled | expired | waiting


def person_history(person: Participant, user: User, now: datetime | None = None) -> list[HistoryRow]:
    """Per edition: registered, attended or no-show (derived once the edition is over)."""
    now = now or utcnow()
    rows = []
    for r in sorted(person.registrations, key=lambda r: r.event.starts_at, reverse=True):
        if r.checked_in_at:
            outcome = "attended"
        elif r.status in (RegistrationStatus.CANCELLED, RegistrationStatus.EXPIRED):
            outcome = r.status.value
        elif r.place == Place.WAITLIST:
            outcome = "waiting"
        elif r.status == RegistrationStatus.CONFIRMED and r.event.ends_at <= now:
            outcome = "no_show"
        else:
            outcome = "registered"
        rows.append(HistoryRow(r, outcome))
    audit("participant.view", user, details=f"participant {person.id}")
    db.session.commit()
    return rows


# --- export and erasure --------------------------------------------------------------------

def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def export_person(person: Participant, user: User | None = None) -> dict:
    """Everything stored about a person, as JSON-ready data (staff exports are audited)."""
    registrations = sorted(person.registrations, key=lambda r: r.id)
    mails = db.session.scalars(sa.select(OutboxMessage).where(sa.or_(
        OutboxMessage.registration_id.in_([r.id for r in registrations]),
        OutboxMessage.to_address == person.email)).order_by(OutboxMessage.id)).all()
    ids = [r.id for r in registrations]
    ranked: dict[int, list[str]] = {}
    for p in db.session.scalars(sa.select(Preference).where(
            Preference.registration_id.in_(ids)).order_by(Preference.rank)):
        ranked.setdefault(p.registration_id, []).append(p.topic)
    groups = dict(db.session.execute(
        sa.select(Assignment.registration_id, BreakoutGroup.title)
        .join(BreakoutGroup, BreakoutGroup.id == Assignment.group_id)
        .where(Assignment.registration_id.in_(ids))).all())
    data = {
        "person": {"name": person.name, "email": person.email,
                   "organisation": person.organisation, "sector": person.sector.value,
                   "language": person.language, "created_at": _iso(person.created_at)},
        "registrations": [{
            "edition": r.event.title, "edition_number": r.event.number,
            "starts_at": _iso(r.event.starts_at), "status": r.status.value, "place": r.place.value,
            "sector": r.sector.value, "language": r.language,
            "accessibility_needs": r.accessibility_needs, "created_at": _iso(r.created_at),
            "confirmed_at": _iso(r.confirmed_at), "promoted_at": _iso(r.promoted_at),
            "cancelled_at": _iso(r.cancelled_at), "checked_in_at": _iso(r.checked_in_at),
            "walk_in": r.walk_in, "breakout_topics": ranked.get(r.id, []),
            "breakout_group": groups.get(r.id)} for r in registrations],
        "consents": [{
            "purpose": c.purpose.value, "text_version": c.text_version,
            "given_at": _iso(c.given_at), "confirmed_at": _iso(c.confirmed_at),
            "withdrawn_at": _iso(c.withdrawn_at)} for c in person.consents],
        "mails": [{"kind": m.kind, "to": m.to_address, "subject": m.subject,
                   "created_at": _iso(m.created_at), "sent_at": _iso(m.sent_at),
                   "body": m.body_text} for m in mails],
    }
    if user is not None:
        audit("participant.export", user, details=f"participant {person.id}")
        db.session.commit()
    return data


def erase_person(person: Participant, user: User | None = None,
                 now: datetime | None = None) -> None:
    """Erase a person (on their request or by staff): cancel what is active, promoting
    others, then anonymise. Counts per edition stay right; the person is gone."""
    now = now or utcnow()
    address = person.email
    for registration in list(person.registrations):
        if registration.is_active and registration.event.ends_at > now:
            event = lock_event(registration.event_id)
            registration.status = RegistrationStatus.CANCELLED
            registration.cancelled_at = now
            db.session.flush()
            apply_promotions(event, now)
    _anonymise(person, now, [r for r in person.registrations if r.anonymised_at is None],
               whole_person=True)
    audit("participant.erase", user, details=f"participant {person.id}")
    db.session.commit()
    _forget_deleted_content()
    # In development the mails sent so far lie in the file backend's folder: they go too.
    forget_written_mails(current_app.config, address)


def _anonymise(person: Participant, now: datetime, registrations: list[Registration],
               whole_person: bool) -> None:
    """Remove the personal data of the given registrations, and of the person if asked."""
    ids = [r.id for r in registrations]
    if ids:
        db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.registration_id.in_(ids)))
        # Erasure reaches the breakout groups: rankings, group places and pair rules go.
        db.session.execute(sa.delete(Preference).where(Preference.registration_id.in_(ids)))
        db.session.execute(sa.delete(Assignment).where(Assignment.registration_id.in_(ids)))
        db.session.execute(sa.delete(BreakoutPair).where(sa.or_(
            BreakoutPair.first_id.in_(ids), BreakoutPair.second_id.in_(ids))))
        # Board cards stay (the group's results survive), as "anonym"; dots lose their voter.
        forget_authors(ids)
    for registration in registrations:
        _scrub_registration(registration, now)
    if whole_person:
        db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.to_address == person.email))
        person.name = ""
        person.organisation = ""
        person.email = f"anonymised-{person.id}@{ANONYMOUS_DOMAIN}"
        person.anonymised_at = now


def _scrub_registration(registration: Registration, now: datetime) -> None:
    registration.anonymised_at = now
    registration.accessibility_needs = ""
    # The personal link stops working: a random hash that no token has.
    registration.token_hash = hashlib.sha256(secrets.token_bytes(32)).hexdigest()
    registration.link_secret = registration.legacy_token_hash = None
    registration.nonce = secrets.token_urlsafe(24)
    # The feedback marks go with the registration; the anonymous answers stay, and so does
    # "was invited", the denominator of the response rate (a count, nothing about the person).
    registration.feedback_answered = False
    registration.feedback_reminded = False


def _forget_deleted_content() -> None:
    """On SQLite, move the write-ahead log into the database file so no old copy lingers.

    Deleted and overwritten content is zeroed (PRAGMA secure_delete, set on connect);
    this makes sure the WAL file holds no earlier version of the pages either.
    """
    if db.engine.dialect.name == "sqlite":
        # Outside any transaction (a checkpoint cannot run inside one): the raw connection.
        connection = db.engine.raw_connection()
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()


# --- retention ---------------------------------------------------------------------------

def run_retention(now: datetime | None = None) -> dict:
    """Anonymise the personal data of editions that ended RETENTION_DAYS ago.

    Registration-level data (accessibility needs, links, mails) of those editions goes,
    and the registrations with their consent records are unlinked from the person (each
    edition's to an anonymous placeholder), unless the person consented to keep their
    participation history. A person is anonymised once all their editions are past
    retention. Figures stay: rows, statuses, sectors, attendance and "returning" remain.
    """
    now = now or utcnow()
    cutoff = compute_retention_cutoff(now, current_app.config["RETENTION_DAYS"])
    keeping = sa.exists().where(ConsentRecord.participant_id == Participant.id,
                                ConsentRecord.purpose == ConsentPurpose.KEEP_HISTORY,
                                ConsentRecord.confirmed_at.is_not(None),
                                ConsentRecord.withdrawn_at.is_(None))
    # Still to do: personal data left on the registration, or a link to a person who
    # still has their data and no longer consents to keep it (withdrawn since).
    due = db.session.scalars(
        sa.select(Registration).join(Event, Event.id == Registration.event_id)
        .join(Participant, Participant.id == Registration.participant_id)
        .where(Event.ends_at <= cutoff, sa.or_(
            Registration.anonymised_at.is_(None),
            sa.and_(Participant.anonymised_at.is_(None), ~keeping)))
        .options(selectinload(Registration.participant)
                 .selectinload(Participant.registrations).selectinload(Registration.event),
                 selectinload(Registration.participant).selectinload(Participant.consents))
    ).all()
    people: dict[int, Participant] = {}
    for registration in due:
        people[registration.participant_id] = registration.participant
    done = anonymised = 0
    for person in people.values():
        expired = [r for r in person.registrations if r.event.ends_at <= cutoff]
        fresh = [r for r in expired if r.anonymised_at is None]
        if keeps_history(person):
            _anonymise(person, now, fresh, whole_person=False)
            done += len(fresh)
        elif len(expired) == len(person.registrations):
            # Nobody is left to tie them to: the record itself loses its personal data.
            _anonymise(person, now, fresh, whole_person=True)
            done += len(fresh)
            anonymised += 1
        else:
            _anonymise(person, now, fresh, whole_person=False)
            _unlink(person, expired, now)
            done += len(expired)
    if done or anonymised:
        audit("retention.run", None, details=f"registrations: {done}, people: {anonymised}")
    db.session.commit()
    if done or anonymised:
        _forget_deleted_content()
    return {"registrations": done, "people": anonymised}


def keeps_history(person: Participant) -> bool:
    """Whether the person consented (confirmed, not withdrawn) to keep their history."""
    return any(c.purpose == ConsentPurpose.KEEP_HISTORY and c.confirmed_at is not None
               and c.withdrawn_at is None for c in person.consents)


def _unlink(person: Participant, registrations: list[Registration], now: datetime) -> None:
    """Move registrations and their consent records from the person to placeholders.

    One anonymous placeholder per edition, so per-edition figures count the same people.
    "Returning" links editions through the person, so it is recorded on each of their
    registrations first. Every consent given with a registration goes with it, even one
    to hear about future editions: its timestamps would otherwise name the edition.
    """
    attended = [(r.event.series_id, r.event.number) for r in person.registrations
                if r.checked_in_at is not None]
    for registration in person.registrations:
        event = registration.event
        registration.returning_recorded = registration.returning_recorded or any(
            series_id == event.series_id and number < event.number
            for series_id, number in attended)
    ids = {r.id for r in registrations}
    placeholders: dict[int, Participant] = {}
    for registration in sorted(registrations, key=lambda r: r.id):
        placeholder = placeholders.get(registration.event_id)
        if placeholder is None:
            placeholder = Participant(
                email=f"anonymised-{secrets.token_hex(12)}@{ANONYMOUS_DOMAIN}", name="",
                organisation="", sector=registration.sector, language=registration.language,
                created_at=now, anonymised_at=now)
            placeholders[registration.event_id] = placeholder
        registration.participant = placeholder
    for consent in list(person.consents):
        if consent.registration_id in ids:
            consent.participant = placeholders[consent.registration.event_id]


# --- merging duplicates --------------------------------------------------------------------

def merge_people(keep: Participant, duplicate: Participant, user: User) -> None:
    """Fold a duplicate record into another: registrations and consents move over."""
    if keep.id == duplicate.id:
        raise RecordsError(_l("Bitte wählen Sie zwei verschiedene Personen."))
    active_editions = {r.event_id for r in keep.registrations if r.status in ACTIVE_STATUSES}
    if any(r.event_id in active_editions and r.status in ACTIVE_STATUSES
           for r in duplicate.registrations):
        raise RecordsError(_l("Beide sind für dieselbe Ausgabe angemeldet. Bitte sagen Sie "
                              "eine der beiden Anmeldungen zuerst ab."))
    db.session.execute(sa.update(Registration).where(
        Registration.participant_id == duplicate.id).values(participant_id=keep.id))
    db.session.execute(sa.update(ConsentRecord).where(
        ConsentRecord.participant_id == duplicate.id).values(participant_id=keep.id))
    keep.organisation = keep.organisation or duplicate.organisation
    audit("participant.merge", user, details=f"participant {duplicate.id} into {keep.id}")
    db.session.flush()
    db.session.expire(duplicate)
    db.session.delete(duplicate)
    db.session.commit()


def find_person_by_email(email: str) -> Participant | None:
    return db.session.scalar(sa.select(Participant).where(
        Participant.email == email.strip().lower(), Participant.anonymised_at.is_(None)))


# --- the audit log -------------------------------------------------------------------------

def audit_entries(action: str = "", limit: int = 300) -> list[tuple[AuditLog, User | None, Event | None]]:
    """The newest audit entries with who and which edition, in one query."""
    stmt = (sa.select(AuditLog, User, Event)
            .outerjoin(User, User.id == AuditLog.user_id)
            .outerjoin(Event, Event.id == AuditLog.event_id)
            .order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit))
    if action:
        stmt = stmt.where(AuditLog.action.startswith(action))
    return [tuple(row) for row in db.session.execute(stmt)]


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditLog.action).distinct().order_by(AuditLog.action)))

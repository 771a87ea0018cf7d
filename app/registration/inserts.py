"""The registration's writes under the edition's lock on PostgreSQL, in ONE statement.

The person (created, or their details updated: INSERT … ON CONFLICT on the unique address),
the registration, its consents, its ranked topics and the opt-in mail in the outbox go to the
database as data-modifying CTEs of one statement (each row refers to the person's and the new
registration's ids) instead of one round trip each while every other registration of the
edition waits. Two editions' registrations of the same new address at once hold different
locks; the unique address makes the second wait for the first's commit and then update.
SQLite has no data-modifying CTEs; app.registration.services writes the same rows through the
ORM there (tests/registration/test_statements.py holds both).

The statement is built once per shape (how many consents and topics, with or without a mail)
with every value a parameter: building it anew for each registration cost more CPU under the
lock than the round trips it saves, and a multi-row VALUES would never be in SQLAlchemy's
statement cache.
"""
import functools
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from app.extensions import db
from app.models import ConsentRecord, OutboxMessage, Participant, Preference, Registration

_REGISTRATION = Registration.__table__
_CONSENT = ConsentRecord.__table__
_OUTBOX = OutboxMessage.__table__
_PREFERENCE = Preference.__table__
_PERSON = Participant.__table__


def defaults(table: sa.Table) -> dict:
    """The columns' Python-side defaults (an INSERT inside a CTE does not apply them)."""
    return {c.key: c.default.arg if c.default.is_scalar else c.default.arg(None)
            for c in table.c if c.default is not None and not c.default.is_sequence}


def _bound(table: sa.Table, prefix: str, keys: tuple[str, ...]) -> dict:
    """Each column a typed parameter named prefix + column."""
    return {key: sa.bindparam(prefix + key, type_=table.c[key].type) for key in keys}


@functools.lru_cache(maxsize=64)
def _statement(registration: tuple[str, ...], person: tuple[str, ...],
               consents: tuple[tuple[str, ...], ...], outbox: tuple[str, ...] | None,
               preferences: int) -> sa.Select:
    upsert = postgresql.insert(_PERSON).values(_bound(_PERSON, "p_", person))
    person_row = (upsert.on_conflict_do_update(
        index_elements=[_PERSON.c.email],
        set_={key: upsert.excluded[key] for key in person if key not in ("email", "created_at")})
        .returning(_PERSON.c.id).cte("person"))
    person_id = sa.select(person_row.c.id).scalar_subquery()
    new = (sa.insert(_REGISTRATION).values(
        {**_bound(_REGISTRATION, "r_", registration), "participant_id": person_id})
        .returning(_REGISTRATION.c.id).cte("new_registration"))
    new_id = sa.select(new.c.id).scalar_subquery()
    writes = [person_row]
    writes.extend(sa.insert(_CONSENT).values(
        {**_bound(_CONSENT, f"c{n}_", keys), "registration_id": new_id,
         "participant_id": person_id}).cte(f"consent_{n}")
        for n, keys in enumerate(consents))
    if outbox is not None:
        writes.append(sa.insert(_OUTBOX).values(
            {**_bound(_OUTBOX, "o_", outbox), "registration_id": new_id}).cte("opt_in_mail"))
    writes.extend(sa.insert(_PREFERENCE).values(
        {**_bound(_PREFERENCE, f"t{n}_", ("topic", "rank")), "registration_id": new_id})
        .cte(f"topic_{n}") for n in range(preferences))
    return sa.select(new.c.id).add_cte(*writes)


def insert_at_once(registration: dict, email: str, details: dict, consents: list[dict],
                   outbox: dict | None, topics: list[str], now: datetime) -> int:
    """Write everything a new registration stores in one statement; its id.

    `registration` (without the person), `details` (the person's name, organisation, sector
    and language), each consent (without registration and person) and the outbox row are
    column → value; the tables' Python-side defaults are added here; `topics` best first."""
    rows = {"r_": {**defaults(_REGISTRATION), **registration},
            "p_": {**defaults(_PERSON), **details, "email": email, "created_at": now,
                   "updated_at": now}}
    rows.update((f"c{n}_", {**defaults(_CONSENT), **consent})
                for n, consent in enumerate(consents))
    if outbox is not None:
        rows["o_"] = {**defaults(_OUTBOX), **outbox}
    rows.update((f"t{n}_", {"topic": topic, "rank": n + 1}) for n, topic in enumerate(topics))
    statement = _statement(
        tuple(rows["r_"]), tuple(rows["p_"]),
        tuple(tuple(rows[f"c{n}_"]) for n in range(len(consents))),
        tuple(rows["o_"]) if outbox is not None else None, len(topics))
    params = {}
    for prefix, values in rows.items():
        params.update((prefix + key, value) for key, value in values.items())
    return db.session.connection().execute(statement, params).scalar_one()

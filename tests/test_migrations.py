"""The migrations build exactly the schema the models describe, on both databases."""
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app.extensions import db


def _differences():
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_models_and_migrations_agree(app, db):
    assert _differences() == []


def test_every_table_exists_after_upgrade(app, db):
    tables = set(sa.inspect(db.engine).get_table_names())
    assert {"users", "series", "events", "speakers", "event_facilitators",
            "alembic_version"} <= tables


def test_downgrade_to_base_and_upgrade_again(app, db):
    downgrade(revision="base")
    assert "events" not in sa.inspect(db.engine).get_table_names()
    upgrade()
    assert _differences() == []


def test_database_constraints_refuse_an_edition_that_ends_before_it_starts(app, db):
    from datetime import timedelta

    import pytest
    from sqlalchemy.exc import IntegrityError

    from tests.factories import make_event
    with pytest.raises(IntegrityError):
        event = make_event()
        event.ends_at = event.starts_at - timedelta(minutes=1)
        db.session.commit()
    db.session.rollback()


def test_the_consent_purposes_check_admits_keeping_the_history_and_nothing_unknown(app, db):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from app.models import Participant
    person = Participant(email="check@example.org", name="Check", sector="research")
    db.session.add(person)
    db.session.commit()
    insert = sa.text("INSERT INTO consent_records (participant_id, purpose, text_version, given_at)"
                     " VALUES (:p, :purpose, 'v', CURRENT_TIMESTAMP)")
    db.session.execute(insert, {"p": person.id, "purpose": "keep_history"})
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(insert, {"p": person.id, "purpose": "sell_my_data"})
        db.session.commit()
    db.session.rollback()

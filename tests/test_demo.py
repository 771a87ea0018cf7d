"""`flask demo` loads the series, three editions and the demo accounts, once."""
import sqlalchemy as sa

from app.domain.editions import BERLIN, Phase
from app.events.services import phase_of
from app.models import Event, Series, User


def counts(db):
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m))
                 for m in (Series, Event, User))


def test_demo_is_idempotent_and_prints_the_accounts(runner, db):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "admin@example.org" in first.output and "password:" in first.output
    assert counts(db) == (1, 3, 3)
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert counts(db) == (1, 3, 3)


def test_demo_has_two_past_editions_and_one_open_for_registration(runner, db):
    runner.invoke(args=["demo"])
    events = {e.number: e for e in db.session.scalars(sa.select(Event))}
    sixth = events[6]
    assert sixth.title == "Wie können Daten den Alltag von Familien erleichtern?"
    local = sixth.starts_at.astimezone(BERLIN)
    assert (local.month, local.day, local.hour, local.minute) == (12, 9, 17, 0)
    assert sixth.ends_at.astimezone(BERLIN).strftime("%H:%M") == "18:30"
    assert sixth.capacity == 30 and sixth.format.value == "online"
    assert phase_of(events[5]) == Phase.HELD
    assert phase_of(sixth) == Phase.HELD
    assert phase_of(events[7]) == Phase.REGISTRATION_OPEN


def test_demo_is_refused_outside_development(app, runner, db):
    app.config["DEMO_ENABLED"] = False
    try:
        result = runner.invoke(args=["demo"])
    finally:
        app.config["DEMO_ENABLED"] = True
    assert result.exit_code != 0
    assert "development only" in result.output
    assert counts(db) == (0, 0, 0)

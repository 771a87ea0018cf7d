"""`flask demo` loads the series, three editions and the demo accounts, once."""
import sqlalchemy as sa

from app.domain.editions import BERLIN, Phase
from app.events.services import phase_of
from app.models import Event, Series, User, utcnow


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


def test_demo_edition_open_for_registration_shows_seats_per_sector(runner, client, db):
    """Edition #7 reserves 6 seats for each sector: civil society and administration have
    filled theirs and the open seats, one of civil society waits, a research person who came
    after her moved up into a freed research seat, and business and research still have seats."""
    from app.models import Place, Registration, RegistrationStatus
    from app.registration.personal import overtaken_by_reserved
    from app.registration.services import holders_of, plan_promotions, seat_count
    runner.invoke(args=["demo"])
    seventh = db.session.scalar(sa.select(Event).where(Event.number == 7))
    assert (seventh.reserved_civil_society, seventh.reserved_public_administration,
            seventh.reserved_business, seventh.reserved_research) == (6, 6, 6, 6)
    assert seventh.seats_release_at is None  # the default: 7 days before the start
    count = seat_count(seventh)
    assert (count.capacity, count.taken, count.open_free) == (30, 27, 0)
    assert count.sectors_with_seats == ("business", "research")
    assert dict(count.waiting_by_sector) == {"civil_society": 1}
    plan = plan_promotions(seventh, holders_of(seventh.id), utcnow())
    assert plan.promote == () and plan.expire == ()  # the rules would change nothing
    [waiting] = db.session.scalars(sa.select(Registration).where(
        Registration.event_id == seventh.id, Registration.place == Place.WAITLIST))
    assert waiting.status == RegistrationStatus.CONFIRMED
    assert overtaken_by_reserved(waiting) == 1
    page = client.get(f"/events/{seventh.slug}").get_data(as_text=True)
    assert "Plätze frei für: Wirtschaft, Wissenschaft und Forschung" in page

"""Seats per sector through the app (issue 16): the public form, confirmations and
cancellations, the personal page, the event page, staff's form, list, statistics and
duplicate."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.jobs import expire_and_promote
from app.models import Event, Participant, Place, Registration, RegistrationStatus
from app.registration import services
from tests.conftest import counted_statements, csrf_from
from tests.events.test_events import event_form
from tests.factories import make_event, make_series
from tests.registration.conftest import post_button, register, token_for


def registration_of(db, email: str) -> Registration:
    db.session.expire_all()
    return db.session.scalar(sa.select(Registration).join(Participant).where(
        Participant.email == email).order_by(Registration.id.desc()))


def confirmed(client, db, slug, email, sector):
    assert register(client, slug, email=email, sector=sector).status_code == 303
    token = token_for(db, email)
    post_button(client, f"/r/{token}/confirm")
    return token


@pytest.fixture
def edition(db):
    # 4 seats: 2 reserved for business, 2 open.
    return make_event(capacity=4, reserved_business=2, title="Daten für Familien")


def test_a_sector_takes_its_reserved_seats_and_the_open_ones_nobody_else_its_reserved(
        client, db, edition):
    for n in range(3):
        confirmed(client, db, edition.slug, f"civil{n}@example.org", "civil_society")
    assert [registration_of(db, f"civil{n}@example.org").place for n in range(3)] == \
        [Place.SEAT, Place.SEAT, Place.WAITLIST]  # the open seats, then the waiting list
    html = client.get(f"/events/{edition.slug}").get_data(as_text=True)
    assert "Plätze frei für: Wirtschaft – für alle anderen Warteliste offen" in html
    confirmed(client, db, edition.slug, "biz0@example.org", "business")
    confirmed(client, db, edition.slug, "biz1@example.org", "business")
    confirmed(client, db, edition.slug, "biz2@example.org", "business")
    assert [registration_of(db, f"biz{n}@example.org").place for n in range(3)] == \
        [Place.SEAT, Place.SEAT, Place.WAITLIST]
    assert "Alle Plätze vergeben – Warteliste offen" in \
        client.get(f"/events/{edition.slug}?lang=de").get_data(as_text=True)


def test_a_freed_reserved_seat_goes_to_the_first_of_its_sector_and_the_page_says_why(
        client, db, edition):
    for n in range(2):
        confirmed(client, db, edition.slug, f"civil{n}@example.org", "civil_society")
    biz = [confirmed(client, db, edition.slug, f"biz{n}@example.org", "business")
           for n in range(2)]
    waiting_civil = confirmed(client, db, edition.slug, "civil-wait@example.org",
                              "civil_society")
    confirmed(client, db, edition.slug, "biz-wait@example.org", "business")
    post_button(client, f"/r/{biz[0]}/cancel")
    # The reserved seat of business goes to the person of business, who came later.
    assert registration_of(db, "biz-wait@example.org").place == Place.SEAT
    assert registration_of(db, "biz-wait@example.org").promoted_reserved
    assert registration_of(db, "civil-wait@example.org").place == Place.WAITLIST
    html = client.get(f"/r/{waiting_civil}").get_data(as_text=True)
    assert "auf Platz 1" in html
    assert ("1 Person, die nach Ihnen auf die Warteliste kam, hat einen Platz bekommen, der "
            "für ihren Bereich reserviert war.") in html
    english = client.get(f"/r/{waiting_civil}?lang=en").get_data(as_text=True)
    assert "reserved for their sector" in english


def test_after_the_release_a_freed_seat_goes_to_the_first_person_waiting(client, db):
    event = make_event(capacity=2, reserved_business=1,
                       seats_release_at=services.utcnow() + timedelta(hours=1))
    confirmed(client, db, event.slug, "civil0@example.org", "civil_society")
    confirmed(client, db, event.slug, "civil1@example.org", "civil_society")
    assert registration_of(db, "civil1@example.org").place == Place.WAITLIST
    assert expire_and_promote(services.utcnow() + timedelta(minutes=30)) == 0  # still reserved
    # The worker notices the release: no hold expired, yet the seat now goes to who waits.
    assert expire_and_promote(services.utcnow() + timedelta(hours=2)) == 1
    assert registration_of(db, "civil1@example.org").place == Place.SEAT
    assert not registration_of(db, "civil1@example.org").promoted_reserved


def test_staff_moving_someone_past_their_sectors_share_needs_the_override(client, db, login_as,
                                                                         edition):
    from app.registration import staff
    user = login_as("staff")
    for n in range(3):
        confirmed(client, db, edition.slug, f"civil{n}@example.org", "civil_society")
    waiting = registration_of(db, "civil2@example.org")
    # Two seats are free, both reserved for business: the list offers the override, and
    # moving without it is refused with the reason.
    html = client.get(f"/manage/events/{edition.slug}/registrations").get_data(as_text=True)
    assert f'id="override-{waiting.id}"' in html
    with pytest.raises(services.RegistrationError, match="für andere Bereiche reserviert"):
        staff.move_to_seat(waiting, user)
    db.session.expire_all()
    moved = staff.move_to_seat(registration_of(db, "civil2@example.org"), user, override=True)
    assert moved.place == Place.SEAT


def test_the_aggregate_and_the_domain_agree_per_sector(db, edition):
    from app.events.services import seat_counts
    from tests.factories import make_registration
    now = services.utcnow()
    for sector, place, status in [("business", Place.SEAT, RegistrationStatus.CONFIRMED),
                                  ("business", Place.WAITLIST, RegistrationStatus.PENDING),
                                  ("research", Place.SEAT, RegistrationStatus.PENDING),
                                  ("undisclosed", Place.SEAT, RegistrationStatus.CONFIRMED),
                                  ("research", Place.SEAT, RegistrationStatus.CANCELLED)]:
        make_registration(edition, sector=sector, place=place, status=status,
                          hold_expires_at=now + timedelta(hours=1)
                          if status == RegistrationStatus.PENDING else None,
                          waitlisted_at=now if place == Place.WAITLIST else None)
    sql = seat_counts([edition], now)[edition.id]
    assert sql == services.seat_count(edition, now)
    assert sql.taken_by_sector == {"business": 1, "research": 1, "undisclosed": 1}
    assert sql.reserved == {"business": 2}
    # A week before the start the reserved seats are released: no longer in force.
    late = edition.starts_at - timedelta(days=7)
    assert seat_counts([edition], late)[edition.id] == services.seat_count(edition, late)
    assert seat_counts([edition], late)[edition.id].reserved == {}


def test_event_page_statements_do_not_grow_with_people_from_several_sectors(client, db, edition):
    def statements():
        with counted_statements(db) as seen:
            client.get("/")
            client.get(f"/events/{edition.slug}")
            client.get(f"/events/{edition.slug}/register")
        return len(seen)

    register(client, edition.slug, email="a@example.org", sector="business")
    few = statements()
    for n, sector in enumerate(["civil_society", "research", "undisclosed", "business",
                                "public_administration", "private_person"]):
        register(client, edition.slug, email=f"more{n}@example.org", sector=sector)
    assert statements() == few


# --- staff ------------------------------------------------------------------------------------

def post(client, url, data):
    return client.post(url, data={**data, "csrf_token": csrf_from(client, "/manage/")})


def test_staff_reserve_seats_in_the_edition_form_and_the_duplicate_copies_them(client, db,
                                                                              login_as):
    login_as("staff")
    series = make_series(slug="innovationswerkstatt")
    response = post(client, "/manage/events/new", event_form(
        series.id, reserved_civil_society="6", reserved_public_administration="6",
        reserved_business="6", reserved_research="6", seats_release_at="2027-03-05T12:00"))
    assert response.status_code == 303
    event = db.session.scalar(sa.select(Event).where(Event.number == 7))
    assert (event.reserved_civil_society, event.reserved_public_administration,
            event.reserved_business, event.reserved_research) == (6, 6, 6, 6)
    html = client.get(f"/manage/events/{event.slug}/edit").get_data(as_text=True)
    assert 'name="reserved_business" type="number" value="6"' in html \
        or ('name="reserved_business"' in html and 'value="6"' in html)
    post(client, f"/manage/events/{event.slug}/duplicate", {})
    copy = db.session.scalar(sa.select(Event).where(Event.number == 8))
    assert (copy.reserved_civil_society, copy.reserved_research) == (6, 6)
    assert copy.seats_release_at - event.seats_release_at == copy.starts_at - event.starts_at


@pytest.mark.parametrize(("lang", "message"), [
    ("de", "Es sind 32 Plätze reserviert, aber nur 30 Plätze vorhanden."),
    ("en", "32 seats are reserved, but there are only 30 seats."),
])
def test_more_reserved_than_seats_is_a_message_at_the_field_in_both_languages(
        client, db, login_as, lang, message):
    login_as("staff")
    series = make_series(slug="innovationswerkstatt")
    client.get(f"/?lang={lang}")
    response = post(client, "/manage/events/new", event_form(
        series.id, reserved_civil_society="8", reserved_public_administration="8",
        reserved_business="8", reserved_research="8", capacity="30"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    # The page opens at its top: an alert there links to the field with the message.
    field = {"de": "Wissenschaft und Forschung", "en": "Science and research"}[lang]
    assert f'<a class="kern-link" href="#reserved_research">{field}</a>: {message}' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0


@pytest.mark.parametrize("value", ["-1", "abc", "1e9", "2.5"])
def test_nonsense_in_a_reserved_field_is_refused_never_a_500(client, db, login_as, value):
    login_as("staff")
    series = make_series(slug="innovationswerkstatt")
    response = post(client, "/manage/events/new", event_form(series.id, reserved_business=value))
    assert response.status_code == 200
    assert "field--error" in response.get_data(as_text=True)


def test_lowering_the_capacity_below_the_reserved_seats_is_refused_raising_keeps_them(
        client, db, login_as):
    login_as("staff")
    series = make_series(slug="innovationswerkstatt")
    post(client, "/manage/events/new", event_form(series.id, reserved_business="10"))
    event = db.session.scalar(sa.select(Event).where(Event.number == 7))
    response = post(client, f"/manage/events/{event.slug}/edit",
                    event_form(series.id, reserved_business="10", capacity="8"))
    assert response.status_code == 200
    assert "Es sind 10 Plätze reserviert, aber nur 8 Plätze vorhanden." in \
        response.get_data(as_text=True)
    response = post(client, f"/manage/events/{event.slug}/edit",
                    event_form(series.id, reserved_business="10", capacity="40"))
    assert response.status_code == 303
    db.session.expire_all()
    assert (event.capacity, event.reserved_business) == (40, 10)


def test_raising_the_capacity_or_releasing_reserved_seats_moves_the_first_people_up(
        client, db, login_as):
    login_as("staff")
    series = make_series(slug="innovationswerkstatt")
    post(client, "/manage/events/new", event_form(
        series.id, capacity="2", reserved_business="1", starts_at="2030-03-09T17:00",
        ends_at="2030-03-09T18:30"))
    event = db.session.scalar(sa.select(Event).where(Event.number == 7))
    post(client, f"/manage/events/{event.slug}/publish", {})
    for n in range(3):
        confirmed(client, db, event.slug, f"civil{n}@example.org", "civil_society")
    assert [registration_of(db, f"civil{n}@example.org").place for n in range(3)] == \
        [Place.SEAT, Place.WAITLIST, Place.WAITLIST]
    form = event_form(series.id, capacity="3", reserved_business="1",
                      starts_at="2030-03-09T17:00", ends_at="2030-03-09T18:30")
    assert post(client, f"/manage/events/{event.slug}/edit", form).status_code == 303
    assert registration_of(db, "civil1@example.org").place == Place.SEAT  # the new open seat
    assert registration_of(db, "civil2@example.org").place == Place.WAITLIST
    form["reserved_business"] = "0"
    assert post(client, f"/manage/events/{event.slug}/edit", form).status_code == 303
    assert registration_of(db, "civil2@example.org").place == Place.SEAT


def test_staff_see_reserved_against_taken_per_sector_on_the_list_and_the_statistics(
        client, db, login_as, edition):
    confirmed(client, db, edition.slug, "biz@example.org", "business")
    confirmed(client, db, edition.slug, "civil@example.org", "civil_society")
    login_as("staff")
    html = client.get(f"/manage/events/{edition.slug}/registrations").get_data(as_text=True)
    assert "Plätze nach Bereichen" in html
    business = ('<th scope="row" class="kern-table__header">Wirtschaft</th>'
                '<td class="kern-table__cell num">2</td><td class="kern-table__cell num">1</td>'
                '<td class="kern-table__cell num">1</td>')
    assert business in html
    assert ('<th scope="row" class="kern-table__header">Offene Plätze (für alle)</th>'
            '<td class="kern-table__cell num">2</td><td class="kern-table__cell num">1</td>'
            '<td class="kern-table__cell num">1</td>') in html
    stats = client.get(f"/manage/events/{edition.slug}/statistics").get_data(as_text=True)
    assert business in stats


def test_the_form_says_which_sectors_have_reserved_seats_until_they_are_released(client, db):
    """Whoever registers learns that their sector decides the seat, for the sectors that
    really have reserved seats, and only while they bind."""
    event = make_event(capacity=4, reserved_business=2, title="Daten für Familien")
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert "Plätze reserviert für: Wirtschaft. Ob Sie einen Platz bekommen" in html
    english = client.get(f"/events/{event.slug}/register?lang=en").get_data(as_text=True)
    assert "seats reserved for: Business. Whether you get a seat" in english
    event.seats_release_at = services.utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert "Plätze reserviert für" not in client.get(
        f"/events/{event.slug}/register").get_data(as_text=True)

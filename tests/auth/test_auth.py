"""Sign-in, sign-out, throttling and who may open which staff page."""
import re

import pytest
import sqlalchemy as sa

from app.extensions import db as _db
from app.extensions import limiter
from app.models import (BoardCard, BreakoutGroup, BreakoutPair, FeedbackQuestion, OutboxMessage,
                        OutboxStatus, PairKind, Role, Sector, User)
from tests.conftest import csrf_from, login
from tests.factories import PASSWORD, make_agenda_item, make_event, make_registration, make_user


def test_login_with_the_right_password_opens_the_staff_area(client, db):
    user = make_user(role="staff", email="kim@example.org")
    response = login(client, "Kim@Example.org ", PASSWORD)
    assert response.status_code == 303
    assert response.headers["Location"] == "/manage/"
    assert client.get("/manage/").status_code == 200
    assert db.session.get(User, user.id).last_login_at is not None


@pytest.mark.parametrize(("email", "password"), [
    ("kim@example.org", "wrong password"),
    ("nobody@example.org", PASSWORD),
    ("not-an-address", PASSWORD),
])
def test_wrong_credentials_show_one_neutral_error_next_to_the_field(client, db, email, password):
    make_user(email="kim@example.org")
    response = login(client, email, password)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "E-Mail-Adresse oder Passwort sind nicht richtig." in html
    assert 'aria-invalid="true"' in html
    assert client.get("/manage/").status_code == 302


def test_a_deactivated_account_cannot_sign_in(client, db):
    make_user(email="gone@example.org", active=False)
    assert login(client, "gone@example.org", PASSWORD).status_code == 200


def test_login_form_without_csrf_token_is_refused(client, db):
    make_user(email="kim@example.org")
    response = client.post("/manage/login", data={"email": "kim@example.org",
                                                  "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/manage/").status_code == 302


def test_login_ignores_a_next_parameter_pointing_elsewhere(client, db):
    make_user(email="kim@example.org")
    token = csrf_from(client, "/manage/login")
    response = client.post("/manage/login?next=https://evil.example/manage",
                           data={"email": "kim@example.org", "password": PASSWORD,
                                 "csrf_token": token})
    assert response.headers["Location"] == "/manage/"


def test_login_follows_a_next_parameter_inside_the_staff_area(client, db):
    make_user(email="kim@example.org", role=Role.ADMIN)
    token = csrf_from(client, "/manage/login")
    response = client.post("/manage/login?next=/manage/users",
                           data={"email": "kim@example.org", "password": PASSWORD,
                                 "csrf_token": token})
    assert response.headers["Location"] == "/manage/users"


@pytest.fixture
def limited(app):
    """The production defaults for failed logins."""
    from config import Config
    saved = {k: app.config[k] for k in ("LOGIN_LIMIT_PER_IP", "LOGIN_LIMIT_PER_ACCOUNT")}
    app.config.update(LOGIN_LIMIT_PER_IP=Config.LOGIN_LIMIT_PER_IP,
                      LOGIN_LIMIT_PER_ACCOUNT=Config.LOGIN_LIMIT_PER_ACCOUNT)
    yield
    app.config.update(saved)
    limiter.reset()


def test_failed_logins_are_throttled_per_account(client, db, limited):
    make_user(email="kim@example.org")
    for _ in range(5):
        assert login(client, "kim@example.org", "wrong").status_code == 200
    response = login(client, "kim@example.org", PASSWORD)
    assert response.status_code == 429
    assert "Zu viele Versuche" in response.get_data(as_text=True)
    # Another account from the same address is not locked out by this one.
    make_user(email="other@example.org")
    assert login(client, "other@example.org", PASSWORD).status_code == 303


def test_successful_logins_do_not_count_towards_the_limit(client, db, limited):
    make_user(email="kim@example.org")
    for _ in range(8):
        assert login(client, "kim@example.org", PASSWORD).status_code == 303
        client.post("/manage/logout", data={"csrf_token": csrf_from(client, "/manage/")})


def test_logout_ends_the_session_even_for_a_copied_cookie(client, db):
    make_user(email="kim@example.org")
    login(client, "kim@example.org", PASSWORD)
    stolen = client.get_cookie("werkstatt_session").value
    response = client.post("/manage/logout", data={"csrf_token": csrf_from(client, "/manage/")})
    assert response.status_code == 303
    assert client.get("/manage/").status_code == 302
    client.set_cookie("werkstatt_session", stolen)
    assert client.get("/manage/").status_code == 302


def test_logout_needs_post(client, db, login_as):
    login_as("staff")
    assert client.get("/manage/logout").status_code == 405
    assert client.get("/manage/").status_code == 200


# --- every /manage route, anonymous and with each role ---------------------------------

# The lowest role that may open each staff page; a new route must be added here.
MINIMUM_ROLE = {
    "auth.logout": "facilitator",
    "auth.change_password": "facilitator",
    "auth.list_users": "admin",
    "auth.create_user": "admin",
    "auth.edit_user": "admin",
    "events.dashboard": "facilitator",
    "events.create_event": "staff",
    "events.edit_event": "staff",
    "events.publish_event": "staff",
    "events.unpublish_event": "staff",
    "events.cancel_event": "staff",
    "events.duplicate_event": "staff",
    "events.create_series": "staff",
    "agenda.editor": "staff",
    "agenda.add_item": "staff",
    "agenda.edit_item": "staff",
    "agenda.delete_item": "staff",
    "agenda.move_item": "staff",
    "agenda.reorder": "staff",
    "agenda.apply_standard": "staff",
    "mail.outbox": "staff",
    "mail.retry": "staff",
    "registration.manage_list": "staff",
    "registration.manage_add": "staff",
    "registration.manage_cancel": "staff",
    "registration.manage_message": "staff",
    "registration.manage_move": "staff",
    "registration.manage_resend": "staff",
    "registration.manage_csv": "staff",
    # Check-in: staff and the edition's facilitators; the edition here has none, so the lowest
    # role that passes this table is staff (tests/records/test_checkin.py covers facilitators).
    "records.checkin": "staff",
    "records.set_attendance": "staff",
    "records.add_walk_in": "staff",
    "records.signin_sheet": "staff",
    "records.participants_csv": "staff",
    "records.edition_statistics": "staff",
    "records.series_statistics": "staff",
    "records.participants": "staff",
    "records.person": "staff",
    "records.export_person": "staff",
    "records.erase_person": "staff",
    "records.merge_person": "staff",
    "records.audit_log": "admin",
    "reports.editor": "staff",
    "reports.save": "staff",
    "reports.preview": "staff",
    "reports.preview_pdf": "staff",
    "reports.publish": "staff",
    "reports.unpublish": "staff",
    "reports.notify": "staff",
    # The breakout board: staff and the edition's facilitators (none here, as for check-in;
    # tests/breakouts covers facilitators). Mails to everyone and e-mail exports: staff only.
    "breakouts.board": "staff",
    # Group boards and the survey results: the edition's facilitators or staff (the
    # facilitator in this table facilitates no edition, so staff is the least that gets in).
    **{f"boards.{name}": "staff" for name in (
        "staff_board", "staff_state", "staff_add", "staff_edit", "staff_delete", "staff_merge",
        "staff_unmerge", "staff_key_result", "staff_voting", "staff_override", "staff_dots",
        "staff_prompts", "edition_prompts", "plenary", "export_markdown", "export_csv")},
    **{f"feedback.{name}": "staff" for name in (
        "results", "results_csv", "questions", "edit_question", "delete_question",
        "customise_questions", "make_standard")},
    "reports.show_feedback": "staff",
    "breakouts.create_group": "staff",
    "breakouts.edit_group": "staff",
    "breakouts.delete_group": "staff",
    "breakouts.allocate": "staff",
    "breakouts.move": "staff",
    "breakouts.pin": "staff",
    "breakouts.add_pair": "staff",
    "breakouts.delete_pair": "staff",
    "breakouts.publish": "staff",
    "breakouts.unpublish": "staff",
    "breakouts.request_topics": "staff",
    "breakouts.groups_pdf": "staff",
    "breakouts.groups_csv": "staff",
    "breakouts.video_rooms_csv": "staff",
}
RANKS = ["facilitator", "staff", "admin"]


def _manage_rules(app):
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/manage")
             and r.endpoint != "auth.login"]
    # Deleting goes last, so the other routes still find the object.
    return sorted(rules, key=lambda r: "delete" in r.endpoint)


def _objects(user_id: int) -> dict[str, str]:
    """One object of each kind the staff routes take, by URL parameter name."""
    event = make_event()
    item = make_agenda_item(event)
    registration, _token = make_registration(event, "Matrix", email="matrix@example.org",
                                             sector=Sector.UNDISCLOSED, place="waitlist")
    message = OutboxMessage(kind="confirmed", to_address="matrix@example.org", subject="Matrix",
                            body_text="Matrix", status=OutboxStatus.FAILED)
    group = BreakoutGroup(event=event, title="Matrix", topic="Matrix")
    other, _token = make_registration(event, "Matrix 2", email="matrix2@example.org",
                                      sector=Sector.UNDISCLOSED)
    _db.session.add_all([message, group])
    _db.session.flush()
    pair = BreakoutPair(event_id=event.id, first_id=min(registration.id, other.id),
                        second_id=max(registration.id, other.id), kind=PairKind.APART)
    card = BoardCard(group_id=group.id, col=0, body="Matrix", author_name="")
    question = FeedbackQuestion(event_id=event.id, position=0, kind="scale", required=True,
                                text_de="Wie war es?", text_en="How was it?", options=[])
    _db.session.add_all([pair, card, question])
    _db.session.commit()
    return {"card_id": str(card.id), "question_id": str(question.id), "slug": event.slug, "user_id": str(user_id), "item_id": str(item.id),
            "registration_id": str(registration.id), "message_id": str(message.id),
            "series_slug": event.series.slug, "person_id": str(registration.participant_id),
            "group_id": str(group.id), "pair_id": str(pair.id)}


def _url(rule, values: dict[str, str]) -> str:
    # A KeyError here means a new URL parameter: add an object for it to _objects.
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], rule.rule)


def _method(rule):
    return "POST" if "POST" in rule.methods and "GET" not in rule.methods else "GET"


def test_every_manage_route_is_in_the_access_table(app):
    assert sorted(r.endpoint for r in _manage_rules(app)) == sorted(MINIMUM_ROLE)


def test_every_manage_route_sends_anonymous_visitors_to_login(app, client, db):
    values = _objects(user_id=1)
    for rule in _manage_rules(app):
        url = _url(rule, values)
        response = client.open(url, method=_method(rule))
        assert response.status_code in (302, 400), url
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/manage/login"), url


@pytest.mark.parametrize("role", RANKS)
def test_every_manage_route_refuses_roles_below_its_minimum(app, client, db, login_as, role):
    user = login_as(role)
    values = _objects(user.id)
    token = csrf_from(client, "/manage/")
    # Routes that remove an object others still need go last, in this order.
    last = ["boards.staff_delete", "feedback.delete_question", "breakouts.delete_group"]
    rules = sorted(_manage_rules(app),
                   key=lambda r: last.index(r.endpoint) if r.endpoint in last else -1)
    for rule in rules:
        if rule.endpoint == "auth.logout":
            continue
        url = _url(rule, values)
        method = _method(rule)
        response = client.open(url, method=method,
                               data={"csrf_token": token, "item_id": values["item_id"],
                                     "new_index": 0,
                                     "direction": "down"} if method == "POST" else None)
        allowed = RANKS.index(role) >= RANKS.index(MINIMUM_ROLE[rule.endpoint])
        if allowed:
            assert response.status_code in (200, 303, 422), (role, url, response.status_code)
        else:
            assert response.status_code == 403, (role, url, response.status_code)


# --- account management --------------------------------------------------------------

def test_admin_creates_an_account_that_can_sign_in(client, db, login_as):
    login_as("admin")
    token = csrf_from(client, "/manage/users/new")
    response = client.post("/manage/users/new", data={
        "csrf_token": token, "email": "Neu@Example.org", "name": "Neue Person",
        "role": "facilitator", "active": "y", "password": "a long enough password"})
    assert response.status_code == 303
    user = db.session.scalar(sa.select(User).where(User.email == "neu@example.org"))
    assert user.role == Role.FACILITATOR
    assert user.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize(("data", "message"), [
    ({"email": "kaputt", "password": "a long enough password"},
     "Bitte geben Sie eine gültige E-Mail-Adresse ein."),
    ({"email": "neu@example.org", "password": "short"},
     "Das Passwort muss mindestens 12 Zeichen lang sein."),
    ({"email": "neu@example.org", "password": ""},
     "Das Passwort muss mindestens 12 Zeichen lang sein."),
    ({"email": "taken@example.org", "password": "a long enough password"},
     "Für diese E-Mail-Adresse gibt es schon ein Konto."),
    ({"email": "neu@example.org", "password": "a long enough password", "role": "superuser"},
     "Keine gültige Auswahl."),
])
def test_invalid_account_forms_show_the_error_and_store_nothing(client, db, login_as, data, message):
    login_as("admin")
    make_user(email="taken@example.org")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    token = csrf_from(client, "/manage/users/new")
    form = {"csrf_token": token, "name": "Neue Person", "role": "staff", **data}
    response = client.post("/manage/users/new", data=form)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == before


def test_admin_cannot_demote_themselves(client, db, login_as):
    admin = login_as("admin")
    token = csrf_from(client, f"/manage/users/{admin.id}")
    response = client.post(f"/manage/users/{admin.id}", data={
        "csrf_token": token, "name": admin.name, "role": "staff", "active": "y"})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(User, admin.id).role == Role.ADMIN


def test_deactivating_an_account_ends_its_sessions(app, db, login_as, client):
    login_as("admin")
    other = make_user(email="other@example.org")
    other_client = app.test_client()
    login(other_client, "other@example.org", PASSWORD)
    assert other_client.get("/manage/").status_code == 200
    token = csrf_from(client, f"/manage/users/{other.id}")
    client.post(f"/manage/users/{other.id}", data={"csrf_token": token, "name": other.name,
                                                  "role": "staff"})
    assert other_client.get("/manage/").status_code == 302


def test_changing_the_password_keeps_this_session_and_ends_others(app, db, client):
    make_user(email="kim@example.org")
    login(client, "kim@example.org", PASSWORD)
    elsewhere = app.test_client()
    login(elsewhere, "kim@example.org", PASSWORD)
    token = csrf_from(client, "/manage/account/password")
    response = client.post("/manage/account/password", data={
        "csrf_token": token, "current_password": PASSWORD,
        "new_password": "an even longer new password"})
    assert response.status_code == 303
    assert client.get("/manage/").status_code == 200
    assert elsewhere.get("/manage/").status_code == 302
    fresh = app.test_client()
    assert login(fresh, "kim@example.org", "an even longer new password").status_code == 303


# --- the command line ------------------------------------------------------------------

def test_cli_creates_a_user_from_a_password_on_stdin(runner, db):
    result = runner.invoke(args=["users", "create", "Cli@Example.org", "--role", "admin",
                                 "--password-stdin"], input="a long enough password\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "cli@example.org"))
    assert user.role == Role.ADMIN


def test_cli_refuses_a_short_password(runner, db):
    result = runner.invoke(args=["users", "create", "cli@example.org", "--role", "staff",
                                 "--password-stdin"], input="short\n")
    assert result.exit_code != 0
    assert "12" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_cli_asks_for_the_password_twice(runner, db):
    result = runner.invoke(args=["users", "create", "ask@example.org", "--role", "facilitator"],
                           input="a long enough password\na long enough password\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(User).where(User.email == "ask@example.org")) is not None

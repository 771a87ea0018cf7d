"""One way to refuse (app.errors): how a refusal reaches the person, whatever the area."""
import pytest
from flask import get_flashed_messages
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from app import create_app
from app.agenda.services import AgendaError
from app.auth.services import AccountError
from app.breakouts.placement import allocate
from app.breakouts.topics import BreakoutError
from app.errors import PAGE_EXPIRED, Refusal, press_button, refuse, show_refusal, submit_form
from app.events.services import EventError
from app.feedback.questions import FeedbackError
from app.records.services import RecordsError
from app.registration.services import RegistrationError
from app.reports.services import ReportError
from app.models import Series
from config import TestConfig
from tests.factories import make_event, make_user

NO = _l("Das geht so nicht.")  # any message of the catalogue would do; this one is for tests


class NameForm(FlaskForm):
    name = StringField(validators=[DataRequired()])


@pytest.fixture
def web():
    """An app of its own with a few routes that refuse (the shared app has served requests)."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://", WTF_CSRF_ENABLED=False)

    @app.route("/_refuse", methods=["GET", "POST"])
    @app.route("/api/_refuse", methods=["GET", "POST"])
    def _refuse():
        raise RecordsError(NO)

    @app.route("/_button/<outcome>", methods=["POST"])
    def _button(outcome):
        def change():
            if outcome == "refused":
                raise BreakoutError(NO)
            return 7
        return press_button(change, lambda n: f"done {n}", "/back", then=lambda n: f"/next/{n}",
                            form=NameForm() if outcome == "expired" else None,
                            as_json=lambda n: {"n": n})

    @app.route("/_form/<outcome>", methods=["POST"])
    def _form(outcome):
        form = NameForm()

        def change():
            if outcome == "refused":
                raise AccountError("name", NO)
            return form.name.data
        return submit_form(form, change, lambda name: (f"hello {name}", "info"),
                           lambda name: f"/people/{name}") \
            or (f"again: { {k: [str(e) for e in v] for k, v in form.errors.items()} }", 422)

    @app.route("/_messages")
    def _messages():
        return {"flashed": get_flashed_messages(with_categories=True)}

    return app


@pytest.mark.parametrize("error", [
    RegistrationError(NO), BreakoutError(NO), EventError(None, NO), AgendaError(message=NO),
    ReportError(NO), RecordsError(NO), AccountError("email", NO), FeedbackError(NO)])
def test_every_areas_refusal_is_the_one_base_error_with_its_message(error):
    assert isinstance(error, Refusal)
    assert error.message is NO


def test_a_refusal_names_its_field_or_none():
    assert (AccountError("email", NO).field, EventError("name", NO).field,
            EventError(None, NO).field, RegistrationError(NO).field) == ("email", "name", None, None)


@pytest.mark.parametrize(("lang", "text"), [("de", "Das ist hier nicht möglich."),
                                            ("en", "That is not possible here.")])
def test_a_refusal_without_words_says_it_is_not_possible_in_the_pages_language(web, lang, text):
    with web.test_request_context(f"/?lang={lang}"):
        assert str(AgendaError()) == text


def test_a_refusal_no_route_expected_is_a_409_page_with_its_message_not_a_500(web, server_errors):
    response = web.test_client().post("/_refuse")
    assert response.status_code == 409
    assert "Das geht so nicht." in response.get_data(as_text=True)
    assert server_errors == []


def test_a_refusal_no_route_expected_answers_a_script_and_the_api_in_json(web):
    client = web.test_client()
    response = client.post("/_refuse", headers={"Accept": "application/json"})
    assert (response.status_code, response.get_json()) == (409, {"error": "Das geht so nicht."})
    response = client.get("/api/_refuse")
    assert (response.status_code, response.get_json()) == (
        409, {"error": {"status": 409, "message": "Das geht so nicht."}})


@pytest.mark.parametrize(("outcome", "location", "flashed"), [
    ("done", "/next/7", [["success", "done 7"]]),
    ("refused", "/back", [["danger", "Das geht so nicht."]]),
    ("expired", "/back", [["danger", str(PAGE_EXPIRED)]]),
])
def test_a_button_says_what_happened_and_redirects(web, outcome, location, flashed):
    client = web.test_client()
    response = client.post(f"/_button/{outcome}")
    assert (response.status_code, response.headers["Location"]) == (303, location)
    assert client.get("/_messages").get_json() == {"flashed": flashed}


@pytest.mark.parametrize(("outcome", "status", "body"), [
    ("done", 200, {"n": 7}),
    ("refused", 409, {"error": "Das geht so nicht."}),
    ("expired", 400, {"error": "invalid"}),
])
def test_a_button_answers_a_script_in_json_and_flashes_nothing(web, outcome, status, body):
    client = web.test_client()
    response = client.post(f"/_button/{outcome}", headers={"Accept": "application/json"})
    assert (response.status_code, response.get_json()) == (status, body)
    assert client.get("/_messages").get_json() == {"flashed": []}


def test_a_refusal_goes_under_its_field_else_under_the_given_one_else_into_a_message(web):
    with web.test_request_context("/", method="POST", data={"name": "x"}):
        form = NameForm()
        assert form.validate_on_submit()
        show_refusal(AccountError("name", NO), form)
        show_refusal(RegistrationError(NO), form, "name")
        show_refusal(EventError("no_such_field", NO), form)
        assert form.name.errors == [NO, NO]
        assert get_flashed_messages(with_categories=True) == [("danger", "Das geht so nicht.")]


@pytest.mark.parametrize(("outcome", "data", "status", "answer", "flashed"), [
    ("done", {"name": "ada"}, 303, "/people/ada", [["info", "hello ada"]]),
    ("refused", {"name": "ada"}, 422, "again: {'name': ['Das geht so nicht.']}", []),
    ("done", {}, 422, "again: {'name': ['Dieses Feld wird benötigt.']}", []),
])
def test_a_form_is_shown_again_with_the_refusal_under_its_field(web, outcome, data, status,
                                                                answer, flashed):
    client = web.test_client()
    response = client.post(f"/_form/{outcome}", data=data)
    assert response.status_code == status
    assert (response.headers["Location"] if status == 303 else response.get_data(as_text=True)) \
        == answer
    assert client.get("/_messages").get_json() == {"flashed": flashed}


def test_refuse_rolls_back_what_the_use_case_wrote_and_the_lock_then_raises(db):
    db.session.add(Series(slug="verworfen", name="Verworfen", description=""))
    db.session.flush()
    error = RecordsError(NO)
    with pytest.raises(RecordsError) as raised:
        refuse(error)
    assert raised.value is error
    assert not db.session().in_transaction()  # the edition's lock (or SQLite's) is released
    assert db.session.query(Series).filter_by(slug="verworfen").count() == 0


def test_a_service_that_refuses_under_the_lock_leaves_no_transaction_open(db):
    event, user = make_event(), make_user()
    with pytest.raises(BreakoutError):
        allocate(event, 1.0, user)  # no groups yet: refused after lock_event
    assert not db.session().in_transaction()

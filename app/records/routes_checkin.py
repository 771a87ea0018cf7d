"""Check-in on the day (facilitators of the edition and staff) and the attendance exports
(staff): participant list CSV and the printable sign-in sheet."""
from flask import make_response, render_template, request, url_for
from flask_babel import format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, Email, InputRequired, Length, Optional

from app.auth.decorators import facilitator_of_event, staff_event
from app.errors import press_button, submit_form
from app.models import EventFormat, Role
from app.pdf import render_pdf
from app.records import attendance, bp, checkin_pages
from app.registration.forms import PLAIN_ONE_LINE, strip_whitespace
from app.registration.staff import get_registration_or_404
from app.registration.words import SECTOR_CHOICES

# The forms of these pages live here, as in app/registration/routes_manage.py.


class AttendanceForm(FlaskForm):
    """One tap: "1" marks the person present, "0" undoes it (explicit, so a double tap
    does not undo the first one)."""

    attended = HiddenField(validators=[InputRequired(), AnyOf(["0", "1"])])


class WalkInForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip_whitespace], validators=[
        DataRequired(_l("Bitte geben Sie einen Namen ein.")),
        Length(max=200, message=_l("Bitte höchstens 200 Zeichen.")), PLAIN_ONE_LINE])
    organisation = StringField(_l("Organisation"), filters=[strip_whitespace], validators=[
        Length(max=200, message=_l("Bitte höchstens 200 Zeichen.")), PLAIN_ONE_LINE])
    sector = SelectField(_l("Bereich"), choices=SECTOR_CHOICES, default="undisclosed",
                         validators=[InputRequired(_l("Bitte wählen Sie einen Bereich."))])
    email = EmailField(_l("E-Mail-Adresse"), description=_l(
        "Freiwillig. Die Person bekommt keine E-Mail."), filters=[strip_whitespace], validators=[
        Optional(), Length(max=254, message=_l("Bitte höchstens 254 Zeichen.")),
        Email(_l("Bitte geben Sie eine gültige E-Mail-Adresse ein."))])


def _texts(row: attendance.CheckinRow) -> dict:
    """The words of one row that change with a tap; the page and the fetch answer share them."""
    if row.checked_in:
        return {"state": _("Da seit %(time)s", time=format_time(row.checked_in_at, "HH:mm")),
                "button": _("Rückgängig"), "next_value": "0"}
    return {"state": _("Noch nicht da"), "button": _("Ist da"), "next_value": "1"}


def _count_text(view: attendance.CheckinList) -> str:
    return _("%(present)d von %(expected)d da", present=view.present, expected=view.expected)


def _query() -> dict:
    """The search and the pages, carried through the buttons' redirects."""
    q = request.args.get("q", "").strip()
    return ({"q": q} if q else {}) | checkin_pages.page_args()


def _back_url(event, registration_id: int | None = None) -> str:
    anchor = f"#person-{registration_id}" if registration_id else ""
    return url_for("records.checkin", slug=event.slug, **_query()) + anchor


def _page(event, walk_in_form: WalkInForm, status: int = 200):
    view = attendance.checkin_list(event, request.args.get("q"))
    window = attendance.checkin_window(event)
    return render_template(
        "records/checkin.html", event=event, view=view, walk_in_form=walk_in_form,
        checkin_open=window.is_open,
        closed_message=None if window.is_open else attendance.checkin_closed_message(window),
        texts=_texts, count_text=_count_text(view), query=_query(),
        seats=checkin_pages.page_of(view.rows, "page"),
        waiting=checkin_pages.page_of(view.waiting, "wpage"), page_url=checkin_pages.page_url,
        may_export=current_user.has_role(Role.STAFF),
        show_signin_sheet=event.format != EventFormat.ONLINE), status


@bp.route("/events/<slug>/checkin")
@facilitator_of_event
def checkin(event):
    return _page(event, WalkInForm())


@bp.route("/events/<slug>/checkin/<int:registration_id>", methods=["POST"])
@facilitator_of_event
def set_attendance(event, registration_id: int):
    registration = get_registration_or_404(event, registration_id)
    form = AttendanceForm()
    present = form.attended.data == "1"
    name = registration.participant.name
    return press_button(
        lambda: attendance.set_attendance(registration, present, current_user),
        (_("%(name)s ist da.", name=name), "success") if present
        else (_("%(name)s ist nicht mehr als da markiert.", name=name), "info"),
        _back_url(event, registration_id), form=form,
        as_json=lambda _result: _row_answer(event, registration_id))


def _row_answer(event, registration_id: int) -> dict:
    """What the page's script needs after a tap: the row's new words and the count."""
    view = attendance.checkin_list(event)
    seated = [r for r in view.rows if r.registration_id == registration_id]
    if not seated:  # back on the waiting list: the page's lists change, so it reloads
        return {"moved": True, "count": _count_text(view)}
    return {"moved": False, "attended": seated[0].checked_in, "count": _count_text(view),
            **_texts(seated[0])}


@bp.route("/events/<slug>/checkin/walk-in", methods=["POST"])
@facilitator_of_event
def add_walk_in(event):
    form = WalkInForm()
    return submit_form(form, lambda: attendance.add_walk_in(
        event, form.name.data, form.organisation.data or "", form.sector.data,
        form.email.data or None, current_user), _walked_in,
        lambda registration: _back_url(event, registration.id),
        field="email" if form.email.data else "name") or _page(event, form, 422)


def _walked_in(registration) -> tuple[str, str]:
    name = registration.participant.name
    if registration.walk_in:
        return _("%(name)s ist hinzugefügt und als da markiert.", name=name), "success"
    return _("%(name)s war schon angemeldet und ist jetzt als da markiert.", name=name), "info"


@bp.route("/events/<slug>/signin-sheet.pdf")
@staff_event
def signin_sheet(event):
    rows = attendance.signin_sheet(event, current_user)
    pdf = render_pdf(render_template("records/signin_sheet.html", event=event, rows=rows,
                                     blank_rows=range(len(rows) + 1, len(rows) + 9)))
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = \
        f'inline; filename="unterschriftenliste-{event.slug}.pdf"'
    return response


@bp.route("/events/<slug>/participants.csv")
@staff_event
def participants_csv(event):
    response = make_response(attendance.export_participants_csv(event, current_user))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = \
        f'attachment; filename="teilnehmende-{event.slug}.csv"'
    return response

"""Staff pages for the registrations of one edition: list, add, cancel, move, resend, CSV."""
from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length

from app.auth.decorators import staff_event
from app.registration import bp, staff
from app.registration.forms import PLAIN_ONE_LINE, SECTOR_CHOICES, ButtonForm
from app.registration.services import RegistrationError

# The forms of these pages live here: the package's forms.py is the public form's.


class AddByHandForm(FlaskForm):
    name = StringField(_l("Name"), validators=[
        DataRequired(_l("Bitte geben Sie einen Namen ein.")),
        Length(max=200, message=_l("Bitte höchstens 200 Zeichen.")), PLAIN_ONE_LINE])
    email = EmailField(_l("E-Mail-Adresse"), description=_l(
        "Die Person bekommt eine E-Mail mit ihrem persönlichen Link."), validators=[
        DataRequired(_l("Bitte geben Sie eine E-Mail-Adresse ein.")),
        Length(max=254, message=_l("Bitte höchstens 254 Zeichen.")),
        Email(_l("Bitte geben Sie eine gültige E-Mail-Adresse ein."))])
    organisation = StringField(_l("Organisation"), validators=[
        Length(max=200, message=_l("Bitte höchstens 200 Zeichen.")), PLAIN_ONE_LINE])
    sector = SelectField(_l("Bereich"), choices=SECTOR_CHOICES, default="undisclosed",
                         validators=[InputRequired(_l("Bitte wählen Sie einen Bereich."))])
    language = RadioField(
        _l("Sprache der E-Mails"), default="de",
        choices=[SelectChoice("de", "Deutsch"), SelectChoice("en", "English")],
        validators=[InputRequired(_l("Bitte wählen Sie eine Sprache."))])
    override = BooleanField(_l("Auch wenn alle Plätze belegt sind oder Personen warten, einen "
                               "Platz geben (Kapazität überschreiten, wird protokolliert)"))


class MoveForm(FlaskForm):
    override = BooleanField(_l("Kapazität überschreiten (wird protokolliert)"))


def _filters() -> dict:
    """The list's current filter, carried through the buttons' redirects."""
    values = {"status": request.args.get("status", ""), "q": request.args.get("q", "")}
    return {key: value for key, value in values.items() if value}


def _back(event):
    return redirect(url_for("registration.manage_list", slug=event.slug, **_filters()), 303)


def _page(event, add_form: AddByHandForm, status: int = 200):
    view = staff.view_registrations(event, current_user, request.args.get("status"),
                                    request.args.get("q"))
    return render_template(
        "registration/manage_list.html", event=event, view=view, add_form=add_form,
        filters=_filters(), status_filters=staff.STATUS_FILTERS), status


@bp.route("/manage/events/<slug>/registrations")
@staff_event
def manage_list(event):
    return _page(event, AddByHandForm())


@bp.route("/manage/events/<slug>/registrations/add", methods=["POST"])
@staff_event
def manage_add(event):
    form = AddByHandForm()
    if form.validate_on_submit():
        try:
            registration = staff.add_by_hand(
                event, form.name.data, form.email.data, form.organisation.data or "",
                form.sector.data, current_user, override=form.override.data,
                language=form.language.data)
        except RegistrationError as exc:
            form.email.errors.append(exc.message)
        else:
            if registration.place.value == "seat":
                flash(_("%(name)s hat einen Platz und bekommt eine E-Mail.",
                        name=registration.participant.name), "success")
            else:
                flash(_("Alle Plätze sind belegt oder Personen warten: %(name)s steht auf der "
                        "Warteliste und bekommt eine E-Mail.",
                        name=registration.participant.name), "info")
            return _back(event)
    return _page(event, form, 422)


def _change(event, registration_id: int, form: FlaskForm, change, message):
    """Run one change posted from a row's button; the registration must be of this edition."""
    registration = staff.get_registration_or_404(event, registration_id)
    name = registration.participant.name
    if not form.validate_on_submit():
        flash(_("Die Seite war zu lange geöffnet. Bitte versuchen Sie es noch einmal."), "danger")
        return _back(event)
    try:
        change(registration)
    except RegistrationError as exc:
        flash(exc.message, "danger")
    else:
        flash(message(name), "success")
    return _back(event)


@bp.route("/manage/events/<slug>/registrations/<int:registration_id>/cancel", methods=["POST"])
@staff_event
def manage_cancel(event, registration_id: int):
    return _change(event, registration_id, ButtonForm(),
                   lambda r: staff.staff_cancel(r, current_user),
                   lambda name: _("Die Anmeldung von %(name)s ist abgesagt.", name=name))


@bp.route("/manage/events/<slug>/registrations/<int:registration_id>/move", methods=["POST"])
@staff_event
def manage_move(event, registration_id: int):
    form = MoveForm()
    return _change(event, registration_id, form,
                   lambda r: staff.move_to_seat(r, current_user, override=form.override.data),
                   lambda name: _("%(name)s hat jetzt einen Platz und bekommt eine E-Mail.",
                                  name=name))


@bp.route("/manage/events/<slug>/registrations/<int:registration_id>/resend", methods=["POST"])
@staff_event
def manage_resend(event, registration_id: int):
    return _change(event, registration_id, ButtonForm(),
                   lambda r: staff.resend_mail(r, current_user),
                   lambda name: _("%(name)s bekommt eine E-Mail mit einem neuen Link; der "
                                  "alte Link gilt nicht mehr.", name=name))


@bp.route("/manage/events/<slug>/registrations.csv")
@staff_event
def manage_csv(event):
    response = make_response(staff.export_registrations_csv(event, current_user))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = \
        f'attachment; filename="anmeldungen-{event.slug}.csv"'
    return response

"""Staff pages for the registrations of one edition: list, add, cancel, move, resend, CSV,
and messages to its people."""
import hashlib

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (BooleanField, EmailField, HiddenField, RadioField, SelectField,
                     StringField, TextAreaField, ValidationError)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length

from app.auth.decorators import staff_event
from app.errors import press_button, show_refusal, submit_form
from app.events.forms import NO_CONTROL_CHARS, ONE_LINE
from app.registration import bp, messages, staff
from app.registration.forms import PLAIN_ONE_LINE, ButtonForm
from app.registration.services import RegistrationError
from app.registration.words import SECTOR_CHOICES

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


class CancelByStaffForm(FlaskForm):
    reason = TextAreaField(_l("Begründung"), description=_l(
        "Steht in der E-Mail an die Person. Kurz und sachlich, höchstens 500 Zeichen."),
        validators=[Length(max=500, message=_l("Bitte höchstens 500 Zeichen."))])
    no_mail = BooleanField(_l("Keine E-Mail an die Person senden"))


class MessageForm(FlaskForm):
    recipients = RadioField(_l("An wen?"), choices=[
        SelectChoice("confirmed", _l("Alle mit bestätigtem Platz")),
        SelectChoice("waitlist", _l("Alle auf der Warteliste (bestätigt)")),
        SelectChoice("attended", _l("Alle, die da waren (eingecheckt)"))],
        validators=[InputRequired(_l("Bitte wählen Sie, wer die Nachricht bekommt."))])
    subject_de = StringField(_l("Betreff (Deutsch)"), validators=[
        DataRequired(_l("Bitte geben Sie einen Betreff ein.")),
        Length(max=200, message=_l("Bitte höchstens 200 Zeichen.")), ONE_LINE])
    body_de = TextAreaField(_l("Text (Deutsch)"), description=_l(
        "Die Anrede „Guten Tag …“ und die Angaben zur Ausgabe werden ergänzt."), validators=[
        DataRequired(_l("Bitte geben Sie einen Text ein.")),
        Length(max=5000, message=_l("Bitte höchstens 5000 Zeichen.")), NO_CONTROL_CHARS])
    subject_en = StringField(_l("Betreff (Englisch)"), validators=[
        Length(max=200, message=_l("Bitte höchstens 200 Zeichen.")), ONE_LINE])
    body_en = TextAreaField(_l("Text (Englisch)"), description=_l(
        "Wenn Sie Betreff und Text auch auf Englisch schreiben, bekommt jede Person die "
        "Sprache ihrer Anmeldung; sonst bekommen alle den deutschen Text."), validators=[
        Length(max=5000, message=_l("Bitte höchstens 5000 Zeichen.")), NO_CONTROL_CHARS])
    # What the preview showed: sending anything else shows the preview again.
    previewed = HiddenField()

    def validate_body_en(self, field):
        if bool((self.subject_en.data or "").strip()) != bool((field.data or "").strip()):
            raise ValidationError(_l("Bitte schreiben Sie auf Englisch beides, Betreff und "
                                     "Text – oder keins von beiden."))

    def text(self) -> messages.MessageText:
        return messages.MessageText(
            subject_de=self.subject_de.data.strip(), body_de=self.body_de.data.strip(),
            subject_en=(self.subject_en.data or "").strip(),
            body_en=(self.body_en.data or "").strip())

    def fingerprint(self) -> str:
        """A digest of what the preview shows, to notice changes made after it."""
        text = self.text()
        content = "\x1f".join((self.recipients.data or "", text.subject_de, text.body_de,
                                text.subject_en, text.body_en))
        return hashlib.sha256(content.encode()).hexdigest()


class MoveForm(FlaskForm):
    override = BooleanField(_l("Kapazität überschreiten (wird protokolliert)"))


def _filters() -> dict:
    """The list's current filter, carried through the buttons' redirects."""
    values = {"status": request.args.get("status", ""), "q": request.args.get("q", "")}
    return {key: value for key, value in values.items() if value}


def _back_url(event) -> str:
    return url_for("registration.manage_list", slug=event.slug, **_filters())


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
    return submit_form(form, lambda: staff.add_by_hand(
        event, form.name.data, form.email.data, form.organisation.data or "", form.sector.data,
        current_user, override=form.override.data, language=form.language.data),
        _added, _back_url(event), field="email") or _page(event, form, 422)


def _added(registration) -> tuple[str, str]:
    name = registration.participant.name
    if registration.place.value == "seat":
        return _("%(name)s hat einen Platz und bekommt eine E-Mail.", name=name), "success"
    return _("Alle Plätze sind belegt oder Personen warten: %(name)s steht auf der "
             "Warteliste und bekommt eine E-Mail.", name=name), "info"


def _change(event, registration_id: int, form: FlaskForm, change, message):
    """Run one change posted from a row's button; the registration must be of this edition."""
    registration = staff.get_registration_or_404(event, registration_id)
    name = registration.participant.name
    return press_button(lambda: change(registration), lambda _result: message(name),
                        _back_url(event), form=form)


def _cancel_page(event, registration, form: CancelByStaffForm, status: int = 200):
    return render_template("registration/manage_cancel.html", event=event, form=form,
                           preview=staff.cancel_preview(registration), filters=_filters()), status


@bp.route("/manage/events/<slug>/registrations/<int:registration_id>/cancel",
          methods=["GET", "POST"])
@staff_event
def manage_cancel(event, registration_id: int):
    """GET asks first (what happens to the seat, a reason, mail or not); POST cancels."""
    registration = staff.get_registration_or_404(event, registration_id)
    form = CancelByStaffForm()
    if request.method == "GET" or not form.validate_on_submit():
        return _cancel_page(event, registration, form, 200 if request.method == "GET" else 422)
    notify = not form.no_mail.data and registration.participant.has_real_address
    return _change(event, registration_id, form, lambda r: staff.staff_cancel(
        r, current_user, reason=form.reason.data or "", notify=notify), lambda name: _(
        "Die Anmeldung von %(name)s ist abgesagt; die Person bekommt eine E-Mail.", name=name)
        if notify else
        _("Die Anmeldung von %(name)s ist abgesagt; es wurde keine E-Mail versandt.", name=name))


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


@bp.route("/manage/events/<slug>/registrations/message", methods=["GET", "POST"])
@staff_event
def manage_message(event):
    """Write, preview (who gets it, how many, in which language), then send."""
    form = MessageForm()
    if request.method == "GET":
        return render_template("registration/manage_message.html", event=event, form=form,
                               preview=None)
    if not form.validate_on_submit():
        return render_template("registration/manage_message.html", event=event, form=form,
                               preview=None), 422
    fingerprint = form.fingerprint()
    if request.form.get("step") != "send" or form.previewed.data != fingerprint:
        form.previewed.data = fingerprint
        return render_template("registration/manage_message.html", event=event, form=form,
                               preview=messages.preview_message(event, form.recipients.data,
                                                                form.text()))
    try:
        sent = messages.send_message(event, current_user, form.recipients.data, form.text())
    except RegistrationError as exc:
        show_refusal(exc)
        return render_template("registration/manage_message.html", event=event, form=form,
                               preview=messages.preview_message(event, form.recipients.data,
                                                                form.text())), 409
    flash(ngettext("Die Nachricht ist im Postausgang: %(num)d E-Mail.",
                   "Die Nachricht ist im Postausgang: %(num)d E-Mails.", sent), "success")
    return redirect(url_for("registration.manage_list", slug=event.slug), 303)

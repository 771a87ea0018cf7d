"""Login and account forms (shape validation only)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from app.forms import UNSAFE_CHARACTERS, TextForm
from app.models import Role

ROLE_CHOICES = [
    SelectChoice(Role.FACILITATOR.value, _l("Moderation")),
    SelectChoice(Role.STAFF.value, _l("Redaktion (Team)")),
    SelectChoice(Role.ADMIN.value, _l("Administration")),
]


class LoginForm(TextForm):
    email = EmailField(_l("E-Mail-Adresse"), validators=[
        DataRequired(_l("Bitte geben Sie Ihre E-Mail-Adresse ein.")), Length(max=254)])
    password = PasswordField(_l("Passwort"), validators=[
        DataRequired(_l("Bitte geben Sie Ihr Passwort ein.")), Length(max=1000)])


class UserForm(FlaskForm):
    email = EmailField(_l("E-Mail-Adresse"), validators=[
        DataRequired(_l("Bitte geben Sie eine E-Mail-Adresse ein.")), Length(max=254),
        Email(_l("Bitte geben Sie eine gültige E-Mail-Adresse ein."))])
    name = StringField(_l("Name"), validators=[
        DataRequired(_l("Bitte geben Sie einen Namen ein.")), Length(max=200),
        Regexp(rf"^[^\x00-\x1f{UNSAFE_CHARACTERS}]*$",
               message=_l("Bitte nur eine Zeile ohne Steuerzeichen eingeben."))])
    role = SelectField(_l("Rolle"), choices=ROLE_CHOICES)
    active = BooleanField(_l("Konto aktiv"), default=True)
    password = PasswordField(_l("Passwort"), description=_l("Mindestens 12 Zeichen."),
                             validators=[Optional(), Length(max=1000)])


class EditUserForm(UserForm):
    email = None  # the e-mail identifies the account and is not changed here
    password = PasswordField(_l("Neues Passwort"),
                             description=_l("Leer lassen, um das Passwort nicht zu ändern."),
                             validators=[Optional(), Length(max=1000)])


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Bisheriges Passwort"), validators=[
        DataRequired(_l("Bitte geben Sie Ihr bisheriges Passwort ein.")), Length(max=1000)])
    new_password = PasswordField(_l("Neues Passwort"), description=_l("Mindestens 12 Zeichen."),
                                 validators=[DataRequired(_l("Bitte geben Sie ein neues Passwort ein.")),
                                             Length(max=1000)])

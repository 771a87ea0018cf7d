"""The public registration form (shape validation only)."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Regexp, ValidationError

from app.forms import UNSAFE_CHARACTERS, TextForm
from app.models import ConsentPurpose
from app.registration.words import CONSENT_TEXTS, SECTOR_CHOICES

def strip_whitespace(value):
    return value.strip() if isinstance(value, str) else value


PLAIN_ONE_LINE = Regexp(rf"^[^\x00-\x1f{UNSAFE_CHARACTERS}<>]*$",
                   message=_l("Bitte nur eine Zeile ohne Steuerzeichen und ohne < oder > eingeben."))


class RegistrationForm(TextForm):
    class Meta(TextForm.Meta):
        # CSRFProtect checks every POST's token before the view (app.extensions.csrf; a bad
        # one is the 400 page): the form checking it again, and signing a new one to do so,
        # cost two signatures per registration in a rush. The page renders csrf_token().
        csrf = False

    name = StringField(_l("Name"), filters=[strip_whitespace], validators=[
        DataRequired(_l("Bitte geben Sie Ihren Namen ein.")),
        Length(max=200, message=_l("Bitte höchstens 200 Zeichen.")), PLAIN_ONE_LINE])
    email = EmailField(_l("E-Mail-Adresse"), description=_l(
        "An diese Adresse schicken wir den Link zum Bestätigen."), filters=[strip_whitespace], validators=[
        DataRequired(_l("Bitte geben Sie Ihre E-Mail-Adresse ein.")),
        Length(max=254, message=_l("Bitte höchstens 254 Zeichen.")),
        Email(_l("Bitte geben Sie eine gültige E-Mail-Adresse ein."))])
    organisation = StringField(_l("Organisation"), filters=[strip_whitespace], validators=[
        Length(max=200, message=_l("Bitte höchstens 200 Zeichen.")), PLAIN_ONE_LINE])
    sector = RadioField(_l("Aus welchem Bereich kommen Sie?"), choices=SECTOR_CHOICES,
                        description=_l("Damit wir gemischte Gruppen bilden können."),
                        validators=[InputRequired(_l("Bitte wählen Sie einen Bereich."))])
    accessibility_needs = TextAreaField(
        _l("Was brauchen Sie, um gut teilnehmen zu können?"),
        description=_l("Zum Beispiel Gebärdensprachdolmetschung, Untertitel oder Pausen. "
                       "Freiwillig; nur das Organisationsteam sieht diese Angabe."),
        validators=[Length(max=2000, message=_l("Bitte höchstens 2000 Zeichen.")),
                    Regexp(rf"^[^\x00-\x08\x0b\x0c\x0e-\x1f{UNSAFE_CHARACTERS}]*$",
                           message=_l("Bitte entfernen Sie Steuerzeichen aus dem Text."))])
    accessibility_consent = BooleanField(CONSENT_TEXTS[ConsentPurpose.ACCESSIBILITY_DATA])
    privacy_acknowledged = BooleanField(_l("Ich habe die Datenschutzerklärung gelesen."), validators=[
        DataRequired(_l("Bitte bestätigen Sie, dass Sie die Datenschutzerklärung gelesen haben."))])
    consent_photos = BooleanField(CONSENT_TEXTS[ConsentPurpose.PHOTOS])
    consent_named = BooleanField(CONSENT_TEXTS[ConsentPurpose.NAMED_IN_REPORT])
    consent_future = BooleanField(CONSENT_TEXTS[ConsentPurpose.FUTURE_EDITIONS])
    consent_history = BooleanField(CONSENT_TEXTS[ConsentPurpose.KEEP_HISTORY])
    # Honeypot: hidden from people, filled by bots; a filled one stores nothing.
    website = StringField(_l("Bitte dieses Feld leer lassen"))
    nonce = HiddenField(validators=[DataRequired(), Length(min=16, max=64),
                                    Regexp(r"^[A-Za-z0-9_-]+$")])

    def validate_accessibility_consent(self, field):
        if (self.accessibility_needs.data or "").strip() and not field.data:
            raise ValidationError(_l(
                "Bitte willigen Sie ein, damit wir Ihre Angaben zur Barrierefreiheit verwenden "
                "dürfen, oder lassen Sie das Feld leer."))

    def chosen_consents(self) -> set[ConsentPurpose]:
        chosen = {ConsentPurpose.PHOTOS: self.consent_photos.data,
                  ConsentPurpose.NAMED_IN_REPORT: self.consent_named.data,
                  ConsentPurpose.FUTURE_EDITIONS: self.consent_future.data,
                  ConsentPurpose.KEEP_HISTORY: self.consent_history.data}
        return {purpose for purpose, given in chosen.items() if given}


class LinkAgainForm(TextForm):
    """The "send me my link again" form: the address, and the registration form's honeypot."""

    email = EmailField(_l("E-Mail-Adresse"), description=_l(
        "Die Adresse, mit der Sie sich angemeldet haben."), filters=[strip_whitespace], validators=[
        DataRequired(_l("Bitte geben Sie Ihre E-Mail-Adresse ein.")),
        Length(max=254, message=_l("Bitte höchstens 254 Zeichen.")),
        Email(_l("Bitte geben Sie eine gültige E-Mail-Adresse ein."))])
    website = StringField(_l("Bitte dieses Feld leer lassen"))


class ButtonForm(TextForm):
    """A button that changes state: only its CSRF token."""

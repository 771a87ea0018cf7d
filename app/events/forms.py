"""Edition and series forms (shape validation only; choices are filled by the route)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms import (DateTimeLocalField, FieldList, Form, FormField, IntegerField,
                     SelectField, SelectMultipleField, StringField, TextAreaField, URLField)
from wtforms.validators import (DataRequired, InputRequired, Length, NumberRange, Optional,
                                Regexp, ValidationError)
from wtforms.widgets import CheckboxInput, ListWidget

from app.forms import UNSAFE_CHARACTERS
from app.models import EventFormat

FORMAT_CHOICES = [
    SelectChoice(EventFormat.ONLINE.value, _l("Online")),
    SelectChoice(EventFormat.ONSITE.value, _l("Vor Ort")),
    SelectChoice(EventFormat.HYBRID.value, _l("Hybrid")),
]
# The languages an edition can be held in: the languages of the site.
WORKING_LANGUAGE_CHOICES = [
    SelectChoice("de", _l("Deutsch")),
    SelectChoice("en", _l("Englisch")),
]
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
NO_CONTROL_CHARS = Regexp(rf"^[^\x00-\x08\x0b\x0c\x0e-\x1f{UNSAFE_CHARACTERS}]*$",
                           message=_l("Bitte entfernen Sie Steuerzeichen aus dem Text."))
ONE_LINE = Regexp(rf"^[^\x00-\x1f{UNSAFE_CHARACTERS}]*$",
                   message=_l("Bitte nur eine Zeile ohne Steuerzeichen eingeben."))

FIRST_YEAR, LAST_YEAR = 2000, 2100
RESERVED = [Optional(), NumberRange(min=0, max=100000,
                                    message=_l("Bitte eine Zahl von 0 bis 100000."))]
MAX_SPEAKERS = 20


class SensibleYear:
    """A date between FIRST_YEAR and LAST_YEAR: year 1 or 9999 broke saving, the calendar
    files, duplicating and the agenda (times before and after datetime's range)."""

    def __call__(self, form, field):
        if field.data is not None and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
            raise ValidationError(_l("Bitte ein Datum zwischen den Jahren %(first)d und "
                                     "%(last)d angeben.", first=FIRST_YEAR, last=LAST_YEAR))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SpeakerForm(Form):
    # No Optional(): it would stop the chain before validate_name sees an orphan organisation.
    name = StringField(_l("Name"), validators=[Length(max=200), ONE_LINE])
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=200),
                                                                ONE_LINE])
    role = StringField(_l("Funktion"), validators=[Optional(), Length(max=200), ONE_LINE])

    def validate_name(self, field):
        if not field.data and (self.organisation.data or self.role.data):
            raise ValidationError(_l("Bitte geben Sie den Namen der Person an."))


class EventForm(FlaskForm):
    series_id = SelectField(_l("Reihe"), coerce=int,
                            validators=[InputRequired(_l("Bitte wählen Sie eine Reihe."))])
    number = IntegerField(_l("Nummer der Ausgabe"), validators=[
        InputRequired(_l("Bitte geben Sie die Nummer der Ausgabe an.")),
        NumberRange(min=1, max=10000, message=_l("Bitte eine Zahl von 1 bis 10000."))])
    working_language = SelectField(_l("Sprache der Veranstaltung"), choices=WORKING_LANGUAGE_CHOICES,
                                   default="de", description=_l(
        "In dieser Sprache findet die Veranstaltung statt und sind ihre Texte geschrieben."))
    title = StringField(_l("Titel"), validators=[
        DataRequired(_l("Bitte geben Sie einen Titel ein.")), Length(max=200), ONE_LINE])
    guiding_question = StringField(_l("Leitfrage"), validators=[Optional(), Length(max=300),
                                                                 ONE_LINE])
    teaser = TextAreaField(_l("Kurztext (Anreißer)"), validators=[Optional(), Length(max=1000),
                                                                   NO_CONTROL_CHARS])
    description = TextAreaField(_l("Beschreibung"), description=_l(
        "Markdown ist möglich: **fett**, *kursiv*, Listen mit „-“, Links als [Text](https://…)."),
        validators=[Optional(), Length(max=20000), NO_CONTROL_CHARS])
    starts_at = DateTimeLocalField(_l("Beginn"), format=LOCAL_FORMAT,
                                   description=_l("Ortszeit Berlin"), validators=[
        InputRequired(_l("Bitte geben Sie Datum und Uhrzeit des Beginns an.")), SensibleYear()])
    ends_at = DateTimeLocalField(_l("Ende"), format=LOCAL_FORMAT,
                                 description=_l("Ortszeit Berlin"), validators=[
        InputRequired(_l("Bitte geben Sie Datum und Uhrzeit des Endes an.")), SensibleYear()])
    format = SelectField(_l("Format"), choices=FORMAT_CHOICES)
    venue = TextAreaField(_l("Veranstaltungsort"), description=_l("Für Vor-Ort- und Hybrid-Termine."),
                          validators=[Length(max=1000), NO_CONTROL_CHARS])
    online_url = URLField(_l("Link zum Online-Raum"), description=_l(
        "Wird nur bestätigten Teilnehmenden gezeigt."), validators=[
        Optional(), Length(max=500),
        Regexp(r"^https://[^\s<>\"']+$", message=_l("Bitte einen Link beginnend mit https:// angeben."))])
    video_service = StringField(_l("Videokonferenzdienst"), description=_l(
        "Für Online- und Hybrid-Termine: Dienst und Betreiber, zum Beispiel „BigBlueButton, "
        "betrieben vom ITZBund“. Steht in der Datenschutzerklärung und auf der Veranstaltungsseite."),
        validators=[Length(max=200, message=_l("Bitte höchstens 200 Zeichen.")), ONE_LINE])
    capacity = IntegerField(_l("Plätze"), validators=[
        InputRequired(_l("Bitte geben Sie die Zahl der Plätze an.")),
        NumberRange(min=1, max=100000, message=_l("Bitte eine Zahl von 1 bis 100000."))])
    registration_opens_at = DateTimeLocalField(
        _l("Anmeldung öffnet"), format=LOCAL_FORMAT,
        description=_l("Leer lassen: sobald veröffentlicht."),
        validators=[Optional(), SensibleYear()])
    registration_closes_at = DateTimeLocalField(
        _l("Anmeldung schließt"), format=LOCAL_FORMAT,
        description=_l("Leer lassen: mit Beginn der Veranstaltung."),
        validators=[Optional(), SensibleYear()])
    # Seats per sector (optional): the labels are the sectors' names of the registration form.
    reserved_civil_society = IntegerField(_l("Zivilgesellschaft"), validators=RESERVED)
    reserved_public_administration = IntegerField(_l("Öffentliche Verwaltung"),
                                                  validators=RESERVED)
    reserved_business = IntegerField(_l("Wirtschaft"), validators=RESERVED)
    reserved_research = IntegerField(_l("Wissenschaft und Forschung"), validators=RESERVED)
    seats_release_at = DateTimeLocalField(
        _l("Reservierte Plätze werden frei für alle"), format=LOCAL_FORMAT,
        description=_l("Ortszeit Berlin. Leer lassen: 7 Tage vor Beginn."),
        validators=[Optional(), SensibleYear()])
    speakers = FieldList(FormField(SpeakerForm), min_entries=3, max_entries=MAX_SPEAKERS)
    facilitator_ids = MultiCheckboxField(_l("Moderation"), coerce=int)

    def validate_ends_at(self, field):
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("Das Ende muss nach dem Beginn liegen."))

    def validate_registration_closes_at(self, field):
        opens = self.registration_opens_at.data
        if field.data and opens and field.data <= opens:
            raise ValidationError(_l("Die Anmeldung muss schließen, nachdem sie geöffnet hat."))
        if field.data and self.starts_at.data and field.data > self.starts_at.data:
            raise ValidationError(_l("Die Anmeldung muss spätestens mit dem Beginn schließen."))

    def reserved(self) -> dict[str, int]:
        """Reserved seats by sector as entered (empty fields: none)."""
        return {name.removeprefix("reserved_"): getattr(self, name).data or 0
                for name in RESERVED_FIELDS}

    def validate_venue(self, field):
        if self.format.data in (EventFormat.ONSITE.value, EventFormat.HYBRID.value) \
                and not (field.data or "").strip():
            raise ValidationError(_l("Bitte geben Sie den Veranstaltungsort an."))

    def validate_video_service(self, field):
        # The privacy notice names the service people's data goes through.
        if self.format.data in (EventFormat.ONLINE.value, EventFormat.HYBRID.value) \
                and not (field.data or "").strip():
            raise ValidationError(_l("Bitte nennen Sie den Videokonferenzdienst."))

    def filled_speakers(self) -> list[dict]:
        """Speaker rows with a name, in the order entered."""
        return [{"name": s.form.name.data.strip(),
                 "organisation": (s.form.organisation.data or "").strip(),
                 "role": (s.form.role.data or "").strip()}
                for s in self.speakers if (s.form.name.data or "").strip()]


RESERVED_FIELDS = ("reserved_civil_society", "reserved_public_administration",
                   "reserved_business", "reserved_research")


class SeriesForm(FlaskForm):
    name = StringField(_l("Name der Reihe"), validators=[
        DataRequired(_l("Bitte geben Sie einen Namen ein.")), Length(max=200), ONE_LINE])
    description = TextAreaField(_l("Beschreibung"), validators=[Optional(), Length(max=5000),
                                                                 NO_CONTROL_CHARS])


class ConfirmForm(FlaskForm):
    """An empty form: a button that carries the CSRF token."""


class CancelEventForm(FlaskForm):
    note = TextAreaField(_l("Nachricht an alle Angemeldeten"), description=_l(
        "Steht in der E-Mail zur Absage, z. B. der Grund oder ein Ersatztermin. "
        "Höchstens 1000 Zeichen."),
        validators=[Length(max=1000, message=_l("Bitte höchstens 1000 Zeichen."))])

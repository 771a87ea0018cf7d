"""Agenda item form (shape validation only; speaker choices are filled by the route)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.domain.agenda import ItemKind
from app.events.forms import (LOCAL_FORMAT, NO_CONTROL_CHARS, ONE_LINE, MultiCheckboxField,
                              SensibleYear)

KIND_CHOICES = [
    SelectChoice(ItemKind.WELCOME.value, _l("Begrüßung")),
    SelectChoice(ItemKind.INPUT.value, _l("Impuls")),
    SelectChoice(ItemKind.PANEL.value, _l("Podium")),
    SelectChoice(ItemKind.BREAKOUT.value, _l("Arbeitsphase in Gruppen")),
    SelectChoice(ItemKind.BREAK.value, _l("Pause")),
    SelectChoice(ItemKind.WRAPUP.value, _l("Abschluss")),
    SelectChoice(ItemKind.OTHER.value, _l("Sonstiges")),
]


class AgendaItemForm(FlaskForm):
    kind = SelectField(_l("Art"), choices=KIND_CHOICES)
    title = StringField(_l("Titel"), validators=[
        DataRequired(_l("Bitte geben Sie einen Titel ein.")), Length(max=200), ONE_LINE])
    duration_minutes = IntegerField(_l("Dauer in Minuten"), validators=[
        InputRequired(_l("Bitte geben Sie die Dauer in Minuten an.")),
        NumberRange(min=1, max=24 * 60, message=_l("Bitte eine Dauer von 1 bis 1440 Minuten."))])
    description = TextAreaField(_l("Beschreibung"), validators=[
        Optional(), Length(max=5000), NO_CONTROL_CHARS])
    speaker_ids = MultiCheckboxField(_l("Mit"), coerce=int)
    pinned_start = DateTimeLocalField(
        _l("Feste Uhrzeit"), format=LOCAL_FORMAT, validators=[Optional(), SensibleYear()],
        description=_l("Leer lassen: beginnt direkt nach dem vorherigen Punkt. Ortszeit Berlin."))

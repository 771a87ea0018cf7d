"""Forms of the group boards (shape validation only)."""
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from app.domain.boards import CARD_MAX_LENGTH
from app.forms import TextForm
from app.registration.forms import PLAIN_ONE_LINE, strip_whitespace

# Line breaks are fine; other control characters are not. Everything else is shown as text.
NO_CONTROL = Regexp(r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$",
                    message=_l("Bitte entfernen Sie Steuerzeichen aus dem Text."))


def _body():
    return TextAreaField(_l("Ihre Karte"), filters=[strip_whitespace], description=_l(
        "Kurz und als reiner Text, höchstens 500 Zeichen."), validators=[
        DataRequired(_l("Bitte schreiben Sie etwas auf die Karte.")),
        Length(max=CARD_MAX_LENGTH, message=_l("Bitte höchstens 500 Zeichen.")), NO_CONTROL])


def _column():
    return SelectField(_l("Spalte"), coerce=int, choices=[],
                       validators=[InputRequired(_l("Bitte wählen Sie eine Spalte."))])


class CardForm(TextForm):
    """A member's new card."""

    body = _body()
    col = _column()
    show_name = RadioField(_l("Wie soll Ihre Karte unterschrieben sein?"), default="name",
                           choices=[SelectChoice("name", _l("mit meinem Vornamen")),
                                    SelectChoice("anonym", _l("anonym"))],
                           validators=[InputRequired(_l("Bitte wählen Sie eine Angabe."))])


class EditCardForm(TextForm):
    """A member changes the text of their own card."""

    body = _body()


class FacilitatorCardForm(TextForm):
    """A facilitator writes or changes any card, and moves it between columns."""

    body = _body()
    col = _column()


class MergeForm(TextForm):
    into = SelectField(_l("Zusammenführen mit"), coerce=int, choices=[],
                       validators=[InputRequired(_l("Bitte wählen Sie eine Karte."))])


class PromptsForm(TextForm):
    """One to three prompts, the columns of a board."""

    prompt_0 = StringField(_l("Spalte 1"), filters=[strip_whitespace], validators=[
        DataRequired(_l("Bitte geben Sie mindestens eine Spalte an.")),
        Length(max=120, message=_l("Bitte höchstens 120 Zeichen.")), PLAIN_ONE_LINE])
    prompt_1 = StringField(_l("Spalte 2"), filters=[strip_whitespace], validators=[
        Optional(), Length(max=120, message=_l("Bitte höchstens 120 Zeichen.")), PLAIN_ONE_LINE])
    prompt_2 = StringField(_l("Spalte 3"), filters=[strip_whitespace], validators=[
        Optional(), Length(max=120, message=_l("Bitte höchstens 120 Zeichen.")), PLAIN_ONE_LINE])

    def titles(self) -> list[str]:
        return [t for t in (self.prompt_0.data, self.prompt_1.data, self.prompt_2.data) if t]

    def fill(self, titles: list[str]) -> "PromptsForm":
        for i, title in enumerate(titles[:3]):
            getattr(self, f"prompt_{i}").data = title
        return self


class DotsForm(TextForm):
    dots = IntegerField(_l("Punkte je Person"), validators=[
        InputRequired(_l("Bitte geben Sie eine Zahl an.")),
        NumberRange(min=1, max=10, message=_l("Bitte eine Zahl von 1 bis 10."))])

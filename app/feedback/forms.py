"""The survey form, built from the edition's questions (shape only; the rules are in
app.domain.feedback), and the question editor."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, IntegerField, RadioField, SelectField, SelectMultipleField,
                     StringField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.domain.feedback import SCALE, TEXT_MAX, AnswerProblem
from app.forms import TextForm
from app.models import QuestionKind

PROBLEM_MESSAGES = {
    AnswerProblem.MISSING: _l("Bitte beantworten Sie diese Frage."),
    AnswerProblem.INVALID: _l("Bitte wählen Sie eine der Antworten."),
    AnswerProblem.TOO_LONG: _l("Bitte fassen Sie sich kürzer (höchstens %(n)s Zeichen).",
                               n=TEXT_MAX),
}


class _Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def field_name(index: int) -> str:
    return f"q{index}"


def survey_form(questions, language: str) -> TextForm:
    """A form with one field per question, named q0, q1, … in the questions' order."""

    class SurveyForm(TextForm):
        pass

    scale_labels = {"1": _l("1 – gar nicht gut"), "5": _l("5 – sehr gut")}
    for index, q in enumerate(questions):
        label = q.text(language)
        options = [SelectChoice(o["key"], o["en"] if language == "en" and o.get("en") else o["de"])
                   for o in q.options or ()]
        if q.kind == QuestionKind.SCALE:
            field = RadioField(label, validate_choice=False, validators=[Optional()],
                               choices=[SelectChoice(v, scale_labels.get(v, v)) for v in SCALE])
        elif q.kind == QuestionKind.SINGLE:
            field = RadioField(label, choices=options, validate_choice=False,
                               validators=[Optional()])
        elif q.kind == QuestionKind.MULTIPLE:
            field = _Checkboxes(label, choices=options, validate_choice=False,
                                validators=[Optional()])
        else:
            field = TextAreaField(label, validators=[Optional()])
        setattr(SurveyForm, field_name(index), field)
    return SurveyForm()


def raw_answers(form, count: int) -> dict[int, list[str]]:
    """What was submitted per question index, as lists of strings."""
    raw = {}
    for index in range(count):
        data = getattr(form, field_name(index)).data
        raw[index] = [str(v) for v in data] if isinstance(data, list) else \
            ([] if data is None else [str(data)])
    return raw


KIND_CHOICES = [SelectChoice(QuestionKind.SCALE.value, _l("Skala von 1 bis 5")),
                SelectChoice(QuestionKind.SINGLE.value, _l("Eine Antwort aus mehreren")),
                SelectChoice(QuestionKind.MULTIPLE.value, _l("Mehrere Antworten möglich")),
                SelectChoice(QuestionKind.TEXT.value, _l("Freitext"))]


class QuestionForm(TextForm):
    """One question of an edition; options one per line, "Deutsch | English"."""

    text_de = StringField(_l("Frage (Deutsch)"), validators=[DataRequired(), Length(max=300)])
    text_en = StringField(_l("Frage (Englisch)"), validators=[DataRequired(), Length(max=300)])
    kind = SelectField(_l("Art der Antwort"), choices=KIND_CHOICES,
                       validators=[DataRequired()])
    options = TextAreaField(
        _l("Antworten zur Auswahl"), validators=[Optional(), Length(max=3000)],
        description=_l("Eine Antwort je Zeile, Deutsch und Englisch mit | getrennt, "
                       "z. B. „Ja | Yes“. Nur für Fragen mit Auswahl."))
    required = BooleanField(_l("Pflichtfrage"))
    position = IntegerField(_l("Position"), validators=[Optional(), NumberRange(min=0, max=99)])

    def parsed_options(self) -> list[dict]:
        lines = [line.strip() for line in (self.options.data or "").splitlines() if line.strip()]
        options = []
        for number, line in enumerate(lines, start=1):
            de, _sep, en = line.partition("|")
            options.append({"key": f"o{number}", "de": de.strip()[:200],
                            "en": (en.strip() or de.strip())[:200]})
        return options

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.kind.data in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) \
                and len(self.parsed_options()) < 2:
            self.options.errors.append(_l("Bitte geben Sie mindestens zwei Antworten an."))
            return False
        return ok


class ButtonForm(FlaskForm):
    """A POST with only its CSRF token."""

"""Forms of the breakout board and of people's topic ranking (shape validation only)."""
import functools

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (DataRequired, InputRequired, Length, NumberRange, Optional,
                                Regexp, ValidationError)

from app.events.forms import NO_CONTROL_CHARS, ONE_LINE
from app.forms import TextForm
from app.models import PairKind
from app.registration.forms import strip_whitespace

# "Durchmischung ↔ Wunschthema": the allocator's mix_weight for each step of the setting.
MIX_STEPS = (0.0, 0.5, 1.0, 2.0, 4.0)
RANKED_CHOICES = 3  # how many topics people rank at most

MIX_LABELS = (
    _l("Nur Wunschthema"),
    _l("Eher Wunschthema"),
    _l("Ausgewogen"),
    _l("Eher Durchmischung"),
    _l("Vor allem Durchmischung"),
)


def _optional_int(value):
    if value in (None, ""):
        return None
    return int(value)


class GroupForm(FlaskForm):
    title = StringField(_l("Leitfrage der Gruppe"), filters=[strip_whitespace], validators=[
        DataRequired(_l("Bitte geben Sie eine Leitfrage ein.")),
        Length(max=300, message=_l("Bitte höchstens 300 Zeichen.")), ONE_LINE])
    topic = StringField(_l("Thema (kurz)"), filters=[strip_whitespace], description=_l(
        "Danach wählen die Teilnehmenden. Gruppen mit demselben Thema sind austauschbar."),
        validators=[DataRequired(_l("Bitte geben Sie ein Thema ein.")),
                    Length(max=120, message=_l("Bitte höchstens 120 Zeichen.")), ONE_LINE])
    description = TextAreaField(_l("Beschreibung"), description=_l("Markdown ist möglich."),
                                validators=[Length(max=5000, message=_l(
                                    "Bitte höchstens 5000 Zeichen.")), NO_CONTROL_CHARS])
    facilitator_id = SelectField(_l("Moderation der Gruppe"), coerce=_optional_int,
                                 validate_choice=True)
    min_size = IntegerField(_l("Mindestgröße"), default=3, validators=[
        InputRequired(_l("Bitte geben Sie eine Zahl ein.")),
        NumberRange(min=0, max=1000, message=_l("Bitte eine Zahl von 0 bis 1000."))])
    max_size = IntegerField(_l("Höchstgröße"), default=10, validators=[
        InputRequired(_l("Bitte geben Sie eine Zahl ein.")),
        NumberRange(min=1, max=1000, message=_l("Bitte eine Zahl von 1 bis 1000."))])
    room = StringField(_l("Raum oder Link zum Online-Raum"), filters=[strip_whitespace],
                       validators=[Optional(), Length(max=500, message=_l(
                           "Bitte höchstens 500 Zeichen.")), ONE_LINE])

    def validate_max_size(self, field):
        if field.data is not None and self.min_size.data is not None \
                and field.data < self.min_size.data:
            raise ValidationError(_l("Die Höchstgröße darf nicht kleiner als die Mindestgröße sein."))


class AllocateForm(FlaskForm):
    mix = RadioField(_l("Durchmischung ↔ Wunschthema"), coerce=int, default=2,
                     description=_l("Was zählt mehr: bunt gemischte Gruppen oder dass alle ihr "
                                    "Wunschthema bekommen? Bei „Eher Durchmischung“ und „Vor "
                                    "allem Durchmischung“ werden Kolleg:innen derselben "
                                    "Organisation zuerst getrennt, so weit es geht."),
                     choices=[SelectChoice(i, MIX_LABELS[i])
                              for i in reversed(range(len(MIX_LABELS)))],
                     validators=[InputRequired(_l("Bitte wählen Sie eine Einstellung."))])

    @property
    def mix_weight(self) -> float:
        return MIX_STEPS[self.mix.data]


class MoveForm(FlaskForm):
    """"" takes the person out of every group."""

    group_id = SelectField(_l("Verschieben nach"), coerce=_optional_int, validate_choice=True)


class PinForm(FlaskForm):
    pinned = StringField(validators=[InputRequired(), Regexp(r"^[01]$")])


class PairForm(FlaskForm):
    first_id = SelectField(_l("Person"), coerce=int, validators=[
        InputRequired(_l("Bitte wählen Sie eine Person."))])
    kind = SelectField(_l("Soll"), choices=[
        SelectChoice(PairKind.APART.value, _l("getrennt sein von")),
        SelectChoice(PairKind.TOGETHER.value, _l("zusammen sein mit"))],
                       validators=[InputRequired()])
    second_id = SelectField(_l("Person"), coerce=int, validators=[
        InputRequired(_l("Bitte wählen Sie eine Person."))])

    def validate_second_id(self, field):
        if field.data == self.first_id.data:
            raise ValidationError(_l("Bitte wählen Sie zwei verschiedene Personen."))


class RankingMixin:
    """Up to three ranked topics in fields rank_1 …, added for the edition's topics."""

    def ranked(self) -> list[str]:
        return [f.data for f in self.rank_fields() if f.data]

    def rank_fields(self):
        return [getattr(self, f"rank_{i}") for i in range(1, RANKED_CHOICES + 1)
                if hasattr(self, f"rank_{i}")]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        seen = set()
        for field in self.rank_fields():
            if field.data and field.data in seen:
                field.errors = list(field.errors) + [
                    _l("Dieses Thema haben Sie schon weiter oben gewählt.")]
                valid = False
            seen.add(field.data)
        return valid


class RankingForm(RankingMixin, TextForm):
    """The ranking alone (personal page, topic link): a public form, so text fields only."""


RANK_LABELS = (_l("1. Wahl"), _l("2. Wahl"), _l("3. Wahl"))


def ranking_fields(base: type[FlaskForm], topics: list[str]) -> type[FlaskForm]:
    """`base` with one optional choice per rank among these topics."""
    return _ranking_class(base, tuple(topics))


@functools.lru_cache(maxsize=256)
def _ranking_class(base: type[FlaskForm], topics: tuple[str, ...]) -> type[FlaskForm]:
    # One class per edition's topics, not one per request: WTForms binds a new class's
    # fields on its first use, which the registration form paid on every request.
    choices = [SelectChoice("", _l("– keine Angabe –"))] + [SelectChoice(t, t) for t in topics]
    fields = {f"rank_{i}": SelectField(RANK_LABELS[i - 1], choices=choices, default="",
                                       validate_choice=True)
              for i in range(1, min(RANKED_CHOICES, len(topics)) + 1)}
    bases = (base,) if issubclass(base, RankingMixin) else (RankingMixin, base)
    return type(f"{base.__name__}WithTopics", bases, fields)


def ranking_form(topics: list[str], ranked: list[str], formdata=None) -> RankingForm:
    """The ranking form for these topics: from the request, or filled with `ranked`."""
    form = ranking_fields(RankingForm, topics)(formdata=formdata)
    if formdata is None:
        for field, topic in zip(form.rank_fields(), ranked):
            field.data = topic
    return form

"""The report editor's form (shape validation only), built per edition.

One form carries every text of the report: each button (save, preview, add or move a
learning, upload a photo) submits all of it, so no click loses what was typed. The CSRF
token of this long form lives for a working day; if it has expired anyway, the route shows
the text again with a request to save once more.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from app.events.forms import NO_CONTROL_CHARS, ONE_LINE
from app.models import BreakoutGroup, Learning, ReportPhoto, Speaker

TEXT_MAX = 20_000
LEARNING_MAX = 5_000


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _text(label, maximum=TEXT_MAX, description=None):
    return TextAreaField(label, description=description, filters=[_strip], validators=[
        Length(max=maximum, message=_l("Bitte höchstens %(max)d Zeichen.")), NO_CONTROL_CHARS])


def _line(label, maximum=300, description=None):
    return StringField(label, description=description, filters=[_strip], validators=[
        Optional(), Length(max=maximum, message=_l("Bitte höchstens %(max)d Zeichen.")),
        ONE_LINE])


MARKDOWN_HINT = _l("Absätze durch eine Leerzeile trennen. **fett**, *kursiv*, Listen mit „- “ "
                   "und Links wie [Text](https://…) sind möglich.")


class ReportForm(FlaskForm):
    class Meta:
        # A long text takes a while to write; see the module docstring.
        csrf_time_limit = 12 * 3600  # seconds

    introduction = _text(_l("Einleitung"), description=MARKDOWN_HINT)
    closing = _text(_l("Schlusswort"))
    photo_file = FileField(_l("Foto"), description=_l(
        "JPEG, PNG oder WebP, höchstens 10 MB. Metadaten wie Aufnahmeort werden entfernt."))
    photo_alt = _line(_l("Alternativtext"), description=_l(
        "Was ist auf dem Foto zu sehen? Für Menschen, die es nicht sehen können."))
    photo_caption = _line(_l("Bildunterschrift"), maximum=500)
    photo_credit = _line(_l("Bildnachweis"), description=_l("Zum Beispiel: Foto: Vorname Name"))
    # Set by drag and drop (static/js/report.js): "<learning id>:<new index>".
    drag_move = HiddenField()

    # Filled per edition by build_report_form: name of each field per speaker, group and so on.
    speaker_fields: dict[int, str]
    group_fields: dict[int, str]
    learning_fields: dict[int, tuple[str, str]]
    photo_fields: dict[int, tuple[str, str, str]]

    def validate_drag_move(self, field):
        if field.data and not _parse_move(field.data):
            raise ValidationError(_l("Ungültige Angabe."))

    def learning_problems(self) -> None:
        """A learning with a text needs a title (it is numbered and listed by it)."""
        for title_name, body_name in self.learning_fields.values():
            title, body = self[title_name], self[body_name]
            if body.data and not title.data and not title.errors:
                title.errors = list(title.errors) + [
                    _l("Bitte geben Sie dem Learning eine Überschrift.")]

    def photo_problems(self) -> None:
        for alt_name, _caption, credit_name in self.photo_fields.values():
            for name, message in ((alt_name, _l("Bitte beschreiben Sie, was auf dem Foto zu sehen ist.")),
                                  (credit_name, _l("Bitte geben Sie einen Bildnachweis an."))):
                if not self[name].data and not self[name].errors:
                    self[name].errors = list(self[name].errors) + [message]

    def validate_all(self) -> bool:
        """Validate the fields, then the rules that span fields; True if nothing is wrong."""
        ok = self.validate()
        self.learning_problems()
        self.photo_problems()
        return ok and not self.errors_in_text()

    def errors_in_text(self) -> bool:
        return any(field.errors for field in self if field.name != "csrf_token")

    @property
    def csrf_expired(self) -> bool:
        return bool(self.csrf_token.errors)

    def drag(self) -> tuple[int, int] | None:
        return _parse_move(self.drag_move.data or "")


def _parse_move(value: str) -> tuple[int, int] | None:
    parts = value.split(":")
    if len(parts) != 2 or not all(p.isdigit() and len(p) < 10 for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def build_report_form(speakers: list[Speaker], groups: list[BreakoutGroup],
                      learnings: list[Learning], photos: list[ReportPhoto], **kwargs) -> ReportForm:
    """A ReportForm with one field per speaker, group, learning and photo of this report."""
    attrs, speaker_fields, group_fields, learning_fields, photo_fields = {}, {}, {}, {}, {}
    for speaker in speakers:
        name = f"input_{speaker.id}"
        attrs[name] = _text(_l("Impuls von %(name)s", name=speaker.name),
                            description=speaker.role or None)
        speaker_fields[speaker.id] = name
    for group in groups:
        name = f"group_{group.id}"
        attrs[name] = _text(_l("Gruppe „%(topic)s“", topic=group.topic),
                            description=group.title or None)
        group_fields[group.id] = name
    for number, learning in enumerate(learnings, start=1):
        title, body = f"learning_{learning.id}_title", f"learning_{learning.id}_body"
        attrs[title] = _line(_l("Learning %(n)d: Überschrift", n=number))
        attrs[body] = _text(_l("Learning %(n)d: Text", n=number), maximum=LEARNING_MAX)
        learning_fields[learning.id] = (title, body)
    for number, photo in enumerate(photos, start=1):
        names = tuple(f"photo_{photo.id}_{part}" for part in ("alt", "caption", "credit"))
        attrs[names[0]] = _line(_l("Foto %(n)d: Alternativtext", n=number))
        attrs[names[1]] = _line(_l("Foto %(n)d: Bildunterschrift", n=number), maximum=500)
        attrs[names[2]] = _line(_l("Foto %(n)d: Bildnachweis", n=number))
        photo_fields[photo.id] = names
    form_class = type("EditionReportForm", (ReportForm,), attrs)
    form = form_class(**kwargs)
    form.speaker_fields, form.group_fields = speaker_fields, group_fields
    form.learning_fields, form.photo_fields = learning_fields, photo_fields
    return form

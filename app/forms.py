"""The base of forms that take only text: what a browser's form POST carries."""
import functools

from babel import support
from flask import request
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path

# Characters no text field takes, for a regex character class: DEL and the C1 controls
# (U+0085 is a line break to some mail programs), the line and paragraph separators, and the
# bidirectional embeddings, overrides and isolates (U+202E turns "Anna\u202eexe.pdf" around
# in a mail sent from the official address). Forms add the C0 controls they refuse.
UNSAFE_CHARACTERS = "\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"


class TextForm(FlaskForm):
    """A form that reads only the text fields of a POST, never uploaded files or a JSON body.

    Flask-WTF also feeds `request.files` and JSON bodies into a form; a file or a number
    where a validator expects text (Length calls len()) would end in a 500 instead of a
    validation error. Found by tests/security/test_fuzzing.py.
    """

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            # WTForms' own messages in the person's language, as Flask-WTF gives them, but
            # the catalogue read once per process and language: Flask-WTF reads and parses
            # it on every request, a cost the public forms pay in a registration rush.
            return _WTFORMS_MESSAGES

        def wrap_formdata(self, form, formdata):
            wrapped = super().wrap_formdata(form, formdata)
            if wrapped is None or wrapped is formdata:  # not submitted, or data given explicitly
                return wrapped
            return request.form


@functools.cache
def _wtforms_catalogue(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _WTFormsMessages:
    """WTForms' translations for the request's locale (the interface WTForms calls)."""

    def gettext(self, string: str) -> str:
        return _wtforms_catalogue(str(get_locale())).ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _wtforms_catalogue(str(get_locale())).ungettext(singular, plural, n)


_WTFORMS_MESSAGES = _WTFormsMessages()

"""The base of forms that take only text: what a browser's form POST carries."""
from flask import request
from flask_wtf import FlaskForm


class TextForm(FlaskForm):
    """A form that reads only the text fields of a POST, never uploaded files or a JSON body.

    Flask-WTF also feeds `request.files` and JSON bodies into a form; a file or a number
    where a validator expects text (Length calls len()) would end in a 500 instead of a
    validation error. Found by tests/security/test_fuzzing.py.
    """

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            wrapped = super().wrap_formdata(form, formdata)
            if wrapped is None or wrapped is formdata:  # not submitted, or data given explicitly
                return wrapped
            return request.form

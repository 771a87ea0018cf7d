"""One way to refuse, and one way to show a refusal.

A service that will not do what it was asked rolls its transaction back and raises a
`Refusal` (or its area's subclass), both in one call: `refuse(error)`: a message for the person, written with lazy_gettext so
that it speaks the language of the page that shows it, and the form field it belongs to if
it belongs to one. Routes show it in one of two ways, both defined here: `press_button` for a
button's POST (a flash and a redirect, or JSON for a page's script), and `submit_form` (with
`show_refusal`) for a form (the message under its field, else a flash). A refusal that no
route shows becomes a 409 page (app.register_error_handlers), never a 500.
"""
from collections.abc import Callable
from typing import Any, NoReturn

from flask import flash, jsonify, redirect, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form

from app.extensions import db

# A POST whose CSRF token has run out (or was never there).
PAGE_EXPIRED = _l("Die Seite war zu lange geöffnet. Bitte versuchen Sie es noch einmal.")
NOT_POSSIBLE = _l("Das ist hier nicht möglich.")


class Refusal(Exception):
    """A use case refused: `message` is for the person, `field` names the form field it is about."""

    def __init__(self, message=None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message or NOT_POSSIBLE)


def refuse(error: Exception) -> NoReturn:
    """Roll the use case's transaction back (what it wrote, and the edition's lock), then raise
    `error`: a Refusal, or an exception that asks the person first (ChangeNeedsConfirmation)."""
    db.session.rollback()
    raise error


def wants_json() -> bool:
    """The page's script asks for JSON; a plain form post gets the redirect."""
    return request.accept_mimetypes.best == "application/json"


def show_refusal(refusal: Refusal, form: Form | None = None, field: str | None = None) -> None:
    """Put the message under its field of `form` (or under `field`), else flash it."""
    name = refusal.field or field
    if form is not None and name and name in form:
        form[name].errors.append(refusal.message or NOT_POSSIBLE)
    else:
        flash(str(refusal), "danger")


def _say(done, result) -> None:
    """Flash `done`: a message or (message, category), or a function of the result giving one."""
    said = done(result) if callable(done) else done
    message, category = said if isinstance(said, tuple) else (said, "success")
    flash(str(message), category)


def submit_form(form: FlaskForm, change: Callable[[], Any], done, then, *,
                field: str | None = None):
    """A form's POST: when `form` validates, run `change()`, say `done` and redirect (303) to
    `then` (a URL, or a function of the result giving one). Returns None when the form is to
    be shown again: not sent, not valid, or refused (the message under its field, or `field`).
    """
    if not form.validate_on_submit():
        return None
    try:
        result = change()
    except Refusal as refusal:
        show_refusal(refusal, form, field)
        return None
    _say(done, result)
    return redirect(then(result) if callable(then) else then, 303)


def press_button(change: Callable[[], Any], done, back: str, *, form: FlaskForm | None = None,
                 then=None, as_json: Callable[[Any], dict] | None = None):
    """A button's POST: check its CSRF token, run `change()`, say `done`, redirect (303).

    `done` is the message (or a function of the result that gives it); success goes to `then`
    (a URL, or a function of the result giving one; default `back`), an expired page or a
    refusal is flashed and goes `back`. With `as_json`, a script that asks for JSON gets
    `as_json(result)`, or {"error": …} with 400 (expired) or 409 (refused) instead.
    """
    answer_json = as_json is not None and wants_json()
    if not (form or FlaskForm()).validate_on_submit():
        if answer_json:
            return jsonify(error="invalid"), 400
        flash(str(PAGE_EXPIRED), "danger")
        return redirect(back, 303)
    try:
        result = change()
    except Refusal as refusal:
        if answer_json:
            return jsonify(error=str(refusal)), 409
        flash(str(refusal), "danger")
        return redirect(back, 303)
    if answer_json:
        return jsonify(as_json(result))
    _say(done, result)
    return redirect((then(result) if callable(then) else then) or back, 303)

"""The report: staff editor, preview and publishing; the public page, PDF and photos."""
from flask import (abort, flash, make_response, redirect, render_template, request, url_for)
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.decorators import staff_event
from app.boards.state import board_view
from app.breakouts.topics import groups_of
from app.errors import press_button, show_refusal
from app.events.forms import ConfirmForm
from app.events.services import get_event_or_404
from app.extensions import csrf
from app.feedback.services import headline
from app.models import Report
from app.pdf import render_pdf
from app.reports import bp, services
from app.reports.forms import build_report_form
from app.reports.photos import MAX_UPLOAD_BYTES, PhotoError, ProcessedPhoto, process_photo

PHOTO_ERRORS = {
    "too_large": lambda: _("Das Foto ist größer als 10 MB."),
    "not_an_image": lambda: _("Die Datei ist kein Foto im Format JPEG, PNG oder WebP."),
    "too_many_pixels": lambda: _("Das Foto hat zu viele Bildpunkte."),
    "too_small": lambda: _("Das Foto ist zu klein (mindestens 200 Bildpunkte je Seite)."),
}


# --- staff: editor ---------------------------------------------------------------------------

def _form(event, report: Report | None, **kwargs):
    learnings = list(report.learnings) if report else []
    photos = list(report.photos) if report else []
    return build_report_form(list(event.speakers), groups_of(event.id), learnings,
                             photos, **kwargs)


def _stored_data(form, report: Report | None) -> dict:
    if report is None:
        return {}
    bodies = {(s.speaker_id, s.breakout_group_id): s.body for s in report.sections}
    data = {"introduction": report.introduction, "closing": report.closing}
    data |= {name: bodies.get((sid, None), "") for sid, name in form.speaker_fields.items()}
    data |= {name: bodies.get((None, gid), "") for gid, name in form.group_fields.items()}
    for learning in report.learnings:
        title, body = form.learning_fields[learning.id]
        data |= {title: learning.title, body: learning.body}
    for photo in report.photos:
        alt, caption, credit = form.photo_fields[photo.id]
        data |= {alt: photo.alt, caption: photo.caption, credit: photo.credit}
    return data


def _editor(event, report, form, status=200):
    groups = groups_of(event.id)
    return render_template("reports/editor.html", event=event, report=report, form=form,
                           groups=groups, boards={g.id: board_view(g) for g in groups},
                           confirm=ConfirmForm(), feedback=headline(event)), status


@bp.route("/manage/events/<slug>/report")
@staff_event
def editor(event):
    report = services.get_report(event)
    empty = _form(event, report, formdata=None)
    form = _form(event, report, formdata=None, data=_stored_data(empty, report))
    return _editor(event, report, form)


def _posted(form, name: str):
    """A field's value if the post contained it, else None (keep what is stored)."""
    return form[name].data if name in request.form else None


def _text_of(form) -> services.ReportText:
    def present(name):
        return name in request.form

    return services.ReportText(
        introduction=_posted(form, "introduction"), closing=_posted(form, "closing"),
        speakers={sid: form[n].data or "" for sid, n in form.speaker_fields.items() if present(n)},
        groups={gid: form[n].data or "" for gid, n in form.group_fields.items() if present(n)},
        learnings={lid: (form[t].data or "", form[b].data or "")
                   for lid, (t, b) in form.learning_fields.items() if present(t) and present(b)},
        photos={pid: (form[a].data or "", form[c].data or "", form[cr].data or "")
                for pid, (a, c, cr) in form.photo_fields.items()
                if present(a) and present(c) and present(cr)})


def _action() -> tuple[str, int | None]:
    """The pressed button: "save", "preview", "add_learning", "up:<id>", "delete_photo:<id>" …"""
    name, _sep, ident = (request.form.get("action") or "save").partition(":")
    if ident and not (ident.isdigit() and len(ident) < 10):
        return "invalid", None
    return name, int(ident) if ident else None


def _upload(form) -> ProcessedPhoto | None:
    """Check the new photo's fields; errors go next to them. Returns the processed photo."""
    upload = request.files.get(form.photo_file.name)
    if upload is None or not upload.filename:
        form.photo_file.errors.append(_("Bitte wählen Sie ein Foto aus."))
    for field, message in ((form.photo_alt, _("Bitte beschreiben Sie, was auf dem Foto zu sehen ist.")),
                           (form.photo_credit, _("Bitte geben Sie einen Bildnachweis an."))):
        if not field.data and not field.errors:
            field.errors.append(message)
    if form.photo_file.errors:
        return None
    try:
        photo = process_photo(upload.read(MAX_UPLOAD_BYTES + 1))
    except PhotoError as exc:
        form.photo_file.errors.append(PHOTO_ERRORS[exc.code]())
        return None
    return None if form.photo_alt.errors or form.photo_credit.errors else photo


@bp.route("/manage/events/<slug>/report", methods=["POST"])
@csrf.exempt  # the form checks its own, longer-lived token and keeps the text if it expired
@staff_event
def save(event):
    request.max_content_length = MAX_UPLOAD_BYTES + 2 * 1024 * 1024
    report = services.get_report(event)
    form = _form(event, report)
    action, ident = _action()
    valid = form.validate_all()
    if form.csrf_expired:
        flash(_("Ihre Sitzung war abgelaufen. Ihr Text ist noch da und wurde nicht gespeichert: "
                "Bitte speichern Sie noch einmal."), "warning")
        return _editor(event, report, form, 422)
    if action == "invalid" or action not in _ACTIONS:
        flash(_("Das ist hier nicht möglich."), "danger")
        return _editor(event, report, form, 422)
    photo = _upload(form) if action == "upload_photo" else None
    if not valid or form.errors_in_text():
        flash(_("Nicht gespeichert: Bitte korrigieren Sie die markierten Angaben."), "danger")
        return _editor(event, report, form, 422)
    # The text is stored first, so a refused action (say, a thirteenth photo) loses nothing.
    services.save_report(event, current_user, _text_of(form))
    try:
        anchor = _ACTIONS[action](event, ident, form, photo)
    except services.ReportError as exc:
        show_refusal(exc)
        return redirect(url_for("reports.editor", slug=event.slug) + "#report-form", 303)
    if action == "preview":
        return redirect(url_for("reports.preview", slug=event.slug), 303)
    flash(_("Der Bericht wurde gespeichert."), "success")
    return redirect(url_for("reports.editor", slug=event.slug) + f"#{anchor}", 303)


def _do_save(event, _ident, form, _photo):
    drag = form.drag()
    if drag:
        services.move_learning(event, drag[0], new_index=drag[1])
        return f"learning-{drag[0]}"
    return "report-form"


def _do_add_learning(event, _ident, _form_, _photo):
    return f"learning-{services.add_learning(event, current_user).id}"


def _do_move(delta):
    def move(event, ident, _form_, _photo):
        services.move_learning(event, ident, delta=delta)
        return f"learning-{ident}"
    return move


def _do_delete_learning(event, ident, _form_, _photo):
    services.delete_learning(event, ident)
    return "learnings-heading"


def _do_upload(event, _ident, form, photo):
    row = services.add_photo(event, current_user, photo, form.photo_alt.data,
                             form.photo_caption.data or "", form.photo_credit.data)
    return f"photo-{row.id}"


def _do_delete_photo(event, ident, _form_, _photo):
    services.delete_photo(event, ident)
    return "photos-heading"


def _do_harvest(event, ident, _form_, _photo):
    services.harvest_group(event, current_user, ident)
    return f"group-{ident}"


def _do_card_learning(event, ident, _form_, _photo):
    return f"learning-{services.learning_from_card(event, current_user, ident).id}"


_ACTIONS = {
    "save": _do_save, "preview": _do_save, "add_learning": _do_add_learning,
    "up": _do_move(-1), "down": _do_move(1), "delete_learning": _do_delete_learning,
    "upload_photo": _do_upload, "delete_photo": _do_delete_photo,
    "harvest": _do_harvest, "card_learning": _do_card_learning,
}


@bp.route("/manage/events/<slug>/report/preview")
@staff_event
def preview(event):
    report = services.get_report(event) or Report(event=event, introduction="", closing="")
    page = services.report_page(event, report, is_preview=True)
    return render_template("reports/page.html", page=page, confirm=ConfirmForm())


@bp.route("/manage/events/<slug>/report/preview.pdf")
@staff_event
def preview_pdf(event):
    report = services.get_report(event) or Report(event=event, introduction="", closing="")
    return _pdf_response(services.report_page(event, report, is_preview=True))


def _change(event, change, message):
    """Run a change posted from a button; every answer goes back to the editor."""
    return press_button(change, message, url_for("reports.editor", slug=event.slug))


@bp.route("/manage/events/<slug>/report/feedback", methods=["POST"])
@staff_event
def show_feedback(event):
    show = request.form.get("show") == "1"
    return _change(event, lambda: services.set_show_feedback(event, current_user, show),
                   _("Die Rückmeldungen stehen jetzt unter „Auf einen Blick“.") if show
                   else _("Die Rückmeldungen stehen nicht mehr im Bericht."))


@bp.route("/manage/events/<slug>/report/publish", methods=["POST"])
@staff_event
def publish(event):
    return _change(event, lambda: services.publish_report(event, current_user),
                   _("Der Bericht ist veröffentlicht."))


@bp.route("/manage/events/<slug>/report/unpublish", methods=["POST"])
@staff_event
def unpublish(event):
    return _change(event, lambda: services.unpublish_report(event, current_user),
                   _("Der Bericht ist nicht mehr öffentlich."))


@bp.route("/manage/events/<slug>/report/notify", methods=["GET", "POST"])
@staff_event
def notify(event):
    """GET asks first and says how many people get the mail; the page's button sends."""
    if request.method == "GET":
        return render_template("reports/notify_confirm.html", event=event,
                               preview=services.notify_preview(event))
    return _change(event, lambda: services.notify_participants(event, current_user),
                   lambda n: _("%(n)d E-Mails mit dem Link zum Bericht wurden in den Postausgang "
                               "gelegt.", n=n))


# --- public: page, PDF, photos -----------------------------------------------------------------

@bp.route("/events/<slug>/report")
def show(slug: str):
    event, report = services.get_published_event_or_404(slug)
    return render_template("reports/page.html", page=services.report_page(event, report))


def _pdf_response(page):
    html = render_template("reports/pdf.html", page=page)
    response = make_response(render_pdf(html, extra_files=services.photo_files(page)))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = \
        f'inline; filename="{page.event.slug}-bericht.pdf"'
    return response


@bp.route("/events/<slug>/report.pdf")
def pdf(slug: str):
    event, report = services.get_published_event_or_404(slug)
    return _pdf_response(services.report_page(event, report))


@bp.route("/events/<slug>/report/photos/<int:photo_id>")
def photo(slug: str, photo_id: int):
    event = get_event_or_404(slug)
    row = services.get_photo_or_404(event, photo_id)
    public = row.report.published_at is not None
    if not public and not (current_user.is_authenticated and current_user.has_role("staff")):
        abort(404)
    if request.if_none_match.contains(row.sha256):
        response = make_response("", 304)
    else:
        response = make_response(row.data)
        response.headers["Content-Type"] = row.mime_type
    response.set_etag(row.sha256)
    # Bytes never change for an id; drafts stay out of shared caches.
    # Caches may keep a published photo but must ask again before every use (the ETag
    # makes that a 304): once the report is unpublished, nobody gets it from a cache.
    response.headers["Cache-Control"] = "public, no-cache" if public else "private, no-store"
    return response

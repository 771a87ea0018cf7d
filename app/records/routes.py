"""Staff pages for people across editions, and the audit log."""
from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.decorators import admin_required, staff_required
from app.auth.services import normalise_email
from app.errors import press_button
from app.events.forms import ConfirmForm
from app.records import bp, services
from app.records.audit_words import action_label, details_text
from app.registration.words import SECTOR_CHOICES


@bp.route("/participants")
@staff_required
def participants():
    query = request.args.get("q", "")[:200]
    sector = request.args.get("sector", "")
    organisation = request.args.get("organisation", "")[:200]
    rows = services.list_participants(query, sector, organisation, current_user)
    return (render_template("records/participants.html", rows=rows, query=query,
                                     sector=sector, organisation=organisation,
                                     sectors=SECTOR_CHOICES))


@bp.route("/participants/<int:person_id>")
@staff_required
def person(person_id: int):
    person = services.get_person_or_404(person_id)
    history = services.person_history(person, current_user)
    return (render_template("records/person.html", person=person, history=history))


@bp.route("/participants/<int:person_id>/export.json")
@staff_required
def export_person(person_id: int):
    person = services.get_person_or_404(person_id)
    response = (jsonify(services.export_person(person, current_user)))
    response.headers["Content-Disposition"] = f'attachment; filename="person-{person_id}.json"'
    return response


@bp.route("/participants/<int:person_id>/erase", methods=["POST"])
@staff_required
def erase_person(person_id: int):
    person = services.get_person_or_404(person_id)
    if ConfirmForm().validate_on_submit() and request.form.get("confirm") == "yes":
        services.erase_person(person, current_user)
        flash(_("Die Daten der Person wurden gelöscht."), "success")
        return redirect(url_for("records.participants"), 303)
    flash(_("Bitte bestätigen Sie das Löschen mit dem Häkchen."), "danger")
    return redirect(url_for("records.person", person_id=person_id), 303)


@bp.route("/participants/<int:person_id>/merge", methods=["POST"])
@staff_required
def merge_person(person_id: int):
    keep = services.get_person_or_404(person_id)

    def merge():
        try:
            duplicate = services.find_person_by_email(normalise_email(request.form.get("email", "")))
        except ValueError:
            duplicate = None
        if duplicate is None:
            raise services.RecordsError(_("Zu dieser E-Mail-Adresse gibt es keine andere Person."))
        services.merge_people(keep, duplicate, current_user)

    return press_button(merge, _("Die beiden Einträge wurden zusammengeführt."),
                        url_for("records.person", person_id=person_id))


@bp.route("/audit")
@admin_required
def audit_log():
    action = request.args.get("action", "")[:60]
    return render_template("records/audit.html", entries=services.audit_entries(action),
                           actions=services.audit_actions(), action=action,
                           action_label=action_label, details_text=details_text)

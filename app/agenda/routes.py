"""Staff agenda editor."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.agenda import bp, services
from app.agenda.forms import AgendaItemForm
from app.auth.decorators import staff_event
from app.domain.agenda import ItemKind, ProblemCode
from app.domain.editions import local_time, to_utc
from app.errors import press_button, show_refusal
from app.events import services as event_services

bp.add_app_template_filter(services.describe, "agenda_problem")

# Which form field an error of a refused change belongs to.
_FIELD_OF = {
    ProblemCode.NON_POSITIVE_DURATION: "duration_minutes",
    ProblemCode.ENDS_AFTER_EVENT: "duration_minutes",
    ProblemCode.STARTS_BEFORE_EVENT: "pinned_start",
    ProblemCode.OVERLAP: "pinned_start",
}


def _item_form(event, **kwargs) -> AgendaItemForm:
    form = AgendaItemForm(**kwargs)
    form.speaker_ids.choices = [
        (s.id, f"{s.name}, {s.organisation}" if s.organisation else s.name) for s in event.speakers]
    return form


def _item_data(form: AgendaItemForm) -> services.ItemData:
    pinned = form.pinned_start.data
    return services.ItemData(
        kind=ItemKind(form.kind.data), title=form.title.data,
        description=form.description.data or "", duration_minutes=form.duration_minutes.data,
        pinned_start=to_utc(pinned) if pinned else None, speaker_ids=form.speaker_ids.data or [])


def _attach(form: AgendaItemForm, error: services.AgendaError) -> None:
    """Each problem under the field it is about; a refusal without problems as a message."""
    if not error.problems:
        show_refusal(error, form)
    for problem in error.problems:
        field = _FIELD_OF.get(problem.code, "duration_minutes")
        if field == "pinned_start" and not form.pinned_start.data:
            field = "duration_minutes"
        getattr(form, field).errors.append(services.describe(problem))


def _editor(event, form, status=200):
    return render_template("agenda/editor.html", event=event, view=services.agenda_view(event),
                           form=form, phase=event_services.phase_of(event)), status


@bp.route("/events/<slug>/agenda")
@staff_event
def editor(event):
    return _editor(event, _item_form(event))


@bp.route("/events/<slug>/agenda/items", methods=["POST"])
@staff_event
def add_item(event):
    form = _item_form(event)
    if form.validate_on_submit():
        try:
            services.add_item(event, _item_data(form))
        except services.AgendaError as exc:
            _attach(form, exc)
        else:
            flash(_("Der Programmpunkt wurde hinzugefügt."), "success")
            return redirect(url_for("agenda.editor", slug=event.slug) + "#agenda", 303)
    return _editor(event, form, 422)


@bp.route("/events/<slug>/agenda/items/<int:item_id>", methods=["GET", "POST"])
@staff_event
def edit_item(event, item_id: int):
    item = services.get_item_or_404(event, item_id)
    if request.method == "GET":
        form = _item_form(event, data={
            "kind": item.kind.value, "title": item.title, "description": item.description,
            "duration_minutes": item.duration_minutes,
            "pinned_start": local_time(item.pinned_start).replace(tzinfo=None) if item.pinned_start else None,
            "speaker_ids": [s.id for s in item.speakers]})
    else:
        form = _item_form(event)
    if form.validate_on_submit():
        try:
            services.update_item(event, item, _item_data(form))
        except services.AgendaError as exc:
            _attach(form, exc)
        else:
            flash(_("Der Programmpunkt wurde gespeichert."), "success")
            return redirect(url_for("agenda.editor", slug=event.slug) + f"#item-{item.id}", 303)
    return render_template("agenda/item_form.html", event=event, item=item, form=form), \
        (422 if form.errors else 200)


def _change(event, change, message: str, anchor: str = "agenda"):
    """Run a change posted from a button; every answer goes back to the editor at `anchor`."""
    return press_button(change, message, url_for("agenda.editor", slug=event.slug) + f"#{anchor}")


def _invalid():
    raise services.AgendaError()


@bp.route("/events/<slug>/agenda/items/<int:item_id>/delete", methods=["POST"])
@staff_event
def delete_item(event, item_id: int):
    item = services.get_item_or_404(event, item_id)
    return _change(event, lambda: services.delete_item(event, item),
                   _("„%(title)s“ wurde entfernt.", title=item.title))


@bp.route("/events/<slug>/agenda/items/<int:item_id>/move", methods=["POST"])
@staff_event
def move_item(event, item_id: int):
    item = services.get_item_or_404(event, item_id)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        return _change(event, _invalid, "")
    return _change(event, lambda: services.move_item(event, item, -1 if direction == "up" else 1),
                   _("„%(title)s“ wurde verschoben.", title=item.title), f"item-{item.id}")


@bp.route("/events/<slug>/agenda/reorder", methods=["POST"])
@staff_event
def reorder(event):
    item = services.get_item_or_404(event, request.form.get("item_id", type=int) or 0)
    new_index = request.form.get("new_index", type=int)
    if new_index is None:
        return _change(event, _invalid, "")
    return _change(event, lambda: services.reorder_item(event, item, new_index),
                   _("„%(title)s“ wurde verschoben.", title=item.title), f"item-{item.id}")


@bp.route("/events/<slug>/agenda/standard", methods=["POST"])
@staff_event
def apply_standard(event):
    return _change(event, lambda: services.apply_standard_evening(event),
                   _("Der Standardablauf wurde eingefügt. Passen Sie Titel und Zeiten an."))

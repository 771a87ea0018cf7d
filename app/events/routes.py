"""Staff area: the edition dashboard and the edition forms."""
from flask import flash, redirect, render_template, request, url_for
from wtforms.fields.choices import SelectChoice
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.decorators import facilitator_required, staff_event, staff_required
from app.domain.editions import local_time, to_utc
from app.events import bp, services
from app.events.forms import ConfirmForm, EventForm, SeriesForm
from app.feedback import services as feedback
from app.models import EventFormat


@bp.route("/")
@facilitator_required
def dashboard():
    return render_template("events/dashboard.html",
                           groups=services.list_dashboard(current_user))


def _event_form(**kwargs) -> EventForm:
    form = EventForm(**kwargs)
    form.series_id.choices = [SelectChoice(s.id, s.name) for s in services.list_series()]
    form.facilitator_ids.choices = [SelectChoice(u.id, f"{u.name} ({u.email})")
                                    for u in services.list_facilitator_candidates()]
    return form


def _event_data(form: EventForm) -> services.EventData:
    return services.EventData(
        series_id=form.series_id.data, number=form.number.data, title=form.title.data,
        guiding_question=form.guiding_question.data or "", teaser=form.teaser.data or "",
        description=form.description.data or "",
        starts_at=to_utc(form.starts_at.data), ends_at=to_utc(form.ends_at.data),
        format=EventFormat(form.format.data), venue=form.venue.data or "",
        online_url=form.online_url.data or "", capacity=form.capacity.data,
        registration_opens_at=form.registration_opens_at.data and to_utc(form.registration_opens_at.data),
        registration_closes_at=form.registration_closes_at.data and to_utc(form.registration_closes_at.data),
        speakers=form.filled_speakers(), facilitator_ids=form.facilitator_ids.data or [],
    )


def _attach_error(form, exc: services.EventError) -> None:
    if exc.field and hasattr(form, exc.field):
        getattr(form, exc.field).errors.append(exc.message)
    else:
        flash(str(exc.message), "danger")


@bp.route("/events/new", methods=["GET", "POST"])
@staff_required
def create_event():
    form = _event_form()
    if not form.series_id.choices:
        flash(_("Legen Sie zuerst eine Reihe an."), "info")
        return redirect(url_for("events.create_series"), 303)
    if form.validate_on_submit():
        try:
            event = services.create_event(_event_data(form))
        except services.EventError as exc:
            _attach_error(form, exc)
        else:
            flash(_("Der Entwurf „%(title)s“ wurde angelegt.", title=event.title), "success")
            return redirect(url_for("events.edit_event", slug=event.slug), 303)
    return render_template("events/form.html", form=form, event=None)


@bp.route("/events/<slug>/edit", methods=["GET", "POST"])
@staff_event
def edit_event(event):
    if request.method == "GET":
        form = _event_form(data=_form_data(event))
    else:
        form = _event_form()
    if form.validate_on_submit():
        try:
            services.update_event(event, _event_data(form))
        except services.EventError as exc:
            _attach_error(form, exc)
        else:
            flash(_("Die Änderungen wurden gespeichert."), "success")
            return redirect(url_for("events.edit_event", slug=event.slug), 303)
    return render_template("events/form.html", form=form, event=event,
                           phase=services.phase_of(event),
                           wished=feedback.planning_topics(event))


def _form_data(event) -> dict:
    def local(value):
        return local_time(value).replace(tzinfo=None) if value else None

    speakers = [{"name": s.name, "organisation": s.organisation, "role": s.role}
                for s in event.speakers]
    return {
        "series_id": event.series_id, "number": event.number, "title": event.title,
        "guiding_question": event.guiding_question, "teaser": event.teaser,
        "description": event.description, "venue": event.venue,
        "online_url": event.online_url, "capacity": event.capacity,
        "format": event.format.value,
        "starts_at": local(event.starts_at), "ends_at": local(event.ends_at),
        "registration_opens_at": local(event.registration_opens_at),
        "registration_closes_at": local(event.registration_closes_at),
        "speakers": speakers + [{}] * max(3 - len(speakers), 1),
        "facilitator_ids": [u.id for u in event.facilitators],
    }


def _state_change(event, change, message: str):
    """Run one state change posted from a button; CSRF is checked by the form."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("Die Sitzung ist abgelaufen. Bitte versuchen Sie es noch einmal."), "danger")
    else:
        try:
            result = change(event)
        except services.EventError as exc:
            flash(str(exc.message), "danger")
        else:
            flash(message, "success")
            if result is not None:
                return redirect(url_for("events.edit_event", slug=result.slug), 303)
    return redirect(url_for("events.edit_event", slug=event.slug), 303)


@bp.route("/events/<slug>/publish", methods=["POST"])
@staff_event
def publish_event(event):
    return _state_change(event, services.publish_event, _("Die Ausgabe ist veröffentlicht."))


@bp.route("/events/<slug>/unpublish", methods=["POST"])
@staff_event
def unpublish_event(event):
    return _state_change(event, services.unpublish_event,
                         _("Die Ausgabe ist wieder ein Entwurf und öffentlich nicht mehr sichtbar."))


@bp.route("/events/<slug>/cancel", methods=["POST"])
@staff_event
def cancel_event(event):
    return _state_change(event, services.cancel_event, _("Die Ausgabe ist abgesagt."))


@bp.route("/events/<slug>/duplicate", methods=["POST"])
@staff_event
def duplicate_event(event):
    return _state_change(event, services.duplicate_as_next,
                         _("Die nächste Ausgabe wurde als Entwurf angelegt. Bitte prüfen Sie Titel und Termine."))


@bp.route("/series/new", methods=["GET", "POST"])
@staff_required
def create_series():
    form = SeriesForm()
    if form.validate_on_submit():
        try:
            series = services.create_series(form.name.data, form.description.data or "")
        except services.EventError as exc:
            _attach_error(form, exc)
        else:
            flash(_("Die Reihe „%(name)s“ wurde angelegt.", name=series.name), "success")
            return redirect(url_for("events.create_event"), 303)
    return render_template("events/series_form.html", form=form)

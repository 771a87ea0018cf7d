"""Staff area: the edition dashboard and the edition forms."""
from flask import flash, redirect, render_template, request, url_for
from wtforms.fields.choices import SelectChoice
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.auth.decorators import facilitator_required, staff_event, staff_required
from app.domain.editions import local_time, to_utc
from app.errors import press_button, show_refusal, submit_form
from app.events import bp, duplicate, services
from app.events.forms import MAX_SPEAKERS, CancelEventForm, EventForm, SeriesForm
from app.feedback import services as feedback
from app.models import EventFormat
from app.registration import changes


@bp.route("/")
@facilitator_required
def dashboard():
    groups = services.list_dashboard(current_user)
    # One query for the seats of every edition listed, however many there are.
    seats = services.seat_counts([event for _, events in groups for event in events])
    return render_template("events/dashboard.html", groups=groups, seats=seats)


def _event_form(**kwargs) -> EventForm:
    form = EventForm(**kwargs)
    form.series_id.choices = [SelectChoice(s.id, s.name) for s in services.list_series()]
    form.facilitator_ids.choices = [SelectChoice(u.id, f"{u.name} ({u.email})")
                                    for u in services.list_facilitator_candidates()]
    return form


def _event_data(form: EventForm) -> services.EventData:
    return services.EventData(
        series_id=form.series_id.data, number=form.number.data, title=form.title.data,
        working_language=form.working_language.data,
        guiding_question=form.guiding_question.data or "", teaser=form.teaser.data or "",
        description=form.description.data or "",
        starts_at=to_utc(form.starts_at.data), ends_at=to_utc(form.ends_at.data),
        format=EventFormat(form.format.data), venue=form.venue.data or "",
        online_url=form.online_url.data or "", video_service=form.video_service.data or "",
        capacity=form.capacity.data,
        registration_opens_at=form.registration_opens_at.data and to_utc(form.registration_opens_at.data),
        registration_closes_at=form.registration_closes_at.data and to_utc(form.registration_closes_at.data),
        speakers=form.filled_speakers(), facilitator_ids=form.facilitator_ids.data or [],
        reserved=form.reserved(),
        seats_release_at=form.seats_release_at.data and to_utc(form.seats_release_at.data),
    )


@bp.route("/events/new", methods=["GET", "POST"])
@staff_required
def create_event():
    form = _event_form()
    if not form.series_id.choices:
        flash(_("Legen Sie zuerst eine Reihe an."), "info")
        return redirect(url_for("events.create_series"), 303)
    return submit_form(form, lambda: services.create_event(_event_data(form)),
                       lambda new: _("Der Entwurf „%(title)s“ wurde angelegt.", title=new.title),
                       lambda new: url_for("events.edit_event", slug=new.slug)) \
        or render_template("events/form.html", form=form, event=None)


@bp.route("/events/<slug>/edit", methods=["GET", "POST"])
@staff_event
def edit_event(event):
    if request.method == "GET":
        form = _event_form(data=_form_data(event))
    else:
        form = _event_form()
    inform = None  # the people a new time or place is mailed to, asked for before saving
    if form.validate_on_submit():
        try:
            # The confirm button carries the number of people staff agreed to mail.
            mails = changes.change_edition(event.id, _event_data(form),
                                           request.form.get("inform", type=int), current_user)
        except services.EventError as exc:
            show_refusal(exc, form)
        except changes.ChangeNeedsConfirmation as question:
            inform = question.mails
        else:
            flash(ngettext("Die Änderungen wurden gespeichert. %(num)d Person bekommt eine "
                           "E-Mail mit dem geänderten Termin.",
                           "Die Änderungen wurden gespeichert. %(num)d Personen bekommen eine "
                           "E-Mail mit dem geänderten Termin.", mails)
                  if mails else _("Die Änderungen wurden gespeichert."), "success")
            return redirect(url_for("events.edit_event", slug=event.slug), 303)
    return render_template("events/form.html", form=form, event=event, inform=inform,
                           phase=services.phase_of(event),
                           wished=feedback.planning_topics(event))


def _form_data(event) -> dict:
    def local(value):
        return local_time(value).replace(tzinfo=None) if value else None

    speakers = [{"name": s.name, "organisation": s.organisation, "role": s.role}
                for s in event.speakers]
    return {
        "series_id": event.series_id, "number": event.number, "title": event.title,
        "working_language": event.working_language,
        "guiding_question": event.guiding_question, "teaser": event.teaser,
        "description": event.description, "venue": event.venue,
        "online_url": event.online_url, "video_service": event.video_service,
        "capacity": event.capacity,
        "format": event.format.value,
        "starts_at": local(event.starts_at), "ends_at": local(event.ends_at),
        "registration_opens_at": local(event.registration_opens_at),
        "registration_closes_at": local(event.registration_closes_at),
        **{f"reserved_{sector}": n or None for sector, n in services.reserved_seats(event).items()},
        "seats_release_at": local(event.seats_release_at),
        # Room to add one more, but never more rows than the form takes (a 21st row was a 500).
        "speakers": (speakers + [{}] * max(3 - len(speakers), 1))[:MAX_SPEAKERS],
        "facilitator_ids": [u.id for u in event.facilitators],
    }


def _state_change(event, change, message: str):
    """Run one state change posted from a button; a new edition (duplicate) is shown next."""
    back = url_for("events.edit_event", slug=event.slug)
    return press_button(lambda: change(event), message, back,
                        then=lambda new: new and url_for("events.edit_event", slug=new.slug))


@bp.route("/events/<slug>/publish", methods=["POST"])
@staff_event
def publish_event(event):
    return _state_change(event, services.publish_event, _("Die Ausgabe ist veröffentlicht."))


@bp.route("/events/<slug>/unpublish", methods=["POST"])
@staff_event
def unpublish_event(event):
    return _state_change(event, services.unpublish_event,
                         _("Die Ausgabe ist wieder ein Entwurf und öffentlich nicht mehr sichtbar."))


@bp.route("/events/<slug>/cancel", methods=["GET", "POST"])
@staff_event
def cancel_event(event):
    """GET asks first: how many people are registered and get the mail, and a note for it."""
    form = CancelEventForm()
    if request.method == "POST" and form.validate_on_submit():
        return press_button(lambda: services.cancel_event(event, form.note.data or "",
                                                          current_user),
                            lambda mails: ngettext(
                                "Die Ausgabe ist abgesagt. %(num)d Person bekommt eine E-Mail.",
                                "Die Ausgabe ist abgesagt. %(num)d Personen bekommen eine E-Mail.",
                                mails), url_for("events.edit_event", slug=event.slug), form=form)
    return render_template("events/cancel.html", event=event, form=form,
                           preview=services.cancel_event_preview(event)), \
        200 if request.method == "GET" else 422


@bp.route("/events/<slug>/duplicate", methods=["POST"])
@staff_event
def duplicate_event(event):
    return _state_change(event, duplicate.duplicate_as_next,
                         _("Die nächste Ausgabe wurde als Entwurf angelegt. Bitte prüfen Sie Titel und Termine."))


@bp.route("/series/new", methods=["GET", "POST"])
@staff_required
def create_series():
    form = SeriesForm()
    return submit_form(form, lambda: services.create_series(form.name.data,
                                                            form.description.data or ""),
                       lambda series: _("Die Reihe „%(name)s“ wurde angelegt.", name=series.name),
                       url_for("events.create_event")) \
        or render_template("events/series_form.html", form=form)

"""Public pages."""
from flask import current_app, make_response, render_template, url_for
from flask_login import current_user

from app.events.calendar import edition_ics, editions_ics
from app.pdf import render_pdf
from app.public import bp, services


@bp.route("/")
def index():
    upcoming, past = services.list_public_events()
    return render_template("public/index.html", upcoming=upcoming, past=past)


@bp.route("/events/<slug>")
def show_event(slug: str):
    return render_template("public/event.html", page=services.event_page(slug, current_user))


def _calendar_response(body: bytes, filename: str):
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/events/<slug>/event.ics")
def event_ics(slug: str):
    page = services.event_page(slug, current_user)
    url = url_for("public.show_event", slug=slug, _external=True)
    body = edition_ics(page.event, page.agenda, url, current_app.config["CALENDAR_UID_DOMAIN"])
    return _calendar_response(body, f"{slug}.ics")


@bp.route("/events.ics")
def events_ics():
    entries = [(page.event, page.agenda, url_for("public.show_event", slug=page.event.slug,
                                                  _external=True))
               for page in services.upcoming_event_pages()]
    return _calendar_response(editions_ics(entries, current_app.config["CALENDAR_UID_DOMAIN"]),
                              "innovationswerkstatt.ics")


@bp.route("/events/<slug>/agenda.pdf")
def agenda_pdf(slug: str):
    page = services.event_page(slug, current_user)
    response = make_response(render_pdf(render_template("agenda/pdf.html", page=page)))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{slug}-programm.pdf"'
    return response


@bp.route("/privacy")
def privacy():
    return render_template("public/privacy.html")


@bp.route("/accessibility")
def accessibility():
    return render_template("public/accessibility.html")


@bp.route("/imprint")
def imprint():
    return render_template("public/imprint.html")


@bp.route("/leichte-sprache")
def easy_language():
    return render_template("public/easy_language.html")

"""Public pages."""
from flask import current_app, make_response, render_template, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from app.events.calendar import edition_ics, editions_ics
from app.models import utcnow
from app.pdf import render_pdf
from app.public import bp, services
from app.public.cache import shared_page
from app.reports.services import feed_entries, published_report_event_ids


@bp.route("/")
@shared_page
def index():
    upcoming, past = services.list_public_events()
    reports = published_report_event_ids([card.event.id for card in upcoming + past])
    return render_template("public/index.html", upcoming=upcoming, past=past, reports=reports)


@bp.route("/events/<slug>")
@shared_page
def show_event(slug: str):
    page = services.event_page(slug, current_user)
    return render_template("public/event.html", page=page,
                           has_report=bool(published_report_event_ids([page.event.id])))


def _calendar_response(body: bytes, filename: str):
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/events/<slug>/event.ics")
@shared_page
def event_ics(slug: str):
    page = services.event_page(slug, current_user)
    url = url_for("public.show_event", slug=slug, _external=True)
    body = edition_ics(page.event, page.agenda, url, current_app.config["CALENDAR_UID_DOMAIN"])
    return _calendar_response(body, f"{slug}.ics")


@bp.route("/events.ics")
@shared_page
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


@bp.route("/feed.atom")
@shared_page
def feed():
    """Editions and published reports as Atom 1.0; entry ids never change."""
    domain = current_app.config["CALENDAR_UID_DOMAIN"]
    entries = []
    for entry in feed_entries():
        with_id = {"id": f"tag:{domain},2025:{entry.kind}/{entry.event.slug}",
                   "kind": entry.kind, "event": entry.event, "report": entry.report,
                   "published": entry.published, "updated": entry.updated,
                   "when": format_datetime(entry.event.starts_at, "full"),
                   "title": _("Bericht: %(series)s #%(number)d – %(title)s",
                              series=entry.event.series.name, number=entry.event.number,
                              title=entry.event.title) if entry.kind == "report" else
                   f"{entry.event.series.name} #{entry.event.number}: {entry.event.title}"}
        entries.append(with_id)
    updated = max((e["updated"] for e in entries), default=utcnow())
    response = make_response(render_template(
        "public/feed.xml", entries=entries, updated=updated.isoformat(),
        feed_title=_("Innovationswerkstatt: Ausgaben und Berichte"),
        feed_id=f"tag:{domain},2025:feed"))
    response.headers["Content-Type"] = "application/atom+xml; charset=utf-8"
    return response


@bp.route("/privacy")
def privacy():
    return render_template("public/privacy.html",
                           online_editions=services.editions_with_video_service())


@bp.route("/accessibility")
def accessibility():
    return render_template("public/accessibility.html")


@bp.route("/imprint")
def imprint():
    return render_template("public/imprint.html")


@bp.route("/leichte-sprache")
def easy_language():
    return render_template("public/easy_language.html")

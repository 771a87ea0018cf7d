"""Public pages."""
from flask import render_template
from flask_login import current_user

from app.public import bp, services


@bp.route("/")
def index():
    upcoming, past = services.list_public_events()
    return render_template("public/index.html", upcoming=upcoming, past=past)


@bp.route("/events/<slug>")
def show_event(slug: str):
    return render_template("public/event.html", page=services.event_page(slug, current_user))


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

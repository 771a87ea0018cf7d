"""Public registration: the form, the neutral answer, and the personal page /r/<token>."""
import secrets

from flask import (abort, current_app, flash, jsonify, redirect, render_template,
                   request, url_for)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.services import normalise_email
from app.breakouts.forms import ranking_fields
from app.breakouts.topics import groups_of, topic_titles, topics_of
from app.errors import press_button, show_refusal
from app.extensions import limiter
from app.models import ConsentPurpose, EventStatus, Sector
from app.public.cache import shared_form_page, shared_value
from app.public.services import event_page
from app.records import services as records
from app.registration import bp, links, personal, services
from app.registration.forms import ButtonForm, LinkAgainForm, RegistrationForm
from app.registration.pages import private_page, render_personal_page
from app.registration.words import sector_label

bp.add_app_template_global(sector_label)


@bp.route("/events/<slug>/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTRATION_RATE_LIMIT"], methods=["POST"])
@shared_form_page
def register(slug: str):
    # A POST reads only what the registration needs of the edition, shared for a second as
    # the public pages are (in a rush every POST reads the same), and counts the seats under
    # the lock; the page (texts, seat figure, topics' questions) only if the form comes back.
    posted = request.method == "POST"
    if posted:
        edition = shared_value(f"edition-to-register:{slug}",
                               lambda: services.edition_to_register(slug))
        if edition is None:
            abort(404)
        if edition.status == EventStatus.DRAFT:  # a preview: 404 but for who may see it
            event_page(slug, current_user, with_agenda=False, with_seats=False)
        form = ranking_fields(RegistrationForm, list(edition.topics))()
    else:
        page = event_page(slug, current_user, with_agenda=False)
        groups = groups_of(page.event.id)
        form = ranking_fields(RegistrationForm, topics_of(groups))()
    if not form.is_submitted():
        form.nonce.data = secrets.token_urlsafe(24)
    if form.validate_on_submit():
        if form.website.data:  # the honeypot: answer like a success, store nothing
            return redirect(url_for("registration.submitted", slug=slug), 303)
        try:
            email = normalise_email(form.email.data)
        except ValueError:
            form.email.errors.append(_("Bitte geben Sie eine gültige E-Mail-Adresse ein."))
        else:
            try:
                services.register_participant(edition.id, services.RegistrationData(
                    name=form.name.data, email=email, organisation=form.organisation.data or "",
                    sector=Sector(form.sector.data), language=str(get_locale()),
                    nonce=form.nonce.data, privacy_acknowledged=True,
                    accessibility_needs=form.accessibility_needs.data or "",
                    accessibility_consent=form.accessibility_consent.data,
                    consents=form.chosen_consents(), topics=form.ranked()), edition=edition)
            except services.RegistrationError as exc:
                show_refusal(exc)
                return redirect(url_for("public.show_event", slug=slug), 303)
            return redirect(url_for("registration.submitted", slug=slug), 303)
    status = 422 if form.errors else 200
    if posted:  # the form came back: the whole page
        page = event_page(slug, current_user, with_agenda=False)
        groups = groups_of(page.event.id)
    return render_template("registration/form.html", page=page, form=form,
                           topic_titles=topic_titles(groups)), status


@bp.route("/events/<slug>/register/sent")
def submitted(slug: str):
    return render_template("registration/submitted.html",
                           page=event_page(slug, current_user, with_agenda=False,
                                           with_seats=False))


@bp.route("/r/<token>")
def personal_page(token: str):
    registration = links.find_registration_by_token(token)
    if registration is None:
        return link_not_found()
    return render_personal_page(registration, token)


def link_not_found():
    """A personal link that leads nowhere says why and offers to mail the link again (404)."""
    return private_page(render_template("registration/link_again.html", invalid=True,
                                        form=LinkAgainForm())), 404


@bp.route("/r/new-link", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LINK_AGAIN_RATE_LIMIT"], methods=["POST"])
def link_again():
    """Mail the personal links of an address; the same answer whether or not it is known."""
    form = LinkAgainForm()
    if form.validate_on_submit():
        if not form.website.data:  # the honeypot: a filled one gets the answer, no mail
            try:
                email = normalise_email(form.email.data)
            except ValueError:
                form.email.errors.append(_("Bitte geben Sie eine gültige E-Mail-Adresse ein."))
            else:
                personal.send_personal_links(email)
        if not form.email.errors:
            flash(_("Wenn unter dieser Adresse eine Anmeldung besteht, bekommt sie in wenigen "
                    "Minuten eine E-Mail mit dem persönlichen Link. Bitte schauen Sie auch im "
                    "Spam-Ordner nach."), "success")
            return redirect(url_for("registration.link_again"), 303)
    status = 422 if form.errors else 200
    return private_page(render_template("registration/link_again.html", invalid=False,
                                        form=form)), status


def _button(token: str, change, message: str, anchor: str = ""):
    """A button of the personal page; every answer goes back to the page."""
    back = url_for("registration.personal_page", token=token)
    return press_button(change, message, back, form=ButtonForm(), then=back + anchor)


@bp.route("/r/<token>/confirm", methods=["POST"])
def confirm(token: str):
    registration = links.get_registration_by_token(token)
    return _button(token, lambda: services.confirm_registration(registration.id),
                   _("Danke! Ihre Anmeldung ist bestätigt."))


@bp.route("/r/<token>/cancel", methods=["GET", "POST"])
def cancel(token: str):
    """GET asks first and says what happens to the place; only the POST button cancels."""
    registration = links.find_registration_by_token(token)
    if registration is None:
        return link_not_found()
    if request.method == "POST":
        return _button(token, lambda: services.cancel_registration(registration.id),
                       _("Sie sind abgemeldet. Schade, dass Sie nicht dabei sein können."))
    view = personal.personal_page(registration)
    if not view.may_cancel:
        return redirect(url_for("registration.personal_page", token=token), 303)
    return private_page(render_template("registration/cancel.html", token=token, view=view,
                                        fate=services.seat_fate(registration)))


@bp.route("/r/<token>/event.ics")
def personal_ics(token: str):
    """The edition as this person's calendar entry (with the room link once it is theirs)."""
    registration = links.get_registration_by_token(token)
    response = private_page(services.personal_calendar(registration))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = \
        f'attachment; filename="{registration.event.slug}.ics"'
    return response


@bp.route("/r/<token>/consents/<purpose>/withdraw", methods=["POST"])
def withdraw_consent(token: str, purpose: str):
    registration = links.get_registration_by_token(token)
    if purpose not in {p.value for p in ConsentPurpose} or purpose == ConsentPurpose.PRIVACY_NOTICE:
        abort(404)
    return _button(token, lambda: personal.withdraw_consent(registration, ConsentPurpose(purpose)),
                   _("Ihre Einwilligung ist widerrufen."), "#consents-heading")


@bp.route("/r/<token>/data.json")
def export(token: str):
    registration = links.get_registration_by_token(token)
    response = private_page(jsonify(records.export_person(registration.participant)))
    response.headers["Content-Disposition"] = 'attachment; filename="meine-daten.json"'
    return response


@bp.route("/r/<token>/delete", methods=["GET", "POST"])
def delete(token: str):
    registration = links.get_registration_by_token(token)
    form = ButtonForm()
    if form.validate_on_submit():
        records.erase_person(registration.participant)
        return private_page(render_template("registration/deleted.html"))
    return private_page(render_template("registration/delete.html", token=token,
                                    view=personal.personal_page(registration)))

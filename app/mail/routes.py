"""Staff view of the outbox: failed and waiting mails, and a retry button."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from app.auth.decorators import staff_required
from app.mail import bp, services
from app.models import utcnow


@bp.route("/mail")
@staff_required
def outbox():
    return render_template("mail_admin/outbox.html",
                           overview=services.outbox_overview(utcnow()))


@bp.route("/mail/<int:message_id>/retry", methods=["POST"])
@staff_required
def retry(message_id: int):
    if services.retry_message(message_id, utcnow()):
        flash(_("Die E-Mail wird erneut versendet."), "success")
    else:
        flash(_("Diese E-Mail ist nicht fehlgeschlagen; es ist nichts zu tun."), "info")
    return redirect(url_for("mail.outbox"), 303)

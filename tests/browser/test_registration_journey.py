"""A person registers in the browser, gets the mail over SMTP, confirms, and cancels."""
import re

import pytest

from app.mail.worker import deliver_due
from app.models import utcnow
from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser

EVENT = "/events/innovationswerkstatt-7"


def deliver(live_server, smtp_server):
    """Run the worker once against the real SMTP server; return the messages received."""
    with live_server.app.app_context():
        deliver_due(utcnow(), smtp_server.backend())
    return smtp_server.messages()


def personal_link(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https?://\S+/r/[A-Za-z0-9_-]+", body).group(0)


@pytest.mark.parametrize(("lang", "labels"), [
    ("de", {"register": "Jetzt anmelden", "name": "Name", "email": "E-Mail-Adresse",
            "sector": "Wissenschaft und Forschung", "privacy": "Ich habe die Datenschutzerklärung gelesen.",
            "submit": "Anmeldung absenden", "confirm": "Anmeldung bestätigen",
            "cancel": "Von der Veranstaltung abmelden …", "really": "Ja, abmelden",
            "confirmed": "Sie sind angemeldet.", "cancelled": "Sie haben sich abgemeldet."}),
    ("en", {"register": "Register now", "name": "Name", "email": "Email address",
            "sector": "Science and research", "privacy": "I have read the privacy notice.",
            "submit": "Send registration", "confirm": "Confirm registration",
            "cancel": "Cancel my registration …", "really": "Yes, cancel",
            "confirmed": "You are registered.", "cancelled": "You have cancelled your registration."}),
])
def test_register_confirm_and_cancel_with_the_link_from_the_mail(smtp_live_server, page,
                                                                 smtp_server, lang, labels):
    # A server of its own: on the shared one, other tests' seat holders may have filled #7,
    # and this person would get a waiting-list place instead of a seat.
    live_server = smtp_live_server
    email = f"journey-{lang}@example.org"
    page.goto(f"{live_server}{EVENT}?lang={lang}")
    page.get_by_role("link", name=labels["register"]).click()
    assert axe_violations(page) == []
    page.get_by_label(labels["name"], exact=True).fill("Kim Beispiel")
    page.get_by_label(labels["email"]).fill(email)
    page.get_by_label(labels["sector"]).check()
    page.get_by_label(labels["privacy"]).check()
    page.get_by_role("button", name=labels["submit"], exact=True).click()
    page.wait_for_url(re.compile(r".*/register/sent$"))
    assert axe_violations(page) == []

    [mail] = [m for m in deliver(live_server, smtp_server) if m["To"] == email]
    link = personal_link(mail)
    assert link.startswith(live_server)
    page.goto(link)
    assert axe_violations(page) == []
    page.get_by_role("button", name=labels["confirm"]).click()
    assert labels["confirmed"] in page.locator("main").inner_text()
    assert axe_violations(page) == []

    received = [m for m in deliver(live_server, smtp_server) if m["To"] == email]
    assert len(received) == 2  # the opt-in and the confirmation with the calendar entry
    attachments = [part.get_filename() for part in received[1].iter_attachments()]
    assert attachments == ["innovationswerkstatt-7.ics"]

    page.get_by_role("link", name=labels["cancel"]).click()
    assert axe_violations(page) == []  # the page that asks first
    page.get_by_role("button", name=labels["really"]).click()
    assert labels["cancelled"] in page.locator("main").inner_text()
    assert axe_violations(page) == []

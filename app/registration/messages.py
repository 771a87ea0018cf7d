"""Staff write to the people of an edition: choose who, write in German (and English),
see how many get it, send through the outbox; audited.

Each person gets the text in the language of their registration when staff wrote both,
otherwise the German one. Only people with an address they gave get a mail.
"""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.audit import audit
from app.errors import refuse
from app.events.locking import lock_event
from app.extensions import db
from app.mail.outbox import queue_mail
from app.models import Event, Place, Registration, RegistrationStatus, User, utcnow
from app.registration.services import RegistrationError, personal_url_of

# Who a message can go to. Unconfirmed holds are left out: their address is not confirmed.
RECIPIENT_GROUPS = ("confirmed", "waitlist", "attended")


@dataclass(frozen=True)
class MessageText:
    subject_de: str
    body_de: str
    subject_en: str = ""
    body_en: str = ""

    @property
    def bilingual(self) -> bool:
        return bool(self.subject_en.strip() and self.body_en.strip())

    def language_for(self, registration: Registration) -> str:
        """The language a person gets: theirs if staff wrote both, else German."""
        return "en" if self.bilingual and registration.language == "en" else "de"


@dataclass(frozen=True)
class MessagePreview:
    group: str
    mails: int  # people who get the mail (they gave an address)
    german: int
    english: int
    without_address: int  # in the group, but no address: no mail


def _in_group(group: str):
    if group == "confirmed":
        return (Registration.status == RegistrationStatus.CONFIRMED,
                Registration.place == Place.SEAT)
    if group == "waitlist":
        return (Registration.status == RegistrationStatus.CONFIRMED,
                Registration.place == Place.WAITLIST)
    if group == "attended":
        return (Registration.status == RegistrationStatus.CONFIRMED,
                Registration.checked_in_at.is_not(None))
    raise RegistrationError(_l("Bitte wählen Sie, wer die Nachricht bekommt."))


def _group(event: Event, group: str) -> list[Registration]:
    return list(db.session.scalars(
        sa.select(Registration).where(Registration.event_id == event.id,
                                      Registration.anonymised_at.is_(None), *_in_group(group))
        .options(selectinload(Registration.participant)).order_by(Registration.id)))


def preview_message(event: Event, group: str, text: MessageText) -> MessagePreview:
    """How many people of the group get the message, and in which language."""
    people = _group(event, group)
    with_address = [r for r in people if r.participant.has_real_address]
    english = sum(1 for r in with_address if text.language_for(r) == "en")
    return MessagePreview(group=group, mails=len(with_address),
                          german=len(with_address) - english, english=english,
                          without_address=len(people) - len(with_address))


def send_message(event: Event, user: User, group: str, text: MessageText,
                 now: datetime | None = None) -> int:
    """Queue one mail per person of the group with an address; return how many."""
    now = now or utcnow()
    event = lock_event(event.id)
    recipients = [r for r in _group(event, group) if r.participant.has_real_address]
    if not recipients:
        refuse(RegistrationError(_l("Niemand in dieser Gruppe hat eine E-Mail-Adresse "
                                    "angegeben; es wurde nichts versandt.")))
    for registration in recipients:
        language = text.language_for(registration)
        subject = text.subject_en if language == "en" else text.subject_de
        body = text.body_en if language == "en" else text.body_de
        queue_mail("staff_message", registration.participant.email, language, subject.strip(),
                   {"event": event, "person": registration.participant, "body": body.strip(),
                    "link": personal_url_of(registration)}, registration=registration)
    # Who wrote to which group and how many got it; the texts themselves are in the outbox.
    audit("registration.staff_message", user, event_id=event.id, details=(
        f"group: {group}, mails: {len(recipients)}, "
        f"languages: {'de+en' if text.bilingual else 'de'}, sent at: {now.isoformat()}"))
    db.session.commit()
    return len(recipients)

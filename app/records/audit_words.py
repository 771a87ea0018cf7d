"""The audit log in the words of the interface: what each action and its details mean.

Audit rows store stable keys ("participant.view", "participant 62", "place: seat") so that
they can be filtered and compared; people read them through these functions, in their
language.
"""
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.registration.words import place_label, status_label

ACTION_LABELS = {
    "accessibility_needs.view": _l("Bedarfe zur Barrierefreiheit angesehen"),
    "attendance.back_to_waitlist": _l("Einlass zurückgenommen, zurück auf die Warteliste"),
    "attendance.seat_from_waitlist": _l("Beim Einlass von der Warteliste auf einen Platz"),
    "attendance.walk_in": _l("Spontan gekommene Person aufgenommen"),
    "attendance.walk_in_registered": _l("Spontan gekommen, war schon angemeldet"),
    "board.export": _l("Ergebnisse einer Gruppentafel exportiert"),
    "breakouts.allocate": _l("Gruppen eingeteilt"),
    "breakouts.groups_csv": _l("Gruppenlisten als CSV heruntergeladen"),
    "breakouts.groups_pdf": _l("Gruppenlisten als PDF heruntergeladen"),
    "breakouts.publish": _l("Gruppen veröffentlicht"),
    "breakouts.request_topics": _l("Themenwünsche angefragt"),
    "breakouts.unpublish": _l("Gruppen zurückgezogen"),
    "breakouts.video_rooms_csv": _l("Online-Räume als CSV heruntergeladen"),
    "event.cancel": _l("Ausgabe abgesagt"),
    "event.change_mailed": _l("Geänderten Termin an die Angemeldeten gemailt"),
    "feedback.answered": _l("Jemand hat die Rückmeldung ausgefüllt"),
    "participant.erase": _l("Person gelöscht"),
    "participant.export": _l("Daten einer Person exportiert"),
    "participant.merge": _l("Zwei Einträge einer Person zusammengeführt"),
    "participant.view": _l("Person angesehen"),
    "participants.export": _l("Teilnehmendenliste als CSV heruntergeladen"),
    "participants.view": _l("Personenverzeichnis angesehen"),
    "registration.add_by_hand": _l("Anmeldung von Hand hinzugefügt"),
    "registration.move_to_seat": _l("Von der Warteliste auf einen Platz gesetzt"),
    "registration.override_capacity": _l("Mehr Plätze vergeben als vorhanden"),
    "registration.override_waitlist": _l("Platz vergeben, obwohl Personen warten"),
    "registration.resend_mail": _l("E-Mail erneut geschickt"),
    "registration.staff_cancel": _l("Anmeldung vom Team abgesagt"),
    "registration.staff_message": _l("Nachricht an Angemeldete geschickt"),
    "registrations.export": _l("Anmeldungen als CSV heruntergeladen"),
    "registrations.view": _l("Anmeldungen angesehen"),
    "report.notify": _l("Bericht an die Teilnehmenden geschickt"),
    "report.publish": _l("Bericht veröffentlicht"),
    "report.unpublish": _l("Bericht zurückgezogen"),
    "retention.run": _l("Daten nach Ablauf der Frist anonymisiert"),
    "signin_sheet.export": _l("Unterschriftenliste heruntergeladen"),
}

_KEYS = {
    "capacity": _l("Plätze"),
    "languages": _l("Sprachen"),
    "sent at": _l("verschickt"),
    "people": _l("vollständig anonymisierte Personen"),
    "registrations": _l("Anmeldungen"),
    "seats taken before": _l("vorher belegte Plätze"),
    "taken after": _l("danach belegt"),
    "waiting": _l("auf der Warteliste"),
    "waitlist position before": _l("vorher auf der Warteliste an Stelle"),
}
_WORDS = {
    "add_by_hand": _l("von Hand hinzugefügt"),
    "move_to_seat": _l("auf einen Platz gesetzt"),
    "check-in from the waiting list": _l("Einlass von der Warteliste"),
    "walk-in already registered": _l("spontan gekommen, war schon angemeldet"),
}
_MAIL_KINDS = {"opt_in": _l("Bitte um Bestätigung"), "link_again": _l("persönlicher Link")}
_YES_NO = {"yes": _l("ja"), "no": _l("nein")}
_GROUPS = {"confirmed": _l("alle Bestätigten"), "waitlist": _l("Warteliste"),
           "attended": _l("alle, die teilgenommen haben")}


def action_label(action: str) -> str:
    """What an audit action means, in the user's language (unknown keys as they are)."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def _phrase(token: str) -> str:
    if match := re.fullmatch(r"participant (\d+) into (\d+)", token):
        return _("Person Nr. %(duplicate)s in Person Nr. %(keep)s", duplicate=match[1],
                 keep=match[2])
    if match := re.fullmatch(r"participant (\d+)", token):
        return _("Person Nr. %(id)s", id=match[1])
    if match := re.fullmatch(r"(?:mails: (\d+)|(\d+) mails)", token):
        n = int(match[1] or match[2])
        return ngettext("%(num)d E-Mail", "%(num)d E-Mails", n)
    if match := re.fullmatch(r"run (\d+): (\d+) people", token):
        return _("Einteilung Nr. %(run)s: %(people)s Personen", run=match[1], people=match[2])
    if match := re.fullmatch(r"gap (.+)", token):
        return _("Abstand zum bestmöglichen Ergebnis: %(gap)s", gap=match[1])
    key, sep, value = token.partition(": ")
    if sep and key == "place":
        return _("Platz: %(place)s", place=place_label(value))
    if sep and key == "status":
        return _("Status: %(status)s", status=status_label(value))
    if sep and key == "kind":
        return _("E-Mail: %(kind)s", kind=_MAIL_KINDS.get(value, value))
    if sep and key == "mail" and value in _YES_NO:
        return _("E-Mail verschickt: %(answer)s", answer=_YES_NO[value])
    if sep and key == "reason given" and value in _YES_NO:
        return _("Grund angegeben: %(answer)s", answer=_YES_NO[value])
    if sep and key == "group":
        return _("An: %(group)s", group=_GROUPS.get(value, value))
    if sep and key in _KEYS:
        return f"{_KEYS[key]}: {value}"
    word = _WORDS.get(token)
    return str(word) if word is not None else token


def details_text(details: str) -> str:
    """The details of an audit row in words ("participant 62" → "Person Nr. 62")."""
    parts = [token.strip() for chunk in details.split(";") for token in chunk.split(", ")]
    return ", ".join(_phrase(token) for token in parts if token)

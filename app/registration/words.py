"""The words of registration: sectors, statuses, places and the consent texts, in the
user's language. Forms, services, exports and pages all read them from here."""
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from app.models import ConsentPurpose, Sector

SECTOR_CHOICES = [
    SelectChoice(Sector.CIVIL_SOCIETY.value, _l("Zivilgesellschaft")),
    SelectChoice(Sector.PUBLIC_ADMINISTRATION.value, _l("Öffentliche Verwaltung")),
    SelectChoice(Sector.BUSINESS.value, _l("Wirtschaft")),
    SelectChoice(Sector.RESEARCH.value, _l("Wissenschaft und Forschung")),
    SelectChoice(Sector.PRIVATE_PERSON.value, _l("Privatperson")),
    SelectChoice(Sector.UNDISCLOSED.value, _l("Möchte ich nicht angeben")),
]

STATUS_LABELS = {"pending": _l("Unbestätigt"), "confirmed": _l("Bestätigt"),
                 "cancelled": _l("Abgesagt"), "expired": _l("Verfallen")}
PLACE_LABELS = {"seat": _l("Platz"), "waitlist": _l("Warteliste")}


def status_label(value) -> str:
    """A registration status in the words of the staff pages ("confirmed" → "Bestätigt")."""
    value = getattr(value, "value", value)
    return str(STATUS_LABELS.get(value, value))


def place_label(value) -> str:
    """A place in the words of the staff pages ("waitlist" → "Warteliste")."""
    value = getattr(value, "value", value)
    return str(PLACE_LABELS.get(value, value))


def sector_label(value) -> str:
    """The sector's name in the user's language ("civil_society" → "Zivilgesellschaft")."""
    value = getattr(value, "value", value)
    return next((str(c.label) for c in SECTOR_CHOICES if c.value == value), str(value))


# The texts people agree to; their hash is stored as the version of each consent.
CONSENT_TEXTS = {
    ConsentPurpose.ACCESSIBILITY_DATA: _l(
        "Ich willige ausdrücklich ein, dass das Organisationsteam meine Angaben zu "
        "Barrierefreiheit verarbeitet, um meine Teilnahme zu ermöglichen. Nur das Team sieht "
        "sie; sie werden mit meinen übrigen Daten gelöscht."),
    ConsentPurpose.PHOTOS: _l("Fotos, auf denen ich zu sehen bin, dürfen im Bericht erscheinen."),
    ConsentPurpose.NAMED_IN_REPORT: _l("Mein Name darf im Bericht über die Veranstaltung genannt werden."),
    ConsentPurpose.FUTURE_EDITIONS: _l("Ich möchte per E-Mail von künftigen Ausgaben erfahren."),
    ConsentPurpose.KEEP_HISTORY: _l(
        "Meine Teilnahme-Historie (zu welchen Ausgaben ich angemeldet war und ob ich da war) "
        "darf über die Löschfrist hinaus mit meinem Namen gespeichert bleiben."),
}

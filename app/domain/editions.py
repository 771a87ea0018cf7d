"""The life cycle of an edition: phases from timestamps, and the next edition's dates."""
import calendar
import enum
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


class Phase(enum.StrEnum):
    DRAFT = "draft"
    ANNOUNCED = "announced"  # published, registration not open yet
    REGISTRATION_OPEN = "registration_open"
    REGISTRATION_CLOSED = "registration_closed"
    RUNNING = "running"
    HELD = "held"  # ended (whether its report is out is the report's business, not a phase)
    CANCELLED = "cancelled"


# The order in which the staff dashboard lists phases.
PHASE_ORDER = (
    Phase.RUNNING, Phase.REGISTRATION_OPEN, Phase.ANNOUNCED, Phase.REGISTRATION_CLOSED,
    Phase.DRAFT, Phase.HELD, Phase.CANCELLED,
)


@dataclass(frozen=True)
class EditionTimes:
    status: str  # "draft" | "published" | "cancelled"
    starts_at: datetime
    ends_at: datetime
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None


def compute_registration_window(t: EditionTimes) -> tuple[datetime | None, datetime]:
    """Return when registration opens (None: as soon as published) and when it closes."""
    closes = t.registration_closes_at or t.starts_at
    return t.registration_opens_at, min(closes, t.starts_at)


def compute_phase(t: EditionTimes, now: datetime) -> Phase:
    """Return the phase of an edition at `now`."""
    if t.status == "cancelled":
        return Phase.CANCELLED
    if t.status == "draft":
        return Phase.DRAFT
    if has_ended(t, now):
        return Phase.HELD
    if now >= t.starts_at:
        return Phase.RUNNING
    opens, closes = compute_registration_window(t)
    if opens is not None and now < opens:
        return Phase.ANNOUNCED
    if now < closes:
        return Phase.REGISTRATION_OPEN
    return Phase.REGISTRATION_CLOSED


def has_ended(t: EditionTimes, now: datetime) -> bool:
    """True once an edition's end has passed (a cancelled one too: its date is past)."""
    return now >= t.ends_at


def compute_retention_cutoff(now: datetime, retention_days: int) -> datetime:
    """Editions that ended at or before this moment lose their people's personal data
    (retention); those that ended after it keep it."""
    return now - timedelta(days=retention_days)


def is_upcoming(t: EditionTimes, now: datetime) -> bool:
    """True while an edition is still ahead for the people registered: not cancelled and not
    ended. Only then may they confirm, cancel, rank topics or see the room link."""
    return t.status != "cancelled" and not has_ended(t, now)


def shows_room_link(t: EditionTimes, *, online: bool, has_room: bool, confirmed: bool,
                    on_seat: bool, now: datetime) -> bool:
    """The room link of an online or hybrid edition is for a person with a confirmed seat,
    while the edition is upcoming."""
    return online and has_room and confirmed and on_seat and is_upcoming(t, now)


def compute_quarter_shift(starts_at: datetime) -> int:
    """Days from an edition to the next one: three months later, on the same weekday.

    The date three months on is moved to the nearest day with the original
    weekday (at most three days), so a Tuesday series stays on Tuesdays.
    """
    local = starts_at.astimezone(BERLIN).date()
    month_index = local.month - 1 + 3
    year = local.year + month_index // 12
    month = month_index % 12 + 1
    target = local.replace(year=year, month=month,
                           day=min(local.day, calendar.monthrange(year, month)[1]))
    weekday_delta = (local.weekday() - target.weekday()) % 7
    if weekday_delta > 3:
        weekday_delta -= 7
    return (target - local).days + weekday_delta


def shift_local_days(moment: datetime | None, days: int) -> datetime | None:
    """Move a UTC moment by whole days, keeping the Berlin wall-clock time across DST."""
    if moment is None:
        return None
    local = moment.astimezone(BERLIN).replace(tzinfo=None) + timedelta(days=days)
    return local.replace(tzinfo=BERLIN).astimezone(UTC)


def compute_slug(series_slug: str, number: int) -> str:
    """Return the public slug of an edition, e.g. "innovationswerkstatt-7"."""
    return f"{slugify(series_slug)}-{number}"


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens ("Grüße aus Köln" → "gruesse-aus-koeln")."""
    text = text.strip().lower()
    for umlaut, ascii_ in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, ascii_)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def local_time(moment: datetime) -> datetime:
    """Return a UTC moment as Berlin local time."""
    return moment.astimezone(BERLIN)


def to_utc(local_naive: datetime) -> datetime:
    """Interpret a naive wall-clock time as Berlin local time and return it in UTC."""
    return local_naive.replace(tzinfo=BERLIN).astimezone(UTC)


__all__ = [
    "BERLIN", "EditionTimes", "PHASE_ORDER", "Phase", "compute_phase",
    "compute_registration_window", "compute_slug", "has_ended", "is_upcoming",
    "local_time", "shows_room_link", "compute_quarter_shift", "shift_local_days", "slugify", "to_utc",
]

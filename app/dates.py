"""How pages show a moment: one long, unambiguous format for people, a valid one for machines.

The public pages write dates out ("3. Dezember 2026" / "December 3, 2026"); staff pages did
too little ("12/3/26, 3:58 PM" reads as 12 March in most of Europe). Both go through here.
"""
from datetime import datetime

from flask_babel import format_date, format_time


def long_datetime(moment: datetime) -> str:
    """Date written out and 24-hour time, in Berlin time: "3. Dezember 2026, 15:58"."""
    return f"{format_date(moment, 'long')}, {format_time(moment, 'HH:mm')}"


def html_datetime(moment: datetime) -> str:
    """A `datetime` attribute the HTML standard accepts: at most milliseconds, so whole seconds."""
    return moment.isoformat(timespec="seconds")

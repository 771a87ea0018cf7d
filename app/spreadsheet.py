"""The one spreadsheet writer: CSV that Excel opens as UTF-8 and never evaluates.

Every staff export (registrations, participants, groups, feedback, boards) writes through it.
"""
import csv
import io
from collections.abc import Iterable, Sequence

# A cell starting with one of these is a formula (or becomes one) in spreadsheet programs.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A CSV cell that a spreadsheet shows as text, never evaluates (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_text(rows: Iterable[Sequence], *, for_excel: bool = True) -> str:
    """Formula-safe CSV of these rows; for Excel with a byte-order mark and `;`, otherwise
    plain comma-separated UTF-8 (what video tools import)."""
    out = io.StringIO()
    if for_excel:
        out.write("\ufeff")  # Excel reads UTF-8 only with a byte-order mark
    writer = csv.writer(out, delimiter=";" if for_excel else ",", lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()

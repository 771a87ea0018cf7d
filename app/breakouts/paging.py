"""The breakout board in pages, so that a conference of thousands stays one usable page.

Up to GROUPS_PER_PAGE groups with their cards and up to UNASSIGNED_PER_PAGE people not yet in
a group are shown per page; an edition of the usual size (up to 20 groups and 200 people
waiting for a group) is one page, as before. The figures, the room's mix and the pair rules
are on every page; the page links say which groups each page holds.
"""
import math
from dataclasses import dataclass

from markupsafe import Markup, escape
from wtforms.widgets import Select, html_params

from app.breakouts.placement import BoardView, Card, Column

GROUPS_PER_PAGE = 20
UNASSIGNED_PER_PAGE = 200


@dataclass(frozen=True)
class BoardPage:
    number: int  # 1-based
    pages: int
    columns: list[Column]  # the groups whose cards are on this page
    unassigned: list[Card]  # the people without a group on this page
    first_group: int  # 1-based position of the first group shown (for "groups 21–40")
    last_group: int


def pages_of(view: BoardView) -> int:
    return max(1, math.ceil(len(view.columns) / GROUPS_PER_PAGE),
               math.ceil(len(view.unassigned) / UNASSIGNED_PER_PAGE))


def page_of_card(view: BoardView, registration_id: int) -> int | None:
    """The page on which a person's card is, or None if it is on none."""
    for index, column in enumerate(view.columns):
        if any(c.registration_id == registration_id for c in column.cards):
            return index // GROUPS_PER_PAGE + 1
    for index, card in enumerate(view.unassigned):
        if card.registration_id == registration_id:
            return index // UNASSIGNED_PER_PAGE + 1
    return None


def board_page(view: BoardView, number: int = 1) -> BoardPage:
    pages = pages_of(view)
    number = min(max(1, number), pages)
    g0 = (number - 1) * GROUPS_PER_PAGE
    u0 = (number - 1) * UNASSIGNED_PER_PAGE
    columns = view.columns[g0:g0 + GROUPS_PER_PAGE]
    return BoardPage(number=number, pages=pages, columns=columns,
                     unassigned=view.unassigned[u0:u0 + UNASSIGNED_PER_PAGE],
                     first_group=g0 + 1 if columns else 0, last_group=g0 + len(columns))


class ManyOptionsSelect(Select):
    """WTForms' select, rendered with one string join: the pair form lists everyone twice
    (2 × 2,280 options at 3,000 people), which WTForms' option-by-option markup made the
    slowest part of the board's template. Same HTML."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        for flag in self.validation_attrs:
            if flag not in kwargs and getattr(field.flags, flag, False):
                kwargs[flag] = getattr(field.flags, flag)
        parts = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for value, label, selected, render_kw in field.iter_choices():
            extra = f" {html_params(**render_kw)}" if render_kw else ""
            parts.append(f'<option{" selected" if selected else ""} value="{escape(value)}"'
                         f"{extra}>{escape(label)}</option>")
        parts.append("</select>")
        return Markup("".join(parts))

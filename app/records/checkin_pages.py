"""The check-in list in pages: a conference of thousands at the door stays one light page.

The search (by name or organisation, on the server, as you type with script and as a plain GET
form without) finds anyone; the pages hold PER_PAGE people each, in the list's order. An
edition of the usual size (up to PER_PAGE seat holders) is one page, as before.
"""
import math
from dataclasses import dataclass

from flask import request

PER_PAGE = 100


@dataclass(frozen=True)
class ListPage:
    rows: list
    number: int  # 1-based
    pages: int
    first: int  # 1-based position of the first row shown, 0 if none
    last: int
    total: int
    arg: str  # the query argument that selects this list's page


def page_of(rows: list, arg: str) -> ListPage:
    pages = max(1, math.ceil(len(rows) / PER_PAGE))
    number = min(max(1, request.args.get(arg, 1, type=int)), pages)
    start = (number - 1) * PER_PAGE
    shown = rows[start:start + PER_PAGE]
    return ListPage(rows=shown, number=number, pages=pages, first=start + 1 if shown else 0,
                    last=start + len(shown), total=len(rows), arg=arg)


def page_args() -> dict:
    """The pages in the address, carried through the buttons' redirects like the search."""
    return {arg: n for arg in ("page", "wpage")
            if (n := request.args.get(arg, type=int)) and n > 1}


def page_url(slug: str, arg: str, number: int) -> str:
    """The check-in list with the same search and the other list's page, at page `number`."""
    from flask import url_for

    args = {k: v for k, v in request.args.items() if k in ("q", "page", "wpage") and v}
    args[arg] = number
    return url_for("records.checkin", slug=slug, **args)

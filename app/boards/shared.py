"""The member poll's columns, rendered once per board state and language and shared by the
group's members (issue 15's benchmark: rendering them for every member on every change was
what two workers could not keep up with).

The key is what the render shows, not the board's version: a card changed without a new
version (erasure turns authors into "anonym") or a database that starts its ids and versions
again (tests, a reloaded demo) can never bring an old render back. Each process keeps its own
renders, so any number of gunicorn workers and servers work without sharing anything; each
renders a given state at most once. Nothing in a shared render belongs to one member (no
personal link, no CSRF token, no own marks): those travel as ids in the poll's JSON.
"""
import threading
from collections import OrderedDict

from flask import render_template
from flask_babel import get_locale

from app.boards.state import BoardView, CardView

RENDERS_KEPT = 64  # a few states of a few dozen boards per process; about 10–40 KiB each

_renders: OrderedDict[tuple, dict] = OrderedDict()
_lock = threading.Lock()


def _card_key(card: CardView) -> tuple:
    return (card.id, card.col, card.body, card.author, card.votes, card.key_result,
            tuple((m.id, m.body, m.author) for m in card.merged))


def state_key(view: BoardView) -> tuple:
    """Everything the shared columns depend on (and nothing about the viewer)."""
    return (str(get_locale()), view.time, view.voting_open, view.dots_per_member,
            tuple(view.prompts),
            tuple(tuple(_card_key(c) for c in col.cards) for col in view.columns))


def shared_state(view: BoardView) -> dict:
    """The poll's viewer-independent part: the columns' HTML and the cards, for the group."""
    key = state_key(view)
    with _lock:
        found = _renders.get(key)
        if found is not None:
            _renders.move_to_end(key)
            return found
    state = {
        "phase": view.time.phase.value,
        "writable": view.time.writable,
        "voting_open": view.voting_open,
        "cards": [{"id": c.id, "column": c.col, "text": c.body, "author": c.author,
                   "votes": c.votes, "key_result": c.key_result} for c in view.cards],
        "html": render_template("boards/_member_columns.html", view=view, shared=True),
    }
    with _lock:
        _renders[key] = state
        while len(_renders) > RENDERS_KEPT:
            _renders.popitem(last=False)
    return state

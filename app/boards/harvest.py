"""Group boards after the work phase: the plenary view, the harvest into the learnings report
and the exports. Authors are named only if they consented to being named in the report;
exports are audited (staff views of boards are not)."""
import csv
import io

import sqlalchemy as sa
from flask import abort
from flask_babel import lazy_gettext as _l

from app.audit import audit
from app.boards.state import BoardView, CardView, board_view, card_rows
from app.extensions import db
from app.models import (BreakoutGroup, ConsentPurpose, ConsentRecord, Event, Registration,
                        User)
from app.spreadsheet import safe_cell


def plenary(event: Event) -> list[BoardView]:
    groups = db.session.scalars(sa.select(BreakoutGroup).where(BreakoutGroup.event_id == event.id)
                                .order_by(BreakoutGroup.position, BreakoutGroup.id))
    return [board_view(g) for g in groups]


def _named_consent(registration_ids: set[int]) -> set[int]:
    """Registrations whose person consented to being named in the report (not withdrawn)."""
    if not registration_ids:
        return set()
    return set(db.session.scalars(
        sa.select(Registration.id)
        .join(ConsentRecord, ConsentRecord.participant_id == Registration.participant_id)
        .where(Registration.id.in_(registration_ids),
               ConsentRecord.purpose == ConsentPurpose.NAMED_IN_REPORT,
               ConsentRecord.withdrawn_at.is_(None))))


def report_names(group: BreakoutGroup, rows: list | None = None) -> dict[int, str]:
    """card id → the name a report may print: only with the author's consent."""
    rows = card_rows(group.id) if rows is None else rows
    allowed = _named_consent({r.author_registration_id for r in rows
                              if r.author_registration_id is not None})
    return {r.id: r.author_name for r in rows
            if r.author_name and r.author_registration_id in allowed}


def _escape_md(text: str) -> str:
    """Card text is plain text: keep Markdown and HTML from turning it into anything else."""
    for ch in "\\`*_{}[]()<>#+!|":
        text = text.replace(ch, "\\" + ch)
    return text


def _quote(card: CardView, names: dict[int, str]) -> str:
    """The card as one line of Markdown, with its author's name if they consented."""
    text = _escape_md(" ".join(card.body.split()))
    name = names.get(card.id)
    return f"{text} ({_escape_md(name)})" if name else text


def harvest_text(group: BreakoutGroup) -> str:
    """A Markdown draft for the group's report section: key results and top-voted cards."""
    view = board_view(group)
    names = report_names(group)
    lines = [f"**{group.title}**", ""]
    if view.key_results:
        lines += [f"### {_l('Zentrale Ergebnisse')}", ""]
        lines += [f"- {_quote(c, names)}" for c in view.key_results]
        lines.append("")
    others = [c for c in view.top if not c.key_result]
    if others:
        lines += [f"### {_l('Meiste Punkte')}", ""]
        lines += [f"- {_quote(c, names)} ({c.votes})" for c in others]
        lines.append("")
    return "\n".join(lines).strip() + "\n"


def card_for_harvest(group: BreakoutGroup, card_id: int) -> tuple[str, str]:
    """A learning draft (title, body) from one card (404 for a card of another group)."""
    rows = card_rows(group.id)
    card = next((r for r in rows if r.id == card_id), None)
    if card is None:
        abort(404)
    names = report_names(group, rows)
    text = " ".join(card.body.split())
    title = text if len(text) <= 120 else text[:119] + "…"
    body = _escape_md(text)
    if card.id in names:
        body += f"\n\n({names[card.id]}, {group.topic})"
    else:
        body += f"\n\n({group.topic})"
    return title[:300], body


def _audited_export(event: Event, user: User, kind: str, text: str) -> str:
    audit("board.export", user, event_id=event.id, details=kind)
    db.session.commit()
    return text


def results_markdown(event: Event, user: User) -> str:
    """Every group's results as Markdown (names only with consent); the export is audited."""
    parts = [f"# {event.title}", ""]
    for view in plenary(event):
        names = report_names(view.group)
        parts += [f"## {view.group.topic}: {view.group.title}", ""]
        for col in view.columns:
            parts += [f"### {col.title}", ""]
            parts += [f"- {'★ ' if c.key_result else ''}{_quote(c, names)}"
                      f" ({c.votes})" for c in col.cards] or [f"_{_l('Noch keine Karten.')}_"]
            parts.append("")
    return _audited_export(event, user, "markdown", "\n".join(parts))


def results_csv(event: Event, user: User) -> str:
    """Every group's cards as CSV (names only with consent); the export is audited."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["group", "column", "card", "author", "votes", "key_result"])
    for view in plenary(event):
        names = report_names(view.group)
        for col in view.columns:
            for c in col.cards:
                writer.writerow([safe_cell(view.group.topic), safe_cell(col.title),
                                 safe_cell(" ".join(c.body.split())),
                                 safe_cell(names.get(c.id, "")), c.votes,
                                 "yes" if c.key_result else ""])
    return _audited_export(event, user, "csv", out.getvalue())

"""Group boards: who may see which board, what it shows, and every change to it.

Every change locks the edition (events.locking.lock_event, as seats do), so the
dot limit holds however many requests arrive at once, and raises the board's `version`,
which is what a poll compares (ETag): an unchanged poll costs three small statements,
however many cards there are.
"""
import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import abort, current_app
from flask_babel import lazy_gettext as _l

from app.audit import audit
from app.domain.agenda import ItemInput, ItemKind, compute_schedule
from app.domain.boards import (BoardOverride, BoardTime, VoteRefusal,
                               compute_top_cards, compute_work_phase, decide_board_time,
                               decide_vote, first_name)
from app.events.locking import lock_event
from app.extensions import db
from app.models import (AgendaItem, Assignment, Board, BoardCard, BoardPrompt, BoardVote,
                        BreakoutGroup, ConsentPurpose, ConsentRecord, Event, Registration,
                        RegistrationStatus, User, utcnow)
from app.registration.services import hash_token
from app.spreadsheet import safe_cell

DEFAULT_PROMPTS = ("Hindernisse", "Lösungsansätze", "Offene Fragen")
TOP_CARDS = 5  # how many top-voted cards the plenary and the harvest show per group
ANONYMOUS = _l("anonym")

REFUSALS = {
    VoteRefusal.BOARD_CLOSED: _l("Die Tafel ist geschlossen."),
    VoteRefusal.VOTING_CLOSED: _l("Die Abstimmung ist nicht geöffnet."),
    VoteRefusal.ALREADY_VOTED: _l("Sie haben für diese Karte schon einen Punkt vergeben."),
    VoteRefusal.NO_DOTS_LEFT: _l("Sie haben alle Ihre Punkte vergeben."),
}


class BoardError(Exception):
    """A change was refused; the message is for the person."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# --- who sees which board ---------------------------------------------------------------

@dataclass(frozen=True)
class Member:
    """A person on their group's board through their personal link."""

    registration: Registration
    group: BreakoutGroup
    event: Event


def member_of_token(token: str) -> Member:
    """The member and their published group for a personal link, or 404 for anyone else."""
    if not (20 <= len(token) <= 100):
        abort(404)
    # The edition comes along so the poll needs no further statement to find its start.
    row = db.session.execute(
        sa.select(Registration, BreakoutGroup, Event)
        .join(Event, Event.id == Registration.event_id)
        .join(Assignment, Assignment.registration_id == Registration.id)
        .join(BreakoutGroup, BreakoutGroup.id == Assignment.group_id)
        .where(Registration.token_hash == hash_token(token),
               Registration.status == RegistrationStatus.CONFIRMED,
               Registration.anonymised_at.is_(None),
               Event.breakouts_published_at.is_not(None))).first()
    if row is None:
        abort(404)
    return Member(*row)


def group_of_event_or_404(event: Event, group_id: int) -> BreakoutGroup:
    group = db.session.get(BreakoutGroup, group_id)
    if group is None or group.event_id != event.id:
        abort(404)
    return group


# --- the time box -------------------------------------------------------------------------

def _grace() -> timedelta:
    return timedelta(minutes=int(current_app.config["BOARD_GRACE_MINUTES"]))


def work_phase_of(event_id: int, event_start: datetime) -> tuple[datetime, datetime] | None:
    """The span of the edition's breakout agenda items (one statement)."""
    items = db.session.execute(
        sa.select(AgendaItem.id, AgendaItem.kind, AgendaItem.duration_minutes,
                  AgendaItem.pinned_start)
        .where(AgendaItem.event_id == event_id)
        .order_by(AgendaItem.position, AgendaItem.id)).all()
    inputs = [ItemInput(key=i.id, duration_minutes=i.duration_minutes, kind=i.kind,
                        pinned_start=i.pinned_start) for i in items]
    kinds = {i.id: i.kind for i in items}
    slots = [(s.starts_at, s.ends_at) for s in compute_schedule(event_start, inputs)
             if kinds[s.key] == ItemKind.BREAKOUT]
    return compute_work_phase(slots)


def board_time(event: Event, board: Board | None, now: datetime | None = None) -> BoardTime:
    return decide_board_time(now or utcnow(), work_phase_of(event.id, event.starts_at),
                             _grace(), board.override if board else BoardOverride.AUTO)


# --- what a board shows -------------------------------------------------------------------

@dataclass
class CardView:
    id: int
    col: int
    body: str
    author: str  # the chosen first name, or "anonym"
    votes: int
    key_result: bool
    mine: bool = False
    voted: bool = False  # the viewer placed a dot on it
    merged: list["CardView"] = field(default_factory=list)


@dataclass
class ColumnView:
    position: int
    title: str
    cards: list[CardView]


@dataclass
class BoardView:
    group: BreakoutGroup
    board: Board | None
    time: BoardTime
    prompts: list[str]
    columns: list[ColumnView]
    version: int
    dots_left: int | None  # for a member; None for facilitators
    top: list[CardView]

    @property
    def voting_open(self) -> bool:
        return bool(self.board and self.board.voting_open)

    @property
    def dots_per_member(self) -> int:
        return self.board.dots_per_member if self.board else 3

    @property
    def cards(self) -> list[CardView]:
        return [c for col in self.columns for c in col.cards]

    @property
    def key_results(self) -> list[CardView]:
        return [c for c in self.cards if c.key_result]


def board_of(group_id: int) -> Board | None:
    return db.session.scalar(sa.select(Board).where(Board.group_id == group_id))


def prompts_of(group: BreakoutGroup) -> list[str]:
    """The group's own prompts, else the edition's defaults, else the built-in ones."""
    rows = db.session.execute(
        sa.select(BoardPrompt.group_id, BoardPrompt.title)
        .where(BoardPrompt.event_id == group.event_id,
               sa.or_(BoardPrompt.group_id == group.id, BoardPrompt.group_id.is_(None)))
        .order_by(BoardPrompt.position)).all()
    own = [title for gid, title in rows if gid == group.id]
    defaults = [title for gid, title in rows if gid is None]
    return own or defaults or list(DEFAULT_PROMPTS)


def edition_prompts(event: Event) -> list[str]:
    titles = list(db.session.scalars(
        sa.select(BoardPrompt.title).where(BoardPrompt.event_id == event.id,
                                           BoardPrompt.group_id.is_(None))
        .order_by(BoardPrompt.position)))
    return titles or list(DEFAULT_PROMPTS)


def _author_label(card: BoardCard) -> str:
    return card.author_name or str(ANONYMOUS)


def board_view(group: BreakoutGroup, *, member: Registration | None = None,
               now: datetime | None = None, time: BoardTime | None = None) -> BoardView:
    """Everything a board page shows, in a fixed number of statements however many cards.

    `time`: the board's time box if the caller has it already (a poll got it with its tag)."""
    board = board_of(group.id)
    time = time or board_time(group.event, board, now)
    prompts = prompts_of(group)
    cards = list(db.session.scalars(sa.select(BoardCard).where(BoardCard.group_id == group.id)
                                    .order_by(BoardCard.created_at, BoardCard.id)))
    counts = dict(db.session.execute(
        sa.select(BoardVote.card_id, sa.func.count(BoardVote.id))
        .where(BoardVote.group_id == group.id).group_by(BoardVote.card_id)).all())
    mine: set[int] = set()
    if member is not None:
        mine = set(db.session.scalars(sa.select(BoardVote.card_id).where(
            BoardVote.group_id == group.id, BoardVote.registration_id == member.id)))
    views = {c.id: CardView(
        id=c.id, col=min(c.col, len(prompts) - 1), body=c.body, author=_author_label(c),
        votes=counts.get(c.id, 0), key_result=c.key_result,
        mine=member is not None and c.author_registration_id == member.id,
        voted=c.id in mine) for c in cards}
    merged_into = {c.id: c.merged_into_id for c in cards}
    columns = [ColumnView(i, title, []) for i, title in enumerate(prompts)]
    shown = []
    for card in cards:
        target = merged_into[card.id]
        if target is not None and target in views:
            views[target].merged.append(views[card.id])
        else:
            columns[views[card.id].col].cards.append(views[card.id])
            shown.append(card.id)
    top_ids = compute_top_cards({i: views[i].votes for i in shown}, shown, TOP_CARDS)
    dots_left = None
    if member is not None:
        dots_left = max(0, (board.dots_per_member if board else 3) - len(mine))
    return BoardView(group=group, board=board, time=time, prompts=prompts, columns=columns,
                     version=board.version if board else 0, dots_left=dots_left,
                     top=[views[i] for i in top_ids])


def poll_tag(group: BreakoutGroup, event: Event,
             now: datetime | None = None) -> tuple[str, BoardTime]:
    """The ETag of a board's current state: its version and whether it is open."""
    row = db.session.execute(sa.select(Board.version, Board.override)
                             .where(Board.group_id == group.id)).first()
    version, override = (row.version, row.override) if row else (0, BoardOverride.AUTO)
    time = decide_board_time(now or utcnow(), work_phase_of(event.id, event.starts_at),
                             _grace(), override)
    return f"b{group.id}-v{version}-{time.phase.value}", time


# --- changes ---------------------------------------------------------------------------------

def _locked_board(group: BreakoutGroup) -> Board:
    """Lock the edition and return the group's board row (created on the first change)."""
    lock_event(group.event_id)
    board = db.session.scalar(sa.select(Board).where(Board.group_id == group.id)
                              .execution_options(populate_existing=True))
    if board is None:
        board = Board(group_id=group.id, override=BoardOverride.AUTO, voting_open=False,
                      dots_per_member=3, version=0)
        db.session.add(board)
        db.session.flush()
    return board


def _changed(board: Board) -> None:
    board.version += 1
    board.updated_at = utcnow()
    db.session.commit()


def _writable_for_member(group: BreakoutGroup, board: Board, now: datetime | None) -> BoardTime:
    time = board_time(group.event, board, now)
    if not time.writable:
        db.session.rollback()
        raise BoardError(_l("Die Tafel ist gerade nicht offen; Karten können nicht geändert "
                            "werden."))
    return time


def _card_of_group(group: BreakoutGroup, card_id: int) -> BoardCard:
    card = db.session.get(BoardCard, card_id)
    if card is None or card.group_id != group.id:
        db.session.rollback()
        abort(404)
    return card


def _column(group: BreakoutGroup, col: int) -> int:
    if not 0 <= col < len(prompts_of(group)):
        raise BoardError(_l("Diese Spalte gibt es nicht."))
    return col


def add_card(member: Member, body: str, col: int, show_name: bool,
             now: datetime | None = None) -> BoardCard:
    """A member writes a card, shown with their first name or as "anonym"."""
    board = _locked_board(member.group)
    _writable_for_member(member.group, board, now)
    card = BoardCard(group_id=member.group.id, col=_column(member.group, col), body=body,
                     author_registration_id=member.registration.id,
                     author_name=first_name(member.registration.participant.name)
                     if show_name else "", key_result=False)
    db.session.add(card)
    _changed(board)
    return card


def edit_own_card(member: Member, card_id: int, body: str, now: datetime | None = None) -> None:
    board = _locked_board(member.group)
    card = _card_of_group(member.group, card_id)
    if card.author_registration_id != member.registration.id:
        db.session.rollback()
        abort(403)
    _writable_for_member(member.group, board, now)
    card.body = body
    _changed(board)


def delete_own_card(member: Member, card_id: int, now: datetime | None = None) -> None:
    board = _locked_board(member.group)
    card = _card_of_group(member.group, card_id)
    if card.author_registration_id != member.registration.id:
        db.session.rollback()
        abort(403)
    _writable_for_member(member.group, board, now)
    _delete(card)
    _changed(board)


def _delete(card: BoardCard) -> None:
    # Cards merged into this one come back as cards of their own.
    db.session.execute(sa.update(BoardCard).where(BoardCard.merged_into_id == card.id)
                       .values(merged_into_id=None))
    db.session.delete(card)


def vote(member: Member, card_id: int, now: datetime | None = None) -> None:
    """Place one of the member's dots on a card; the limit holds under the edition lock."""
    board = _locked_board(member.group)
    card = _card_of_group(member.group, card_id)
    if card.merged_into_id is not None:
        card = _card_of_group(member.group, card.merged_into_id)
    time = board_time(member.group.event, board, now)
    votes = set(db.session.scalars(sa.select(BoardVote.card_id).where(
        BoardVote.group_id == member.group.id,
        BoardVote.registration_id == member.registration.id)))
    refusal = decide_vote(writable=time.writable, voting_open=board.voting_open,
                          already_voted=card.id in votes, dots_used=len(votes),
                          dots_per_member=board.dots_per_member)
    if refusal is not None:
        db.session.rollback()
        raise BoardError(REFUSALS[refusal])
    db.session.add(BoardVote(card_id=card.id, group_id=member.group.id,
                             registration_id=member.registration.id))
    _changed(board)


def unvote(member: Member, card_id: int, now: datetime | None = None) -> None:
    """Take a dot back (while voting is open)."""
    board = _locked_board(member.group)
    card = _card_of_group(member.group, card_id)
    time = board_time(member.group.event, board, now)
    if not time.writable or not board.voting_open:
        db.session.rollback()
        raise BoardError(REFUSALS[VoteRefusal.BOARD_CLOSED if not time.writable
                                  else VoteRefusal.VOTING_CLOSED])
    db.session.execute(sa.delete(BoardVote).where(
        BoardVote.card_id == card.id, BoardVote.registration_id == member.registration.id))
    _changed(board)


# --- the facilitator's changes (not bound to the time box: they curate afterwards) -------------

def facilitator_edit_card(group: BreakoutGroup, card_id: int, body: str, col: int) -> None:
    board = _locked_board(group)
    card = _card_of_group(group, card_id)
    card.body = body
    card.col = _column(group, col)
    _changed(board)


def facilitator_delete_card(group: BreakoutGroup, card_id: int) -> None:
    board = _locked_board(group)
    _delete(_card_of_group(group, card_id))
    _changed(board)


def facilitator_add_card(group: BreakoutGroup, body: str, col: int) -> None:
    """A card written by the facilitator (e.g. from the room's flip chart): no author."""
    board = _locked_board(group)
    db.session.add(BoardCard(group_id=group.id, col=_column(group, col), body=body,
                             author_name="", key_result=False))
    _changed(board)


def merge_cards(group: BreakoutGroup, card_id: int, into_id: int) -> None:
    """Merge a duplicate into another card: its dots move along (one per member stays one)."""
    board = _locked_board(group)
    card = _card_of_group(group, card_id)
    target = _card_of_group(group, into_id)
    if target.merged_into_id is not None:
        target = _card_of_group(group, target.merged_into_id)
    if target.id == card.id:
        db.session.rollback()
        raise BoardError(_l("Eine Karte kann nicht mit sich selbst zusammengeführt werden."))
    voters_of_target = set(db.session.scalars(sa.select(BoardVote.registration_id).where(
        BoardVote.card_id == target.id, BoardVote.registration_id.is_not(None))))
    for v in db.session.scalars(sa.select(BoardVote).where(BoardVote.card_id.in_(
            sa.select(BoardCard.id).where(sa.or_(BoardCard.id == card.id,
                                                 BoardCard.merged_into_id == card.id))))):
        if v.registration_id is not None and v.registration_id in voters_of_target:
            db.session.delete(v)  # the member keeps one dot on the merged card, gets one back
        else:
            v.card_id = target.id
            voters_of_target.add(v.registration_id)
    db.session.execute(sa.update(BoardCard).where(BoardCard.merged_into_id == card.id)
                       .values(merged_into_id=target.id))
    card.merged_into_id = target.id
    target.key_result = target.key_result or card.key_result
    card.key_result = False
    _changed(board)


def unmerge_card(group: BreakoutGroup, card_id: int) -> None:
    board = _locked_board(group)
    _card_of_group(group, card_id).merged_into_id = None
    _changed(board)


def set_key_result(group: BreakoutGroup, card_id: int, value: bool) -> None:
    board = _locked_board(group)
    card = _card_of_group(group, card_id)
    if card.merged_into_id is not None:
        db.session.rollback()
        raise BoardError(_l("Diese Karte ist zusammengeführt; markieren Sie die Zielkarte."))
    card.key_result = value
    _changed(board)


def set_voting(group: BreakoutGroup, open_: bool) -> None:
    board = _locked_board(group)
    board.voting_open = open_
    _changed(board)


def set_dots(group: BreakoutGroup, dots: int) -> None:
    board = _locked_board(group)
    board.dots_per_member = dots
    _changed(board)


def set_override(group: BreakoutGroup, override: BoardOverride) -> None:
    board = _locked_board(group)
    board.override = override
    _changed(board)


def save_prompts(group: BreakoutGroup, titles: list[str]) -> None:
    """Set the group's own prompts (1–3); cards of a removed column move to the last one."""
    board = _locked_board(group)
    db.session.execute(sa.delete(BoardPrompt).where(BoardPrompt.group_id == group.id))
    for i, title in enumerate(titles):
        db.session.add(BoardPrompt(event_id=group.event_id, group_id=group.id, position=i,
                                   title=title))
    db.session.execute(sa.update(BoardCard).where(BoardCard.group_id == group.id,
                                                  BoardCard.col >= len(titles))
                       .values(col=len(titles) - 1))
    _changed(board)


def save_edition_prompts(event: Event, titles: list[str]) -> None:
    """Set the edition's default prompts (for groups without their own)."""
    lock_event(event.id)
    db.session.execute(sa.delete(BoardPrompt).where(BoardPrompt.event_id == event.id,
                                                    BoardPrompt.group_id.is_(None)))
    for i, title in enumerate(titles):
        db.session.add(BoardPrompt(event_id=event.id, group_id=None, position=i, title=title))
    # Every board that shows the defaults changes: raise their versions.
    db.session.execute(sa.update(Board).where(Board.group_id.in_(
        sa.select(BreakoutGroup.id).where(BreakoutGroup.event_id == event.id)))
        .values(version=Board.version + 1))
    db.session.commit()


# --- the plenary, the harvest, exports ---------------------------------------------------------

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


def report_names(group: BreakoutGroup) -> dict[int, str]:
    """card id → the name a report may print: only with the author's consent."""
    rows = db.session.execute(sa.select(BoardCard.id, BoardCard.author_registration_id,
                                        BoardCard.author_name)
                              .where(BoardCard.group_id == group.id)).all()
    allowed = _named_consent({r.author_registration_id for r in rows
                              if r.author_registration_id is not None})
    return {r.id: r.author_name for r in rows
            if r.author_name and r.author_registration_id in allowed}


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
    """A learning draft (title, body) from one card."""
    card = _card_of_group(group, card_id)
    names = report_names(group)
    text = " ".join(card.body.split())
    title = text if len(text) <= 120 else text[:119] + "…"
    body = _escape_md(text)
    if card.id in names:
        body += f"\n\n({names[card.id]}, {group.topic})"
    else:
        body += f"\n\n({group.topic})"
    return title[:300], body


def _escape_md(text: str) -> str:
    """Card text is plain text: keep Markdown and HTML from turning it into anything else."""
    for ch in "\\`*_{}[]()<>#+!|":
        text = text.replace(ch, "\\" + ch)
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
    audit("board.export", user, event_id=event.id, details="markdown")
    db.session.commit()
    return "\n".join(parts)


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
    audit("board.export", user, event_id=event.id, details="csv")
    db.session.commit()
    return out.getvalue()


"""Group boards, the reading side: who sees which board, its time box, what it shows, and
the poll that members' and facilitators' pages send every few seconds.

A poll first reads, in one statement, the member (by the link's hash) with their group, the
edition's start, the board's state (version, hand override, voting, dots) and the agenda's
items: from these come the time box and the ETag. An unchanged board answers 304 from that
one statement, however many cards it has, without loading any ORM object. A changed board
adds its prompts and its cards (with their dots and the viewer's own dots, as plain rows):
three statements in all, whatever the number of cards.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import abort, current_app
from flask_babel import lazy_gettext as _l

from app.domain.agenda import ItemInput, ItemKind, compute_schedule
from app.domain.boards import (DEFAULT_DOTS, BoardOverride, BoardTime, compute_top_cards,
                               compute_work_phase, decide_board_time)
from app.extensions import db
from app.models import (AgendaItem, Assignment, Board, BoardCard, BoardPrompt, BoardVote,
                        BreakoutGroup, Event, Registration, RegistrationStatus, utcnow)
from app.registration.links import hash_token

DEFAULT_PROMPTS = ("Hindernisse", "Lösungsansätze", "Offene Fragen")
TOP_CARDS = 5  # how many top-voted cards the plenary and the harvest show per group
ANONYMOUS = _l("anonym")


# --- the board's own row --------------------------------------------------------------------

@dataclass(frozen=True)
class BoardState:
    """A board's row as a poll needs it; a group nobody wrote to yet has the defaults."""

    version: int = 0
    override: BoardOverride = BoardOverride.AUTO
    voting_open: bool = False
    dots_per_member: int = DEFAULT_DOTS


_STATE_COLUMNS = (Board.version, Board.override, Board.voting_open, Board.dots_per_member)


def _state_of(row) -> BoardState:
    if row is None or row.version is None:  # no board row yet (outer join: all NULL)
        return BoardState()
    return BoardState(row.version, row.override, row.voting_open, row.dots_per_member)


# --- the time box -------------------------------------------------------------------------

_AGENDA_COLUMNS = (AgendaItem.id.label("item_id"), AgendaItem.kind, AgendaItem.duration_minutes,
                   AgendaItem.pinned_start)
_AGENDA = (sa.select(*_AGENDA_COLUMNS).where(AgendaItem.event_id == sa.bindparam("event_id"))
           .order_by(AgendaItem.position, AgendaItem.id))


def _grace() -> timedelta:
    return timedelta(minutes=int(current_app.config["BOARD_GRACE_MINUTES"]))


def _work_phase(event_start: datetime, items) -> tuple[datetime, datetime] | None:
    """The span of the breakout items among the agenda's (rows of _AGENDA_COLUMNS)."""
    items = [i for i in items if i.item_id is not None]
    inputs = [ItemInput(key=i.item_id, duration_minutes=i.duration_minutes, kind=i.kind,
                        pinned_start=i.pinned_start) for i in items]
    kinds = {i.item_id: i.kind for i in items}
    slots = [(s.starts_at, s.ends_at) for s in compute_schedule(event_start, inputs)
             if kinds[s.key] == ItemKind.BREAKOUT]
    return compute_work_phase(slots)


def board_time(event_id: int, event_start: datetime, override: BoardOverride,
               now: datetime | None = None) -> BoardTime:
    """The board's time box from the edition's agenda (one statement)."""
    items = db.session.execute(_AGENDA, {"event_id": event_id}).all()
    return decide_board_time(now or utcnow(), _work_phase(event_start, items), _grace(),
                             override)


# --- who sees which board -------------------------------------------------------------------

@dataclass(frozen=True)
class Member:
    """A person on their group's board through their personal link."""

    registration: Registration
    group: BreakoutGroup
    event: Event


def _by_token(*columns):
    """A confirmed, not erased registration with a link's hash, in a published group."""
    return (sa.select(*columns)
            .select_from(Registration)
            .join(Event, Event.id == Registration.event_id)
            .join(Assignment, Assignment.registration_id == Registration.id)
            .join(BreakoutGroup, BreakoutGroup.id == Assignment.group_id)
            .where(Registration.token_hash == sa.bindparam("token_hash"),
                   Registration.status == RegistrationStatus.CONFIRMED,
                   Registration.anonymised_at.is_(None),
                   Event.breakouts_published_at.is_not(None)))


def _with_board_and_agenda(statement):
    """A poll's one statement: the group's board row (if any) and the edition's agenda items
    (one result row per item, or one with NULLs), added to a statement that has the group
    and the edition."""
    return (statement.add_columns(*_STATE_COLUMNS, *_AGENDA_COLUMNS)
            .outerjoin(Board, Board.group_id == BreakoutGroup.id)
            .outerjoin(AgendaItem, AgendaItem.event_id == Event.id)
            .order_by(AgendaItem.position, AgendaItem.id))


_MEMBER = _by_token(Registration, BreakoutGroup, Event)
_POLL_OF_MEMBER = _with_board_and_agenda(_by_token(
    Registration.id.label("registration_id"), BreakoutGroup.id.label("group_id"),
    Event.id.label("event_id"), Event.starts_at))
_POLL_OF_GROUP = _with_board_and_agenda(
    sa.select(BreakoutGroup.id.label("group_id"), Event.id.label("event_id"), Event.starts_at)
    .select_from(BreakoutGroup).join(Event, Event.id == BreakoutGroup.event_id)
    .where(BreakoutGroup.id == sa.bindparam("group_id")))


def _token_hash_or_404(token: str) -> str:
    if not (20 <= len(token) <= 100):
        abort(404)
    return hash_token(token)


def member_of_token(token: str) -> Member:
    """The member and their published group for a personal link, or 404 for anyone else."""
    row = db.session.execute(_MEMBER, {"token_hash": _token_hash_or_404(token)}).first()
    if row is None:
        abort(404)
    return Member(*row)


def group_of_event_or_404(event: Event, group_id: int) -> BreakoutGroup:
    group = db.session.get(BreakoutGroup, group_id)
    if group is None or group.event_id != event.id:
        abort(404)
    return group


# --- the poll ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Poll:
    """What a poll knows before deciding between 304 and the board's state."""

    group_id: int
    event_id: int
    state: BoardState
    time: BoardTime
    registration_id: int | None = None  # the member polling; None for facilitators

    @property
    def tag(self) -> str:
        """The ETag: the board's version and whether it is open."""
        return f"b{self.group_id}-v{self.state.version}-{self.time.phase.value}"


def _poll_of(rows, now: datetime | None, registration_id: int | None = None) -> Poll:
    first = rows[0]
    state = _state_of(first)
    time = decide_board_time(now or utcnow(), _work_phase(first.starts_at, rows), _grace(),
                             state.override)
    return Poll(first.group_id, first.event_id, state, time, registration_id=registration_id)


def member_poll(token: str, now: datetime | None = None) -> Poll:
    """A member's poll: one statement for the member, group, board and agenda (404 if the
    link is no member's of a published group)."""
    rows = db.session.execute(_POLL_OF_MEMBER,
                              {"token_hash": _token_hash_or_404(token)}).all()
    if not rows:
        abort(404)
    return _poll_of(rows, now, rows[0].registration_id)


def group_poll(group: BreakoutGroup, now: datetime | None = None) -> Poll:
    """A facilitator's poll of a group, or a board page's state (one statement)."""
    return _poll_of(db.session.execute(_POLL_OF_GROUP, {"group_id": group.id}).all(), now)


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
    group_id: int
    group: BreakoutGroup | None  # None in a member's poll: its columns do not need it
    state: BoardState
    time: BoardTime
    prompts: list[str]
    columns: list[ColumnView]
    dots_left: int | None  # for a member; None for facilitators
    top: list[CardView]

    @property
    def version(self) -> int:
        return self.state.version

    @property
    def voting_open(self) -> bool:
        return self.state.voting_open

    @property
    def dots_per_member(self) -> int:
        return self.state.dots_per_member

    @property
    def cards(self) -> list[CardView]:
        return [c for col in self.columns for c in col.cards]

    @property
    def key_results(self) -> list[CardView]:
        return [c for c in self.cards if c.key_result]


def prompts_of(group_id: int, event_id: int) -> list[str]:
    """The group's own prompts, else the edition's defaults, else the built-in ones."""
    rows = db.session.execute(
        sa.select(BoardPrompt.group_id, BoardPrompt.title)
        .where(BoardPrompt.event_id == event_id,
               sa.or_(BoardPrompt.group_id == group_id, BoardPrompt.group_id.is_(None)))
        .order_by(BoardPrompt.position)).all()
    own = [title for gid, title in rows if gid == group_id]
    defaults = [title for gid, title in rows if gid is None]
    return own or defaults or list(DEFAULT_PROMPTS)


def edition_prompts(event: Event) -> list[str]:
    titles = list(db.session.scalars(
        sa.select(BoardPrompt.title).where(BoardPrompt.event_id == event.id,
                                           BoardPrompt.group_id.is_(None))
        .order_by(BoardPrompt.position)))
    return titles or list(DEFAULT_PROMPTS)


def card_rows(group_id: int, member_id: int | None = None) -> list:
    """A group's cards as plain rows, oldest first, each with its dots (`votes`) and whether
    `member_id` gave one (`voted`): one statement however many cards and dots."""
    voted = (sa.func.count(BoardVote.id).filter(BoardVote.registration_id == member_id)
             if member_id is not None else sa.literal(0))
    return db.session.execute(
        sa.select(BoardCard.id, BoardCard.col, BoardCard.body, BoardCard.author_name,
                  BoardCard.author_registration_id, BoardCard.key_result,
                  BoardCard.merged_into_id, sa.func.count(BoardVote.id).label("votes"),
                  voted.label("voted"))
        .outerjoin(BoardVote, BoardVote.card_id == BoardCard.id)
        .where(BoardCard.group_id == group_id)
        .group_by(BoardCard.id)
        .order_by(BoardCard.created_at, BoardCard.id)).all()


def compose_view(group_id: int, event_id: int, state: BoardState, time: BoardTime, *,
                 member_id: int | None = None, group: BreakoutGroup | None = None) -> BoardView:
    """The board from its prompts and cards (two statements); merged cards sit in their
    target, the top-voted ones are picked, a member sees their own cards and dots."""
    prompts = prompts_of(group_id, event_id)
    rows = card_rows(group_id, member_id)
    views = {r.id: CardView(
        id=r.id, col=min(r.col, len(prompts) - 1), body=r.body,
        author=r.author_name or str(ANONYMOUS), votes=r.votes, key_result=r.key_result,
        mine=member_id is not None and r.author_registration_id == member_id,
        voted=bool(r.voted)) for r in rows}
    columns = [ColumnView(i, title, []) for i, title in enumerate(prompts)]
    shown = []
    for r in rows:
        if r.merged_into_id is not None and r.merged_into_id in views:
            views[r.merged_into_id].merged.append(views[r.id])
        else:
            columns[views[r.id].col].cards.append(views[r.id])
            shown.append(r.id)
    top_ids = compute_top_cards({i: views[i].votes for i in shown}, shown, TOP_CARDS)
    dots_left = None
    if member_id is not None:
        dots_left = max(0, state.dots_per_member - sum(int(r.voted) for r in rows))
    return BoardView(group_id=group_id, group=group, state=state, time=time, prompts=prompts,
                     columns=columns, dots_left=dots_left, top=[views[i] for i in top_ids])


def board_view(group: BreakoutGroup, *, member: Registration | None = None,
               now: datetime | None = None) -> BoardView:
    """Everything a board page shows, in a fixed number of statements however many cards."""
    poll = group_poll(group, now)
    return poll_view(poll, group=group, member_id=member.id if member else None)


def poll_view(poll: Poll, *, group: BreakoutGroup | None = None,
              member_id: int | None = None) -> BoardView:
    """The board a poll found changed, from what the poll read already."""
    return compose_view(poll.group_id, poll.event_id, poll.state, poll.time,
                        member_id=member_id if member_id is not None else poll.registration_id,
                        group=group)

"""Group boards, the writing side: every change to a board.

Every change locks the edition (events.locking.lock_event, as seats do), so the
dot limit holds however many requests arrive at once, and raises the board's `version`,
which is what a poll compares (ETag; see state.py, the reading side, and harvest.py for the
plenary, the report and the exports; other areas import those from there).
"""
from datetime import datetime

import sqlalchemy as sa
from flask import abort
from flask_babel import lazy_gettext as _l

from app.boards.state import Member, board_time, prompts_of
from app.domain.boards import (DEFAULT_DOTS, BoardOverride, BoardTime, VoteRefusal,
                               decide_vote, first_name)
from app.errors import Refusal, refuse
from app.events.locking import lock_event
from app.extensions import db
from app.models import Board, BoardCard, BoardPrompt, BoardVote, BreakoutGroup, Event, utcnow

REFUSALS = {
    VoteRefusal.BOARD_CLOSED: _l("Die Tafel ist geschlossen."),
    VoteRefusal.VOTING_CLOSED: _l("Die Abstimmung ist nicht geöffnet."),
    VoteRefusal.ALREADY_VOTED: _l("Sie haben für diese Karte schon einen Punkt vergeben."),
    VoteRefusal.NO_DOTS_LEFT: _l("Sie haben alle Ihre Punkte vergeben."),
}


class BoardError(Refusal):
    """A change to a board was refused; the message is for the person."""


# --- changes ---------------------------------------------------------------------------------

def _locked_board(group: BreakoutGroup) -> Board:
    """Lock the edition and return the group's board row (created on the first change)."""
    lock_event(group.event_id)
    board = db.session.scalar(sa.select(Board).where(Board.group_id == group.id)
                              .execution_options(populate_existing=True))
    if board is None:
        board = Board(group_id=group.id, override=BoardOverride.AUTO, voting_open=False,
                      dots_per_member=DEFAULT_DOTS, version=0)
        db.session.add(board)
        db.session.flush()
    return board


def _time(group: BreakoutGroup, board: Board, now: datetime | None) -> BoardTime:
    return board_time(group.event_id, group.event.starts_at, board.override, now)


def _changed(board: Board) -> None:
    board.version += 1
    board.updated_at = utcnow()
    db.session.commit()


def _writable_for_member(group: BreakoutGroup, board: Board, now: datetime | None) -> BoardTime:
    time = _time(group, board, now)
    if not time.writable:
        refuse(BoardError(_l("Die Tafel ist gerade nicht offen; Karten können nicht geändert "
                             "werden.")))
    return time


def _card_of_group(group: BreakoutGroup, card_id: int) -> BoardCard:
    card = db.session.get(BoardCard, card_id)
    if card is None or card.group_id != group.id:
        db.session.rollback()
        abort(404)
    return card


def _column(group: BreakoutGroup, col: int) -> int:
    if not 0 <= col < len(prompts_of(group.id, group.event_id)):
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


def _own_card(member: Member, card_id: int, now: datetime | None) -> tuple[Board, BoardCard]:
    """Lock the board and return it with one of the member's own cards, while it is open."""
    board = _locked_board(member.group)
    card = _card_of_group(member.group, card_id)
    if card.author_registration_id != member.registration.id:
        db.session.rollback()
        abort(403)
    _writable_for_member(member.group, board, now)
    return board, card


def edit_own_card(member: Member, card_id: int, body: str, now: datetime | None = None) -> None:
    board, card = _own_card(member, card_id, now)
    card.body = body
    _changed(board)


def delete_own_card(member: Member, card_id: int, now: datetime | None = None) -> None:
    board, card = _own_card(member, card_id, now)
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
    time = _time(member.group, board, now)
    votes = set(db.session.scalars(sa.select(BoardVote.card_id).where(
        BoardVote.group_id == member.group.id,
        BoardVote.registration_id == member.registration.id)))
    refusal = decide_vote(writable=time.writable, voting_open=board.voting_open,
                          already_voted=card.id in votes, dots_used=len(votes),
                          dots_per_member=board.dots_per_member)
    if refusal is not None:
        refuse(BoardError(REFUSALS[refusal]))
    db.session.add(BoardVote(card_id=card.id, group_id=member.group.id,
                             registration_id=member.registration.id))
    _changed(board)


def unvote(member: Member, card_id: int, now: datetime | None = None) -> None:
    """Take a dot back (while voting is open)."""
    board = _locked_board(member.group)
    card = _card_of_group(member.group, card_id)
    time = _time(member.group, board, now)
    if not time.writable or not board.voting_open:
        refuse(BoardError(REFUSALS[VoteRefusal.BOARD_CLOSED if not time.writable
                                   else VoteRefusal.VOTING_CLOSED]))
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
        refuse(BoardError(_l("Eine Karte kann nicht mit sich selbst zusammengeführt werden.")))
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
        refuse(BoardError(_l("Diese Karte ist zusammengeführt; markieren Sie die Zielkarte.")))
    card.key_result = value
    _changed(board)


def set_board(group: BreakoutGroup, *, voting_open: bool | None = None,
              dots_per_member: int | None = None,
              override: BoardOverride | None = None) -> None:
    """The facilitator's settings: voting on or off, dots per member, the time box by hand."""
    board = _locked_board(group)
    for name, value in (("voting_open", voting_open), ("dots_per_member", dots_per_member),
                        ("override", override)):
        if value is not None:
            setattr(board, name, value)
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

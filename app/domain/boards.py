"""The rules of a group board: when it is open, whether a dot may be placed, what a card may say.

Pure: times are aware UTC datetimes handed in by the caller (tests pin the clock).
"""
import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

CARD_MAX_LENGTH = 500
MAX_COLUMNS = 3
DEFAULT_DOTS = 3


class BoardPhase(enum.StrEnum):
    NOT_YET = "not_yet"  # before the work phase; nobody opened it by hand
    OPEN = "open"
    CLOSED = "closed"  # read-only: after the work phase plus grace, or closed by hand


class BoardOverride(enum.StrEnum):
    AUTO = "auto"  # open during the breakout work phase (plus the grace period)
    OPEN = "open"  # opened by hand
    CLOSED = "closed"  # closed by hand


@dataclass(frozen=True)
class BoardTime:
    phase: BoardPhase
    opens_at: datetime | None  # start of the work phase, if the agenda has one
    closes_at: datetime | None  # end of the work phase plus grace

    @property
    def writable(self) -> bool:
        return self.phase == BoardPhase.OPEN


def decide_board_time(now: datetime, work_phase: tuple[datetime, datetime] | None,
                      grace: timedelta, override: BoardOverride) -> BoardTime:
    """Whether a board is open: a hand override wins; otherwise the agenda's work phase
    (from its start to its end plus `grace`). Without a work phase it opens only by hand."""
    opens_at = work_phase[0] if work_phase else None
    closes_at = work_phase[1] + grace if work_phase else None
    if override == BoardOverride.OPEN:
        phase = BoardPhase.OPEN
    elif override == BoardOverride.CLOSED:
        phase = BoardPhase.CLOSED
    elif work_phase is None or now < opens_at:
        phase = BoardPhase.NOT_YET
    elif now < closes_at:
        phase = BoardPhase.OPEN
    else:
        phase = BoardPhase.CLOSED
    return BoardTime(phase, opens_at, closes_at)


def compute_work_phase(slots: list[tuple[datetime, datetime]]) -> tuple[datetime, datetime] | None:
    """The span of the edition's breakout items (first start to last end), or None."""
    if not slots:
        return None
    return min(s for s, _ in slots), max(e for _, e in slots)


class VoteRefusal(enum.StrEnum):
    BOARD_CLOSED = "board_closed"
    VOTING_CLOSED = "voting_closed"
    ALREADY_VOTED = "already_voted"
    NO_DOTS_LEFT = "no_dots_left"


def decide_vote(*, writable: bool, voting_open: bool, already_voted: bool, dots_used: int,
                dots_per_member: int) -> VoteRefusal | None:
    """None if the member may place a dot on the card, else why not."""
    if not writable:
        return VoteRefusal.BOARD_CLOSED
    if not voting_open:
        return VoteRefusal.VOTING_CLOSED
    if already_voted:
        return VoteRefusal.ALREADY_VOTED
    if dots_used >= dots_per_member:
        return VoteRefusal.NO_DOTS_LEFT
    return None


def first_name(full_name: str) -> str:
    """The first word of a name, as a card's author is shown ("" if there is none)."""
    parts = full_name.split()
    return parts[0][:100] if parts else ""


def compute_top_cards(votes: dict[int, int], order: list[int], limit: int) -> list[int]:
    """The ids of the most-voted cards (at least one dot), ties in board order."""
    position = {card_id: i for i, card_id in enumerate(order)}
    voted = [c for c in order if votes.get(c, 0) > 0]
    return sorted(voted, key=lambda c: (-votes[c], position[c]))[:limit]

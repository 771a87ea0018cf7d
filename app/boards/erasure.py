"""What erasure and retention do to the group boards (called by app.records.services).

Cards stay, as "anonym", so the group's results survive; dots lose their voter but still
count. Every board concerned gets a new version, so its ETag changes and each member's or
facilitator's next poll brings the board without the name instead of answering 304.
Imports only the models: the records area calls it without importing the boards' services.
"""
import sqlalchemy as sa

from app.extensions import db
from app.models import Board, BoardCard, BoardVote, utcnow


def forget_authors(registration_ids: list[int]) -> None:
    """Unlink cards and dots from these registrations; raise their boards' versions."""
    if not registration_ids:
        return
    touched = sa.union(
        sa.select(BoardCard.group_id).where(BoardCard.author_registration_id.in_(registration_ids)),
        sa.select(BoardVote.group_id).where(BoardVote.registration_id.in_(registration_ids)))
    db.session.execute(sa.update(Board).where(Board.group_id.in_(touched))
                       .values(version=Board.version + 1, updated_at=utcnow()))
    db.session.execute(sa.update(BoardCard)
                       .where(BoardCard.author_registration_id.in_(registration_ids))
                       .values(author_registration_id=None, author_name=""))
    db.session.execute(sa.update(BoardVote).where(BoardVote.registration_id.in_(registration_ids))
                       .values(registration_id=None))

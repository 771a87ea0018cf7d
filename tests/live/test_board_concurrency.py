"""The dot limit holds under concurrency (issue 15): one member with three dots sends fifty
votes for fifty cards at once, to a real gunicorn with two workers on PostgreSQL. Exactly
three count. A control run with the edition lock turned off (REGISTRATION_LOCKING, the
same switch the seat tests use) shows the race does happen, so the real test can fail."""

import sqlalchemy as sa

from app.extensions import db
from app.models import Board, BoardCard, BoardVote
from tests.boards.helpers import add_group, member, work_phase_edition
from tests.live.races import one_session, rounds_until_race
from tests.live.test_concurrency import all_at_once

VOTES = 50
DOTS = 3
# Without the lock the race shows within a few rounds on four workers (two were too few to
# show it reliably on a quiet machine); the rounds stop at the first overcount.
CONTROL_ROUNDS = 20


def voting_member(app) -> tuple[str, list[int], int]:
    """A member of a group in its work phase, voting open, 3 dots, 50 cards; (token, ids, group)."""
    with app.app_context():
        event = work_phase_edition(db)
        group = add_group(db, event)
        person = member(db, event, group, "Ada Lovelace")
        db.session.add(Board(group_id=group.id, voting_open=True, dots_per_member=DOTS))
        cards = [BoardCard(group_id=group.id, col=i % 3, body=f"Idee {i}") for i in range(VOTES)]
        db.session.add_all(cards)
        db.session.commit()
        result = person.token, [c.id for c in cards], group.id
        db.session.remove()
    return result


def dots_counted(app, group_id: int) -> int:
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count(BoardVote.id))
                                  .where(BoardVote.group_id == group_id))
        db.session.remove()
    return count


def vote_fifty_at_once(server, token: str, card_ids: list[int]) -> list[int]:
    """One person (one session, one CSRF token) presses "give a dot" on fifty cards at once."""
    with one_session(server, f"/r/{token}/group", len(card_ids)) as (csrf, clients):
        return all_at_once(list(zip(clients, card_ids, strict=True)), lambda job: job[0].post(
            f"/r/{token}/group/cards/{job[1]}/vote", data={"csrf_token": csrf}).status_code)


def test_fifty_votes_at_once_by_a_member_with_three_dots_count_exactly_three(
        live_postgres_url, gunicorn_server, data_app, timings):
    app = data_app(live_postgres_url)
    server = gunicorn_server(live_postgres_url, workers=2)
    token, card_ids, group_id = voting_member(app)
    statuses = vote_fifty_at_once(server, token, card_ids)
    assert statuses == [303] * VOTES
    counted = dots_counted(app, group_id)
    timings(f"board: {VOTES} votes at once, {DOTS} dots: {counted} counted")
    assert counted == DOTS


def test_control_without_the_lock_the_same_votes_exceed_the_dots(
        live_postgres_url, gunicorn_server, data_app, timings):
    app = data_app(live_postgres_url)
    server = gunicorn_server(live_postgres_url, workers=4, locking=False)

    def one_round(round_no: int) -> int:
        token, card_ids, group_id = voting_member(app)
        vote_fifty_at_once(server, token, card_ids)
        counted = dots_counted(app, group_id)
        timings(f"board control (no lock) round {round_no}: {counted} dots counted")
        return counted

    per_round = rounds_until_race(CONTROL_ROUNDS, one_round, lambda counted: counted > DOTS)
    assert max(per_round) > DOTS, f"no race in {len(per_round)} rounds without the lock"

"""Group board polling benchmark: 30 members poll every 2 s while 10 of them write and vote.

    .venv/bin/python bench/board_poll.py [--members 30] [--writers 10] [--seconds 60]

Creates a temporary PostgreSQL database (dropped at the end), migrates it, creates an
edition with one group of `--members` people whose board is open with voting on, and
starts `gunicorn bench.wsgi_bench:app` with 2 sync workers on a free loopback port.
For `--seconds`, each member polls `/r/<token>/group/state.json` every 2 s with the
ETag it last got, starting with the one its page was rendered at (as static/js/board.js
does); `--writers` of them also pin a card every ~20 s (--write-every) and give a dot now
and then.

Prints the poll latency p50/p95/p99 (and p50/p99 of the 304s and the 200s apart), the
share of polls answered 304, how many cards and dots were written, errors; then, in this
process against the same database, the number of SQL statements an unchanged poll (304) and a changed poll (200) cost
with the cards the run left, and again after 500 more cards: an unchanged poll must
cost the same however many cards there are. The last line is one JSON object.
Loopback only; the load generator shares the machine with the server and database.
"""
import argparse
import json
import random
import re
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from app import create_app  # noqa: E402
from app.domain.agenda import ItemKind  # noqa: E402
from app.domain.boards import BoardOverride  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (AgendaItem, Assignment, AssignmentSource, Board, BoardCard,  # noqa: E402
                        BoardVote, BreakoutGroup, Event, EventFormat, EventStatus, Participant,
                        Place, Registration, RegistrationStatus, Sector, Series, utcnow)
from app.registration.links import new_token  # noqa: E402
from bench.registration_rush import (create_database, drop_database, percentile,  # noqa: E402
                                     start_server, stop_server)
from config import Config  # noqa: E402

POLL_SECONDS = 2.0
WRITE_SECONDS = 20.0  # a writer pins a card about three times a minute
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CARD_ID_RE = re.compile(r'data-card-id="(\d+)"')
ETAG_RE = re.compile(r'data-etag="&quot;([^"&]+)&quot;"')


def prepare(url: str, members: int) -> tuple[list[str], int]:
    """Migrate; an edition in its work phase with one group, its members and an open board."""
    from flask_migrate import upgrade

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="bench")
    with app.app_context():
        upgrade()
        now = utcnow().replace(microsecond=0)
        series = Series(slug="bench", name="Benchmark")
        event = Event(series=series, number=1, slug="bench-1", title="Benchmark-Ausgabe",
                      starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(hours=2),
                      format=EventFormat.ONLINE, capacity=members, status=EventStatus.PUBLISHED,
                      breakouts_published_at=now)
        db.session.add(AgendaItem(event=event, position=0, kind=ItemKind.BREAKOUT,
                                  title="Gruppenarbeit", duration_minutes=120))
        group = BreakoutGroup(event=event, topic="Zugang", title="Was hält Familien ab?",
                              min_size=1, max_size=members)
        db.session.add(group)
        db.session.flush()
        db.session.add(Board(group_id=group.id, override=BoardOverride.OPEN, voting_open=True,
                             dots_per_member=3))
        tokens = []
        for n in range(members):
            token, token_hash = new_token()
            person = Participant(email=f"member{n}@example.org", name=f"Person{n} Bench",
                                 sector=Sector.RESEARCH)
            registration = Registration(event=event, participant=person, place=Place.SEAT,
                                        status=RegistrationStatus.CONFIRMED,
                                        token_hash=token_hash, nonce=f"bench-{n}",
                                        confirmed_at=now)
            db.session.add(registration)
            db.session.flush()
            db.session.add(Assignment(registration_id=registration.id, group_id=group.id,
                                      source=AssignmentSource.HAND))
            tokens.append(token)
        db.session.commit()
        group_id = group.id
        db.session.remove()
        db.engine.dispose()
    return tokens, group_id


class Figures:
    def __init__(self):
        self.lock = threading.Lock()
        self.poll_ms: list[float] = []  # seconds; percentile() reports milliseconds
        self.poll_ms_by_status: dict[int, list[float]] = {}
        self.statuses: dict[int, int] = {}
        self.cards = 0
        self.votes = 0
        self.errors: list[str] = []

    def poll(self, ms: float, status: int) -> None:
        with self.lock:
            self.poll_ms.append(ms)
            self.poll_ms_by_status.setdefault(status, []).append(ms)
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def error(self, text: str) -> None:
        with self.lock:
            if len(self.errors) < 20:
                self.errors.append(text)


def member_loop(base_url: str, token: str, writer: bool, until: float, figures: Figures,
                seed: int, write_every: float = WRITE_SECONDS) -> None:
    """One member's phone: poll every 2 s; a writer also pins a card and gives dots."""
    rng = random.Random(seed)
    with httpx.Client(base_url=base_url, verify=False, timeout=30) as client:
        page = client.get(f"/r/{token}/group")
        if page.status_code != 200:
            figures.error(f"board page answered {page.status_code}")
            return
        csrf = CSRF_RE.search(page.text).group(1)
        # As board.js does: the first poll sends the ETag the page was rendered at.
        found = ETAG_RE.search(page.text)
        etag = f'"{found.group(1)}"' if found else None
        next_poll = time.monotonic() + rng.uniform(0, POLL_SECONDS)
        next_write = time.monotonic() + rng.uniform(0, write_every)
        written = 0
        while time.monotonic() < until:
            now = time.monotonic()
            if writer and now >= next_write:
                written += 1
                answer = client.post(f"/r/{token}/group/cards", data={
                    "csrf_token": csrf, "body": f"Idee {seed}-{written}", "col": str(written % 3),
                    "show_name": "name"})
                if answer.status_code != 303:
                    figures.error(f"card answered {answer.status_code}")
                else:
                    with figures.lock:
                        figures.cards += 1
                if written % 3 == 0:
                    ids = CARD_ID_RE.findall(client.get(f"/r/{token}/group").text)
                    if ids:
                        vote = client.post(f"/r/{token}/group/cards/{rng.choice(ids)}/vote",
                                           data={"csrf_token": csrf})
                        if vote.status_code == 303:
                            with figures.lock:
                                figures.votes += 1
                next_write = now + write_every
            if now >= next_poll:
                headers = {"If-None-Match": etag} if etag else {}
                started = time.perf_counter()
                answer = client.get(f"/r/{token}/group/state.json", headers=headers)
                figures.poll(time.perf_counter() - started, answer.status_code)
                if answer.status_code == 200:
                    etag = answer.headers.get("ETag")
                elif answer.status_code != 304:
                    figures.error(f"poll answered {answer.status_code}")
                next_poll += POLL_SECONDS
            time.sleep(max(0.0, min(next_poll, next_write if writer else next_poll)
                           - time.monotonic()))


def statements_per_poll(url: str, token: str, group_id: int, more_cards: int) -> dict:
    """SQL statements of an unchanged (304) and a changed (200) poll, before and after adding
    `more_cards` cards, counted in this process against the same database."""
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="bench",
                     RATELIMIT_ENABLED=False, SERVER_NAME="localhost")
    counted: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        counted.append(statement)

    def measure() -> tuple[int, int, int]:
        client = app.test_client()
        with app.app_context():
            cards = db.session.scalar(sa.select(sa.func.count(BoardCard.id))
                                      .where(BoardCard.group_id == group_id))
            db.session.remove()
        counted.clear()
        changed = client.get(f"/r/{token}/group/state.json")
        changed_statements = len(counted)
        counted.clear()
        unchanged = client.get(f"/r/{token}/group/state.json",
                               headers={"If-None-Match": changed.headers["ETag"]})
        assert unchanged.status_code == 304, unchanged.status_code
        return cards, len(counted), changed_statements

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", count)
    before = measure()
    with app.app_context():
        db.session.add_all([BoardCard(group_id=group_id, col=i % 3, body=f"Mehr {i}")
                            for i in range(more_cards)])
        db.session.execute(sa.update(Board).where(Board.group_id == group_id)
                           .values(version=Board.version + 1))
        db.session.commit()
        db.session.remove()
    after = measure()
    with app.app_context():
        sa.event.remove(db.engine, "before_cursor_execute", count)
        db.engine.dispose()
    return {"cards_before": before[0], "unchanged_poll_statements_before": before[1],
            "changed_poll_statements_before": before[2], "cards_after": after[0],
            "unchanged_poll_statements_after": after[1],
            "changed_poll_statements_after": after[2]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=30)
    parser.add_argument("--writers", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--more-cards", type=int, default=500)
    parser.add_argument("--write-every", type=float, default=WRITE_SECONDS)
    args = parser.parse_args()

    admin, name, url = create_database()
    process = None
    try:
        tokens, group_id = prepare(url, args.members)
        workdir = Path(tempfile.mkdtemp(prefix="board-bench-"))
        process, base_url = start_server(url, workdir, args.workers)
        print(f"gunicorn {base_url}, {args.workers} workers, database {name}; "
              f"{args.members} members, {args.writers} writing, {args.seconds:.0f} s")
        figures = Figures()
        until = time.monotonic() + args.seconds
        threads = [threading.Thread(target=member_loop, args=(
            base_url, token, n < args.writers, until, figures, n, args.write_every))
            for n, token in enumerate(tokens)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        stop_server(process)
        process = None
        polls = len(figures.poll_ms)
        share_304 = figures.statuses.get(304, 0) / polls if polls else 0.0
        with sa.create_engine(url).connect() as conn:
            dots = conn.execute(sa.select(sa.func.count(BoardVote.id))).scalar()
        print(f"polls {polls}: p50 {percentile(figures.poll_ms, 50):.1f} ms, "
              f"p95 {percentile(figures.poll_ms, 95):.1f} ms, "
              f"p99 {percentile(figures.poll_ms, 99):.1f} ms; "
              f"304 {share_304:.1%}; statuses {figures.statuses}")
        by_status = {status: {"p50_ms": round(percentile(times, 50), 1),
                              "p99_ms": round(percentile(times, 99), 1)}
                     for status, times in sorted(figures.poll_ms_by_status.items())}
        print("  by status: " + "; ".join(
            f"{status}: p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms"
            for status, f in by_status.items()))
        print(f"cards written {figures.cards}, dots given {dots}, errors {len(figures.errors)}")
        for error in figures.errors:
            print(f"  error: {error}")
        statements = statements_per_poll(url, tokens[-1], group_id, args.more_cards)
        print(f"statements per unchanged poll: {statements['unchanged_poll_statements_before']} "
              f"with {statements['cards_before']} cards, "
              f"{statements['unchanged_poll_statements_after']} with "
              f"{statements['cards_after']} cards; per changed poll: "
              f"{statements['changed_poll_statements_before']} / "
              f"{statements['changed_poll_statements_after']}")
        print(json.dumps({
            "members": args.members, "writers": args.writers, "seconds": args.seconds,
            "workers": args.workers, "polls": polls,
            "poll_p50_ms": round(percentile(figures.poll_ms, 50), 1),
            "poll_p95_ms": round(percentile(figures.poll_ms, 95), 1),
            "poll_p99_ms": round(percentile(figures.poll_ms, 99), 1),
            "share_304": round(share_304, 3), "statuses": figures.statuses,
            "by_status": by_status,
            "cards_written": figures.cards, "dots": dots, "errors": len(figures.errors),
            **statements}))
        constant = (statements["unchanged_poll_statements_before"]
                    == statements["unchanged_poll_statements_after"])
        return 0 if constant and not figures.errors else 1
    finally:
        if process is not None:
            stop_server(process)
        drop_database(admin, name)


if __name__ == "__main__":
    sys.exit(main())

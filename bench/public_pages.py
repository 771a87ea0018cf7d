"""Public page benchmark: server time and SQL statements per request, at 30 and 3,000 people.

    .venv/bin/python bench/public_pages.py                  # SQLite, 30 and 3,000 people
    .venv/bin/python bench/public_pages.py --postgres       # a temporary PostgreSQL database
    .venv/bin/python bench/public_pages.py --sizes 30 --runs 10

For each size it builds its own database (a SQLite file in a temporary directory, or with
--postgres a temporary PostgreSQL database, created and dropped as bench/registration_rush.py
does), migrates it, loads the demo (app.demo.load_demo) and adds, in the demo's series:

- an upcoming edition with that many people: 80 % confirmed seats (every 20th of them still
  pending), 20 % on the waiting list, five in six with ranked topics, one breakout group per
  20 people (at least 3), every confirmed seat holder assigned (a few pinned), the groups
  published, agenda and speakers;
- an edition held three days ago with that many people (80 % checked in, a third of those
  agreeing to be named), groups with assignments and a published report (sections for the
  speakers and six groups, three learnings, one photo).

Then it requests each public page through Flask's test client (server time: routing,
queries, templates, PDF rendering; no network), `--warmup` times unmeasured and then `--runs`
times (PDFs `--pdf-runs`; each page stops early after --max-seconds, at least 3 runs), and
counts the SQL statements of every request with a `before_cursor_execute` listener. The
facilitator pages of the day (check-in list, breakout board) are requested signed in as
staff. A page whose statement count differs between the sizes is reported as growing.
The last line is one JSON object.
"""
import argparse
import io
import json
import math
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import sqlalchemy as sa  # noqa: E402
from PIL import Image  # noqa: E402

UPCOMING, HELD = "bench-upcoming", "bench-held"
STAFF = ("team@example.org", "werkstatt-team-demo")  # app.demo.DEMO_ACCOUNTS
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
TOPICS = ["Proaktive Leistungen", "Beratung vor Ort", "Einfache Sprache", "Daten teilen",
          "Vertrauen", "Digitale Zugänge", "Mehrsprachigkeit", "Fachkräfte", "Ehrenamt",
          "Kommunen"]
TEXT = ("Die Gruppe sprach darüber, welche Daten Familien im Alltag wirklich helfen, wo sie "
        "heute schon liegen und warum sie so selten dort ankommen, wo sie gebraucht werden. ")

# (label, path, kind): kind "public" is requested anonymously, "staff" signed in; PDFs get
# fewer runs.
PAGES = [
    ("home", "/", "public"),
    ("event page", f"/events/{UPCOMING}", "public"),
    ("registration form", f"/events/{UPCOMING}/register", "public"),
    ("edition .ics", f"/events/{UPCOMING}/event.ics", "public"),
    ("calendar .ics", "/events.ics", "public"),
    ("agenda PDF", f"/events/{UPCOMING}/agenda.pdf", "pdf"),
    ("report page", f"/events/{HELD}/report", "public"),
    ("Atom feed", "/feed.atom", "public"),
    ("API events", "/api/v1/events", "public"),
    ("API event", f"/api/v1/events/{UPCOMING}", "public"),
    ("API reports", "/api/v1/reports", "public"),
    ("check-in (staff)", f"/manage/events/{UPCOMING}/checkin", "staff"),
    ("breakout board (staff)", f"/manage/events/{UPCOMING}/breakouts", "staff"),
]


# --- data ------------------------------------------------------------------------------------

def _photo() -> bytes:
    image = Image.effect_noise((800, 500), 50).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def _agenda(speakers):
    from app.domain.agenda import ItemKind
    from app.models import AgendaItem
    return [
        AgendaItem(position=0, kind=ItemKind.WELCOME, duration_minutes=10, title="Begrüßung"),
        AgendaItem(position=1, kind=ItemKind.INPUT, duration_minutes=20, title="Erster Impuls",
                   speakers=[speakers[0]], description="Kurzer Vortrag mit Fragen."),
        AgendaItem(position=2, kind=ItemKind.INPUT, duration_minutes=20, title="Zweiter Impuls",
                   speakers=[speakers[1]], description="Kurzer Vortrag mit Fragen."),
        AgendaItem(position=3, kind=ItemKind.BREAKOUT, duration_minutes=30,
                   title="Arbeitsphase in gemischten Gruppen", description=TEXT),
        AgendaItem(position=4, kind=ItemKind.WRAPUP, duration_minutes=10, title="Ausblick"),
    ]


def build(db, people: int) -> dict:
    """The demo plus an upcoming and a held edition with `people` registrations each."""
    from app.demo import load_demo
    from app.models import (AllocationRun, Assignment, AssignmentSource, BreakoutGroup,
                            ConsentPurpose, ConsentRecord, Event, EventFormat, EventStatus,
                            Learning, Participant, Place, Preference, Registration,
                            RegistrationStatus, Report, ReportPhoto, ReportSection, Role,
                            Sector, Series, Speaker, User, utcnow)
    from app.registration.services import text_version
    from app.reports.photos import process_photo

    load_demo()
    now = utcnow().replace(microsecond=0)
    series = db.session.scalar(sa.select(Series).where(Series.slug == "innovationswerkstatt"))
    facilitator = db.session.scalar(sa.select(User).where(User.role == Role.FACILITATOR))
    sectors = [s for s in Sector if s != Sector.UNDISCLOSED]
    persons = [Participant(email=f"bench{i}@example.org", name=f"Person {i:05d}",
                           sector=sectors[i % len(sectors)],
                           organisation=f"Organisation {i % max(3, people // 4)}")
               for i in range(people)]
    db.session.add_all(persons)
    privacy_version = text_version(ConsentPurpose.PRIVACY_NOTICE)
    named_version = text_version(ConsentPurpose.NAMED_IN_REPORT)
    n_groups = max(3, people // 20)
    seats = round(people * 0.8)

    def edition(number, slug, starts, capacity):
        event = Event(series=series, number=number, slug=slug, status=EventStatus.PUBLISHED,
                      title=f"Benchmark-Ausgabe mit {people} Personen",
                      guiding_question="Wie finden Familien leichter die Leistungen, die ihnen "
                                       "zustehen?", teaser=TEXT, description=TEXT * 3,
                      starts_at=starts, ends_at=starts + timedelta(minutes=90),
                      format=EventFormat.ONLINE, capacity=capacity,
                      online_url="https://konferenz.example.org/bench",
                      published_at=now - timedelta(days=40))
        event.speakers = [Speaker(position=0, name="Kim Beispiel", organisation="Stadt",
                                  role="Impuls"),
                          Speaker(position=1, name="Ole Vorlage", organisation="Institut",
                                  role="Impuls")]
        event.agenda_items = _agenda(event.speakers)
        event.facilitators = [facilitator]
        groups = [BreakoutGroup(event=event, position=g, title=f"Leitfrage {g + 1}?",
                                topic=TOPICS[g % min(len(TOPICS), n_groups)],
                                facilitator=facilitator, min_size=3,
                                max_size=math.ceil(people / n_groups) + 3,
                                room=f"Breakout-Raum {g + 1}") for g in range(n_groups)]
        db.session.add_all([event, *groups])
        return event, groups

    # The upcoming edition: seats (some still pending), a waiting list, rankings, a published
    # allocation.
    starts = now + timedelta(weeks=10)
    upcoming, up_groups = edition(90, UPCOMING, starts, seats)
    topics = sorted({g.topic for g in up_groups}, key=TOPICS.index)
    db.session.flush()
    run = AllocationRun(event_id=upcoming.id, created_by=facilitator,
                        settings={"mix_weight": 1.0},
                        status="optimal", method="direct", people=seats, objective=0.0,
                        bound=0.0, gap=0.0, figures={})
    db.session.add(run)
    registrations = []
    for i, person in enumerate(persons):
        seat = i < seats
        pending = seat and i % 20 == 19
        registration = Registration(
            event=upcoming, participant=person, place=Place.SEAT if seat else Place.WAITLIST,
            status=RegistrationStatus.PENDING if pending else RegistrationStatus.CONFIRMED,
            token_hash=f"u{i:063d}", nonce=f"u{i}", sector=person.sector,
            created_at=now - timedelta(days=20, minutes=-i),
            confirmed_at=None if pending else now - timedelta(days=20, minutes=-i - 9),
            hold_expires_at=now + timedelta(hours=12) if pending else None,
            waitlisted_at=None if seat else now - timedelta(days=20, minutes=-i))
        registrations.append(registration)
        db.session.add(ConsentRecord(participant=person, registration=registration,
                                     purpose=ConsentPurpose.PRIVACY_NOTICE,
                                     text_version=privacy_version, given_at=now,
                                     confirmed_at=None if pending else now))
        if i % 6 != 5:
            order = topics[i % len(topics):] + topics[:i % len(topics)]
            for rank, topic in enumerate(order[:3], start=1):
                db.session.add(Preference(registration=registration, topic=topic, rank=rank))
    db.session.add_all(registrations)
    assigned = [r for r in registrations
                if r.place == Place.SEAT and r.status == RegistrationStatus.CONFIRMED]
    for k, registration in enumerate(assigned):
        db.session.add(Assignment(registration=registration, group=up_groups[k % n_groups],
                                  pinned=k % 50 == 0, source=AssignmentSource.ALLOCATOR,
                                  run_id=None, reason_de="Erste Wahl", reason_en="First choice",
                                  notified_group_id=None))
    upcoming.breakouts_published_at = now - timedelta(days=1)

    # The held edition: attendance, named people, groups, a published report.
    started = now - timedelta(days=3)
    held, held_groups = edition(89, HELD, started, people)
    for i, person in enumerate(persons):
        came = i < seats
        registration = Registration(
            event=held, participant=person, place=Place.SEAT,
            status=RegistrationStatus.CONFIRMED, token_hash=f"h{i:063d}", nonce=f"h{i}",
            sector=person.sector, created_at=started - timedelta(days=20),
            confirmed_at=started - timedelta(days=20),
            checked_in_at=started + timedelta(minutes=i % 15) if came else None)
        db.session.add(registration)
        if came:
            db.session.add(Assignment(registration=registration,
                                      group=held_groups[i % n_groups],
                                      source=AssignmentSource.ALLOCATOR))
            if i % 3 == 0:
                db.session.add(ConsentRecord(participant=person, registration=registration,
                                             purpose=ConsentPurpose.NAMED_IN_REPORT,
                                             text_version=named_version, given_at=started,
                                             confirmed_at=started))
    held.breakouts_published_at = started - timedelta(days=1)
    report = Report(event=held, introduction=TEXT * 2, closing="Danke an alle.",
                    published_at=now - timedelta(days=1),
                    first_published_at=now - timedelta(days=1))
    for speaker in held.speakers:
        report.sections.append(ReportSection(speaker=speaker, body=TEXT))
    for group in held_groups[:6]:
        report.sections.append(ReportSection(breakout_group=group, body=TEXT + "\n\n- eins\n"))
    for n in range(3):
        report.learnings.append(Learning(position=n, title=f"Learning {n + 1}", body=TEXT))
    photo = process_photo(_photo())
    report.photos.append(ReportPhoto(position=0, data=photo.data, mime_type=photo.mime_type,
                                     width=photo.width, height=photo.height,
                                     sha256=photo.sha256, alt="Foto", credit="Foto: Bench"))
    db.session.add(report)
    db.session.commit()
    counts = {"registrations": db.session.scalar(sa.select(sa.func.count(Registration.id))),
              "groups": n_groups, "seats": seats, "waiting": people - seats,
              "assigned": len(assigned)}
    db.session.remove()
    return counts


# --- measuring -------------------------------------------------------------------------------

def nearest_rank(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, min(len(ordered), math.ceil(p / 100 * len(ordered)))) - 1]


def measure(client, path: str, runs: int, warmup: int, max_seconds: float,
            statements: list) -> dict:
    for _ in range(warmup):
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
    times, counts = [], []
    began = time.perf_counter()
    for n in range(runs):
        if n >= 3 and time.perf_counter() - began > max_seconds:
            break
        statements.clear()
        started = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - started)
        counts.append(len(statements))
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
    return {"runs": len(times), "median_ms": round(statistics.median(times) * 1000, 1),
            "p95_ms": round(nearest_rank(times, 95) * 1000, 1),
            "queries": max(counts), "queries_min": min(counts),
            "bytes": len(response.data)}


def sign_in(client) -> None:
    token = CSRF_RE.search(client.get("/manage/login").get_data(as_text=True)).group(1)
    answer = client.post("/manage/login", data={"email": STAFF[0], "password": STAFF[1],
                                                 "csrf_token": token})
    if answer.status_code not in (302, 303):
        raise RuntimeError(f"sign-in answered {answer.status_code}")


def run_size(people: int, url: str, args) -> tuple[dict, dict, float]:
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from config import TestConfig

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    began = time.perf_counter()
    with app.app_context():
        upgrade()
        counts = build(db, people)
        engine = db.engine
    build_s = time.perf_counter() - began
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    anonymous, staff = app.test_client(), app.test_client()
    sign_in(staff)
    results = {}
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for label, path, kind in PAGES:
            client = staff if kind == "staff" else anonymous
            runs = args.pdf_runs if kind == "pdf" else args.runs
            results[label] = {"path": path, **measure(client, path, runs, args.warmup,
                                                      args.max_seconds, statements)}
            r = results[label]
            varies = "" if r["queries"] == r["queries_min"] else f" (min {r['queries_min']})"
            print(f"  {people:>5} people  {label:<24} median {r['median_ms']:>7.1f} ms  "
                  f"p95 {r['p95_ms']:>7.1f} ms  {r['queries']:>3} statements{varies}"
                  f"  ({r['runs']} runs)", flush=True)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return results, counts, build_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="30,3000",
                        help="people per edition, comma-separated (default 30,3000)")
    parser.add_argument("--runs", type=int, default=20, help="measured requests per page")
    parser.add_argument("--pdf-runs", type=int, default=5, help="measured requests per PDF")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured requests first")
    parser.add_argument("--max-seconds", type=float, default=8.0,
                        help="stop measuring a page after this long (at least 3 runs)")
    parser.add_argument("--postgres", action="store_true",
                        help="a temporary PostgreSQL database per size (TEST_DATABASE_URL, "
                             "as bench/registration_rush.py) instead of SQLite")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if not all(1 <= s <= 20_000 for s in sizes) or args.runs < 1 or args.pdf_runs < 1:
        parser.error("sizes 1..20000, runs ≥ 1")

    by_size, counts, build = {}, {}, {}
    load_before = os.getloadavg()[0]  # the machine is shared: say how busy it was
    tmp = Path(tempfile.mkdtemp(prefix="werkstatt-bench-"))
    try:
        for people in sizes:
            if args.postgres:
                from bench.registration_rush import create_database, drop_database
                admin, name, url = create_database()
            else:
                url = f"sqlite:///{tmp / f'pages-{people}.db'}"
            try:
                by_size[people], counts[people], build[people] = run_size(people, url, args)
            finally:
                if args.postgres:
                    drop_database(admin, name)
            print(f"  {people} people: {counts[people]} (built in {build[people]:.1f} s)",
                  flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    database = "postgresql" if args.postgres else "sqlite"
    load = [round(load_before, 1), round(os.getloadavg()[0], 1)]
    head = "".join(f" | {s:>5} people: median / p95 ms  SQL     KiB" for s in sizes)
    print(f"\n{database}: server time through Flask's test client and SQL statements per request "
          f"({os.cpu_count()} cores, 1-minute load average {load[0]} before, {load[1]} after)")
    print(f"{'page':<24}{head}")
    growing = []
    for label, _path, _kind in PAGES:
        cells = "".join(
            f" | {by_size[s][label]['median_ms']:>18.1f} / {by_size[s][label]['p95_ms']:>7.1f}"
            f"  {by_size[s][label]['queries']:>3} {by_size[s][label]['bytes'] / 1024:>7.0f}"
            for s in sizes)
        queries = {by_size[s][label]["queries"] for s in sizes}
        flag = ""
        if len(queries) > 1:
            growing.append(label)
            flag = "  <- statements GROW with people"
        print(f"{label:<24}{cells}{flag}")
    print("statements do not grow with the number of people on any page" if not growing else
          f"statements grow with the number of people on: {', '.join(growing)}")
    print(json.dumps({
        "benchmark": "public_pages", "database": database, "sizes": sizes,
        "runs": args.runs, "pdf_runs": args.pdf_runs, "warmup": args.warmup,
        "cores": os.cpu_count(), "load_average": load,
        "growing": growing, "data": {str(s): counts[s] for s in sizes},
        "build_s": {str(s): round(build[s], 1) for s in sizes},
        "pages": {label: {"path": path, **{str(s): {k: v for k, v in by_size[s][label].items()
                                                    if k != "path"} for s in sizes}}
                  for label, path, _kind in PAGES},
    }, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

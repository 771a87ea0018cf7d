"""The three shapes of a newsletter rush (issue 18), each against its bare reference, in one run.

    .venv/bin/python bench/rush_shapes.py                 # 8 s per phase, 20 clients
    .venv/bin/python bench/rush_shapes.py --seconds 5     # shorter
    CACHE_REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/rush_shapes.py   # Redis

Creates a temporary PostgreSQL database as bench/registration_rush.py does (dropped at the
end), three editions with `--seats` seats each, and runs `gunicorn bench.wsgi_bench:app`:

1. **event page** (2 workers): `--clients` clients GET `/events/<slug>` as fast as answers
   come (no cookie, as from a newsletter's link), against the reference's event page
   (`/bench/reference/event/<id>`: one count(*)).
2. **completed registrations** (2 workers): each person a new session, GET the form, POST it
   (303), against the reference's GET (a short string) + POST (lock, count, insert, 303).
3. **registration POSTs** (4 workers): the forms are fetched before the clock starts (each
   with its own session and CSRF token); then only the POSTs are timed, against the
   reference's POST.

Every worker is warmed up through both paths before a clock starts. Each phase runs
`--seconds` (or until its prepared forms run out). Prints per phase the
answers per second, p50/p95/p99, errors, and the share of the reference; seats taken must
equal the seats of each edition (exit status 1 otherwise or on any error). Rate limits are off
as in registration_rush.py (one loopback address sends everything); the public page cache is
on as configured (a second; per worker, or Redis with CACHE_REDIS_URL): the event page, the
form page and what a POST reads of its edition come from it. The last line is one JSON object. Client, server and database share the machine, so absolute figures depend on it
and on what else runs; the shares are what counts.
"""
import argparse
import json
import os
import queue
import shutil
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.registration_rush import (CSRF_RE, NONCE_RE, REFERENCE_DDL,  # noqa: E402
                                     create_database, drop_database, percentile, results,
                                     start_server, stop_server)


def prepare(url: str, seats: int) -> list[tuple[int, str]]:
    """Migrate, create the reference table and three published editions open for registration."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import Event, EventFormat, EventStatus, Series, utcnow
    from config import Config

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="bench")
    with app.app_context():
        upgrade()
        with db.engine.begin() as conn:
            conn.execute(sa.text(REFERENCE_DDL))
        starts = utcnow().replace(microsecond=0) + timedelta(days=30)
        series = Series(slug="bench", name="Benchmark")
        events = [Event(series=series, number=n, slug=f"bench-{n}", title=f"Benchmark {n}",
                        guiding_question="Wie sieht ein Ansturm aus?",
                        teaser="Eine Ausgabe für den Lasttest.",
                        description="Mit *Markdown*, wie eine echte Ausgabe.",
                        starts_at=starts, ends_at=starts + timedelta(minutes=90),
                        format=EventFormat.ONLINE, capacity=seats,
                        status=EventStatus.PUBLISHED) for n in (1, 2, 3)]
        db.session.add_all(events)
        db.session.commit()
        ids = [(e.id, e.slug) for e in events]
        db.session.remove()
        db.engine.dispose()
    return ids


def form_data(page: httpx.Response, n: int) -> dict:
    return {"csrf_token": CSRF_RE.search(page.text).group(1),
            "nonce": NONCE_RE.search(page.text).group(1),
            "name": f"Person {n}", "email": f"person{n}@example.org",
            "organisation": "Bench e. V.", "sector": "civil_society",
            "privacy_acknowledged": "y"}


def warm_up(base: str, slug: str, event_id: int, workers: int) -> None:
    """Every worker through both paths before a clock starts, as a server that has been up
    for a while is: SQLAlchemy compiles each statement and psycopg prepares it on first use in
    each process, which would otherwise land in the first seconds' latencies. Registrations
    go to the event-page edition (`slug`), whose seats the run does not check."""
    counter = iter(range(10**6))
    lock = threading.Lock()

    def person():
        client = httpx.Client(base_url=base, timeout=30)
        for _ in range(6):
            with lock:
                n = next(counter)
            client.cookies.clear()
            page = client.get(f"/events/{slug}/register")
            client.post(f"/events/{slug}/register", data=form_data(page, 900_000 + n))
            client.get(f"/events/{slug}")
            client.get("/bench/reference")
            client.get(f"/bench/reference/event/{event_id}")
            client.post(f"/bench/reference/{event_id}", data={"n": str(n)})
        client.close()

    threads = [threading.Thread(target=person) for _ in range(2 * workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def timed(name: str, base: str, clients: int, seconds: float, once,
          work: queue.Queue | None = None, expect: int = 200) -> dict:
    """`clients` threads call once(client, item) until the time is up (or `work` runs out).

    Each thread keeps one HTTP client (creating one per request costs the load generator more
    than the reference costs the server); `once` clears its cookies for a new session."""
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    counter = iter(range(10**9))
    barrier = threading.Barrier(clients + 1)

    def worker():
        client = httpx.Client(base_url=base, timeout=30)
        barrier.wait(timeout=60)
        while time.perf_counter() < deadline:
            if work is not None:
                try:
                    item = work.get_nowait()
                except queue.Empty:
                    return
            else:
                with lock:
                    item = next(counter)
            started = time.perf_counter()
            try:
                status = once(client, item)
            except Exception as exc:  # noqa: BLE001 - every failure is a counted error
                status = f"{exc.__class__.__name__}: {exc}"
            took = time.perf_counter() - started
            with lock:
                if status == expect:
                    latencies.append(took)
                else:
                    errors.append(str(status))
        client.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    deadline = time.perf_counter() + seconds
    barrier.wait(timeout=60)
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    figures = {"done": len(latencies), "errors": len(errors), "seconds": round(elapsed, 2),
               "per_second": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
               "p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95),
               "p99_ms": percentile(latencies, 99)}
    print(f"  {name:<34} {figures['per_second']:>7.1f}/s  {figures['done']:>5} done  "
          f"errors {figures['errors']}  p50/p95/p99 {figures['p50_ms']}/{figures['p95_ms']}/"
          f"{figures['p99_ms']} ms", flush=True)
    for error in sorted(set(errors))[:3]:
        print(f"{'':>6}error: {error}")
    return figures


def bare_phases(url: str, workdir: Path, workers: int, clients: int, seconds: float,
                phases: list[tuple[str, str, object, int]], event_id: int) -> dict[str, dict]:
    """The reference's phases once more against the bare app (bench/wsgi_bare.py), started
    with the same number of workers and warmed up like the real one."""
    print(f"bare reference app, {workers} workers:", flush=True)
    workdir = workdir / f"bare{workers}"
    workdir.mkdir()
    process, base = start_server(url, workdir, workers, app="bench.wsgi_bare:app")
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            for n in range(20 * workers):
                client.get("/bench/reference")
                client.get(f"/bench/reference/event/{event_id}")
                client.post(f"/bench/reference/{event_id}", data={"n": str(n)})
        return {key: timed(name, base, clients, seconds, once, expect=expect)
                for key, name, once, expect in phases}
    finally:
        stop_server(process)


def share(ours: dict, reference: dict) -> float | None:
    return round(ours["per_second"] / reference["per_second"], 3) \
        if reference["per_second"] else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=8.0, help="per phase (default 8)")
    parser.add_argument("--seats", type=int, default=30)
    parser.add_argument("--prepared", type=int, default=1500,
                        help="forms fetched before shape 3's clock starts (default 1500)")
    parser.add_argument("--bare", action="store_true",
                        help="also measure each reference on a bare Flask app (bench/wsgi_bare.py"
                             ": no ORM, templates, CSRF, session or other extensions)")
    args = parser.parse_args()
    if not (1 <= args.clients <= 200 and 1 <= args.seconds <= 120):
        parser.error("clients 1..200, seconds 1..120")

    admin, name, url = create_database()
    workdir = Path(tempfile.mkdtemp(prefix="werkstatt-bench-"))
    process = None
    load_before = os.getloadavg()[0]
    figures: dict[str, dict] = {}
    try:
        (page_id, page_slug), (rush_id, rush_slug), (post_id, post_slug) = \
            prepare(url, args.seats)
        cache = "Redis" if os.environ.get("CACHE_REDIS_URL") else "per worker"
        print(f"database {name}; {args.clients} clients, {args.seconds:g} s per phase, "
              f"{args.seats} seats per edition, public page cache {cache}", flush=True)

        # --- shapes 1 and 2: 2 workers ---
        (workdir / "w2").mkdir()
        process, base = start_server(url, workdir / "w2", 2)
        print("2 workers:", flush=True)
        warm_up(base, page_slug, page_id, 2)

        def get(path):
            def once(client, _n):
                client.cookies.clear()  # a newsletter's reader: no cookie
                return client.get(path).status_code
            return once

        figures["event_page"] = timed("event page GET", base, args.clients, args.seconds,
                                      get(f"/events/{page_slug}"))
        figures["event_page_reference"] = timed("reference event page GET", base, args.clients,
                                                args.seconds,
                                                get(f"/bench/reference/event/{page_id}"))

        def register(client, n):
            client.cookies.clear()  # a new session for each person
            page = client.get(f"/events/{rush_slug}/register")
            if page.status_code != 200:
                return f"form {page.status_code}"
            return client.post(f"/events/{rush_slug}/register",
                               data=form_data(page, n)).status_code

        def reference_pair(client, n):
            client.cookies.clear()
            if client.get("/bench/reference").status_code != 200:
                return "reference GET failed"
            return client.post(f"/bench/reference/{rush_id}", data={"n": str(n)}).status_code

        figures["registration"] = timed("registration GET form + POST", base, args.clients,
                                        args.seconds, register, expect=303)
        figures["registration_reference"] = timed("reference GET + POST", base, args.clients,
                                                  args.seconds, reference_pair, expect=303)
        stop_server(process)
        process = None
        if args.bare:
            figures.update(bare_phases(url, workdir, 2, args.clients, args.seconds, [
                ("event_page_bare", "bare event page GET",
                 get(f"/bench/reference/event/{page_id}"), 200),
                ("registration_bare", "bare GET + POST", reference_pair, 303)], page_id))

        # --- shape 3: 4 workers, forms fetched before the clock ---
        (workdir / "w4").mkdir()
        process, base = start_server(url, workdir / "w4", 4)
        print(f"4 workers (fetching {args.prepared} forms first):", flush=True)
        warm_up(base, page_slug, page_id, 4)
        prepared: queue.Queue = queue.Queue()
        with httpx.Client(base_url=base, timeout=30) as client:
            for n in range(args.prepared):
                client.cookies.clear()
                page = client.get(f"/events/{post_slug}/register")
                prepared.put((dict(client.cookies), form_data(page, 100_000 + n)))

        def post_prepared(client, item):
            cookies, data = item
            client.cookies.clear()
            client.cookies.update(cookies)  # the session the form was fetched in
            return client.post(f"/events/{post_slug}/register", data=data).status_code

        figures["registration_post"] = timed("registration POST", base, args.clients,
                                             args.seconds, post_prepared, work=prepared,
                                             expect=303)
        reference_post = (lambda client, n: client.post(f"/bench/reference/{post_id}",
                                                         data={"n": str(n)}).status_code)
        figures["registration_post_reference"] = timed(
            "reference POST", base, args.clients, args.seconds, reference_post, expect=303)
        stop_server(process)
        process = None
        if args.bare:
            figures.update(bare_phases(url, workdir, 4, args.clients, args.seconds, [
                ("registration_post_bare", "bare POST", reference_post, 303)], post_id))
        seats = {slug: results(url, event_id)["seats"]
                 for event_id, slug in ((rush_id, rush_slug), (post_id, post_slug))}
    finally:
        if process is not None:
            stop_server(process)
        drop_database(admin, name)
        shutil.rmtree(workdir, ignore_errors=True)

    shares = {
        "event_page": share(figures["event_page"], figures["event_page_reference"]),
        "registration": share(figures["registration"], figures["registration_reference"]),
        "registration_post": share(figures["registration_post"],
                                   figures["registration_post_reference"]),
    }
    shares_bare = {key: share(figures[key], figures[f"{key}_bare"])
                   for key in shares if f"{key}_bare" in figures}
    load = [round(load_before, 1), round(os.getloadavg()[0], 1)]
    seats_ok = all(n == args.seats for n in seats.values())
    errors = sum(f["errors"] for f in figures.values())
    print(f"shares of the reference: event page {shares['event_page']}, completed "
          f"registrations {shares['registration']}, registration POSTs "
          f"{shares['registration_post']}")
    if shares_bare:
        print(f"shares of the bare app: event page {shares_bare['event_page']}, completed "
              f"registrations {shares_bare['registration']}, registration POSTs "
              f"{shares_bare['registration_post']}")
    print(f"registration POST p99 {figures['registration_post']['p99_ms']} ms; seats taken "
          f"{seats} of {args.seats} each ({'exact' if seats_ok else 'WRONG'}); errors {errors}; "
          f"load average {load[0]} before, {load[1]} after ({os.cpu_count()} cores)")
    print(json.dumps({"benchmark": "rush_shapes", "clients": args.clients,
                      "seconds": args.seconds, "seats": args.seats, "cores": os.cpu_count(),
                      "load_average": load, "shares": shares, "shares_bare": shares_bare,
                      "seats_taken": seats,
                      "errors": errors, "phases": figures}))
    return 0 if seats_ok and not errors else 1


if __name__ == "__main__":
    sys.exit(main())

"""Registration rush benchmark: gunicorn (4 workers) on PostgreSQL, against a bare reference.

    .venv/bin/python bench/registration_rush.py [--registrations 1000] [--clients 50]

Creates a temporary PostgreSQL database (dropped at the end), migrates it,
creates an edition with 30 seats and starts `gunicorn bench.wsgi_bench:app`
(4 sync workers) on a free loopback port. Then, in the same run:

1. registration: each of N people (new cookie session each) GETs the form and
   POSTs it, 50 at a time; a registration counts when the POST answers 303.
2. reference: the same N GET + POST pairs against the bare endpoint of
   bench/wsgi_bench.py (one transaction: SELECT … FOR UPDATE on the edition's
   row and one INSERT).

Prints registrations/s, p50/p95/p99 latency of the POST (and of GET + POST),
errors and seats taken (must equal the capacity) for both, and their ratio.
The last line is one JSON object with every figure. Loopback only; bounded by
the counts given and by --max-seconds per phase.
"""
import argparse
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (ACTIVE_STATUSES, Event, EventFormat, EventStatus, Place,  # noqa: E402
                        Registration, Series, utcnow)
from config import Config  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_ADMIN_DATABASE_URL",
                           os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg:///postgres"))
REFERENCE_DDL = """CREATE TABLE bench_reference (
    id serial PRIMARY KEY, event_id integer NOT NULL, nonce varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now())"""
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
NONCE_RE = re.compile(r'name="nonce"[^>]*value="([^"]+)"')


# --- database --------------------------------------------------------------------------------

def create_database() -> tuple[sa.Engine, str, str]:
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"werkstatt_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return admin, name, sa.make_url(ADMIN_URL).set(database=name).render_as_string(
        hide_password=False)


def drop_database(admin: sa.Engine, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def prepare(url: str, seats: int) -> tuple[int, str]:
    """Migrate, create the reference table and a published edition open for registration."""
    from flask_migrate import upgrade

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="bench")
    with app.app_context():
        upgrade()
        with db.engine.begin() as conn:
            conn.execute(sa.text(REFERENCE_DDL))
        starts = utcnow().replace(microsecond=0) + timedelta(days=30)
        series = Series(slug="bench", name="Benchmark")
        event = Event(series=series, number=1, slug="bench-1", title="Benchmark-Ausgabe",
                      starts_at=starts, ends_at=starts + timedelta(minutes=90),
                      format=EventFormat.ONLINE, capacity=seats, status=EventStatus.PUBLISHED)
        db.session.add(event)
        db.session.commit()
        ids = event.id, event.slug
        db.session.remove()
        db.engine.dispose()
    return ids


def results(url: str, event_id: int) -> dict:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(Registration.place, sa.func.count())
            .where(Registration.event_id == event_id, Registration.status.in_(ACTIVE_STATUSES))
            .group_by(Registration.place)).all()
        reference_rows = conn.execute(sa.text("SELECT count(*) FROM bench_reference")).scalar()
    engine.dispose()
    counts = {place: n for place, n in rows}
    return {"seats": counts.get(Place.SEAT, 0), "waitlist": counts.get(Place.WAITLIST, 0),
            "reference_rows": reference_rows}


# --- server ----------------------------------------------------------------------------------

def start_server(url: str, workdir: Path, workers: int,
                 app: str = "bench.wsgi_bench:app") -> tuple[subprocess.Popen, str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    sock.set_inheritable(True)
    port = sock.getsockname()[1]
    ready = workdir / "ready"
    ready.mkdir()
    log = open(workdir / "gunicorn.log", "wb")
    env = {**os.environ, "BENCH_DATABASE_URL": url, "BENCH_READY_DIR": str(ready),
           "BENCH_MAIL_DIR": str(workdir)}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", app, "--bind",
         f"fd://{sock.fileno()}", "--workers", str(workers), "--worker-class", "sync",
         "--backlog", "2048", "--timeout", "120", "--log-level", "warning"],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        pass_fds=(sock.fileno(),))
    sock.close()
    log.close()
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if len(list(ready.iterdir())) >= workers:
            try:
                if httpx.get(f"{base_url}/bench/reference", timeout=5).status_code == 200:
                    return process, base_url
            except httpx.TransportError:
                pass
        time.sleep(0.1)
    stop_server(process)
    raise RuntimeError("gunicorn did not start:\n" + (workdir / "gunicorn.log").read_text())


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- load ------------------------------------------------------------------------------------

def register_once(base_url: str, slug: str, n: int) -> tuple[float, float]:
    """One person: new session, GET the form, POST it. Returns (POST seconds, total seconds)."""
    with httpx.Client(base_url=base_url, verify=False, timeout=30) as client:
        started = time.perf_counter()
        page = client.get(f"/events/{slug}/register")
        if page.status_code != 200:
            raise RuntimeError(f"form answered {page.status_code}")
        data = {"csrf_token": CSRF_RE.search(page.text).group(1),
                "nonce": NONCE_RE.search(page.text).group(1),
                "name": f"Person {n}", "email": f"person{n}@example.org",
                "organisation": "Bench e. V.", "sector": "civil_society",
                "privacy_acknowledged": "y"}
        posted = time.perf_counter()
        answer = client.post(f"/events/{slug}/register", data=data)
        done = time.perf_counter()
        if answer.status_code != 303:
            raise RuntimeError(f"registration answered {answer.status_code}")
    return done - posted, done - started


def reference_once(base_url: str, event_id: int, n: int) -> tuple[float, float]:
    """The same shape against the bare endpoint: GET, then the locked INSERT."""
    with httpx.Client(base_url=base_url, verify=False, timeout=30) as client:
        started = time.perf_counter()
        page = client.get("/bench/reference")
        if page.status_code != 200:
            raise RuntimeError(f"reference GET answered {page.status_code}")
        posted = time.perf_counter()
        answer = client.post(f"/bench/reference/{event_id}", data={"n": str(n)})
        done = time.perf_counter()
        if answer.status_code != 303:
            raise RuntimeError(f"reference POST answered {answer.status_code}")
    return done - posted, done - started


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(p / 100 * len(ordered))))
    return round(ordered[rank - 1] * 1000, 1)


def run_phase(name: str, once, total: int, clients: int, max_seconds: float) -> dict:
    """`clients` threads do `total` GET+POST pairs between them, as fast as answers come."""
    counter = iter(range(total))
    lock = threading.Lock()
    post_s: list[float] = []
    pair_s: list[float] = []
    errors: list[str] = []
    barrier = threading.Barrier(clients)
    deadline = time.perf_counter() + max_seconds

    def worker():
        barrier.wait(timeout=60)
        while time.perf_counter() < deadline:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            try:
                post_seconds, pair_seconds = once(n)
            except Exception as exc:  # noqa: BLE001 - every failure is a counted error
                with lock:
                    errors.append(f"{exc.__class__.__name__}: {exc}")
            else:
                with lock:
                    post_s.append(post_seconds)
                    pair_s.append(pair_seconds)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    figures = {
        "done": len(post_s), "errors": len(errors), "seconds": round(elapsed, 2),
        "per_second": round(len(post_s) / elapsed, 1),
        "post_p50_ms": percentile(post_s, 50), "post_p95_ms": percentile(post_s, 95),
        "post_p99_ms": percentile(post_s, 99),
        "pair_p50_ms": percentile(pair_s, 50), "pair_p95_ms": percentile(pair_s, 95),
        "pair_p99_ms": percentile(pair_s, 99),
    }
    print(f"{name:>12}: {figures['done']} done in {figures['seconds']} s = "
          f"{figures['per_second']}/s, errors {figures['errors']}; POST p50/p95/p99 "
          f"{figures['post_p50_ms']}/{figures['post_p95_ms']}/{figures['post_p99_ms']} ms; "
          f"GET+POST p50/p95/p99 {figures['pair_p50_ms']}/{figures['pair_p95_ms']}/"
          f"{figures['pair_p99_ms']} ms", flush=True)
    for error in sorted(set(errors))[:5]:
        print(f"{'':>14}error: {error}")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--registrations", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seats", type=int, default=30)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--max-seconds", type=float, default=300,
                        help="stop a phase after this long (default 300)")
    args = parser.parse_args()
    if not (1 <= args.registrations <= 100_000 and 1 <= args.clients <= 500):
        parser.error("registrations 1..100000, clients 1..500")

    admin, name, url = create_database()
    workdir = Path(tempfile.mkdtemp(prefix="werkstatt-bench-"))
    process = None
    try:
        event_id, slug = prepare(url, args.seats)
        process, base_url = start_server(url, workdir, args.workers)
        print(f"gunicorn {base_url}, {args.workers} workers, database {name}; "
              f"{args.registrations} registrations from {args.clients} clients, "
              f"{args.seats} seats", flush=True)
        for n in range(args.clients):  # warm every worker up (GETs only: no seat taken)
            httpx.get(f"{base_url}/events/{slug}/register", timeout=30)
            httpx.get(f"{base_url}/bench/reference", timeout=30)

        registration = run_phase("registration", lambda n: register_once(base_url, slug, n),
                                 args.registrations, args.clients, args.max_seconds)
        reference = run_phase("reference", lambda n: reference_once(base_url, event_id, n),
                              args.registrations, args.clients, args.max_seconds)
        counts = results(url, event_id)
    finally:
        if process is not None:
            stop_server(process)
        drop_database(admin, name)
        shutil.rmtree(workdir, ignore_errors=True)

    ratio = round(registration["per_second"] / reference["per_second"], 3) \
        if reference["per_second"] else None
    seats_ok = counts["seats"] == args.seats
    print(f"seats taken {counts['seats']} of {args.seats} "
          f"({'exact' if seats_ok else 'WRONG'}), waiting list {counts['waitlist']}, "
          f"reference rows {counts['reference_rows']}")
    print(f"throughput ratio registration/reference: {ratio}")
    print(json.dumps({
        "benchmark": "registration_rush", "workers": args.workers, "clients": args.clients,
        "registrations": args.registrations, "capacity": args.seats,
        "registrations_per_s": registration["per_second"],
        "p50_ms": registration["post_p50_ms"], "p95_ms": registration["post_p95_ms"],
        "p99_ms": registration["post_p99_ms"], "errors": registration["errors"],
        "seats_taken": counts["seats"], "waitlist": counts["waitlist"],
        "reference_per_s": reference["per_second"], "reference_p50_ms": reference["post_p50_ms"],
        "reference_p95_ms": reference["post_p95_ms"], "reference_p99_ms": reference["post_p99_ms"],
        "reference_errors": reference["errors"], "reference_rows": counts["reference_rows"],
        "ratio": ratio, "registration": registration, "reference": reference,
    }))
    return 0 if seats_ok and not registration["errors"] and not reference["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())

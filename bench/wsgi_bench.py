"""WSGI entry for bench/registration_rush.py: the real app plus a bare reference endpoint.

`gunicorn bench.wsgi_bench:app`, configured from the environment:

- BENCH_DATABASE_URL  the benchmark's own PostgreSQL database (required)
- BENCH_READY_DIR     each worker drops a file named after its pid here once it is up

The reference endpoints exist only here. GET /bench/reference answers a few
bytes (the counterpart of opening the form); GET /bench/reference/event/<event_id>
does one count(*) (the counterpart of the event page); POST /bench/reference/<event_id>
runs one transaction: `SELECT … FOR UPDATE` on the edition's row, a count(*) and one
INSERT into bench_reference (created by the benchmark script), then commits — the
least any locked registration must do.
Rate limits are off (one loopback address sends everything).
"""
import os
import uuid
from pathlib import Path

import sqlalchemy as sa

from app import create_app
from app.extensions import csrf, db
from config import Config

app = create_app(
    Config,
    SQLALCHEMY_DATABASE_URI=os.environ["BENCH_DATABASE_URL"],
    SECRET_KEY="bench-only-not-secret",
    RATELIMIT_ENABLED=False,
    MAIL_FILE_DIR=os.environ.get("BENCH_MAIL_DIR", "/tmp"),
    # The public page cache as configured (a second; CACHE_REDIS_URL in the environment
    # makes it Redis, shared by the workers); its keys carry the benchmark's database name.
    CACHE_KEY_PREFIX=f"bench-{os.environ['BENCH_DATABASE_URL'].rsplit('/', 1)[-1]}:",
)


@app.get("/bench/reference")
def reference_form():
    return "ok"


@app.get("/bench/reference/event/<int:event_id>")
def reference_event(event_id: int):
    """The reference's event page: one count(*), a short string."""
    taken = db.session.execute(sa.text("SELECT count(*) FROM bench_reference WHERE event_id = :id"),
                               {"id": event_id}).scalar()
    db.session.commit()
    return f"{taken} taken"


@csrf.exempt
@app.post("/bench/reference/<int:event_id>")
def reference_insert(event_id: int):
    db.session.execute(sa.text("SELECT id FROM events WHERE id = :id FOR UPDATE"),
                       {"id": event_id})
    db.session.execute(sa.text("SELECT count(*) FROM bench_reference WHERE event_id = :id"),
                       {"id": event_id})
    db.session.execute(
        sa.text("INSERT INTO bench_reference (event_id, nonce) VALUES (:id, :nonce)"),
        {"id": event_id, "nonce": uuid.uuid4().hex})
    db.session.commit()
    return "", 303, {"Location": "/bench/reference"}


if ready_dir := os.environ.get("BENCH_READY_DIR"):
    (Path(ready_dir) / str(os.getpid())).touch()

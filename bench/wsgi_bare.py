"""WSGI entry of the bare reference app for bench/rush_shapes.py --bare: the issue's reference.

A Flask app with nothing of Werkstatt's — no ORM session, no templates, no CSRF, no session
cookie, login, Babel, rate limits or security headers — on SQLAlchemy Core over psycopg:
the least a registration app can do on this stack. The same three endpoints as the
reference inside the real app (bench/wsgi_bench.py), on the benchmark's database:

- GET  /bench/reference                  a short string (the counterpart of opening the form)
- GET  /bench/reference/event/<id>       one count(*) (the counterpart of the event page)
- POST /bench/reference/<id>             one transaction: lock the edition's row, count, insert
                                         one row into bench_reference, commit; 303

BENCH_DATABASE_URL (required) and BENCH_READY_DIR as in bench/wsgi_bench.py.
"""
import os
import uuid
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

app = Flask(__name__)
engine = sa.create_engine(os.environ["BENCH_DATABASE_URL"])
COUNT = sa.text("SELECT count(*) FROM bench_reference WHERE event_id = :id")
LOCK = sa.text("SELECT id FROM events WHERE id = :id FOR UPDATE")
INSERT = sa.text("INSERT INTO bench_reference (event_id, nonce) VALUES (:id, :nonce)")


@app.get("/bench/reference")
def reference_form():
    return "ok"


@app.get("/bench/reference/event/<int:event_id>")
def reference_event(event_id: int):
    with engine.connect() as connection:
        taken = connection.execute(COUNT, {"id": event_id}).scalar()
    return f"{taken} taken"


@app.post("/bench/reference/<int:event_id>")
def reference_insert(event_id: int):
    with engine.begin() as connection:
        connection.execute(LOCK, {"id": event_id})
        connection.execute(COUNT, {"id": event_id})
        connection.execute(INSERT, {"id": event_id, "nonce": uuid.uuid4().hex})
    return "", 303, {"Location": "/bench/reference"}


if ready_dir := os.environ.get("BENCH_READY_DIR"):
    (Path(ready_dir) / str(os.getpid())).touch()

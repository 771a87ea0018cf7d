"""Tests of the outbox: the worker, the SMTP and file backends, the staff page.

`make_outbox_message` is the builder both test modules share (like tests/factories.py).
"""
import itertools

from app.extensions import db
from app.models import OutboxMessage

_counter = itertools.count(1)


def make_outbox_message(**overrides) -> OutboxMessage:
    n = next(_counter)
    values = {"kind": "confirmed", "to_address": f"person{n}@example.org",
              "subject": f"Ihre Anmeldung ist bestätigt: Ausgabe {n}",
              "body_text": f"Guten Tag,\n\nSie sind für Ausgabe {n} angemeldet. Schöne Grüße!\n"}
    values.update(overrides)
    message = OutboxMessage(**values)
    db.session.add(message)
    db.session.commit()
    return message

"""Participant records: people across editions, check-in, statistics, privacy duties."""
from flask import Blueprint

bp = Blueprint("records", __name__)

from app.records import routes  # noqa: E402,F401
from app.records import checkin  # noqa: E402,F401
from app.records import stats  # noqa: E402,F401

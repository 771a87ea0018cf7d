"""Registration: the public form, the double opt-in, the personal page, the waiting list."""
from flask import Blueprint

bp = Blueprint("registration", __name__)

from app.registration import routes  # noqa: E402,F401
from app.registration import manage  # noqa

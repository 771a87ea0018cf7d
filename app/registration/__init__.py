"""Registration: the public form, the double opt-in, the personal page, the waiting list."""
from flask import Blueprint

bp = Blueprint("registration", __name__)


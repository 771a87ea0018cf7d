"""Staff accounts: login, logout, user management, access decorators."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.auth import routes  # noqa: E402,F401

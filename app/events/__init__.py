"""Staff area for editions: dashboard, create, edit, publish, cancel, duplicate."""
from flask import Blueprint

bp = Blueprint("events", __name__)


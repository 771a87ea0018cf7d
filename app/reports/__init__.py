"""The learnings report of an edition: staff editor and preview; public page, PDF and photos."""
from flask import Blueprint

bp = Blueprint("reports", __name__)

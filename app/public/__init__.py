"""Public pages: Aktuelles, edition announcements, legal and easy-language pages."""
from flask import Blueprint

bp = Blueprint("public", __name__)


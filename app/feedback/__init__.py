"""The feedback survey after an edition: the personal survey page, its mails, staff results."""
from flask import Blueprint

bp = Blueprint("feedback", __name__)

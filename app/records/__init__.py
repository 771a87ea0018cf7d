"""Participant records: people across editions, check-in, statistics, privacy duties."""
from flask import Blueprint

bp = Blueprint("records", __name__)


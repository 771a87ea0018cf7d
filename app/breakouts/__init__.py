"""Breakout groups: the facilitator board at /manage/events/<slug>/breakouts and people's
topic ranking (personal page and the "choose your topics" link)."""
from flask import Blueprint

bp = Blueprint("breakouts", __name__)


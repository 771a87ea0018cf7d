"""Group boards of the work phase: the member's board at /r/<token>/group, the facilitator's
at /manage/events/<slug>/breakouts/<group>/board, the plenary view and the exports."""
from flask import Blueprint

bp = Blueprint("boards", __name__)

"""Public pages: Aktuelles, edition announcements, legal and easy-language pages."""
from flask import Blueprint

bp = Blueprint("public", __name__)


@bp.record_once
def _init_cache(state) -> None:
    from app.public.cache import init_app
    init_app(state.app)


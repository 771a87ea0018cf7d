"""The JSON API: read-only, public, cacheable for a short while; errors as JSON too."""
from flask import Response, current_app
from werkzeug.exceptions import HTTPException

from app.api import bp, services
from app.api.openapi import openapi_document

# Public data that changes when someone registers: caches may keep it only briefly.
CACHE_CONTROL = "public, max-age=60"


def json_response(payload: dict, status: int = 200) -> Response:
    """UTF-8 JSON as written (umlauts stay umlauts), through the app's JSON provider."""
    body = current_app.json.dumps(payload, ensure_ascii=False)
    response = Response(body, status=status, mimetype="application/json")
    if status == 200:
        response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def json_error(error: HTTPException | None, status: int) -> Response:
    """An error under /api/ as {"error": {"status": …, "message": …}} (English)."""
    message = (error.description or error.name) if error is not None else "Internal Server Error"
    response = json_response({"error": {"status": status, "message": message}}, status)
    for name, value in error.get_headers() if error is not None else ():
        if name.lower() != "content-type":  # e.g. Allow on a 405
            response.headers[name] = value
    return response


@bp.route("/api/v1/events")
def events():
    return json_response({"events": services.list_events()})


@bp.route("/api/v1/events/<slug>")
def event(slug: str):
    return json_response(services.event_detail(slug))


@bp.route("/api/v1/reports")
def reports():
    return json_response({"reports": services.list_reports()})


@bp.route("/api/v1/openapi.json")
def openapi():
    return json_response(openapi_document())

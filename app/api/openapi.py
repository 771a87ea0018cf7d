"""The OpenAPI 3.1 document of the JSON API, written by hand and served at /api/v1/openapi.json.

Each path and schema is a piece of its own so that new endpoints slot in beside
the others.
"""
import copy

DATETIME = {"type": "string", "format": "date-time",
            "description": "ISO 8601 in Berlin local time with its UTC offset."}
SLUG = {"type": "string", "minLength": 1, "maxLength": 120, "pattern": "^[a-z0-9-]+$"}


def _object(properties: dict, description: str = "") -> dict:
    """A closed JSON object: every property required, no others allowed."""
    schema = {"type": "object", "required": list(properties), "properties": properties,
              "additionalProperties": False}
    if description:
        schema["description"] = description
    return schema


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


SPEAKER = _object({
    "name": {"type": "string"},
    "organisation": {"type": "string", "description": "Empty when not given."},
    "role": {"type": "string", "description": "Empty when not given."},
})

EVENT_SUMMARY = _object({
    "slug": {**SLUG, "description": "Stable identifier, part of every public URL of the edition."},
    "series": _object({"slug": {"type": "string"}, "name": {"type": "string"}}),
    "number": {"type": "integer", "minimum": 1},
    "title": {"type": "string"},
    "guiding_question": {"type": "string"},
    "teaser": {"type": "string"},
    "starts_at": DATETIME,
    "ends_at": DATETIME,
    "timezone": {"const": "Europe/Berlin"},
    "format": {"enum": ["online", "onsite", "hybrid"]},
    "venue": {"type": "string", "description": (
        "Where an on-site or hybrid edition takes place; empty for online editions. "
        "The online room link is never published: confirmed participants find it on "
        "their personal page.")},
    "capacity": {"type": "integer", "minimum": 0},
    "seats_left": {"type": "integer", "minimum": 0, "description": (
        "Seats not taken; confirmed seats and unexpired unconfirmed holds count as taken.")},
    "waitlist_open": {"type": "boolean", "description": (
        "A new registration would go to the waiting list, whatever its sector: no seat is "
        "free for anyone, or people wait.")},
    "status": {"enum": ["published", "cancelled"], "description": "What staff decided."},
    "phase": {"enum": ["announced", "registration_open", "registration_closed", "running",
                       "held", "cancelled"],
              "description": "Follows from the status and the clock."},
    "registration": _object({
        "opens_at": {"oneOf": [DATETIME, {"type": "null"}],
                     "description": "null: open as soon as the edition is published."},
        "closes_at": DATETIME,
        "open": {"type": "boolean"},
    }),
    "links": _object({
        "html": {"type": "string", "format": "uri", "description": "The announcement page."},
        "ics": {"type": "string", "format": "uri", "description": "The edition as iCalendar."},
        "agenda_pdf": {"type": "string", "format": "uri", "description": "Printable programme."},
        "register": {"type": "string", "format": "uri", "description": "Registration form."},
    }),
}, "An edition as listed.")

AGENDA_ITEM = _object({
    "position": {"type": "integer", "minimum": 1},
    "starts_at": DATETIME,
    "ends_at": DATETIME,
    "duration_minutes": {"type": "integer", "minimum": 1},
    "kind": {"enum": ["welcome", "input", "panel", "breakout", "break", "wrapup", "other"]},
    "title": {"type": "string"},
    "description": {"type": "string", "description": "Markdown; sanitise before showing as HTML."},
    "speakers": {"type": "array", "items": _ref("Speaker")},
}, "One programme item, in programme order.")


def _event_detail() -> dict:
    schema = copy.deepcopy(EVENT_SUMMARY)
    schema["description"] = "An edition with its description, speakers and programme."
    schema["properties"].update({
        "description": {"type": "string",
                        "description": "Markdown; sanitise before showing as HTML."},
        "speakers": {"type": "array", "items": _ref("Speaker")},
        "agenda": {"type": "array", "items": _ref("AgendaItem")},
    })
    schema["required"] = list(schema["properties"])
    return schema


LEARNING = _object({
    "number": {"type": "integer", "minimum": 1, "description": "Its place in the report."},
    "title": {"type": "string"},
    "body": {"type": "string", "description": "Markdown; sanitise before showing as HTML."},
}, "One numbered learning, in the report's order.")

REPORT = _object({
    "slug": {**SLUG, "description": "The edition's slug."},
    "series": _object({"slug": {"type": "string"}, "name": {"type": "string"}}),
    "number": {"type": "integer", "minimum": 1, "description": "The edition's number."},
    "title": {"type": "string", "description": "The edition's title."},
    "published_at": DATETIME,
    "learnings": {"type": "array", "items": _ref("Learning")},
    "links": _object({
        "html": {"type": "string", "format": "uri", "description": "The report page."},
        "pdf": {"type": "string", "format": "uri", "description": "The report as PDF."},
    }),
}, "A published learnings report. Never names attendees; photos are on the report page.")

SCHEMAS = {
    "Speaker": SPEAKER,
    "EventSummary": EVENT_SUMMARY,
    "EventDetail": _event_detail(),
    "AgendaItem": AGENDA_ITEM,
    "EventList": _object({"events": {"type": "array", "items": _ref("EventSummary")}},
                         "Published and cancelled editions, newest first. Drafts never appear."),
    "Error": _object({"error": _object({
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "message": {"type": "string", "description": "In English."},
    })}, "Every error under /api/ has this shape."),
    "Learning": LEARNING,
    "Report": REPORT,
    "ReportList": _object({"reports": {"type": "array", "items": _ref("Report")}},
                          "Published reports, newest publication first. "
                          "Unpublished reports never appear."),
}


def _json(schema_name: str, description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": _ref(schema_name)}}}


NOT_FOUND = _json("Error", "No published or cancelled edition has this slug.")

PATHS = {
    "/api/v1/events": {"get": {
        "operationId": "listEvents", "tags": ["events"],
        "summary": "Published and cancelled editions, newest first",
        "responses": {"200": _json("EventList", "The editions.")},
    }},
    "/api/v1/events/{slug}": {"get": {
        "operationId": "getEvent", "tags": ["events"],
        "summary": "One edition with speakers and programme",
        "parameters": [{"name": "slug", "in": "path", "required": True, "schema": SLUG,
                        "examples": {
                            "published": {"value": "innovationswerkstatt-7"},
                            "cancelled": {"value": "innovationswerkstatt-5"}}}],
        "responses": {"200": _json("EventDetail", "The edition."), "404": NOT_FOUND},
    }},
    "/api/v1/reports": {"get": {
        "operationId": "listReports", "tags": ["reports"],
        "summary": "Published learnings reports, newest first",
        "responses": {"200": _json("ReportList", "The reports.")},
    }},
    "/api/v1/openapi.json": {"get": {
        "operationId": "getOpenAPIDocument", "tags": ["meta"],
        "summary": "This document",
        "responses": {"200": {"description": "The OpenAPI 3.1 document.", "content": {
            "application/json": {"schema": {"type": "object", "required": ["openapi"]}}}}},
    }},
}

TAGS = [
    {"name": "events", "description": "Editions of the workshop series."},
    {"name": "reports", "description": "Published learnings reports."},
    {"name": "meta", "description": "About the API itself."},
]


def openapi_document() -> dict:
    """The whole document (a fresh copy: callers may change it)."""
    return copy.deepcopy({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "Werkstatt API",
            "version": "1.0.0",
            "summary": "Read-only public data of the Innovationswerkstatt.",
            "description": (
                "Public, read-only, no authentication. Keys and error messages are English; "
                "texts (titles, descriptions) are as staff wrote them, usually German. "
                "Times are ISO 8601 in Europe/Berlin with their offset. Responses may be "
                "cached for 60 seconds. Errors are JSON objects of the shape `Error`."),
        },
        "servers": [{"url": "/"}],
        "tags": TAGS,
        "paths": PATHS,
        "components": {"schemas": SCHEMAS},
    })

"""The Werkstatt application factory."""
import importlib

import sqlalchemy as sa
from flask import (Flask, Response, has_request_context, jsonify, render_template, request,
                   session, url_for)
from flask_babel import get_locale
from werkzeug.exceptions import Conflict, HTTPException, SecurityError
from werkzeug.routing import IntegerConverter

from app.errors import PAGE_EXPIRED, Refusal, wants_json
from app.models.base import MAX_ID
from app.reports.photos import MAX_UPLOAD_BYTES
from config import BASE_DIR, INSTANCE_DIR, Config, ProductionConfig, config_from_env


def create_app(config_class: type[Config] | None = None, **overrides) -> Flask:
    """Build the app from a config class (default: chosen by WERKSTATT_ENV)."""
    config_class = config_class or config_from_env()
    app = Flask(__name__, template_folder="../templates", static_folder="../static",
                instance_path=str(INSTANCE_DIR))
    app.config.from_object(config_class)
    app.config.update(overrides)
    check_config(app, config_class)
    trust_proxies(app)
    register_url_converters(app)
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_security_headers(app)
    register_template_context(app)
    register_cli(app)
    return app


def check_config(app: Flask, config_class: type[Config]) -> None:
    """Refuse to start production without a real secret key or a public address; accept
    requests only for the configured host."""
    if issubclass(config_class, ProductionConfig):
        if not app.config.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY must be set in the environment in production")
        if not app.config.get("SERVER_NAME"):
            # Without it, links in mails would name whatever host a request claimed to be for.
            raise RuntimeError("SERVER_NAME (the public host name) must be set in production")
    if app.config.get("TRUSTED_HOSTS") is None and app.config.get("SERVER_NAME"):
        app.config["TRUSTED_HOSTS"] = [app.config["SERVER_NAME"].rpartition(":")[0]
                                       or app.config["SERVER_NAME"]]


def trust_proxies(app: Flask) -> None:
    """Take the client address and scheme from the configured number of reverse proxies."""
    hops = app.config.get("TRUSTED_PROXIES", 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


class IdConverter(IntegerConverter):
    """`<int:…>` in our URLs is always a row id: 1 to MAX_ID, anything else is not found.

    Werkzeug's own int converter takes any size, and an id beyond the database's integer
    range made the query fail (a 500) instead of finding nothing.
    """

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def register_url_converters(app: Flask) -> None:
    """Bound the integers in URLs (before any blueprint adds a rule)."""
    app.url_map.converters["int"] = IdConverter


def register_extensions(app: Flask) -> None:
    """Initialise the extensions created in app.extensions."""
    from app import models  # noqa: F401  (every table known before anything queries)
    from app.extensions import (babel, cache, csrf, db, limiter, login_manager, migrate,
                                select_locale)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    app.config.setdefault("CACHE_TYPE", "SimpleCache")
    app.config.setdefault("PUBLIC_PAGE_SECONDS", 1)
    cache.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"
    with app.app_context():
        configure_sqlite(db.engine)


def configure_sqlite(engine: sa.Engine) -> None:
    """Make SQLite transactions explicit, in WAL mode with a busy timeout.

    SQLAlchemy's documented pysqlite recipe: the driver no longer starts
    transactions on its own and we emit BEGIN ourselves. A transaction that may
    write begins IMMEDIATE (taking the write lock up front): a deferred one that
    reads and then writes fails with "database is locked" when another writer
    committed in between. Reads (GET requests, which never change state) begin
    DEFERRED so they do not wait for each other.
    """
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        # Deleted and overwritten content is zeroed, so erased personal data does not linger.
        cursor.execute("PRAGMA secure_delete=ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):
        mode = connection.get_execution_options().get("sqlite_begin")
        if mode is None:
            reading = has_request_context() and request.method in ("GET", "HEAD", "OPTIONS")
            mode = "DEFERRED" if reading else "IMMEDIATE"
        connection.exec_driver_sql(f"BEGIN {mode}")


# The modules whose views attach to their area's blueprint. They are imported here, not in
# the areas' __init__, so that importing an area's services never pulls in the whole web
# layer of every area (and the import cycles that come with it).
VIEW_MODULES = (
    "agenda.routes", "api.routes", "auth.routes", "boards.routes", "breakouts.routes",
    "events.routes", "feedback.routes",
    "mail.routes", "public.routes", "records.routes", "records.routes_checkin",
    "records.routes_stats",
    "registration.routes", "registration.routes_manage", "reports.routes",
)


def register_blueprints(app: Flask) -> None:
    """Attach every area's blueprint, with its views."""
    for module in VIEW_MODULES:
        importlib.import_module(f"app.{module}")
    from app.agenda import bp as agenda_bp
    from app.api import bp as api_bp
    from app.auth import bp as auth_bp
    from app.boards import bp as boards_bp
    from app.breakouts import bp as breakouts_bp
    from app.events import bp as events_bp
    from app.feedback import bp as feedback_bp
    from app.mail import bp as mail_bp
    from app.public import bp as public_bp
    from app.records import bp as records_bp
    from app.registration import bp as registration_bp
    from app.reports import bp as reports_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(registration_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(breakouts_bp)  # /manage/… board and public /topics/… pages
    app.register_blueprint(boards_bp)  # /r/<token>/group and /manage/events/<slug>/breakouts/…/board
    app.register_blueprint(auth_bp, url_prefix="/manage")
    app.register_blueprint(events_bp, url_prefix="/manage")
    app.register_blueprint(agenda_bp, url_prefix="/manage")
    app.register_blueprint(mail_bp, url_prefix="/manage")
    app.register_blueprint(records_bp, url_prefix="/manage")
    app.register_blueprint(feedback_bp)  # the survey /r/<token>/feedback and staff results
    app.register_blueprint(reports_bp)  # public report pages and /manage/events/<slug>/report


def register_error_handlers(app: Flask) -> None:
    """Render HTTP errors as pages in the visitor's language."""
    from flask_wtf.csrf import CSRFError

    def render_error(error: HTTPException):
        code = error.code or 500
        if request.path.startswith("/api/"):
            from app.api.routes import json_error
            return json_error(error, code)
        return render_template("errors/error.html", code=code,
                               max_request_mb=app.config["MAX_CONTENT_LENGTH"] // 2**20,
                               max_photo_mb=MAX_UPLOAD_BYTES // 2**20), code

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        app.logger.info("CSRF refused: %s", error.description)
        return render_template("errors/error.html", code=400, csrf=True), 400

    @app.errorhandler(SecurityError)
    def untrusted_host(error):
        # A Host outside TRUSTED_HOSTS: there is no URL adapter to build a page's links with.
        return Response("400 Bad Request: unknown host / unbekannter Host\n", 400,
                        mimetype="text/plain")

    @app.errorhandler(HTTPException)
    def http_error(error):
        return render_error(error)

    @app.errorhandler(Refusal)
    def refused(refusal: Refusal):
        # Routes show refusals where they happen (app.errors); one that no route expected is
        # still an answer for the person, not a 500. Services roll back before refusing.
        if request.path.startswith("/api/"):
            from app.api.routes import json_error
            return json_error(Conflict(str(refusal)), 409)
        if wants_json():  # a page's script, answered as press_button answers it
            return jsonify(error=str(refusal)), 409
        return render_template("errors/error.html", code=409, message=str(refusal)), 409

    @app.errorhandler(Exception)
    def unexpected_error(error):
        from app.extensions import db
        db.session.rollback()
        app.logger.exception("unhandled error")
        if request.path.startswith("/api/"):
            from app.api.routes import json_error
            return json_error(None, 500)
        return render_template("errors/error.html", code=500), 500


CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")


def register_security_headers(app: Flask) -> None:
    """Send the security headers on every response, static files and errors included."""

    @app.after_request
    def add_headers(response):
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if app.config.get("HSTS"):
            response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        if request.endpoint != "static" and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store" if session.get("_user_id") else "no-cache"
        return response


def register_template_context(app: Flask) -> None:
    """Give every template the Markdown and date filters, the language and the other language's link."""
    from app.dates import html_datetime, long_datetime
    from app.markdown import render_markdown

    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["long_datetime"] = long_datetime
    app.jinja_env.filters["html_datetime"] = html_datetime
    app.jinja_env.globals["PAGE_EXPIRED"] = PAGE_EXPIRED

    @app.context_processor
    def language_context():
        lang = str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"])
        other = "en" if lang == "de" else "de"
        if not has_request_context():  # a mail rendered by the worker: no page to switch
            return {"lang": lang, "other_lang": other,
                    "other_lang_name": "English" if other == "en" else "Deutsch"}
        args = dict(request.view_args or {})
        args.update({k: v for k, v in request.args.items() if k != "lang"})
        args["lang"] = other
        try:
            switch_url = url_for(request.endpoint, **args) if request.endpoint else None
        except Exception:  # an error page for a URL that does not exist
            switch_url = None
        return {
            "lang": lang,
            "other_lang": other,
            "other_lang_name": "English" if other == "en" else "Deutsch",
            "switch_lang_url": switch_url or url_for("public.index", lang=other),
        }


def register_cli(app: Flask) -> None:
    """Add the flask commands (demo, users)."""
    from app.cli import register
    register(app)

"""A short-lived shared cache of rendered public pages, with ETag / Last-Modified and 304s.

When a newsletter goes out, hundreds open the same edition page within a minute. The page is
the same for every anonymous visitor of one language, so it is rendered once per second and
served from the cache (Flask-Caching: Redis when CACHE_TYPE is RedisCache, as in production
with several servers; an in-process SimpleCache in development) in between.

What is never served from the shared cache (rendered as before, `Cache-Control` as the app
sets it: `no-store` when signed in):

- anyone signed in (staff and facilitators see drafts, previews and their own menu);
- a visitor with messages waiting to be shown (`flash`), which are personal;
- a request with query arguments other than `?lang=` (they change the language link);
- a page that would carry a CSRF token or change the session while rendering: the public
  pages cached here have no form, and this is checked on every render, not assumed.

Freshness: an entry lives PUBLIC_PAGE_SECONDS (default 1 s), so seat figures are never older
than that; a change to what the pages show (editions, series, speakers, agenda, breakout
groups, reports) bumps a generation that is part of every key, so an edit is visible on the
next request (with several servers and a per-process cache: within the same second).
Registrations do not bump it — during a rush that would empty the cache on every
registration —, their seat figures follow within the second.

The registration form (`shared_form_page`) is shared the same way inside the server only: one
render per second with the CSRF token and the nonce replaced by marks, each visitor's own
filled in per request, `private, no-store` for HTTP caches. What every registration's POST
reads of its edition alike (`shared_value`) is shared under the same rules; the POST still
decides on the figures it reads under the edition's lock.

HTTP: every answer of `shared_page` has a strong ETag and Last-Modified (the time of its render); a
matching If-None-Match (or If-Modified-Since) is answered 304 without a body. `Cache-Control:
public, no-cache` lets a reverse proxy keep the page but ask each time (a 304 is cheap), and
`Vary: Cookie` because the language can come from the session. A visitor with a session
(remembered language) gets `private, no-cache`.
"""
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps

import sqlalchemy as sa
from flask import current_app, has_app_context, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy.orm import Session

from app.extensions import cache


GENERATION_KEY = "public-pages:generation"
# What the cached pages show; a change to any of these bumps the generation.
SHOWN_MODELS = ("Event", "Series", "Speaker", "AgendaItem", "Report", "ReportSection",
                "Learning", "ReportPhoto", "User", "BreakoutGroup")


@dataclass(frozen=True)
class Entry:
    body: bytes
    status: int
    headers: list[tuple[str, str]]  # Content-Type, Content-Disposition
    etag: str
    rendered_at: datetime


def seconds() -> int:
    return int(current_app.config.get("PUBLIC_PAGE_SECONDS", 0) or 0)


def _shareable() -> bool:
    return (request.method in ("GET", "HEAD") and seconds() > 0
            and not current_user.is_authenticated and "_flashes" not in session
            and set(request.args) <= {"lang"})


def _key() -> str:
    generation = cache.get(GENERATION_KEY) or 0
    return f"public-pages:{generation}:{get_locale()}:{request.path}"


def _lookup(prefix: str = ""):
    """(key, entry) — or (None, None) when the cache cannot be asked (Redis down): then the
    page is rendered as without a cache, never an error for the visitor."""
    try:
        key = prefix + _key()
        return key, cache.get(key)
    except Exception:
        current_app.logger.warning("public page cache: not reachable, rendering")
        return None, None


def _store(key: str | None, value) -> None:
    if key is None:
        return
    try:
        cache.set(key, value, timeout=seconds())
    except Exception:
        current_app.logger.warning("public page cache: could not store %s", key)


def shared_page(view):
    """Serve an anonymous public page from the shared cache (see the module's description)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not _shareable():
            return view(*args, **kwargs)
        key, entry = _lookup()
        if entry is None:
            response = make_response(view(*args, **kwargs))
            body = response.get_data()
            if response.status_code != 200 or session.modified or b'name="csrf_token"' in body:
                return response  # personal after all: never shared
            entry = Entry(body=body, status=200,
                          headers=[(k, v) for k, v in response.headers.items()
                                   if k in ("Content-Type", "Content-Disposition")],
                          etag=hashlib.sha256(body).hexdigest()[:32],
                          rendered_at=datetime.now(UTC).replace(microsecond=0))
            _store(key, entry)
        response = current_app.response_class(entry.body, status=entry.status,
                                               headers=entry.headers)
        response.set_etag(entry.etag)
        response.last_modified = entry.rendered_at
        response.headers["Cache-Control"] = "private, no-cache" if session else "public, no-cache"
        response.vary.add("Cookie")
        return response.make_conditional(request)

    return wrapped


def shared_value(name: str, load):
    """load()'s value, shared like the pages (same cache, seconds and generation: an edit to
    what they show is read anew on the next request) — for what every request of a rush reads
    alike, such as a registration's edition. A value of None (nothing found) is not kept."""
    if seconds() <= 0:
        return load()
    try:
        key = f"public-values:{cache.get(GENERATION_KEY) or 0}:{name}"
        value = cache.get(key)
    except Exception:
        current_app.logger.warning("public page cache: not reachable, reading")
        return load()
    if value is None:
        value = load()
        if value is not None:
            _store(key, value)
    return value


def bump_generation() -> None:
    """Every cached public page is stale from now on (keys carry the generation)."""
    try:
        if cache.cache.inc(GENERATION_KEY) is None:
            cache.set(GENERATION_KEY, 1, timeout=0)
    except Exception:  # a cache that is down must not fail a commit; entries expire anyway
        current_app.logger.warning("public page cache: could not bump the generation")


@sa.event.listens_for(Session, "after_flush")
def _note_shown_changes(session, _flush_context):
    if session.info.get("public_pages_changed"):
        return
    for obj in (*session.new, *session.dirty, *session.deleted):
        if type(obj).__name__ in SHOWN_MODELS:
            if obj in session.dirty and not session.is_modified(obj):
                continue
            session.info["public_pages_changed"] = True
            return


@sa.event.listens_for(Session, "after_commit")
def _after_commit(session):
    if session.info.pop("public_pages_changed", False) and has_app_context() \
            and current_app.extensions.get("cache"):
        bump_generation()


@sa.event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    session.info.pop("public_pages_changed", None)


# --- the registration form: shared pieces, personal token -------------------------------------

_TOKEN_MARK = "@@werkstatt-csrf-token@@"
_NONCE_MARK = "@@werkstatt-form-nonce@@"
_NONCE_RE = re.compile(r'name="nonce"[^>]*value="([^"]+)"')


def shared_form_page(view):
    """The registration form for anonymous visitors: the page is the same for everyone of one
    language but for two values, the session's CSRF token and the form's nonce. It is rendered
    once per PUBLIC_PAGE_SECONDS with both values replaced by marks; every request gets the
    render with its own token (from its session, as Flask-WTF makes it) and a fresh nonce.

    Never shared over HTTP: `Cache-Control: private, no-store` (it carries a token). Same
    conditions as `shared_page`; a submitted form (POST) is never taken from here.
    """

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not _shareable():
            return view(*args, **kwargs)
        key, entry = _lookup("form:")
        token = generate_csrf()
        if entry is None:
            response = make_response(view(*args, **kwargs))
            body = response.get_data(as_text=True)
            nonce = _NONCE_RE.search(body)
            if response.status_code == 200 and nonce and body.count(token) == 1 \
                    and body.count(nonce.group(1)) == 1:
                _store(key, body.replace(token, _TOKEN_MARK)
                       .replace(nonce.group(1), _NONCE_MARK))
            response.headers["Cache-Control"] = "private, no-store"
            return response
        response = current_app.response_class(
            entry.replace(_TOKEN_MARK, token).replace(_NONCE_MARK, secrets.token_urlsafe(24)),
            mimetype="text/html")
        response.headers["Cache-Control"] = "private, no-store"
        return response

    return wrapped

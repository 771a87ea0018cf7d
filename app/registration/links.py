"""Personal links (/r/<token>): issuing, re-creating and finding them.

A personal link is /r/<token>. Only sha256(token) is stored, so the database alone never
gives a link away. The token is an HMAC, keyed with SECRET_KEY, of a random per-registration
secret: any later mail (promotion, group, reminder, "your link again") can re-create the same
link instead of replacing it — a new link for every mail would kill the ones people saved.
"""
import base64
import hashlib
import hmac
import secrets

import sqlalchemy as sa
from flask import abort, current_app

from app.extensions import db
from app.models import Registration

_LINK_SALT = b"werkstatt personal link\0"


def new_token() -> tuple[str, str]:
    """A random token (256 bits) and its hash, for a link that is never mailed (walk-ins)."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _derive_token(link_secret: str) -> str:
    key = current_app.secret_key
    key = key if isinstance(key, bytes) else str(key).encode()
    digest = hmac.new(key, _LINK_SALT + link_secret.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue_link(registration: Registration) -> str:
    """Give the registration a fresh personal link (every older one stops working)."""
    registration.link_secret = secrets.token_urlsafe(32)
    registration.legacy_token_hash = None
    token = _derive_token(registration.link_secret)
    registration.token_hash = hash_token(token)
    return token


def personal_token(registration: Registration) -> str:
    """The token of the registration's personal link, re-created for a mail.

    A registration whose stored hash is not of the derived token (mailed before links were
    derived, a new link from staff, or a changed SECRET_KEY) keeps that link working as its
    legacy link and gets a derived one; the caller commits.
    """
    if registration.link_secret is not None:
        token = _derive_token(registration.link_secret)
        if hash_token(token) == registration.token_hash:
            return token
    current = registration.token_hash
    token = issue_link(registration)
    registration.legacy_token_hash = current
    return token


def find_registration_by_token(token: str) -> Registration | None:
    """The registration of a personal link, or None (erased and anonymised ones are gone)."""
    if not (20 <= len(token) <= 100):
        return None
    digest = hash_token(token)
    return db.session.scalar(sa.select(Registration).where(
        sa.or_(Registration.token_hash == digest, Registration.legacy_token_hash == digest),
        Registration.anonymised_at.is_(None)))


def get_registration_by_token(token: str) -> Registration:
    """The registration of a personal link, or 404 (never a hint whether it existed)."""
    registration = find_registration_by_token(token)
    if registration is None:
        abort(404)
    return registration

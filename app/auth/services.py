"""Account use cases: authenticate, create and change users, end sessions."""
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from app.errors import Refusal
from app.extensions import db
from app.models import Role, User, utcnow
from app.models.user import new_session_token

_hasher = PasswordHasher()
# Verified against when the account does not exist, so timing does not reveal it.
_DUMMY_HASH = _hasher.hash("no such account")

MIN_PASSWORD_LENGTH = 12


class AccountError(Refusal):
    """A use case refused; `field` names the form field the message belongs to."""

    def __init__(self, field: str, message):
        super().__init__(message, field)


def normalise_email(address: str) -> str:
    """Return the normalised, lower-cased form of an e-mail address (raises ValueError)."""
    try:
        return validate_email(address.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from exc


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None."""
    try:
        email = normalise_email(email)
    except ValueError:
        _verify(_DUMMY_HASH, password)
        return None
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None or not user.active:
        _verify(_DUMMY_HASH, password)
        return None
    if not _verify(user.password_hash, password):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def get_user_by_session_id(session_id: str) -> User | None:
    """Load the user of a session cookie ("<id>:<token>"); None once the session ended."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def end_sessions(user: User) -> None:
    """Invalidate every session of this user (logout really ends the session)."""
    user.session_token = new_session_token()
    db.session.commit()


def list_users() -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(User.name)))


def create_user(email: str, name: str, role: Role, password: str) -> User:
    """Create an account; raises AccountError for a taken e-mail or a short password."""
    email = normalise_email(email)
    _check_password(password)
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise AccountError("email", _l("Für diese E-Mail-Adresse gibt es schon ein Konto."))
    user = User(email=email, name=name.strip(), role=role, password_hash=hash_password(password))
    db.session.add(user)
    db.session.commit()
    return user


def update_user(user: User, *, acting: User, name: str, role: Role, active: bool,
                password: str | None) -> None:
    """Change an account; an admin cannot demote or deactivate themselves."""
    if user.id == acting.id and (role != Role.ADMIN or not active):
        raise AccountError("role", _l("Sie können sich nicht selbst die Admin-Rolle nehmen oder sich deaktivieren."))
    if password:
        _check_password(password)
    user.name = name.strip()
    user.role = role
    user.active = active
    if password:
        user.password_hash = hash_password(password)
    if password or not active:
        user.session_token = new_session_token()
    db.session.commit()


def change_own_password(user: User, current: str, new: str) -> None:
    """Change one's own password after checking the current one; ends other sessions."""
    if not _verify(user.password_hash, current):
        raise AccountError("current_password", _l("Das bisherige Passwort stimmt nicht."))
    try:
        _check_password(new)
    except AccountError as exc:
        raise AccountError("new_password", exc.message) from None
    user.password_hash = hash_password(new)
    user.session_token = new_session_token()
    db.session.commit()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("password", _l("Das Passwort muss mindestens %(n)d Zeichen lang sein.", n=MIN_PASSWORD_LENGTH))

"""Configuration classes, driven by environment variables."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'werkstatt.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    BABEL_DEFAULT_LOCALE = "de"
    BABEL_DEFAULT_TIMEZONE = "Europe/Berlin"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = ("de", "en")

    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "file")
    MAIL_FILE_DIR = os.environ.get("MAIL_FILE_DIR", str(INSTANCE_DIR / "mail"))
    MAIL_FROM = os.environ.get("MAIL_FROM", "Innovationswerkstatt <werkstatt@example.org>")
    SMTP_HOST = os.environ.get("SMTP_HOST", "127.0.0.1")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "25"))
    SMTP_USER = os.environ.get("SMTP_USER")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD")
    SMTP_STARTTLS = _bool("SMTP_STARTTLS", False)

    # The shared cache of rendered public pages (app/public/cache.py): an entry lives
    # PUBLIC_PAGE_SECONDS (0 turns the cache off). In-process unless CACHE_REDIS_URL names a
    # Redis, which several servers then share (production: set it).
    CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL")
    CACHE_TYPE = os.environ.get("CACHE_TYPE", "RedisCache" if CACHE_REDIS_URL else "SimpleCache")
    CACHE_KEY_PREFIX = "werkstatt:"
    PUBLIC_PAGE_SECONDS = int(os.environ.get("PUBLIC_PAGE_SECONDS", "1"))

    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Failed logins per client address, and per account *and* client address. The latter
    # stacks limits so the wait grows (10 minutes after 5 failures, then the rest of the hour
    # after 10, the rest of the day after 20) without letting anyone else lock the account.
    # Counted in RATELIMIT_STORAGE_URI, so all processes share the count (Redis in production).
    LOGIN_LIMIT_PER_IP = os.environ.get("LOGIN_LIMIT_PER_IP", "20 per 10 minutes")
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get(
        "LOGIN_LIMIT_PER_ACCOUNT", "5 per 10 minutes; 10 per hour; 20 per day")

    # The public address ("host" or "host:port"): every link in a mail is built from it,
    # never from a request's Host header. Production refuses to start without it.
    SERVER_NAME = os.environ.get("SERVER_NAME")
    # Host names requests may carry (comma-separated); anything else is answered 400 (Flask's
    # TRUSTED_HOSTS). Unset: only the host of SERVER_NAME.
    TRUSTED_HOSTS = [h.strip() for h in os.environ["TRUSTED_HOSTS"].split(",") if h.strip()] \
        if os.environ.get("TRUSTED_HOSTS") else None
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")

    # The largest request body (the report editor with one photo of at most 10 MB and every
    # text of the report); anything bigger is answered 413 before it is read or spooled.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(12 * 1024 * 1024)))

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "werkstatt_session"
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    WTF_CSRF_TIME_LIMIT = 3600
    HSTS = False

    # Number of reverse proxies in front of the app whose X-Forwarded-For/-Proto to trust;
    # without it every visitor behind the proxy shares one rate-limit bucket.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    # Calendar entries are identified as "<slug>@<this domain>": keep it stable.
    CALENDAR_UID_DOMAIN = os.environ.get("CALENDAR_UID_DOMAIN", "innovationswerkstatt.example.org")

    # Public registration form: attempts per client address.
    REGISTRATION_RATE_LIMIT = os.environ.get("REGISTRATION_RATE_LIMIT", "30 per 10 minutes")
    # "Send me my link again": attempts per client address, and at most one such mail per
    # address within LINK_AGAIN_MINUTES (nobody can flood someone's inbox through the form).
    LINK_AGAIN_RATE_LIMIT = os.environ.get("LINK_AGAIN_RATE_LIMIT", "10 per 10 minutes")
    LINK_AGAIN_MINUTES = int(os.environ.get("LINK_AGAIN_MINUTES", "10"))
    # Lock the edition while deciding seat or waiting list. Only the control test
    # that proves the race exists turns this off.
    REGISTRATION_LOCKING = True

    # A group board stays writable this long after the breakout work phase ends.
    BOARD_GRACE_MINUTES = int(os.environ.get("BOARD_GRACE_MINUTES", "15"))
    # The feedback survey (DESIGN §10): one reminder after this many days, closed after these,
    # and no results shown below this many answers (so no single answer can be attributed).
    FEEDBACK_REMINDER_DAYS = int(os.environ.get("FEEDBACK_REMINDER_DAYS", "3"))
    FEEDBACK_CLOSES_DAYS = int(os.environ.get("FEEDBACK_CLOSES_DAYS", "14"))
    FEEDBACK_MIN_ANSWERS = int(os.environ.get("FEEDBACK_MIN_ANSWERS", "5"))

    RETENTION_DAYS = int(os.environ.get("RETENTION_DAYS", "90"))
    CONFIRMATION_HOURS = int(os.environ.get("CONFIRMATION_HOURS", "24"))
    PROMOTION_CUTOFF_HOURS = int(os.environ.get("PROMOTION_CUTOFF_HOURS", "24"))
    # Check-in is open on the day only: from this many hours before the start until this
    # many hours after the end (late corrections of the records the next morning).
    CHECKIN_OPENS_HOURS_BEFORE = float(os.environ.get("CHECKIN_OPENS_HOURS_BEFORE", "2"))
    CHECKIN_CLOSES_HOURS_AFTER = float(os.environ.get("CHECKIN_CLOSES_HOURS_AFTER", "24"))

    # Shown on the imprint, privacy and accessibility pages.
    OPERATOR_NAME = os.environ.get(
        "OPERATOR_NAME", "Innovationsbüro (Beispielministerium des Bundes)"
    )
    OPERATOR_ADDRESS = os.environ.get("OPERATOR_ADDRESS", "Musterstraße 1, 10117 Berlin")
    CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "innovationsbuero@example.org")
    ACCESSIBILITY_FEEDBACK_EMAIL = os.environ.get(
        "ACCESSIBILITY_FEEDBACK_EMAIL", "barrierefreiheit@example.org"
    )
    DATA_PROTECTION_OFFICER_EMAIL = os.environ.get(
        "DATA_PROTECTION_OFFICER_EMAIL", "datenschutz@example.org"
    )
    DEMO_ENABLED = False

    # The outbox worker gives a mail up (status "failed", shown to staff) after this many attempts.
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "8"))
    # Message-IDs are "<outbox-<row id>@<this domain>>", the same on every attempt: keep it stable.
    MAIL_MESSAGE_ID_DOMAIN = os.environ.get("MAIL_MESSAGE_ID_DOMAIN", CALENDAR_UID_DOMAIN)


class DevelopmentConfig(Config):
    """Local development: SQLite in instance/, mails as .eml files, demo allowed."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SERVER_NAME = os.environ.get("SERVER_NAME", "127.0.0.1:5000")
    DEMO_ENABLED = True


class TestConfig(Config):
    """Tests: the database URL is set by the fixtures; no rate limits unless a test asks."""

    TESTING = True
    SECRET_KEY = "test-secret"
    SERVER_NAME = "localhost"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_SQLITE_URL", "sqlite://")
    WTF_CSRF_ENABLED = True
    # Limits are on (and reset after every test) but generous; a test that checks
    # throttling lowers the one it checks.
    RATELIMIT_ENABLED = True
    LOGIN_LIMIT_PER_IP = "10000 per minute"
    LOGIN_LIMIT_PER_ACCOUNT = "10000 per minute"
    REGISTRATION_RATE_LIMIT = "10000 per minute"
    LINK_AGAIN_RATE_LIMIT = "10000 per minute"
    DEMO_ENABLED = True
    # Pages change between a test's requests faster than once a second; the tests of the
    # public page cache turn it on (tests/public/test_page_cache.py).
    PUBLIC_PAGE_SECONDS = 0


class ProductionConfig(Config):
    """Production: secure cookies and HSTS; refuses to start without SECRET_KEY and
    SERVER_NAME."""

    SESSION_COOKIE_SECURE = True
    HSTS = True
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "https")
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    """Pick the configuration class named by WERKSTATT_ENV (default: development)."""
    name = os.environ.get("WERKSTATT_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"WERKSTATT_ENV must be one of {sorted(CONFIGS)}, not {name!r}")

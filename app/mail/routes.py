"""Staff view of the outbox (filled in with the worker)."""
from app.mail import bp  # noqa: F401

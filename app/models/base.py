"""Column types and defaults shared by all models."""
import enum
from datetime import UTC, datetime

import sqlalchemy as sa


# The largest value of an Integer column (ids): PostgreSQL's INTEGER is 32 bits, and a
# larger number in a query is an error there, not "no such row".
MAX_ID = 2**31 - 1


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware UTC timestamp on every database.

    SQLite has no time zones and hands back naive values; this type stores UTC
    and always returns aware UTC datetimes, so comparisons never mix the two.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store aware UTC datetimes only")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_type(cls: type[enum.Enum], name: str, length: int = 20) -> sa.Enum:
    """A string column with a CHECK constraint: portable, and easy to migrate."""
    return sa.Enum(cls, name=name, native_enum=False, create_constraint=True,
                   values_callable=lambda e: [m.value for m in e], length=length)

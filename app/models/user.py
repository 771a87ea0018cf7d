"""Staff, facilitator and admin accounts."""
import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class Role(enum.StrEnum):
    FACILITATOR = "facilitator"
    STAFF = "staff"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return [Role.FACILITATOR, Role.STAFF, Role.ADMIN].index(self)

    def at_least(self, other: "Role") -> bool:
        return self.rank >= other.rank


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(
        sa.Enum(Role, name="user_role", native_enum=False, create_constraint=True,
                values_callable=lambda e: [m.value for m in e], length=20)
    )
    active: Mapped[bool] = mapped_column(default=True)
    # Rotated at logout and password change: every older session cookie stops working.
    session_token: Mapped[str] = mapped_column(sa.String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def has_role(self, role: Role | str) -> bool:
        return self.role.at_least(Role(role))

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"

"""Access checks as decorators, in one place."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from app.events.services import get_event_or_404, may_facilitate
from app.models import Role


def role_required(role: Role):
    """Allow signed-in users with at least this role; others get 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


staff_required = role_required(Role.STAFF)
admin_required = role_required(Role.ADMIN)
facilitator_required = role_required(Role.FACILITATOR)


def facilitator_of_event(view):
    """Load the edition named by `slug`; allow staff and the edition's facilitators.

    The view receives `event=` instead of `slug=`.
    """

    @wraps(view)
    @login_required
    def wrapped(*args, slug: str, **kwargs):
        event = get_event_or_404(slug)
        if not may_facilitate(current_user, event):
            abort(403)
        return view(*args, event=event, **kwargs)

    return wrapped


def staff_event(view):
    """Load the edition named by `slug` for staff; the view receives `event=`."""

    @wraps(view)
    @staff_required
    def wrapped(*args, slug: str, **kwargs):
        return view(*args, event=get_event_or_404(slug), **kwargs)

    return wrapped

"""Login, logout and account management."""
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import bp, services
from app.auth.decorators import admin_required
from app.auth.forms import EditUserForm, LoginForm, PasswordForm, UserForm
from app.errors import submit_form
from app.extensions import db, limiter, login_manager
from app.models import Role, User


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    return services.get_user_by_session_id(session_id)


def _failed(response) -> bool:
    """Only failed attempts count towards the login limits."""
    return response.status_code != 303


def _account_and_source_key() -> str:
    """The account as sign-in finds it (the same normalisation, so a Unicode variant of the
    address is the same bucket) together with the client address.

    Per account alone, anyone could keep a person locked out with a few wrong passwords;
    per account and source, only the one guessing is slowed down.
    """
    email = request.form.get("email", "")[:254]
    try:
        account = services.normalise_email(email)
    except ValueError:  # no account has this address; still one bucket per spelling
        account = email.strip().lower()
    return f"login-account:{account}:{get_remote_address()}"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"],
               deduct_when=_failed, scope="login-ip")
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"],
               deduct_when=_failed, key_func=_account_and_source_key, scope="login-account")
def login():
    if current_user.is_authenticated:
        return redirect(url_for("events.dashboard"), 303)
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            lang = session.get("lang")
            session.clear()  # no session fixation: a fresh session after login
            if lang:
                session["lang"] = lang
            login_user(user)
            return redirect(_safe_next(request.args.get("next")), 303)
        form.password.errors.append(_("E-Mail-Adresse oder Passwort sind nicht richtig."))
    return render_template("auth/login.html", form=form)


def _safe_next(target: str | None) -> str:
    """Follow ?next= only to a path inside the staff area of this site.

    Control characters are refused first: a line break cannot go into a Location header
    (Werkzeug raises, which was a 500), and browsers drop tabs and line breaks from URLs.
    """
    if target and target.isprintable() and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/manage"):
            return target
    return url_for("events.dashboard")


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    services.end_sessions(current_user)
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("Sie sind abgemeldet."), "success")
    return redirect(url_for("auth.login"), 303)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordForm()

    def change():
        services.change_own_password(current_user, form.current_password.data,
                                     form.new_password.data)
        login_user(current_user._get_current_object())  # keep this session, the others ended

    return submit_form(form, change, _("Ihr Passwort wurde geändert."),
                       url_for("events.dashboard")) \
        or render_template("auth/password.html", form=form)


@bp.route("/users")
@admin_required
def list_users():
    return render_template("auth/users.html", users=services.list_users())


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def create_user():
    form = UserForm()
    return submit_form(form, lambda: services.create_user(
        form.email.data, form.name.data, Role(form.role.data), form.password.data or ""),
        lambda user: _("Das Konto für %(name)s wurde angelegt.", name=user.name),
        url_for("auth.list_users")) \
        or render_template("auth/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = EditUserForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.role.data = user.role.value
    return submit_form(form, lambda: services.update_user(
        user, acting=current_user, name=form.name.data, role=Role(form.role.data),
        active=form.active.data, password=form.password.data or None),
        lambda _result: _("Das Konto von %(name)s wurde gespeichert.", name=user.name),
        url_for("auth.list_users")) \
        or render_template("auth/user_form.html", form=form, user=user)

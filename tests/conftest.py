"""Fixture chain app → db → client, on SQLite and on PostgreSQL.

Every test that uses `app` runs twice: once on a SQLite file, once on a
PostgreSQL database the session creates and drops. Both are built with the
real migrations. Locally a missing PostgreSQL skips with a printed reason;
under CI=true it fails instead.
"""
import contextlib
import contextvars
import csv
import io
import logging
import os
import re
import uuid

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade

from app import create_app
from app.extensions import db as _db
from app.extensions import limiter
from config import TestConfig

IN_CI = os.environ.get("CI") == "true"
PG_ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg:///postgres")


def missing(reason: str):
    """Skip locally with the reason printed; under CI a missing part is a failure."""
    if IN_CI:
        pytest.fail(f"required for CI but missing: {reason}", pytrace=False)
    pytest.skip(reason)


def _pg_admin_engine() -> sa.Engine:
    return sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


@contextlib.contextmanager
def temporary_postgres_database(prefix: str = "werkstatt_test"):
    """Create a PostgreSQL database, yield its URL, drop it; skip or fail if there is none."""
    engine = _pg_admin_engine()
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "not here"
        engine.dispose()
        missing(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


class ServerErrors(logging.Handler):
    """Every error the app logs (the 500 handler logs each unhandled exception with its
    traceback), and every error of the threaded test servers. A 500 is a bug even where a
    test only looks at pages, so each test fails on any (see `no_server_errors`)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def report(self) -> str:
        return "\n".join(self.format(r) for r in self.records)


SERVER_ERRORS = ServerErrors()
SERVER_ERRORS.setFormatter(logging.Formatter("%(name)s: %(message)s"))
# Flask's app.logger is named after the package ("app"); werkzeug's server logs what escapes.
for _name in ("app", "werkzeug"):
    logging.getLogger(_name).addHandler(SERVER_ERRORS)


@pytest.fixture
def server_errors():
    """The errors the app logged during this test; a test that provokes one on purpose
    asserts on them and clears the list."""
    return SERVER_ERRORS.records


@pytest.fixture(autouse=True)
def no_server_errors():
    """Fail every test during which the app logged an unhandled error."""
    SERVER_ERRORS.records.clear()
    yield
    errors = SERVER_ERRORS.report()
    SERVER_ERRORS.records.clear()
    assert not errors, f"the server logged errors during the test:\n{errors}"


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    with temporary_postgres_database() as url:
        yield url


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    return request.getfixturevalue("postgres_url")


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    Tests hold an app context open for their factories; without this, requests
    would share its `g` (cached CSRF token, loaded user) and its DB session.
    """

    def open(self, *args, **kwargs):
        # End the test's own transaction first: on SQLite it may hold the write lock.
        _db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    """The application on a migrated database (once per backend and session)."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url,
                     MAIL_FILE_DIR=str(tmp_path_factory.mktemp("mail")))
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        _db.engine.dispose()


def _empty_all_tables():
    tables = list(reversed(_db.metadata.sorted_tables))
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def db(app):
    """The database inside an app context, emptied after each test."""
    with app.app_context():
        yield _db
        _db.session.remove()
        _empty_all_tables()
        limiter.reset()


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


@contextlib.contextmanager
def counted_statements(db):
    """Collect every SQL statement sent while the block runs (for queries-per-page tests)."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_from(client, url: str) -> str:
    """The CSRF token of the session, read from a page that carries a form."""
    html = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def read_csv(response, filename: str | None = None) -> list[dict]:
    """The rows of one of our spreadsheet downloads (UTF-8 with a byte-order mark, `;`);
    with `filename`, also that it is one: 200, CSV, an attachment of that name."""
    if filename is not None:
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    body = response.get_data().decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:]), delimiter=";"))


def login(client, email: str, password: str):
    token = csrf_from(client, "/manage/login")
    return client.post("/manage/login", data={"email": email, "password": password,
                                               "csrf_token": token})


@pytest.fixture
def login_as(client, db):
    """Create a user with a role and sign the test client in as them."""
    from tests.factories import make_user

    def _login_as(role: str = "staff", **overrides):
        user = make_user(role=role, **overrides)
        response = login(client, user.email, "correct horse battery")
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return user

    return _login_as
from tests.smtp import smtp_server  # noqa: E402,F401  (fixture shared by mail and browser tests)

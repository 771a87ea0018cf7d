"""WSGI entry for the live concurrency tests: `gunicorn tests.live.wsgi_test:app`.

Test-only switches live here, never in production code paths. Read from the
environment:

- TEST_APP_DATABASE_URL  the database (required)
- TEST_APP_LOCKING       "0" turns REGISTRATION_LOCKING off (only the control test does)
- TEST_APP_MAIL_DIR      where the file mail backend may write (mails stay in the outbox anyway)
- TEST_APP_READY_DIR     each worker drops a file named after its pid here once the app is built,
                         so the fixture can wait until every worker is up

Rate limits are off: 200 people from one loopback address would otherwise be throttled.
Every response carries X-Worker-Pid so a test can show several workers served it.
"""
import os
import tempfile
from pathlib import Path

from app import create_app
from config import TestConfig

app = create_app(
    TestConfig,
    SQLALCHEMY_DATABASE_URI=os.environ["TEST_APP_DATABASE_URL"],
    REGISTRATION_LOCKING=os.environ.get("TEST_APP_LOCKING", "1") != "0",
    RATELIMIT_ENABLED=False,
    # Behave like a deployed server: errors become 500 pages, not propagated exceptions.
    TESTING=False,
    # The clients ask for 127.0.0.1:<port>; TestConfig's SERVER_NAME is "localhost".
    TRUSTED_HOSTS=["127.0.0.1", "localhost"],
    MAIL_FILE_DIR=os.environ.get("TEST_APP_MAIL_DIR", tempfile.gettempdir()),
)


class _WorkerPid:
    """Add the serving worker's pid to every response."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        def _start(status, headers, exc_info=None):
            return start_response(status, [*headers, ("X-Worker-Pid", str(os.getpid()))], exc_info)
        return self.wsgi_app(environ, _start)


app.wsgi_app = _WorkerPid(app.wsgi_app)

if ready_dir := os.environ.get("TEST_APP_READY_DIR"):
    (Path(ready_dir) / str(os.getpid())).touch()

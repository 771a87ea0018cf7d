"""Live servers for the concurrency tests: real gunicorn workers on a free loopback port.

The tests here do not use the `app → db → client` chain: they start
`gunicorn tests.live.wsgi_test:app` as a subprocess (several worker processes,
each with its own connection pool) and talk to it over HTTP, as browsers would.
The test process itself only creates editions and reads results, through an
app of its own bound to the same database.

PostgreSQL gets a database of its own for this module (created, migrated and
dropped here), so its rows never meet the other tests' truncate-after-each-test.
Locally a missing PostgreSQL skips; under CI=true it fails (tests.conftest.missing).
"""
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from flask_migrate import upgrade

from app import create_app
from app.extensions import db as _db
from config import TestConfig
from tests.conftest import temporary_postgres_database

# wsgi_test.py matches pytest's *_test.py pattern but is gunicorn's entry, not tests.
collect_ignore = ["wsgi_test.py"]

REPO_ROOT = Path(__file__).resolve().parents[2]
BOOT_TIMEOUT = 60  # seconds until every worker of a server must answer


def make_data_app(database_url: str):
    """An app in the test process, bound to the live database: builds editions, reads results."""
    return create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, RATELIMIT_ENABLED=False)


def migrate(database_url: str) -> None:
    """Bring a database to the newest schema with the real migrations."""
    app = make_data_app(database_url)
    with app.app_context():
        upgrade()
        _db.engine.dispose()


@pytest.fixture(scope="session")
def live_postgres_url():
    """A migrated PostgreSQL database of its own for the live tests, dropped at the end."""
    with temporary_postgres_database("werkstatt_live") as url:
        migrate(url)
        yield url


@pytest.fixture
def live_sqlite_url(tmp_path):
    """A migrated SQLite file database (WAL mode is set by the app on every connection)."""
    url = f"sqlite:///{tmp_path / 'live.db'}"
    migrate(url)
    return url


@pytest.fixture
def data_app():
    """Factory: the test process's own app for a database URL (engines disposed at the end)."""
    apps = []

    def _data_app(database_url: str):
        app = make_data_app(database_url)
        apps.append(app)
        return app

    yield _data_app
    for app in apps:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()


class LiveServer:
    """One running gunicorn: its address and the pids of its workers."""

    def __init__(self, process: subprocess.Popen, base_url: str, log_path: Path,
                 worker_pids: set[int]):
        self.process = process
        self.base_url = base_url
        self.log_path = log_path
        self.worker_pids = worker_pids

    def client(self, **kwargs) -> httpx.Client:
        """A fresh visitor: its own cookie jar and connection, redirects not followed."""
        # Plain HTTP on loopback: verify=False only skips loading the CA bundle (~70 ms a client).
        return httpx.Client(base_url=self.base_url, follow_redirects=False, verify=False,
                            timeout=kwargs.pop("timeout", 60), **kwargs)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # graceful: workers finish, then exit
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def _listening_socket() -> socket.socket:
    """A socket bound to a free loopback port, handed to gunicorn (no port race)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def start_gunicorn(database_url: str, workdir: Path, *, workers: int = 4,
                   locking: bool = True) -> LiveServer:
    """Start gunicorn with `workers` sync workers and wait until every one of them answers."""
    sock = _listening_socket()
    port = sock.getsockname()[1]
    ready_dir = workdir / f"ready-{port}"
    ready_dir.mkdir(parents=True)
    (workdir / "mail").mkdir(exist_ok=True)
    log_path = workdir / f"gunicorn-{port}.log"
    env = {
        **os.environ,
        "TEST_APP_DATABASE_URL": database_url,
        "TEST_APP_LOCKING": "1" if locking else "0",
        "TEST_APP_MAIL_DIR": str(workdir / "mail"),
        "TEST_APP_READY_DIR": str(ready_dir),
        "PYTHONUNBUFFERED": "1",
    }
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "tests.live.wsgi_test:app",
             "--bind", f"fd://{sock.fileno()}", "--workers", str(workers),
             "--worker-class", "sync", "--timeout", "120", "--graceful-timeout", "10",
             "--backlog", "2048", "--error-logfile", "-", "--log-level", "warning"],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            pass_fds=(sock.fileno(),))
    sock.close()  # gunicorn has its own copy
    server = LiveServer(process, f"http://127.0.0.1:{port}", log_path, set())
    deadline = time.monotonic() + BOOT_TIMEOUT
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{server.log()}")
        booted = {int(p.name) for p in ready_dir.iterdir()}
        if len(booted) >= workers:
            try:
                with server.client(timeout=5) as client:
                    if client.get("/").status_code < 500:
                        server.worker_pids = booted
                        return server
            except httpx.TransportError:
                pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"gunicorn did not come up in {BOOT_TIMEOUT}s:\n{server.log()}")
        time.sleep(0.1)


def start_worker(database_url: str, workdir: Path, smtp_port: int,
                 interval: float = 0.2) -> subprocess.Popen:
    """Start `flask worker` (the outbox worker) as its own process, sending to SMTP on 127.0.0.1.

    It runs until SIGTERM; on exit it prints "Worker stopped; N mail(s) sent." to its log.
    The caller stops it (stop_process) whatever happens.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "TEST_APP_DATABASE_URL": database_url,
        "TEST_APP_MAIL_DIR": str(workdir),
        "MAIL_BACKEND": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "PYTHONUNBUFFERED": "1",
    }
    log = open(workdir / "worker.log", "wb")  # noqa: SIM115 - the child keeps writing to it
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "tests.live.wsgi_test:app", "worker",
             "--interval", str(interval)],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    finally:
        log.close()


def stop_process(process: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM (graceful), then SIGKILL if it does not end in time."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


_TIMINGS: list[str] = []


@pytest.fixture
def timings():
    """note(line): print a timing and repeat it in the summary at the end of the run."""
    def _note(line: str) -> None:
        print(f"  {line}")
        _TIMINGS.append(line)
    return _note


def pytest_terminal_summary(terminalreporter):
    if _TIMINGS:
        terminalreporter.write_sep("-", "live concurrency timings")
        for line in _TIMINGS:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def _running_servers(tmp_path_factory):
    """Servers by (database_url, workers, locking), shared by the tests of a session.

    A boot costs every worker an import of the app; tests that want the same
    server get the same one (each works on an edition of its own).
    """
    servers: dict[tuple, LiveServer] = {}
    yield servers, tmp_path_factory.mktemp("gunicorn")
    for server in servers.values():
        with contextlib.suppress(Exception):
            server.stop()


@pytest.fixture
def gunicorn_server(_running_servers):
    """Factory: gunicorn_server(database_url, workers=4, locking=True) -> LiveServer.

    Starts `gunicorn tests.live.wsgi_test:app` on a free loopback port (or
    reuses the one already running with these settings); all are terminated at
    the end of the session. Whatever a server logged during the test (tracebacks
    of 500s land there) is printed after it.
    """
    servers, workdir = _running_servers
    log_offsets: list[tuple[LiveServer, int]] = []

    def _start(database_url: str, workers: int = 4, locking: bool = True) -> LiveServer:
        key = (database_url, workers, locking)
        if key not in servers or servers[key].process.poll() is not None:
            started = time.monotonic()
            servers[key] = start_gunicorn(database_url, workdir / f"server-{len(servers)}",
                                          workers=workers, locking=locking)
            line = (f"gunicorn {servers[key].base_url} ({workers} workers, locking={locking})"
                    f" up in {time.monotonic() - started:.1f}s")
            print(f"\n  {line}")
            _TIMINGS.append(line)
        server = servers[key]
        log_offsets.append((server, len(server.log())))
        return server

    yield _start
    tracebacks = []
    for server, offset in log_offsets:
        if new := server.log()[offset:].strip():
            print(f"\n--- gunicorn log {server.base_url} ---\n{new[-20000:]}")
            if "Traceback (most recent call last)" in new:
                tracebacks.append(server.base_url)
    # A traceback in the log is a 500 someone got (or a worker that crashed): a failure,
    # even where the test only counted registrations.
    assert not tracebacks, f"tracebacks in the server log of {tracebacks} (printed above)"

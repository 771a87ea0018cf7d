"""A live server on 127.0.0.1 with the demo data, and Debian's Chromium driven by Playwright."""
import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from config import TestConfig
from tests.conftest import missing

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Keep Chromium off the network (see ARCHITECTURE.md, "Chromium as root").
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-features=Translate,OptimizationHints"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


class LiveServer(str):
    """The server's base URL (a str, as tests build URLs from it) that also knows its app."""

    app = None


def demo_app(directory: Path, **config):
    """The app on a new SQLite file in `directory`, migrated and loaded with the demo data."""
    from flask_migrate import upgrade

    from app.demo import load_demo

    config.setdefault("MAIL_FILE_DIR", str(directory / "mail"))
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{directory / 'live.db'}",
                     **config)
    with app.app_context():
        upgrade()
        load_demo()
        db.session.remove()
    return app


@contextmanager
def serving(app):
    """Serve `app` with a real HTTP server in a thread; yield its base URL.

    The server runs in the test process: whatever it logs as an error (the traceback of a
    500, an exception escaping to werkzeug) reaches tests.conftest.SERVER_ERRORS, and the
    test during which it happened fails (`no_server_errors`).
    """
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # Links in mails must lead back to this server.
    app.config["SERVER_NAME"] = f"127.0.0.1:{server.server_port}"
    app.config["TRUSTED_HOSTS"] = ["127.0.0.1"]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = LiveServer(f"http://127.0.0.1:{server.server_port}")
    url.app = app
    try:
        yield url
    finally:
        server.shutdown()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app with demo data, served by a real HTTP server in a thread."""
    with serving(demo_app(tmp_path_factory.mktemp("live"))) as url:
        yield url


@pytest.fixture
def smtp_live_server(tmp_path, smtp_server):
    """A live server of its own (fresh demo data, shared with no other test) whose mail
    worker sends through the real SMTP server of the `smtp_server` fixture."""
    app = demo_app(tmp_path, MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1",
                   SMTP_PORT=smtp_server.port)
    with serving(app) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if os.environ.get("BROWSER_TESTS_REQUIRED"):  # set by `make test`: never pass half-run
            pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium",
                        pytrace=False)
        missing(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class RequestLog:
    """Every URL a page asked for; the test asserts none left 127.0.0.1."""

    def __init__(self):
        self.urls: list[str] = []

    def record(self, request):
        self.urls.append(request.url)

    def foreign(self) -> list[str]:
        return [u for u in self.urls
                if urlsplit(u).scheme not in ("data", "blob", "about")
                and urlsplit(u).hostname != "127.0.0.1"]


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(10_000)
    log = RequestLog()
    page.on("request", log.record)
    page.request_log = log
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    name = request.node.name.replace("/", "_").replace("[", "-").replace("]", "")[:120]
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()
    assert log.foreign() == [], f"requests left 127.0.0.1: {log.foreign()}"


def axe_violations(page) -> list[str]:
    """Run axe-core on the page; return one line per violation (empty: accessible)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS},
                                       "resultTypes": ["violations"]})
    return [f"{v['id']}: {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]]


@pytest.fixture
def new_page(browser):
    """Open more pages, each in its own browser context (another person, another device);
    like `page`, the test fails if any of them requested anything outside 127.0.0.1."""
    contexts, logs = [], []

    def open_page(viewport=None, **options):
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900},
                                      locale=options.pop("locale", "de-DE"), **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        log = RequestLog()
        logs.append(log)
        page.on("request", log.record)
        page.request_log = log
        return page

    yield open_page
    for context in contexts:
        context.close()
    foreign = [url for log in logs for url in log.foreign()]
    assert foreign == [], f"requests left 127.0.0.1: {foreign}"

"""Every page is valid HTML: the Nu HTML Checker (vnu.jar from npm) finds no errors.

A crawl of the demo app follows every link from the home page as a visitor and from the staff
dashboard as an admin, in German and in English, plus a personal page and the pages a person
reaches by registering. The HTML goes into files that one run of the checker reads: a JVM
start costs seconds, so it starts once. Warnings are allowed; errors are not.
"""
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest

from tests.browser.conftest import demo_app
from tests.conftest import login, missing
from tests.registration.conftest import register, token_for

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# Not pages: downloads, feeds and the JSON API.
SKIP = re.compile(r"\.(pdf|ics|csv|json|atom|xml|png|jpe?g|webp)$|^/(static|api)/")
# Pages that differ only in a number (person 12, person 13) use the same template: one of each.
NUMBER_SEGMENT = re.compile(r"/\d+(?=/|$)")
MAX_PAGES_PER_CRAWL = 250


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def crawl(client, start: list[str]) -> dict[str, str]:
    """GET every same-site page reachable from `start`; return HTML by URL."""
    pages: dict[str, str] = {}
    seen_kinds: set[str] = set()
    queue = list(start)
    while queue and len(pages) < MAX_PAGES_PER_CRAWL:
        path = queue.pop(0)
        kind = NUMBER_SEGMENT.sub("/N", path)
        if kind in seen_kinds:
            continue
        seen_kinds.add(kind)
        response = client.get(path)
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        pages[path] = html
        parser = Links()
        parser.feed(html)
        for href in parser.hrefs:
            parts = urlsplit(urldefrag(href).url)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue  # another site, mailto:, or a fragment of this page
            # Queries only filter or switch the language (which stays as the crawl set it).
            if not SKIP.search(parts.path) and parts.path != "/manage/logout":
                queue.append(parts.path)
    return pages


# A page with one known error: if the checker did not report it, it checked nothing (a wrong
# path, say, makes vnu answer with no messages at all), and the test must not pass.
CANARY = ('<!doctype html><html lang="en"><head><title>canary</title></head><body>'
          '<p><time datetime="2026-12-03T15:58:12.123456+00:00">now</time></p></body></html>')


def validate(pages: dict[str, str], directory: Path) -> list[str]:
    """Run the Nu HTML Checker once over all pages; one line per error."""
    files = {}
    for n, (label, html) in enumerate(sorted(pages.items())):
        files[f"page-{n:04d}.html"] = (label, html)
    files["canary.html"] = ("canary", CANARY)
    for name, (_, html) in files.items():
        (directory / name).write_text(html, encoding="utf-8")
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always",
         *(str(directory / name) for name in files)],
        capture_output=True, text=True, timeout=600, check=True)
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [(files[m["url"].rsplit("/", 1)[-1]][0] if m.get("url") else "?",
               f"{m.get('lastLine')}: {m['message']} — {m.get('extract', '').strip()[:120]!r}")
              for m in messages if m["type"] != "info"]
    assert [label for label, _ in errors].count("canary") == 1, "the checker checked nothing"
    return [f"{label}:{error}" for label, error in errors if label != "canary"]


@pytest.fixture(scope="module")
def checker():
    if not shutil.which("java"):
        missing("Java not found (apt-get install default-jre-headless)")
    if not VNU_JAR.exists():
        missing(f"{VNU_JAR.relative_to(ROOT)} not found (make setup runs npm ci)")


def test_every_public_and_staff_page_is_valid_html_in_both_languages(checker, tmp_path):
    app = demo_app(tmp_path)
    pages: dict[str, str] = {}
    for lang in ("de", "en"):
        visitor = app.test_client()
        visitor.get(f"/?lang={lang}")
        for path, html in crawl(visitor, ["/", "/no-such-page"]).items():
            pages[f"visitor {lang} {path}"] = html
        # A person's own pages: the form sent, then the personal link from the mail.
        with app.app_context():
            from app.extensions import db
            submitted = register(visitor, "innovationswerkstatt-7", email=f"vnu-{lang}@example.org")
            assert submitted.status_code == 303
            pages[f"visitor {lang} submitted"] = visitor.get(
                submitted.headers["Location"]).get_data(as_text=True)
            token = token_for(db, f"vnu-{lang}@example.org")
        for path, html in crawl(visitor, [f"/r/{token}"]).items():
            pages[f"visitor {lang} {path}"] = html
        staff = app.test_client()
        staff.get(f"/manage/login?lang={lang}")
        assert login(staff, "admin@example.org", "werkstatt-admin-demo").status_code == 303
        for path, html in crawl(staff, ["/manage/"]).items():
            pages[f"admin {lang} {path}"] = html
    assert len(pages) > 60  # the crawl reached the staff area, not just the login page
    assert validate(pages, tmp_path) == []

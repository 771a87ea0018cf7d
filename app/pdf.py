"""Our HTML to PDF with WeasyPrint, fetching nothing but our own static files.

WeasyPrint loads every URL it finds (stylesheets, fonts, images). User Markdown
can contain image URLs, so our fetcher serves files from static/ and refuses
everything else: rendering never makes a request to anywhere.
"""
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# A base URL that resolves nowhere; relative and /static/ URLs are resolved against it.
PDF_BASE_URL = "https://pdf.werkstatt.invalid/"


class StaticOnlyFetcher(URLFetcher):
    """Serve /static/... from the app's static folder; refuse every other URL."""

    def __init__(self, static_folder: str):
        super().__init__(allowed_protocols=("https",))
        self.static_root = Path(static_folder).resolve()

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme != "https" or parts.netloc != urlsplit(PDF_BASE_URL).netloc \
                or not parts.path.startswith("/static/"):
            raise ValueError(f"refused to fetch {url!r}: only our own static files")
        target = (self.static_root / unquote(parts.path.removeprefix("/static/"))).resolve()
        if self.static_root not in target.parents or not target.is_file():
            raise ValueError(f"no such static file: {url!r}")
        mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=target.read_bytes(),
                                  headers={"Content-Type": mime})


def render_pdf(html: str) -> bytes:
    """Render a complete HTML document (static files linked as /static/...) to PDF bytes."""
    fetcher = StaticOnlyFetcher(current_app.static_folder)
    return HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=fetcher).write_pdf()

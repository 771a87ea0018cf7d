"""Our HTML to PDF with WeasyPrint, fetching nothing but our own static files.

WeasyPrint loads every URL it finds (stylesheets, fonts, images). User Markdown
can contain image URLs, so our fetcher serves files from static/ and refuses
everything else: rendering never makes a request to anywhere. A caller may hand
over a few more files by path (a report's photos, read from the database).

Every PDF is PDF/UA-1, as a public body's documents must be accessible (BITV 2.0): tagged
(a structure tree built from the HTML: headings, lists, tables, figures), with the document
language from `<html lang>` and the title from `<title>`, which viewers show instead of the
file name. Templates therefore need both.
"""
import functools
import io
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

PDF_VARIANT = "pdf/ua-1"
# A base URL that resolves nowhere; relative and /static/ URLs are resolved against it.
PDF_BASE_URL = "https://pdf.werkstatt.invalid/"


class StaticOnlyFetcher(URLFetcher):
    """Serve /static/... from the app's static folder; refuse every other URL."""

    def __init__(self, static_folder: str, extra_files: dict[str, tuple[bytes, str]] | None = None):
        super().__init__(allowed_protocols=("https",))
        self.static_root = Path(static_folder).resolve()
        self.extra_files = extra_files or {}  # URL path → (body, content type)

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme == "https" and parts.netloc == urlsplit(PDF_BASE_URL).netloc \
                and not parts.query and parts.path in self.extra_files:
            body, mime = self.extra_files[parts.path]
            return URLFetcherResponse(url, body=body, headers={"Content-Type": mime})
        if parts.scheme != "https" or parts.netloc != urlsplit(PDF_BASE_URL).netloc \
                or not parts.path.startswith("/static/"):
            raise ValueError(f"refused to fetch {url!r}: only our own static files")
        target = (self.static_root / unquote(parts.path.removeprefix("/static/"))).resolve()
        if self.static_root not in target.parents or not target.is_file():
            raise ValueError(f"no such static file: {url!r}")
        if target.suffix == ".woff2":
            # WeasyPrint would decompress each WOFF2 font on every render (~0.3 s per face).
            return URLFetcherResponse(url, body=_woff2_as_sfnt(str(target)),
                                      headers={"Content-Type": "font/ttf"})
        mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=target.read_bytes(),
                                  headers={"Content-Type": mime})


@functools.lru_cache(maxsize=32)
def _woff2_as_sfnt(path: str) -> bytes:
    """One of our static WOFF2 fonts, decompressed once per process (a cache, not state)."""
    from fontTools.ttLib import woff2

    out = io.BytesIO()
    with open(path, "rb") as source:
        woff2.decompress(source, out)
    return out.getvalue()


def render_pdf(html: str, extra_files: dict[str, tuple[bytes, str]] | None = None) -> bytes:
    """Render a complete HTML document (static files linked as /static/...) to PDF bytes.

    `extra_files` maps URL paths to (body, content type) that may be fetched besides.
    """
    fetcher = StaticOnlyFetcher(current_app.static_folder, extra_files)
    return HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=fetcher).write_pdf(
        pdf_variant=PDF_VARIANT)

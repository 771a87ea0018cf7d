"""User Markdown to safe HTML: markdown-it-py with raw HTML off, then nh3."""
import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "hr", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitise_html(html: str) -> str:
    """Keep only harmless tags, attributes and link schemes."""
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes=URL_SCHEMES, link_rel="noopener noreferrer nofollow")


def render_markdown(text: str | None) -> Markup:
    """Render user Markdown to sanitised HTML for a template."""
    if not text:
        return Markup("")
    # Headings in user text start at h2: the page owns h1.
    html = _md.render(text).replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return Markup(sanitise_html(html))  # noqa: S704 - sanitised by nh3 just above

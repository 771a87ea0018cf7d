"""Report Markdown through the pipeline (markdown-it, raw HTML off, then nh3): nothing live.

A hostile corpus and hypothesis-generated Markdown go through `render_markdown` — the filter
every report text passes on output — and through the real report page. Nothing executable
comes out, and sanitising the output a second time changes nothing.
"""
import html
import re
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown, sanitise_html
from tests.conftest import csrf_from
from tests.reports.conftest import make_held_event, make_report

SCHEMES = ("javascript", "JaVaScRiPt", "data", "vbscript", "java\tscript", "java&#x09;script",
           "&#106;avascript", "&#x6A;avascript", "jav&#x0A;ascript", "  javascript", "\x01javascript",
           "%6Aavascript", "javascript&colon;", "data&colon;text/html")

CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)><circle r=1 /></svg>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"javascript:alert(1)\">",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<p onclick=\"alert(1)\">x</p>",
    "<body onload=alert(1)>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<meta http-equiv=refresh content=\"0;url=javascript:alert(1)\">",
    "<base href=\"https://evil.example/\">",
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "<style>@import 'https://evil.example/x.css';</style>",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "![x](javascript:alert(1))",
    "![x](https://evil.example/tracker.png)",
    "[x](https://example.org \"title\" onmouseover=alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x]: javascript:alert(1)\n\n[y][x]",
    "<javascript:alert(1)>",
    "<https://example.org/\" onmouseover=\"alert(1)>",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<input autofocus onfocus=alert(1)>",
    "\"><script>alert(1)</script>",
    "'';!--\"<XSS>=&{()}",
    "<a href=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112"
    "&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088"
    "&#0000083&#0000083&#0000039&#0000041\">x</a>",
    "> " * 300 + "deep quote",
    "- " * 200 + "deep list",
    "[" * 500 + "x" + "](javascript:alert(1))" * 100,
    "*" * 2000 + "emphasis" + "*" * 2000,
    "<div>" * 1000 + "nested" + "</div>" * 1000,
] + [f"[x]({scheme}:alert(1))" for scheme in SCHEMES] + \
    [f"<a href=\"{scheme}:alert(1)\">x</a>" for scheme in SCHEMES] + \
    [f"[x]({scheme}:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)" for scheme in SCHEMES]

SAFE_SCHEMES = ("http:", "https:", "mailto:")


class _Collector(HTMLParser):
    """Every start tag with its attributes, as a browser would see them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def assert_nothing_live(output: str) -> None:
    """Only allowed tags and attributes; links only to http(s) and mailto; no handlers."""
    collector = _Collector()
    collector.feed(output)
    collector.close()
    allowed_attrs = {tag: set(attrs) | {"rel"} for tag, attrs in ALLOWED_ATTRIBUTES.items()}
    for tag, attrs in collector.tags:
        assert tag in ALLOWED_TAGS, (tag, output[:300])
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name in allowed_attrs.get(tag, set()), (tag, name, output[:300])
            if name == "href":
                # As the URL standard parses it: tabs and newlines removed anywhere, C0
                # controls and spaces stripped at the ends, then a scheme if there is one.
                cleaned = re.sub(r"[\t\n\r]", "", html.unescape(value or ""))
                cleaned = cleaned.strip("".join(map(chr, range(0x21)))).lower()
                scheme = re.match(r"^([a-z][a-z0-9+.-]*):", cleaned)
                assert scheme is None or f"{scheme.group(1)}:" in SAFE_SCHEMES, \
                    (value, output[:300])
    lowered = output.lower()
    # Text may mention "javascript:" harmlessly (escaped, not a link); a raw "<" may not.
    for needle in ("<script", "<iframe", "<svg", "<img", "<object", "<embed", "<style",
                   "<form", "<input", "<base", "<meta", "<link", "<math"):
        assert needle not in lowered, (needle, output[:300])


@pytest.mark.parametrize("text", CORPUS)
def test_hostile_markdown_comes_out_inert_and_stable(text):
    output = str(render_markdown(text))
    assert_nothing_live(output)
    assert sanitise_html(output) == output


MARKDOWN_BITS = st.sampled_from([
    "<", ">", "&", "\"", "'", "`", "*", "_", "[", "]", "(", ")", "!", "#", "-", "|", ":", "\n",
    "\n\n", "> ", "- ", "1. ", "```", "<script>", "</script>", "<a href=", "javascript:",
    "JAVAscript:", "data:", "on", "onerror=", "<img src=x ", "<svg>", "<iframe>", "&#x6A;",
    "&#106;", "&colon;", "https://example.org", "mailto:a@example.org", "\t", "\x00", "\u200b",
    "<!--", "-->", "<![CDATA[", "style=", "text", "Überschrift", " ",
])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(MARKDOWN_BITS | st.text(max_size=8), max_size=60).map("".join))
def test_generated_markdown_comes_out_inert_and_stable(text):
    output = str(render_markdown(text))
    assert_nothing_live(output)
    assert sanitise_html(output) == output


def test_hostile_report_texts_are_inert_on_the_public_page_and_stored_raw(client, db, login_as):
    login_as("staff")
    event = make_held_event()
    make_report(event)
    hostile = "<script>alert('intro')</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
    token = csrf_from(client, f"/manage/events/{event.slug}/report")
    response = client.post(f"/manage/events/{event.slug}/report",
                           data={"csrf_token": token, "introduction": hostile,
                                 "closing": "<svg onload=alert(2)>", "action": "save"})
    assert response.status_code == 303
    from app.models import Report
    stored = db.session.get(Report, 1) or db.session.scalars(db.select(Report)).one()
    assert stored.introduction == hostile  # the raw text is what is stored
    page = client.get(f"/events/{event.slug}/report").get_data(as_text=True)
    intro = re.search(r'<div class="prose report-intro">(.*?)</div>', page, re.S).group(1)
    assert_nothing_live(intro)
    article = page[page.index('<article class="report">'):page.index("</article>")]
    assert "<script" not in article and "<svg" not in article
    assert not re.search(r"<[^>]*\son\w+\s*=", article)  # no event handler attribute
    assert 'href="javascript' not in article.lower()
    assert "&lt;script&gt;alert('intro')&lt;/script&gt;" in intro  # shown as text

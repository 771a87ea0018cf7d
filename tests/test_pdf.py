"""Every PDF the app makes is accessible (PDF/UA): tagged, with its language, a title, a
structure tree, text that reads back, and only the app's own fonts."""
import io

import pytest
from pypdf import PdfReader

from tests.conftest import login

# The demo data: edition 7 is open for registration, edition 6 was held and has its report
# and its breakout groups.
PDFS = {
    "agenda": ("/events/innovationswerkstatt-7/agenda.pdf",
               {"de": "Programm: Innovationswerkstatt #7",
                "en": "Programme: Innovationswerkstatt #7"},
               {"/H1", "/Table", "/TH", "/TD"}),
    "report": ("/events/innovationswerkstatt-6/report.pdf",
               {"de": "Bericht: Wie können Daten den Alltag von Familien erleichtern?",
                "en": "Report: Wie können Daten den Alltag von Familien erleichtern?"},
               {"/H1", "/H2", "/H3", "/Figure", "/Table", "/L", "/LI"}),
    "signin": ("/manage/events/innovationswerkstatt-7/signin-sheet.pdf",
               {"de": "Unterschriftenliste: Innovationswerkstatt #7",
                "en": "Sign-in sheet: Innovationswerkstatt #7"},
               {"/H1", "/Table", "/TH", "/TD"}),
    "groups": ("/manage/events/innovationswerkstatt-6/breakouts/groups.pdf",
               {"de": "Gruppenlisten: Innovationswerkstatt #6",
                "en": "Group lists: Innovationswerkstatt #6"},
               {"/H1", "/P"}),  # the demo's groups of edition 6 have no members
}
# Text each PDF must give back to a screen reader or a copy-and-paste, per language.
TEXT = {
    "agenda": {"de": ["Ablaufplan", "Alle Zeiten in deutscher Ortszeit (Berlin)."],
               "en": ["Programme", "All times are German local time (Berlin)."]},
    "report": {"de": ["Auf einen Blick", "Wie können Daten den Alltag von Familien erleichtern?"],
               "en": ["At a glance", "Wie können Daten den Alltag von Familien erleichtern?"]},
    "signin": {"de": ["Mit meiner Unterschrift bestätige ich meine Teilnahme."],
               "en": ["With my signature I confirm my participation."]},
    "groups": {"de": ["Thema: Hürden im Alltag", "Noch niemand in dieser Gruppe."],
               "en": ["Topic: Hürden im Alltag", "Nobody in this group yet."]},
}


@pytest.fixture
def demo(runner, db):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output


def structure_types(node, seen=None) -> set[str]:
    """The structure element types (/H1, /Table, …) under a node of the structure tree."""
    seen = set() if seen is None else seen
    node = node.get_object()
    if isinstance(node, list):
        for child in node:
            structure_types(child, seen)
        return seen
    if not hasattr(node, "get"):
        return seen  # a marked-content id: the leaves
    if node.get("/S") is not None:
        seen.add(str(node["/S"]))
    if node.get("/K") is not None:
        structure_types(node["/K"], seen)
    return seen


def font_names(reader: PdfReader) -> set[str]:
    """The base font names used on any page (subset prefix removed)."""
    names = set()
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for font in fonts.values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_pdf_is_tagged_in_its_language_with_a_title_and_our_fonts(client, demo, lang):
    assert login(client, "team@example.org", "werkstatt-team-demo").status_code == 303
    for kind, (url, titles, structure) in PDFS.items():
        response = client.get(f"{url}?lang={lang}")
        assert response.status_code == 200, kind
        assert response.content_type == "application/pdf", kind
        reader = PdfReader(io.BytesIO(response.data))
        root = reader.trailer["/Root"]
        assert root["/MarkInfo"]["/Marked"].value is True, kind  # pdfinfo: "Tagged: yes"
        assert root["/Lang"] == lang, kind
        assert structure <= structure_types(root["/StructTreeRoot"]["/K"]), kind
        assert reader.metadata.title == titles[lang], kind
        # Viewers show the title, not the file name (PDF/UA).
        assert root["/ViewerPreferences"]["/DisplayDocTitle"].value is True, kind
        text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
        for expected in TEXT[kind][lang]:
            assert expected in text, (kind, expected)
        # The app's fonts everywhere, the page margins (footer, page numbers) included.
        assert {name.split("-")[0] for name in font_names(reader)} == {"Fira"}, \
            (kind, font_names(reader))

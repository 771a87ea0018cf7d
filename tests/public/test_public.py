"""The public pages in German and English."""
from datetime import timedelta

import pytest

from app.models import EventFormat, EventStatus
from app.models.base import utcnow
from tests.factories import berlin, make_event, make_series


def test_home_lists_upcoming_editions_first_then_past_ones(client, db):
    series = make_series(name="Innovationswerkstatt")
    make_event(series, title="Vergangene Ausgabe", starts_at=utcnow() - timedelta(days=60))
    make_event(series, title="Spätere Ausgabe", starts_at=utcnow() + timedelta(days=90))
    make_event(series, title="Nächste Ausgabe", starts_at=utcnow() + timedelta(days=10))
    make_event(series, title="Geheimer Entwurf", status=EventStatus.DRAFT)
    html = client.get("/").get_data(as_text=True)
    positions = [html.index(t) for t in ("Nächste Termine", "Nächste Ausgabe", "Spätere Ausgabe",
                                         "Vergangene Ausgaben", "Vergangene Ausgabe")]
    assert positions == sorted(positions)
    assert "Geheimer Entwurf" not in html


def test_a_draft_is_not_public(client, db):
    event = make_event(status=EventStatus.DRAFT)
    assert client.get(f"/events/{event.slug}").status_code == 404


def test_event_page_shows_date_in_berlin_time_format_speakers_and_seats(client, db):
    event = make_event(title="Wie können Daten den Alltag von Familien erleichtern?",
                       starts_at=berlin(2030, 12, 10, 17), ends_at=berlin(2030, 12, 10, 18, 30),
                       capacity=30, speakers=[("Sam Exempel", "Verein für Stadtkarten")])
    html = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "Dienstag, 10. Dezember 2030" in html
    assert "17:00–18:30 Uhr" in html
    assert "Online" in html
    assert "Sam Exempel" in html and "Verein für Stadtkarten" in html
    assert "30 von 30 Plätzen frei" in html
    assert "Die Anmeldung ist geöffnet." in html


def test_event_page_in_english(client, db):
    event = make_event(starts_at=berlin(2030, 12, 10, 17), ends_at=berlin(2030, 12, 10, 18, 30),
                       capacity=30, format=EventFormat.HYBRID, venue="Musterstraße 1, Berlin")
    html = client.get(f"/events/{event.slug}?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Tuesday, December 10, 2030" in html
    assert "30 of 30 seats available" in html
    assert "Musterstraße 1, Berlin" in html
    assert "Plätzen" not in html


def test_summer_time_is_shown_as_local_time(client, db):
    event = make_event(starts_at=berlin(2030, 7, 2, 17), ends_at=berlin(2030, 7, 2, 18, 30))
    assert event.starts_at.hour == 15  # CEST is UTC+2
    assert "17:00–18:30 Uhr" in client.get(f"/events/{event.slug}").get_data(as_text=True)


def test_a_cancelled_edition_says_so(client, db):
    event = make_event(status=EventStatus.CANCELLED)
    html = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "Diese Ausgabe wurde abgesagt." in html
    assert "Plätzen frei" not in html


def test_description_markdown_is_rendered_and_sanitised(client, db):
    event = make_event(description=(
        "Ein **wichtiger** Punkt.\n\n<script>alert(1)</script>\n\n"
        "[Klick](javascript:alert(2)) <img src=x onerror=alert(3)> [ok](https://example.org)"))
    html = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "<strong>wichtiger</strong>" in html
    assert "<script>alert" not in html
    assert "href=\"javascript:" not in html
    assert "onerror" not in html.replace("&lt;img src=x onerror=alert(3)&gt;", "")
    assert 'href="https://example.org"' in html


def test_the_language_choice_is_remembered(client, db):
    client.get("/?lang=en")
    html = client.get("/privacy").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Privacy notice" in html
    assert 'href="/privacy?lang=de"' in html  # the switch back
    client.get("/?lang=de")
    assert '<html lang="de">' in client.get("/privacy").get_data(as_text=True)


def test_an_unknown_language_falls_back_to_german(client, db):
    assert '<html lang="de">' in client.get("/?lang=xx").get_data(as_text=True)


@pytest.mark.parametrize(("url", "german", "english"), [
    ("/privacy", "Datenschutzerklärung", "Privacy notice"),
    ("/accessibility", "Erklärung zur Barrierefreiheit", "Accessibility statement"),
    ("/imprint", "Impressum", "Imprint"),
    ("/leichte-sprache", "Was ist die Innovations·werkstatt?", "What is the Innovationswerkstatt?"),
])
def test_legal_and_easy_language_pages_exist_in_both_languages(client, db, url, german, english):
    de = client.get(f"{url}?lang=de").get_data(as_text=True)
    en = client.get(f"{url}?lang=en").get_data(as_text=True)
    assert german in de and '<html lang="de">' in de
    assert english in en and '<html lang="en">' in en


def test_accessibility_statement_has_a_feedback_route(client, db):
    html = client.get("/accessibility").get_data(as_text=True)
    assert 'href="mailto:barrierefreiheit@example.org' in html
    assert "Schlichtungsverfahren" in html


def test_every_page_links_the_legal_pages_and_easy_language_in_the_footer(client, db):
    html = client.get("/").get_data(as_text=True)
    footer = html[html.index("<footer"):]
    for href in ("/privacy", "/accessibility", "/imprint", "/leichte-sprache"):
        assert f'href="{href}"' in footer


def test_public_pages_query_count_does_not_grow_with_editions(app, client, db):
    from tests.conftest import counted_statements

    def queries_for(url):
        with counted_statements(db) as statements:
            client.get(url)
        return len(statements)

    series = make_series()
    make_event(series)
    few = queries_for("/")
    for _ in range(10):
        make_event(series, speakers=[("A", "B")])
    assert queries_for("/") == few


@pytest.mark.parametrize("lang, heading, caption", [("de", "Programm", "Ablaufplan"),
                                                    ("en", "Programme", "Programme")])
def test_event_page_shows_one_heading_above_the_programme(client, db, lang, heading, caption):
    from tests.factories import make_agenda_item
    event = make_event()
    make_agenda_item(event, title="Erster Impuls")
    html = client.get(f"/events/{event.slug}?lang={lang}").get_data(as_text=True)
    section = html[html.index('<section aria-labelledby="agenda-heading"'):]
    section = section[:section.index("</section>")]
    assert f'<h2 id="agenda-heading" class="kern-heading-medium">{heading}</h2>' in section
    # The table keeps its name for screen readers, but it is not a second visible heading.
    assert (f'<caption class="kern-title agenda-table__caption kern-sr-only">{caption}</caption>'
            in section)

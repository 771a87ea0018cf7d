"""Language of parts (WCAG 3.1.2): what staff wrote is in the edition's working language, and
a page in the other language marks it with `lang`; the event page says which language the
edition is held in."""
from app.domain.agenda import ItemKind
from tests.factories import make_agenda_item, make_event
from tests.registration.conftest import register, token_for
from tests.reports.conftest import make_attendee, make_group, make_held_event, make_report


def german_edition(**overrides):
    values = {"title": "Daten für Familien", "guiding_question": "Wer hilft wem?",
              "teaser": "Ein Abend über Daten.", "description": "Wir reden über *Daten*."}
    values.update(overrides)
    event = make_event(speakers=[("Sam Exempel", "Verein")], **values)
    event.speakers[0].role = "Geschäftsführerin"
    make_agenda_item(event, kind=ItemKind.INPUT, title="Erster Impuls",
                     description="Worum es *geht*.")
    return event


def test_english_event_page_marks_the_german_texts_and_says_the_event_is_in_german(client, db):
    event = german_edition()
    html = client.get(f"/events/{event.slug}?lang=en").get_data(as_text=True)
    assert '<h1 class="kern-heading-x-large" lang="de">Daten für Familien</h1>' in html
    assert '<p class="kern-subline kern-body--large" lang="de">Wer hilft wem?</p>' in html
    assert '<p class="kern-body kern-body--large" lang="de">Ein Abend über Daten.</p>' in html
    assert '<div class="prose" lang="de"><p>Wir reden über <em>Daten</em>.</p>' in html
    assert '<strong class="agenda-table__title" lang="de">Erster Impuls</strong>' in html
    assert '<div class="agenda-table__description" lang="de"><p>Worum es <em>geht</em>.</p>' \
        in html
    assert '<span class="kern-body--muted" lang="de">Geschäftsführerin</span>' in html
    assert "The event is held in German." in html


def test_german_event_page_needs_no_marks_for_a_german_edition(client, db):
    event = german_edition()
    html = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert html.count('lang="de"') == 1  # the page itself: <html lang="de">
    assert "Die Veranstaltung findet auf Deutsch statt." in html


def test_an_english_edition_is_marked_on_german_pages(client, db):
    event = german_edition(working_language="en", title="Data for families",
                           teaser="An evening about data.")
    html = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert '<h1 class="kern-heading-x-large" lang="en">Data for families</h1>' in html
    assert '<p class="kern-body kern-body--large" lang="en">An evening about data.</p>' in html
    assert "Die Veranstaltung findet auf Englisch statt." in html
    english = client.get(f"/events/{event.slug}?lang=en").get_data(as_text=True)
    assert english.count('lang="en"') == 1
    assert "The event is held in English." in english


def test_english_home_page_cards_mark_german_titles_and_teasers(client, db):
    event = german_edition()
    html = client.get("/?lang=en").get_data(as_text=True)
    assert (f'<a class="kern-link kern-link--stretched" href="/events/{event.slug}" lang="de">'
            "Daten für Familien</a>") in html
    assert '<p class="kern-body" lang="de">Ein Abend über Daten.</p>' in html


def test_english_register_form_and_personal_page_mark_the_german_title_and_topics(client, db):
    event = german_edition()
    make_group(event, topic="Vertrauen", title="Wann teilen Familien Daten?")
    html = client.get(f"/events/{event.slug}/register?lang=en").get_data(as_text=True)
    assert ('<h1 class="kern-heading-x-large">Registration: '
            '<span lang="de">Daten für Familien</span></h1>') in html
    assert '<ul class="kern-list topic-list" lang="de">' in html
    assert register(client, event.slug).status_code == 303
    personal = client.get(f"/r/{token_for(db, 'erika@example.org')}?lang=en")
    page = personal.get_data(as_text=True)
    assert ('<h1 class="kern-heading-x-large">Your registration: '
            '<span lang="de">Daten für Familien</span></h1>') in page


def test_english_report_page_marks_the_german_report_texts(client, db):
    event = make_held_event(title="Daten für Familien")
    make_group(event, topic="Vertrauen", title="Wann teilen Familien Daten?")
    make_attendee(event, "Erika Mustermann")
    make_report(event, learnings=("Vertrauen entsteht durch Verständlichkeit",),
                closing="Danke an alle.")
    html = client.get(f"/events/{event.slug}/report?lang=en").get_data(as_text=True)
    assert '<h1 class="kern-heading-x-large" lang="de">Daten für Familien</h1>' in html
    assert '<div class="prose report-intro" lang="de"><p>Eine <strong>Einleitung</strong>.' \
        in html
    assert ('<span lang="de">Vertrauen entsteht durch Verständlichkeit</span></h3>') in html
    assert '<div class="prose" lang="de"><p>Text zu Vertrauen entsteht' in html
    assert '<div class="prose" lang="de"><p>Danke an alle.</p>' in html
    assert "In closing" in html


def test_english_feed_marks_german_edition_titles_and_report_summaries(client, db):
    event = make_held_event(title="Daten für Familien")
    make_report(event)
    feed = client.get("/feed.atom?lang=en").get_data(as_text=True)
    assert f'<title xml:lang="de">{event.series.name} #{event.number}: Daten für Familien</title>' \
        in feed
    assert '<summary type="html" xml:lang="de">' in feed

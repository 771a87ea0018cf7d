"""The staff agenda editor and the published programme (page, PDF, calendar)."""
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.domain.agenda import ItemKind
from app.models import AgendaItem, Event, EventStatus
from tests.conftest import csrf_from
from tests.factories import berlin, make_agenda_item, make_event


@pytest.fixture
def evening(db):
    """An edition 17:00–18:30 Berlin with three items: 10 + 20 + 20 minutes."""
    event = make_event(starts_at=berlin(2030, 3, 12, 17), ends_at=berlin(2030, 3, 12, 18, 30),
                       speakers=[("Kim Beispiel", "Stadt Musterhausen")])
    for title, minutes in (("Begrüßung", 10), ("Erster Impuls", 20), ("Zweiter Impuls", 20)):
        make_agenda_item(event, title=title, duration_minutes=minutes)
    return event


def titles(event_id) -> list[str]:
    from app.extensions import db
    return list(db.session.scalars(sa.select(AgendaItem.title).where(
        AgendaItem.event_id == event_id).order_by(AgendaItem.position)))


def item_id(event_id, title) -> int:
    from app.extensions import db
    return db.session.scalar(sa.select(AgendaItem.id).where(
        AgendaItem.event_id == event_id, AgendaItem.title == title))


def post(client, url, data=None):
    return client.post(url, data={**(data or {}), "csrf_token": csrf_from(client, "/manage/")})


def item_form(**overrides):
    data = {"kind": "breakout", "title": "Arbeitsphase", "duration_minutes": "30",
            "pinned_start": "", "description": ""}
    data.update(overrides)
    return data


def test_editor_shows_each_item_with_its_derived_berlin_times(client, evening, login_as):
    login_as("staff")
    html = client.get(f"/manage/events/{evening.slug}/agenda").get_data(as_text=True)
    for times, title in (("17:00</time>–<time", "Begrüßung"), ("17:10</time>–<time", "Erster Impuls"),
                         ("17:30</time>–<time", "Zweiter Impuls")):
        assert times in html and title in html
    assert "Das Programm endet um 17:50, 40 Minuten vor dem Ende der Veranstaltung (18:30)." in html


def test_adding_an_item_appends_it_after_the_last_one(client, evening, login_as, db):
    login_as("staff")
    response = post(client, f"/manage/events/{evening.slug}/agenda/items",
                    item_form(speaker_ids=[str(evening.speakers[0].id)]))
    assert response.status_code == 303
    assert titles(evening.id) == ["Begrüßung", "Erster Impuls", "Zweiter Impuls", "Arbeitsphase"]
    html = client.get(f"/manage/events/{evening.slug}/agenda").get_data(as_text=True)
    assert "17:50</time>–<time" in html
    item = db.session.get(AgendaItem, item_id(evening.id, "Arbeitsphase"))
    assert [s.name for s in item.speakers] == ["Kim Beispiel"]


@pytest.mark.parametrize(("overrides", "message"), [
    ({"duration_minutes": "60"},
     "Endet um 18:50, 20 Minuten nach dem Ende der Veranstaltung (18:30)."),
    ({"pinned_start": "2030-03-12T16:30"},
     "Beginnt um 16:30, vor dem Beginn der Veranstaltung (17:00)."),
    ({"pinned_start": "2030-03-12T17:40"},
     "Überschneidet sich um 10 Minuten mit dem vorherigen Punkt (endet 17:50)."),
    ({"duration_minutes": "0"}, "Bitte eine Dauer von 1 bis 1440 Minuten."),
    ({"duration_minutes": "-5"}, "Bitte eine Dauer von 1 bis 1440 Minuten."),
    ({"duration_minutes": "zehn"}, "Keine gültige, ganze Zahl."),
    ({"title": ""}, "Bitte geben Sie einen Titel ein."),
    ({"title": "a\nb"}, "Bitte nur eine Zeile ohne Steuerzeichen eingeben."),
    ({"kind": "party"}, "Keine gültige Auswahl."),
    ({"pinned_start": "halb sechs"}, "Kein gültiges Datum mit Zeit."),
])
def test_an_item_that_does_not_fit_is_refused_with_the_reason_next_to_the_field(
        client, evening, login_as, overrides, message):
    login_as("staff")
    response = post(client, f"/manage/events/{evening.slug}/agenda/items", item_form(**overrides))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'aria-invalid="true"' in html
    assert titles(evening.id) == ["Begrüßung", "Erster Impuls", "Zweiter Impuls"]


def test_a_pinned_item_after_a_gap_is_accepted_with_a_warning(client, evening, login_as):
    login_as("staff")
    response = post(client, f"/manage/events/{evening.slug}/agenda/items",
                    item_form(pinned_start="2030-03-12T18:00", duration_minutes="30"))
    assert response.status_code == 303
    html = client.get(f"/manage/events/{evening.slug}/agenda").get_data(as_text=True)
    assert "Lücke von 10 Minuten davor." in html
    assert "18:00</time>–<time" in html


def test_changing_a_duration_moves_the_times_that_follow(client, evening, login_as):
    login_as("staff")
    first = item_id(evening.id, "Begrüßung")
    response = post(client, f"/manage/events/{evening.slug}/agenda/items/{first}",
                    item_form(kind="welcome", title="Begrüßung", duration_minutes="15"))
    assert response.status_code == 303
    html = client.get(f"/manage/events/{evening.slug}/agenda").get_data(as_text=True)
    assert "17:15</time>–<time" in html and "17:35</time>–<time" in html
    assert "17:10</time>" not in html


def test_edit_form_is_filled_with_the_item(client, evening, login_as):
    login_as("staff")
    first = item_id(evening.id, "Begrüßung")
    html = client.get(f"/manage/events/{evening.slug}/agenda/items/{first}").get_data(as_text=True)
    assert 'value="Begrüßung"' in html and 'value="10"' in html


@pytest.mark.parametrize(("title", "direction", "order"), [
    ("Zweiter Impuls", "up", ["Begrüßung", "Zweiter Impuls", "Erster Impuls"]),
    ("Begrüßung", "down", ["Erster Impuls", "Begrüßung", "Zweiter Impuls"]),
    ("Begrüßung", "up", ["Begrüßung", "Erster Impuls", "Zweiter Impuls"]),
    ("Zweiter Impuls", "down", ["Begrüßung", "Erster Impuls", "Zweiter Impuls"]),
    ("Begrüßung", "sideways", ["Begrüßung", "Erster Impuls", "Zweiter Impuls"]),
])
def test_moving_with_the_up_and_down_buttons(client, evening, login_as, title, direction, order):
    login_as("staff")
    response = post(client, f"/manage/events/{evening.slug}/agenda/items/"
                            f"{item_id(evening.id, title)}/move", {"direction": direction})
    assert response.status_code == 303
    assert titles(evening.id) == order


@pytest.mark.parametrize(("new_index", "order"), [
    ("0", ["Zweiter Impuls", "Begrüßung", "Erster Impuls"]),
    ("1", ["Begrüßung", "Zweiter Impuls", "Erster Impuls"]),
    ("99", ["Begrüßung", "Erster Impuls", "Zweiter Impuls"]),
    ("-4", ["Zweiter Impuls", "Begrüßung", "Erster Impuls"]),
    ("nonsense", ["Begrüßung", "Erster Impuls", "Zweiter Impuls"]),
])
def test_drag_and_drop_reorders_by_index(client, evening, login_as, new_index, order):
    login_as("staff")
    response = post(client, f"/manage/events/{evening.slug}/agenda/reorder",
                    {"item_id": item_id(evening.id, "Zweiter Impuls"), "new_index": new_index})
    assert response.status_code == 303
    assert titles(evening.id) == order


def test_times_are_recomputed_after_a_reorder(client, evening, login_as):
    login_as("staff")
    post(client, f"/manage/events/{evening.slug}/agenda/reorder",
         {"item_id": item_id(evening.id, "Begrüßung"), "new_index": "2"})
    html = client.get(f"/events/{evening.slug}").get_data(as_text=True)
    rows = html[html.index("<tbody"):html.index("</tbody>")].split("<tr")[1:]
    assert ["17:00" in rows[0], "Erster Impuls" in rows[0]] == [True, True]
    assert "17:40</time>–<time" in rows[2] and "Begrüßung" in rows[2]


def test_a_reorder_that_would_overlap_a_pinned_item_is_refused(client, db, login_as):
    login_as("staff")
    event = make_event(starts_at=berlin(2030, 3, 12, 17), ends_at=berlin(2030, 3, 12, 18, 30))
    make_agenda_item(event, title="A", duration_minutes=10)
    make_agenda_item(event, title="Fest", duration_minutes=20, pinned_start=berlin(2030, 3, 12, 17, 10))
    make_agenda_item(event, title="B", duration_minutes=30)
    response = post(client, f"/manage/events/{event.slug}/agenda/reorder",
                    {"item_id": item_id(event.id, "B"), "new_index": "0"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Überschneidet sich um 30 Minuten mit dem vorherigen Punkt (endet 17:40)." in page
    assert titles(event.id) == ["A", "Fest", "B"]


def test_deleting_an_item_closes_the_gap(client, evening, login_as, db):
    login_as("staff")
    response = post(client, f"/manage/events/{evening.slug}/agenda/items/"
                            f"{item_id(evening.id, 'Erster Impuls')}/delete")
    assert response.status_code == 303
    assert titles(evening.id) == ["Begrüßung", "Zweiter Impuls"]
    positions = db.session.scalars(sa.select(AgendaItem.position).where(
        AgendaItem.event_id == evening.id).order_by(AgendaItem.position)).all()
    assert positions == [0, 1]


def test_an_item_of_another_edition_is_not_found(client, evening, login_as):
    login_as("staff")
    other = make_event()
    foreign = make_agenda_item(other, title="Fremd")
    assert client.get(f"/manage/events/{evening.slug}/agenda/items/{foreign.id}").status_code == 404
    response = post(client, f"/manage/events/{evening.slug}/agenda/items/{foreign.id}/delete")
    assert response.status_code == 404
    assert titles(other.id) == ["Fremd"]


def test_the_standard_evening_fills_an_empty_agenda(client, db, login_as):
    login_as("staff")
    event = make_event(starts_at=berlin(2030, 3, 12, 17), ends_at=berlin(2030, 3, 12, 18, 30))
    assert post(client, f"/manage/events/{event.slug}/agenda/standard").status_code == 303
    items = db.session.scalars(sa.select(AgendaItem).where(AgendaItem.event_id == event.id)
                               .order_by(AgendaItem.position)).all()
    assert [i.kind for i in items] == [ItemKind.WELCOME, ItemKind.INPUT, ItemKind.INPUT,
                                       ItemKind.BREAKOUT, ItemKind.WRAPUP]
    assert sum(i.duration_minutes for i in items) == 90
    html = client.get(f"/manage/events/{event.slug}/agenda").get_data(as_text=True)
    assert "Das Programm endet" not in html


def test_the_standard_evening_is_refused_for_an_agenda_that_has_items(client, evening, login_as):
    login_as("staff")
    response = post(client, f"/manage/events/{evening.slug}/agenda/standard")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Der Standardablauf passt nur in ein leeres Programm." in page
    assert len(titles(evening.id)) == 3


def test_an_edition_whose_agenda_does_not_add_up_cannot_be_published(client, db, login_as):
    login_as("staff")
    event = make_event(status=EventStatus.DRAFT, starts_at=berlin(2030, 3, 12, 17),
                       ends_at=berlin(2030, 3, 12, 17, 30))
    make_agenda_item(event, duration_minutes=45)  # ends 15 minutes after the edition
    response = post(client, f"/manage/events/{event.slug}/publish")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Das Programm enthält Fehler." in page
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == EventStatus.DRAFT


def test_duplicating_copies_the_agenda_with_its_speakers(client, evening, login_as, db):
    login_as("staff")
    first_input = db.session.get(AgendaItem, item_id(evening.id, "Erster Impuls"))
    first_input.speakers = list(evening.speakers)
    db.session.commit()
    response = post(client, f"/manage/events/{evening.slug}/duplicate")
    assert response.status_code == 303
    copy = db.session.scalar(sa.select(Event).where(Event.number == evening.number + 1))
    assert [i.title for i in copy.agenda_items] == ["Begrüßung", "Erster Impuls", "Zweiter Impuls"]
    speakers = copy.agenda_items[1].speakers
    assert [s.name for s in speakers] == ["Kim Beispiel"]
    assert speakers[0].event_id == copy.id


def test_editing_the_edition_keeps_the_speakers_of_agenda_items(client, evening, login_as, db):
    from tests.events.test_events import event_form
    login_as("staff")
    item = db.session.get(AgendaItem, item_id(evening.id, "Erster Impuls"))
    item.speakers = list(evening.speakers)
    db.session.commit()
    response = post(client, f"/manage/events/{evening.slug}/edit", event_form(
        evening.series_id, number=str(evening.number), starts_at="2030-03-12T17:00",
        ends_at="2030-03-12T18:30", **{"speakers-0-name": "Kim Beispiel",
                                       "speakers-0-organisation": "Stadt Neuhausen"}))
    assert response.status_code == 303
    db.session.expire_all()
    speakers = db.session.get(AgendaItem, item.id).speakers
    assert [(s.name, s.organisation) for s in speakers] == [("Kim Beispiel", "Stadt Neuhausen")]


def test_facilitators_cannot_edit_the_agenda(client, evening, login_as):
    login_as("facilitator")
    assert client.get(f"/manage/events/{evening.slug}/agenda").status_code == 403


# --- published: page, PDF, calendar ----------------------------------------------------

def test_event_page_shows_the_programme_as_a_table(client, evening):
    html = client.get(f"/events/{evening.slug}").get_data(as_text=True)
    table = html[html.index("<table"):html.index("</table>")]
    assert "<caption" in table and "Ablaufplan" in table
    assert table.count("<tr") == 4  # header + three items
    assert "17:10</time>–<time" in table and "Erster Impuls" in table
    assert "Programm als PDF herunterladen" in html
    assert "Zum Kalender hinzufügen" in html


def test_event_page_query_count_does_not_grow_with_the_agenda(app, client, db):
    from tests.conftest import counted_statements
    event = make_event(speakers=[("A", "B")])

    def queries():
        with counted_statements(db) as statements:
            client.get(f"/events/{event.slug}")
        return len(statements)

    make_agenda_item(event, speakers=list(event.speakers))
    few = queries()
    for _ in range(8):
        make_agenda_item(event, speakers=list(event.speakers))
    assert queries() == few


def test_the_programme_pdf_is_one_a4_page_with_every_time_and_title(client, evening):
    response = client.get(f"/events/{evening.slug}/agenda.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210, 297)
    text = reader.pages[0].extract_text()
    for expected in ("17:00–17:10", "Begrüßung", "17:10–17:30", "Erster Impuls", "17:30–17:50",
                     "Zweiter Impuls", evening.title, "Dienstag, 12. März 2030"):
        assert expected in text


def test_the_programme_pdf_in_english(client, evening):
    text = PdfReader(io.BytesIO(client.get(f"/events/{evening.slug}/agenda.pdf?lang=en").data)
                     ).pages[0].extract_text()
    assert "Programme" in text or "Schedule" in text
    assert "Tuesday" in text


def test_the_pdf_fetches_no_url_from_user_markdown(client, db):
    event = make_event()
    make_agenda_item(event, description="![x](http://127.0.0.1:9/steal.png) "
                                        "![y](file:///etc/passwd) ![z](/static/../config.py)")
    response = client.get(f"/events/{event.slug}/agenda.pdf")
    assert response.status_code == 200
    assert b"root:" not in response.data


def test_pdf_fetcher_serves_static_files_and_refuses_everything_else(app):
    from app.pdf import PDF_BASE_URL, StaticOnlyFetcher

    fetcher = StaticOnlyFetcher(app.static_folder)
    assert fetcher.fetch(PDF_BASE_URL + "static/css/print.css").read().startswith(b"/*")
    for url in ("http://127.0.0.1/", "file:///etc/passwd", PDF_BASE_URL + "static/../config.py",
                PDF_BASE_URL + "admin", "https://example.org/static/css/print.css"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_a_draft_programme_is_not_public(client, db):
    event = make_event(status=EventStatus.DRAFT)
    assert client.get(f"/events/{event.slug}/agenda.pdf").status_code == 404
    assert client.get(f"/events/{event.slug}/event.ics").status_code == 404


def _vevent(body: bytes):
    import vobject
    return vobject.readOne(body.decode()).vevent


def test_the_calendar_file_keeps_its_uid_and_raises_the_sequence_when_the_time_changes(
        client, evening, login_as):
    from tests.events.test_events import event_form
    first = client.get(f"/events/{evening.slug}/event.ics")
    assert first.headers["Content-Type"] == "text/calendar; charset=utf-8"
    again = client.get(f"/events/{evening.slug}/event.ics")
    before, same = _vevent(first.data), _vevent(again.data)
    assert before.uid.value == same.uid.value == f"{evening.slug}@innovationswerkstatt.example.org"
    assert int(before.sequence.value) == int(same.sequence.value) == 0

    login_as("staff")
    response = post(client, f"/manage/events/{evening.slug}/edit", event_form(
        evening.series_id, number=str(evening.number), title="Neuer Titel",
        starts_at="2030-03-12T18:00", ends_at="2030-03-12T19:30"))
    assert response.status_code == 303
    after = _vevent(client.get(f"/events/{evening.slug}/event.ics").data)
    assert after.uid.value == before.uid.value
    assert int(after.sequence.value) == 1
    assert after.dtstart.value.strftime("%H:%M") == "18:00"
    assert "18:10–18:30 Erster Impuls" in after.description.value

    # A change that leaves the time alone does not bump the sequence.
    post(client, f"/manage/events/{evening.slug}/edit", event_form(
        evening.series_id, number=str(evening.number), title="Noch ein Titel",
        starts_at="2030-03-12T18:00", ends_at="2030-03-12T19:30"))
    assert int(_vevent(client.get(f"/events/{evening.slug}/event.ics").data).sequence.value) == 1


def test_a_cancelled_edition_is_cancelled_in_the_calendar(client, evening, login_as):
    login_as("staff")
    post(client, f"/manage/events/{evening.slug}/cancel")
    vevent = _vevent(client.get(f"/events/{evening.slug}/event.ics").data)
    assert vevent.status.value == "CANCELLED"
    assert int(vevent.sequence.value) == 1


def test_the_feed_lists_published_upcoming_editions_only(client, db):
    from datetime import UTC, datetime
    import vobject
    soon = make_event(title="Bald", starts_at=datetime.now(UTC) + timedelta(days=5))
    make_event(title="Vorbei", starts_at=datetime.now(UTC) - timedelta(days=5))
    make_event(title="Entwurf", status=EventStatus.DRAFT)
    calendar = vobject.readOne(client.get("/events.ics").data.decode())
    summaries = [v.summary.value for v in calendar.vevent_list]
    assert summaries == [f"{soon.series.name} #{soon.number}: Bald"]

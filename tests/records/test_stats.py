"""Statistics of an edition and of a series: exact figures, accessible charts, few queries."""
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.domain.statistics import SECTOR_ORDER, compute_bar_chart, compute_line_chart
from app.models import EventStatus, Participant, Registration, Sector, utcnow
from app.records import statistics
from app.records.routes_stats import Figure
from tests.conftest import counted_statements
from tests.factories import berlin, make_event, make_registration, make_series

SVG = "{http://www.w3.org/2000/svg}"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def add(db, event, key, *, status="confirmed", place="seat", sector="undisclosed",
        created=None, attended=False, walk_in=False) -> Registration:
    """A registration as the registration and check-in flows leave it; `key` names the person
    (the same key, the same person). A pending one holds no seat (no hold time)."""
    return make_registration(
        event, key.title(), email=f"{key}@example.org", organisation="", sector=Sector(sector),
        status=status, place=place, at=created or event.starts_at.replace(day=1),
        hold_expires_at=None, checked_in=attended, walk_in=walk_in, added_by_staff=walk_in)[0]


@pytest.fixture
def seeded(db):
    """A series with two held editions and a draft; returns (series, first, second)."""
    series = make_series(slug="statistik-reihe", name="Statistik-Reihe")
    first = make_event(series, number=1, starts_at=berlin(2026, 3, 10, 17))
    second = make_event(series, number=2, starts_at=berlin(2026, 6, 9, 17))
    make_event(series, number=3, starts_at=berlin(2026, 9, 8, 17), status=EventStatus.DRAFT)
    add(db, first, "anna", sector="civil_society", attended=True)
    add(db, first, "ben", sector="business", attended=True)
    add(db, first, "carla", sector="research")  # did not come
    # Second edition. Ben changed his sector since; the registration keeps what he gave then.
    add(db, second, "anna", sector="civil_society", created=utc(2026, 6, 1, 10), attended=True)
    # 22:30 UTC on 1 June is 00:30 on 2 June in Berlin (summer time).
    add(db, second, "ben", sector="public_administration", created=utc(2026, 6, 1, 22, 30))
    add(db, second, "carla", sector="research", created=utc(2026, 6, 3, 9), attended=True)
    add(db, second, "dora", place="waitlist", sector="business", created=utc(2026, 6, 3, 10))
    add(db, second, "emil", status="pending", created=utc(2026, 6, 5, 9))
    add(db, second, "fritz", status="cancelled", sector="business", created=utc(2026, 6, 5, 10))
    add(db, second, "gina", sector="private_person", created=utc(2026, 6, 9, 15, 30),
        attended=True, walk_in=True)
    return series, first, second


def figure_xml(html: str, figure_id: str) -> ET.Element:
    """One chart figure of a page, parsed (the macro writes well-formed markup)."""
    match = re.search(rf'<figure class="chart" id="{figure_id}">.*?</figure>', html, re.S)
    assert match, f"no figure {figure_id}"
    return ET.fromstring(match.group(0))


def table_rows(figure: ET.Element) -> list[list[str]]:
    rows = figure.findall(".//tbody/tr")
    return [["".join(cell.itertext()).strip() for cell in row] for row in rows]


def figure_value(html: str, name: str) -> str:
    return re.search(rf'id="figure-{name}">([^<]*)<', html).group(1).strip()


# --- figures -------------------------------------------------------------------------------------

def test_edition_statistics_follow_the_definitions(seeded):
    _series, _first, second = seeded
    stats = statistics.edition_statistics(second, now=utc(2026, 11, 1))
    f = stats.figures
    assert (f.registered, f.confirmed, f.confirmed_seats, f.walk_ins, f.attended) == (6, 4, 3, 1, 3)
    assert f.attendance_rate == 0.75
    assert f.returning == 2  # Anna and Ben came to the first; Carla did not
    assert [(s.sector, s.count) for s in f.sectors] == [
        ("civil_society", 1), ("public_administration", 1), ("business", 0), ("research", 1),
        ("private_person", 1), ("undisclosed", 0)]
    assert [(d.day.isoformat(), d.new, d.total) for d in stats.over_time] == [
        ("2026-06-01", 1, 1), ("2026-06-02", 1, 2), ("2026-06-03", 2, 4), ("2026-06-04", 0, 4),
        ("2026-06-05", 2, 6), ("2026-06-06", 0, 6), ("2026-06-07", 0, 6), ("2026-06-08", 0, 6),
        ("2026-06-09", 0, 6)]


def test_series_statistics_have_one_row_per_published_edition(seeded):
    series, first, second = seeded
    stats = statistics.series_statistics(series)
    assert [row.event.id for row in stats.rows] == [first.id, second.id]  # not the draft
    assert [(r.figures.registered, r.figures.confirmed, r.figures.attended, r.figures.returning)
            for r in stats.rows] == [(3, 3, 2, 0), (6, 4, 3, 2)]
    assert [r.figures.attendance_rate for r in stats.rows] == [2 / 3, 0.75]
    assert [s.count for s in stats.sectors] == [2, 1, 1, 2, 1, 0]


def test_the_domain_sector_order_is_the_models(db):
    assert SECTOR_ORDER == tuple(s.value for s in Sector)


def test_anonymised_people_still_count(seeded, db):
    series, _first, second = seeded
    before = (statistics.edition_statistics(second, now=utc(2026, 11, 1)),
              statistics.series_statistics(series))
    for person_ in db.session.scalars(sa.select(Participant)):
        # What erasure and retention leave of a person: the row, without personal data.
        person_.name, person_.organisation = "", ""
        person_.email = f"anonymised-{person_.id}@anonymous.invalid"
        person_.sector = Sector.UNDISCLOSED
        person_.anonymised_at = utcnow()
    db.session.commit()
    after = (statistics.edition_statistics(second, now=utc(2026, 11, 1)),
             statistics.series_statistics(series))
    assert after[0].figures == before[0].figures
    assert after[0].over_time == before[0].over_time
    assert [r.figures for r in after[1].rows] == [r.figures for r in before[1].rows]
    assert after[1].sectors == before[1].sectors


# --- pages ---------------------------------------------------------------------------------------

def page(client, url: str) -> str:
    """The HTML of a page that must be there (200)."""
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_edition_page_shows_the_figures_charts_and_tables(client, login_as, seeded):
    _series, _first, second = seeded
    login_as("staff")
    html = page(client, f"/manage/events/{second.slug}/statistics?lang=de")
    assert [figure_value(html, n) for n in ("registered", "confirmed", "rate", "returning")] == [
        "6", "4", "75\xa0%", "2"]
    assert figure_value(html, "attended").startswith("3")
    over_time = figure_xml(html, "chart-over-time")
    assert table_rows(over_time)[:3] == [["01.06.2026", "1", "1"], ["02.06.2026", "1", "2"],
                                         ["03.06.2026", "2", "4"]]
    assert table_rows(over_time)[-1] == ["09.06.2026", "0", "6"]
    sectors = figure_xml(html, "chart-sectors")
    assert table_rows(sectors) == [
        ["Zivilgesellschaft", "1", "25\xa0%"], ["Öffentliche Verwaltung", "1", "25\xa0%"],
        ["Wirtschaft", "0", "0\xa0%"], ["Wissenschaft und Forschung", "1", "25\xa0%"],
        ["Privatperson", "1", "25\xa0%"], ["Möchte ich nicht angeben", "0", "0\xa0%"]]
    assert f'href="/manage/series/{second.series.slug}/statistics"' in html
    assert ' style="' not in html


def test_the_series_page_lists_every_edition(client, login_as, seeded):
    series, first, second = seeded
    login_as("staff")
    html = page(client, f"/manage/series/{series.slug}/statistics?lang=de")
    rows = re.findall(r'<tr class="kern-table__row" id="edition-(\d+)">(.*?)</tr>', html, re.S)
    cells = [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r)]
             for _n, r in rows]
    assert [n for n, _r in rows] == ["1", "2"]
    assert cells == [["3", "3", "2", "67\xa0%", "0"], ["6", "4", "3", "75\xa0%", "2"]]
    assert f'href="/manage/events/{first.slug}/statistics"' in html
    assert table_rows(figure_xml(html, "chart-registered")) == [["Nr. 1 · 10.03.2026", "3"],
                                                                ["Nr. 2 · 09.06.2026", "6"]]
    assert table_rows(figure_xml(html, "chart-attended"))[1] == ["Nr. 2 · 09.06.2026", "3"]
    assert [r[1] for r in table_rows(figure_xml(html, "chart-sectors"))] == [
        "2", "1", "1", "2", "1", "0"]
    assert ' style="' not in html


def test_both_pages_speak_english(client, login_as, seeded):
    series, _first, second = seeded
    login_as("staff")
    html = client.get(f"/manage/events/{second.slug}/statistics?lang=en").get_data(as_text=True)
    assert '<html lang="en"' in html
    assert "Registrations over time" in html
    assert figure_value(html, "rate") == "75%"
    assert table_rows(figure_xml(html, "chart-over-time"))[1] == ["Jun 2, 2026", "1", "2"]
    assert table_rows(figure_xml(html, "chart-sectors"))[0] == ["Civil society", "1", "25%"]
    assert "Jun 3" in "".join(figure_xml(html, "chart-over-time").find(f".//{SVG}svg").itertext())
    html = client.get(f"/manage/series/{series.slug}/statistics?lang=en").get_data(as_text=True)
    assert "Registrations per edition" in html
    assert table_rows(figure_xml(html, "chart-registered"))[0] == ["No. 1 · Mar 10, 2026", "3"]


def test_large_numbers_are_grouped_in_the_users_language(client, login_as, db):
    event = make_event(starts_at=berlin(2026, 6, 9, 17), capacity=2000)
    for i in range(1234):
        make_registration(event, person=Participant(email=f"p{i}@example.org", name="P",
                                                    sector=Sector.BUSINESS),
                          sector=Sector.BUSINESS, at=utc(2026, 6, 1, 10), commit=False)
    db.session.commit()
    login_as("staff")
    de = client.get(f"/manage/events/{event.slug}/statistics?lang=de").get_data(as_text=True)
    en = client.get(f"/manage/events/{event.slug}/statistics?lang=en").get_data(as_text=True)
    assert figure_value(de, "registered") == "1.234"
    assert figure_value(en, "registered") == "1,234"


def test_an_edition_without_registrations_says_so(client, login_as, db):
    event = make_event()
    login_as("staff")
    html = client.get(f"/manage/events/{event.slug}/statistics?lang=de").get_data(as_text=True)
    assert figure_value(html, "rate") == "keine Angabe"
    assert "Noch keine Anmeldungen." in html
    assert "<svg" not in html.split('id="main"')[1]


# --- access --------------------------------------------------------------------------------------

def test_facilitators_may_not_see_statistics(client, login_as, seeded):
    series, _first, second = seeded
    user = login_as("facilitator")
    second.facilitators = [user]
    assert client.get(f"/manage/events/{second.slug}/statistics").status_code == 403
    assert client.get(f"/manage/series/{series.slug}/statistics").status_code == 403


def test_unknown_series_and_editions_are_not_found(client, login_as, db):
    login_as("staff")
    assert client.get("/manage/series/gibt-es-nicht/statistics").status_code == 404
    assert client.get("/manage/events/gibt-es-nicht/statistics").status_code == 404


def test_anonymous_visitors_are_sent_to_login(client, seeded):
    series, _first, second = seeded
    for url in (f"/manage/events/{second.slug}/statistics",
                f"/manage/series/{series.slug}/statistics"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/manage/login")


# --- a fixed number of queries -------------------------------------------------------------------

def _queries(client, db, url) -> int:
    client.get(url)  # warm caches (compiled templates, the session's user)
    with counted_statements(db) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_query_counts_do_not_grow_with_registrations(client, login_as, seeded, db):
    series, first, second = seeded
    login_as("staff")
    edition_url = f"/manage/events/{second.slug}/statistics"
    series_url = f"/manage/series/{series.slug}/statistics"
    few = (_queries(client, db, edition_url), _queries(client, db, series_url))
    for i in range(25):
        add(db, second, f"more{i}", sector=SECTOR_ORDER[i % 6], created=utc(2026, 6, 1 + i % 8),
            attended=i % 2 == 0)
        add(db, first, f"more{i}", sector=SECTOR_ORDER[i % 6], attended=i % 3 == 0)
    many = (_queries(client, db, edition_url), _queries(client, db, series_url))
    assert many == few
    # A handful: session and user, the edition or series, its registrations, earlier attendees.
    assert max(few) <= 8, few


# --- the chart macros ----------------------------------------------------------------------------

def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def render_figure(app, figure: Figure) -> ET.Element:
    with app.test_request_context("/?lang=de"):
        module = app.jinja_env.get_template("records/_charts.html").module
        markup = str(module.figure(figure.id, figure.kind, figure.chart, figure.title, figure.desc,
                                   figure.axes, figure.table))
    return ET.fromstring(markup)


BAR = Figure("c1", "bar", compute_bar_chart([("Eins", 1200, "1.200"), ("Zwei", 300, "300")]),
             "Titel", "Beschreibung", ("Personen",),
             ("Tabelle", ("Name", "Personen"), [("Eins", "1.200"), ("Zwei", "300")]))
LINE = Figure("c2", "line", compute_line_chart([("1. Juni", 1), ("2. Juni", 4)]), "Verlauf",
              "Stieg auf 4.", ("Tag", "Anmeldungen"),
              ("Verlauf als Tabelle", ("Tag", "Neu", "Insgesamt"),
               [("01.06.", "1", "1"), ("02.06.", "3", "4")]))


@pytest.mark.parametrize("figure", [BAR, LINE], ids=["bar", "line"])
def test_a_chart_is_a_named_figure_with_an_image_and_a_table(app, db, figure):
    root = render_figure(app, figure)
    assert root.tag == "figure" and root.get("id") == figure.id
    assert root[0].tag == "figcaption" and root[0].text == figure.title
    svg = root.find(f".//{SVG}svg")
    assert svg.get("role") == "img"
    title_id, desc_id = svg.get("aria-labelledby").split()
    assert svg.find(f"{SVG}title").get("id") == title_id
    assert svg.find(f"{SVG}title").text == figure.title
    assert svg.find(f"{SVG}desc").get("id") == desc_id
    assert svg.find(f"{SVG}desc").text == figure.desc
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert all(axis in texts for axis in figure.axes)  # visible axis titles
    # The table right below the image: caption, column headers, one row header per row.
    table = root.find(".//table")
    caption, head, rows = figure.table
    assert table.find("caption").text == caption
    assert [(th.get("scope"), th.text) for th in table.findall("thead/tr/th")] == [
        ("col", h) for h in head]
    assert [[c.text for c in tr] for tr in table.findall("tbody/tr")] == [list(r) for r in rows]
    assert all(tr[0].tag == "th" and tr[0].get("scope") == "row"
               for tr in table.findall("tbody/tr"))
    assert not any(el.get("style") for el in root.iter())


def test_bar_charts_draw_the_computed_geometry_with_labels_and_ticks(app, db):
    svg = render_figure(app, BAR).find(f".//{SVG}svg")
    rects = svg.findall(f".//{SVG}rect")
    assert [(r.get("x"), r.get("width")) for r in rects] == [
        (str(b.x), str(b.width)) for b in BAR.chart.bars]
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert ["Eins", "1.200", "Zwei", "300"] == texts[:4]
    assert texts[4:-1] == ["0", "500", "1.000", "1.500"]  # ticks, in German
    assert svg.get("viewBox") == f"0 0 {BAR.chart.width} {BAR.chart.height}"


def test_line_charts_draw_the_computed_line_and_area(app, db):
    svg = render_figure(app, LINE).find(f".//{SVG}svg")
    assert svg.find(f".//{SVG}polyline").get("points") == LINE.chart.line
    assert svg.find(f".//{SVG}path").get("d") == LINE.chart.area
    assert len(svg.findall(f".//{SVG}circle")) == 2


@pytest.mark.parametrize("figure", [BAR, LINE], ids=["bar", "line"])
def test_chart_colours_have_3_to_1_contrast_against_the_page(app, db, figure):
    svg = render_figure(app, figure).find(f".//{SVG}svg")
    colours = {value for el in svg.iter() if el.get("fill-opacity") is None
               for value in (el.get("fill"), el.get("stroke")) if value and value != "none"}
    assert colours, "no colours found"
    too_pale = {c: round(contrast(c, "#FFFFFF"), 2) for c in colours
                if contrast(c, "#FFFFFF") < 3}
    assert too_pale == {}

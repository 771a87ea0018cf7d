"""The quarter in a browser: one edition walked through by the people who run it and the
people who come to it.

Staff duplicate edition #7 as #8, adjust programme and groups, and publish; 35 people
register (30 seats, so five wait), each confirms with the link from the mail that reached a
real SMTP server; one cancels and the first waiting is promoted and told; on the evening the
facilitator checks people in on a phone, allocates the groups, drags, pins, re-runs and
publishes; afterwards the worker mails those who came the survey, six of them answer from the
link in that mail (one on a phone), staff read the results and put the headline figures into
the report's "at a glance", publish the report, and a visitor reads it and downloads the PDF.

Every step's page passes axe in German and English, no page asks anything of a host other
than 127.0.0.1, and each step leaves a full-page screenshot in test-artifacts/quarter/.
The server runs on the real clock, and a quarter cannot pass inside a test: twice the test
moves the edition's dates instead, to its evening (`the_evening_is_about_to_begin`) and to
after it (`the_clock_moves_to`).
"""
import io
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import requests
import sqlalchemy as sa
from babel.numbers import format_decimal, format_percent
from flask_babel import force_locale, gettext
from playwright.sync_api import expect
from pypdf import PdfReader

from app.domain.editions import local_time, shift_local_days
from app.extensions import db
from app.feedback.questions import STANDARD_QUESTIONS
from app.jobs import run_worker
from app.models import Event, Place, Registration, RegistrationStatus, utcnow
from tests.browser.conftest import ARTIFACTS, axe_violations
from tests.browser.test_breakout_board import (allocate, cards_in, columns, drag_card, group_of,
                                               is_pinned)
from tests.browser.test_pages import sign_in

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "quarter"
SEVENTH, EIGHTH = "innovationswerkstatt-7", "innovationswerkstatt-8"
TITLE = "Leistungen ohne Antrag: Verwaltung, die Familien findet"
STAFF = {"email": "team@example.org", "password": "werkstatt-team-demo"}
FACILITATOR = {"email": "moderation@example.org", "password": "werkstatt-moderation-demo"}
CAPACITY, PEOPLE = 30, 35
PHONE = {"width": 390, "height": 844}
TOPICS = ["Proaktive Leistungen", "Beratung vor Ort", "Einfache Sprache"]  # copied from #7
SECTORS = ["civil_society", "public_administration", "business", "research", "private_person"]
ORGANISATIONS = {"civil_society": ["Elternnetzwerk Nord e. V.", "Familienzentrum Mitte"],
                 "public_administration": ["Bezirksamt Musterstadt", "Landesamt für Soziales"],
                 "business": ["Datenwerk GmbH", "Civic Apps UG"],
                 "research": ["Institut für Sozialforschung", "Hochschule für Verwaltung"],
                 "private_person": [""]}
FIRST = ["Ada", "Bruno", "Carla", "Deniz", "Emil", "Frieda", "Gustav", "Hanna", "Igor",
         "Johanna", "Kemal", "Lina", "Moritz", "Nora", "Oskar", "Pia", "Quirin", "Rosa",
         "Samir", "Thea", "Ulla", "Viktor", "Wanda", "Xaver", "Yara", "Zeno", "Alma", "Bela",
         "Cem", "Dana", "Erik", "Fatma", "Gero", "Hilde", "Ivo"]
LAST = ["Acker", "Bauer", "Cordes", "Dietz", "Eckert", "Franke", "Göbel", "Haas", "Iske",
        "Jäger", "Kaya", "Lange", "Mohr", "Neumann", "Ott", "Pohl", "Rau", "Sauer", "Tran",
        "Urban", "Voss", "Wolf", "Xu", "Yilmaz", "Zorn", "Arndt", "Berg", "Czech", "Dahl",
        "Ebert", "Fuchs", "Gerber", "Horn", "Imhof", "Jansen"]
IN_THE_BROWSER = (0, 1, 2, CAPACITY)  # register and confirm in Chromium; the others by HTTP
# A seat holder who cancels; the first waiting (index CAPACITY) moves up. Both are of civil
# society: #8 copies #7's seats per sector, and a freed reserved seat goes to the first
# waiting person of its sector.
CANCELS = 15
CHECKED_IN = (0, 1, *range(3, 15), CAPACITY)  # 15 people at the door
# Who answers the survey (all of them came): overall rating, mix of participants, would come
# again, topic for next time. The first answers on a phone, the others by HTTP.
ANSWERS = {1: ("5", "4", "yes", "Open data in plain language"),
           0: ("4", "5", "yes", ""),
           3: ("5", "3", "maybe", "Digitale Anträge für Alleinerziehende"),
           4: ("4", "4", "yes", ""),
           5: ("5", "", "no", ""),
           6: ("4", "4", "yes", "Einfache Sprache in Bescheiden")}
OVERALL = 4.5  # (5 + 4 + 5 + 4 + 5 + 4) / 6


@dataclass(frozen=True)
class Person:
    index: int
    name: str
    email: str
    lang: str
    sector: str
    organisation: str
    topics: tuple[str, ...]


def people() -> list[Person]:
    result = []
    for i in range(PEOPLE):
        sector = SECTORS[i % len(SECTORS)]
        choices = ORGANISATIONS[sector]
        ranked = tuple(TOPICS[(i + k) % 3] for k in range(3 - i % 4))  # 3 to 0 topics
        result.append(Person(i, f"{FIRST[i]} {LAST[i]}", f"quarter-{i:02d}@example.org",
                             "en" if i % 4 == 1 else "de", sector, choices[i % len(choices)],
                             ranked))
    return result


# --- helpers ----------------------------------------------------------------------------------

def t(app, lang: str, text: str, **values) -> str:
    """`text` (a German msgid) in `lang`, as the app translates it."""
    with app.test_request_context(), force_locale(lang):
        return gettext(text, **values)


def with_lang(url: str, lang: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "lang"] + [("lang", lang)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


class Steps:
    """Numbered steps: a full-page screenshot of the page as the person sees it, then axe on
    it, and axe again on the same page in the other language (then back)."""

    def __init__(self):
        self.number = 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        for old in SHOTS.glob("*.png"):
            old.unlink()

    def __call__(self, page, name: str) -> None:
        self.number += 1
        page.screenshot(path=str(SHOTS / f"{self.number:02d}-{name}.png"), full_page=True)
        lang = page.get_attribute("html", "lang")
        assert axe_violations(page) == [], (name, lang)
        other = "en" if lang == "de" else "de"
        url = page.url
        page.goto(with_lang(url, other))
        assert page.get_attribute("html", "lang") == other, name
        assert axe_violations(page) == [], (name, other)
        page.goto(with_lang(url, lang))


def run_the_mail_worker(live_server) -> None:
    """`flask worker --once`, in-process: its jobs, then every due mail through the app's
    own backend, SMTP to the test's server."""
    run_worker(live_server.app, once=True, interval=0)


def mails_to(smtp_server, address: str) -> list:
    return [m for m in smtp_server.messages() if m["To"] == address]


def subject(message) -> str:
    # A long subject is folded right after "Subject:"; the stdlib parser keeps that space.
    return " ".join(message["Subject"].split())


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def personal_link(message) -> str:
    return re.search(r"https?://\S+/r/[A-Za-z0-9_-]+", text_of(message)).group(0)


def survey_link(message) -> str:
    """The survey link of a feedback mail (its token is signed, so it carries dots)."""
    return re.search(r"https?://\S+/r/[A-Za-z0-9_.-]+/feedback\?lang=(?:de|en)",
                     text_of(message)).group(0)


def attachments(message) -> list[str]:
    return [part.get_filename() for part in message.iter_attachments()]


def hidden_inputs(html: str, action_suffix: str | None = None) -> dict[str, str]:
    """The hidden inputs (CSRF token, nonce) of the page's form, or of the form whose
    action ends with `action_suffix`."""
    if action_suffix is not None:
        html = re.search(rf'<form[^>]*action="[^"]*{re.escape(action_suffix)}".*?</form>',
                         html, re.S).group(0)
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and 'type="hidden"' in tag and name.group(1) not in fields:
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


def register_over_http(live_server, person: Person) -> None:
    """The registration form as a plain HTTP client sends it: GET for the CSRF token and the
    nonce, then POST (the language is remembered from the GET, as in a browser)."""
    url = f"{live_server}/events/{EIGHTH}/register"
    with requests.Session() as client:
        form = client.get(url, params={"lang": person.lang}, timeout=10)
        assert form.status_code == 200
        data = hidden_inputs(form.text) | {
            "name": person.name, "email": person.email, "organisation": person.organisation,
            "sector": person.sector, "privacy_acknowledged": "y", "website": ""}
        data |= {f"rank_{n}": topic for n, topic in enumerate(person.topics, start=1)}
        sent = client.post(url, data=data, allow_redirects=False, timeout=10)
    assert sent.status_code == 303, (person.email, sent.status_code, sent.text[:2000])
    assert sent.headers["Location"].endswith(f"/events/{EIGHTH}/register/sent")


def confirm_over_http(link: str) -> None:
    """Open the personal page and press its confirm button, as a browser without JS would."""
    with requests.Session() as client:
        page = client.get(link, timeout=10)
        assert page.status_code == 200
        token = hidden_inputs(page.text, "/confirm")["csrf_token"]
        done = client.post(f"{link}/confirm", data={"csrf_token": token},
                           allow_redirects=False, timeout=10)
    assert done.status_code == 303 and done.headers["Location"] == urlsplit(link).path


def answer_over_http(link: str, answers: tuple[str, ...]) -> None:
    """The survey as a plain HTTP client answers it: GET for the CSRF token, then POST one
    value per question (q0 … q4, in the questions' order; empty means skipped)."""
    overall, mix, again, topic = answers
    chosen = {name: value for name, value in (("q0", overall), ("q1", mix), ("q2", again))
              if value}  # as a browser sends it: an unchecked radio group sends nothing
    with requests.Session() as client:
        page = client.get(link, timeout=10)
        assert page.status_code == 200
        data = hidden_inputs(page.text, "/feedback") | chosen | {"q3": "", "q4": topic}
        sent = client.post(link.split("?")[0], data=data, allow_redirects=False, timeout=10)
    assert sent.status_code == 303, (link, sent.status_code, sent.text[:2000])
    assert sent.headers["Location"] == urlsplit(link).path


def register_in_the_browser(page, live_server, person: Person, steps: Steps | None) -> None:
    app = live_server.app
    tr = lambda text: t(app, person.lang, text)  # noqa: E731
    page.goto(f"{live_server}/events/{EIGHTH}?lang={person.lang}")
    waiting = page.get_by_role("link", name=tr("Auf die Warteliste"))
    (waiting if waiting.count() else page.get_by_role("link", name=tr("Jetzt anmelden"))).click()
    sector_names = {"civil_society": "Zivilgesellschaft",
                    "public_administration": "Öffentliche Verwaltung", "business": "Wirtschaft",
                    "research": "Wissenschaft und Forschung", "private_person": "Privatperson"}

    def fill():
        page.get_by_label(tr("Name"), exact=True).fill(person.name)
        page.get_by_label(tr("E-Mail-Adresse")).fill(person.email)
        page.get_by_role("textbox", name=starting(tr("Organisation"))).fill(person.organisation)
        page.get_by_label(tr(sector_names[person.sector]), exact=True).check()
        for n, topic in enumerate(person.topics, start=1):
            page.get_by_role("combobox", name=starting(tr(f"{n}. Wahl"))).select_option(topic)
        page.get_by_label(tr("Ich habe die Datenschutzerklärung gelesen.")).check()

    fill()
    if steps is not None:
        steps(page, "registration-form")
        fill()  # the step reloaded the page (other language and back): the form is empty again
    page.get_by_role("button", name=tr("Anmeldung absenden"), exact=True).click()
    page.wait_for_url(re.compile(rf".*/events/{EIGHTH}/register/sent$"))


def the_clock_moves_to(live_server, days_from_today: int) -> None:
    """Let time pass. The live server runs on the real clock, so the edition moves instead:
    to the Berlin date `days_from_today` away, at its own local time of day, with its whole
    timetable (programme times follow the start; the registration window moves along)."""
    with live_server.app.app_context():
        event = db.session.scalar(sa.select(Event).where(Event.slug == EIGHTH))
        today = local_time(utcnow()).date()
        days = (today - local_time(event.starts_at).date()).days + days_from_today
        for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
            if getattr(event, name) is not None:
                setattr(event, name, shift_local_days(getattr(event, name), days))
        db.session.commit()
        db.session.remove()


def the_evening_is_about_to_begin(live_server) -> None:
    """Move the edition (its whole timetable) to start in half an hour: check-in opens
    CHECKIN_OPENS_HOURS_BEFORE the start, so "today" alone is not enough in the morning."""
    with live_server.app.app_context():
        event = db.session.scalar(sa.select(Event).where(Event.slug == EIGHTH))
        shift = utcnow().replace(microsecond=0) + timedelta(minutes=30) - event.starts_at
        for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
            if getattr(event, name) is not None:
                setattr(event, name, getattr(event, name) + shift)
        db.session.commit()
        db.session.remove()


def seats_and_waiting(live_server) -> tuple[int, int]:
    """Active registrations of #8 on seats and on the waiting list."""
    with live_server.app.app_context():
        rows = db.session.execute(
            sa.select(Registration.place, sa.func.count()).join(Event)
            .where(Event.slug == EIGHTH, Registration.status.in_(
                [RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED]))
            .group_by(Registration.place)).all()
        db.session.remove()
    counts = {place: n for place, n in rows}
    return counts.get(Place.SEAT, 0), counts.get(Place.WAITLIST, 0)


def starting(label: str) -> re.Pattern:
    """An accessible name that starts with `label` (optional fields add " – optional")."""
    return re.compile(rf"^{re.escape(label)}\b")


def button(page, label: str, who: str):
    """A button whose accessible name is its label, then (visually hidden) whom it concerns."""
    return page.get_by_role("button", name=re.compile(rf"^{re.escape(label)}\W+{re.escape(who)}$"))


# --- the quarter ------------------------------------------------------------------------------

def test_one_edition_from_duplicate_to_report(smtp_live_server, smtp_server, page, new_page):
    live_server = smtp_live_server
    steps = Steps()
    everyone = people()

    # 1. Staff plan edition #8 from #7.
    staff = page
    sign_in(staff, live_server, "de", **STAFF)
    staff.goto(f"{live_server}/manage/events/{SEVENTH}/edit")
    staff.get_by_role("button", name="Als nächste Ausgabe duplizieren").click()
    staff.wait_for_url(f"{live_server}/manage/events/{EIGHTH}/edit")
    expect(staff.locator("h1")).to_have_text("Verwaltung, die Familien mitdenkt")
    staff.get_by_label("Titel", exact=True).fill(TITLE)
    staff.get_by_label("Plätze", exact=True).fill(str(CAPACITY))
    opens = local_time(utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    staff.get_by_label("Anmeldung öffnet").fill(opens)
    staff.get_by_label("Anmeldung schließt").fill(
        staff.get_by_label("Beginn", exact=True).input_value())
    staff.get_by_label("Link zum Online-Raum").fill(
        "https://konferenz.example.org/innovationswerkstatt-8")
    staff.locator("form.event-form").get_by_role("button", name="Speichern").click()
    expect(staff.locator(".kern-alert--success")).to_contain_text(
        "Die Änderungen wurden gespeichert.")
    expect(staff.locator("h1")).to_have_text(TITLE)
    steps(staff, "edition-8-duplicated")

    staff.get_by_role("link", name="Programm bearbeiten").click()
    items = staff.locator("[data-item-id] h3")
    titles = [x.strip() for x in items.all_inner_texts()]
    assert len(titles) == 5  # welcome, two inputs, group work, wrap-up: copied from #7
    with staff.expect_navigation():
        button(staff, "Nach oben", titles[2]).click()  # the second input comes first
    assert [x.strip() for x in items.all_inner_texts()] == [titles[0], titles[2], titles[1],
                                                             *titles[3:]]
    for title, minutes in ((titles[4], 5), (titles[3], 35)):  # shorter wrap-up, longer groups
        staff.get_by_role("link", name=re.compile(rf"^Bearbeiten\W+{re.escape(title)}$")).click()
        staff.get_by_label("Dauer in Minuten").fill(str(minutes))
        with staff.expect_navigation():
            staff.get_by_role("button", name="Speichern").click()
        expect(staff.locator(".kern-alert--success")).to_contain_text(
            "Der Programmpunkt wurde gespeichert.")
    times = staff.locator("[data-item-id] .agenda-editor__time").all_inner_texts()
    assert times[3].startswith("17:50–18:25") and times[4].startswith("18:25–18:30"), times
    steps(staff, "agenda")

    staff.goto(f"{live_server}/manage/events/{EIGHTH}/breakouts")
    assert len(columns(staff)) == 3  # the three groups of #7, copied
    group_titles = staff.locator(".board-column__title").all_inner_texts()[:3]
    staff.get_by_role("link", name=re.compile(
        rf"^Gruppe bearbeiten\W+{re.escape(group_titles[2])}$")).click()
    steps(staff, "group-form")
    staff.get_by_label("Leitfrage der Gruppe").fill(
        "Wie werden Bescheide für Familien verständlich, ohne dass sie nachfragen müssen?")
    staff.get_by_label("Raum oder Link zum Online-Raum").fill("Breakout-Raum 3")
    with staff.expect_navigation():
        staff.get_by_role("button", name="Speichern").click()
    expect(staff.locator(".board-column__title").nth(2)).to_have_text(
        "Wie werden Bescheide für Familien verständlich, ohne dass sie nachfragen müssen?")
    assert staff.locator(".board-column").count() == 4  # three groups and "in no group yet"
    steps(staff, "groups")

    staff.goto(f"{live_server}/manage/events/{EIGHTH}/edit")
    staff.get_by_role("button", name="Veröffentlichen", exact=True).click()
    expect(staff.locator(".kern-alert--success")).to_contain_text("Die Ausgabe ist veröffentlicht.")
    visitor = new_page()
    visitor.goto(f"{live_server}/events/{EIGHTH}")
    expect(visitor.locator("h1")).to_have_text(TITLE)
    assert f"{CAPACITY} von {CAPACITY} Plätzen frei" in visitor.locator("main").inner_text()
    steps(visitor, "announced")

    # 2. 35 people register: a few in Chromium, the rest as plain HTTP clients.
    for person in everyone:
        if person.index in IN_THE_BROWSER:
            register_in_the_browser(visitor, live_server, person,
                                    steps if person.index == 0 else None)
            if person.index == 0:
                steps(visitor, "registration-sent")
        else:
            register_over_http(live_server, person)
    assert seats_and_waiting(live_server) == (CAPACITY, PEOPLE - CAPACITY)

    run_the_mail_worker(live_server)
    links = {}
    for person in everyone:
        [opt_in] = mails_to(smtp_server, person.email)
        assert subject(opt_in) == t(live_server.app, person.lang,
                                    "Bitte bestätigen Sie Ihre Anmeldung: %(title)s", title=TITLE)
        links[person.index] = personal_link(opt_in)
        assert links[person.index].startswith(f"{live_server}/r/")

    for person in everyone:
        link = links[person.index]
        if person.index not in IN_THE_BROWSER:
            confirm_over_http(link)
            continue
        tr = lambda text, **v: t(live_server.app, person.lang, text, **v)  # noqa: E731
        visitor.goto(with_lang(link, person.lang))
        if person.index == 0:
            steps(visitor, "personal-page-to-confirm")
        visitor.get_by_role("button", name=tr("Anmeldung bestätigen")).click()
        expect(visitor.locator(".kern-alert--success")).to_contain_text(
            tr("Danke! Ihre Anmeldung ist bestätigt."))
        status = visitor.locator(".status-line")
        if person.index < CAPACITY:
            expect(status).to_have_text(tr("Sie sind angemeldet. Wir freuen uns auf Sie!"))
        else:
            expect(status).to_contain_text(tr(
                "Sie stehen auf der Warteliste, auf Platz %(n)d.", n=1).rstrip("."))
            steps(visitor, "waiting-list")
        if person.index == 0:
            steps(visitor, "confirmed")

    run_the_mail_worker(live_server)
    for person in everyone:
        opt_in, answer = mails_to(smtp_server, person.email)
        if person.index < CAPACITY:  # confirmed, with the calendar entry
            assert attachments(answer) == [f"{EIGHTH}.ics"], person
        else:
            assert subject(answer) == t(live_server.app, person.lang,
                                        "Sie stehen auf der Warteliste: %(title)s", title=TITLE)
    assert seats_and_waiting(live_server) == (CAPACITY, PEOPLE - CAPACITY)

    # 3. A seat holder cancels; the first on the waiting list moves up and is told.
    leaving, first_waiting = everyone[CANCELS], everyone[CAPACITY]
    visitor.goto(with_lang(links[CANCELS], leaving.lang))
    visitor.get_by_role("link", name="Von der Veranstaltung abmelden …").click()
    visitor.get_by_role("button", name="Ja, abmelden").click()  # the page that asks first
    expect(visitor.locator(".status-line")).to_have_text("Sie haben sich abgemeldet.")
    steps(visitor, "cancelled")
    assert seats_and_waiting(live_server) == (CAPACITY, PEOPLE - CAPACITY - 1)
    run_the_mail_worker(live_server)
    promoted = mails_to(smtp_server, first_waiting.email)[-1]
    assert subject(promoted) == f"Ein Platz ist frei geworden – Sie sind dabei: {TITLE}"
    assert attachments(promoted) == [f"{EIGHTH}.ics"]
    assert "konferenz.example.org/innovationswerkstatt-8" in text_of(promoted)
    assert subject(mails_to(smtp_server, leaving.email)[-1]) == f"Ihre Abmeldung: {TITLE}"
    visitor.goto(with_lang(links[CAPACITY], first_waiting.lang))
    expect(visitor.locator(".status-line")).to_have_text(
        "Sie sind angemeldet. Wir freuen uns auf Sie!")
    steps(visitor, "promoted")

    # 4. The evening: check-in on a phone, then the groups on the board.
    the_evening_is_about_to_begin(live_server)  # check-in is open; people arrive
    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(phone, live_server, "de", **FACILITATOR)
    phone.goto(f"{live_server}/manage/events/{EIGHTH}/checkin")
    count = phone.locator("#checkin-count")
    expect(count).to_have_text(f"0 von {CAPACITY} da")
    for n, index in enumerate(CHECKED_IN, start=1):
        button(phone, "Ist da", everyone[index].name).tap()
        expect(count).to_have_text(f"{n} von {CAPACITY} da")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    steps(phone, "checkin-phone")

    board = new_page()
    sign_in(board, live_server, "de", **FACILITATOR)
    board.goto(f"{live_server}/manage/events/{EIGHTH}/breakouts")
    expect(board.locator("#board-basis")).to_contain_text(
        f"eingeteilt werden die {len(CHECKED_IN)} eingecheckten Personen")
    allocate(board)
    first, second, third = columns(board)
    placed = cards_in(board, first) + cards_in(board, second) + cards_in(board, third)
    assert len(placed) == len(CHECKED_IN)
    assert board.locator("[data-group-list][data-group-id=''] .board-card").count() == 0

    # Drag the first card of the first group onto the second group (as in the board test).
    dragged = cards_in(board, first)[0]
    drag_card(board, dragged, second)
    assert group_of(board, dragged) == second and is_pinned(board, dragged)

    # Pin someone the allocator placed in the third group, then re-run for the others.
    pinned = next(c for c in cards_in(board, third) if not is_pinned(board, c))
    pinned_name = board.locator(f"#card-{pinned} .board-card__name").inner_text().strip()
    with board.expect_navigation():
        button(board, "Anheften", pinned_name).click()
    assert is_pinned(board, pinned)
    allocate(board)
    assert group_of(board, dragged) == second and group_of(board, pinned) == third
    assert is_pinned(board, dragged) and is_pinned(board, pinned)
    steps(board, "board")

    in_room_3 = [board.locator(f"#card-{c} .board-card__name").inner_text().strip()
                 for c in cards_in(board, third)]
    sent_before = len(smtp_server.messages())
    board.get_by_role("link", name="Gruppen veröffentlichen …").click()
    expect(board.locator("#publish-count")).to_have_text(
        f"{len(CHECKED_IN)} Personen bekommen eine E-Mail mit ihrer Gruppe und dem Raum.")
    steps(board, "groups-publish-confirm")
    board.get_by_role("button", name="Ja, jetzt veröffentlichen").click()
    expect(board.locator(".kern-alert--success")).to_contain_text(
        f"Veröffentlicht. {len(CHECKED_IN)} Personen bekommen eine E-Mail mit ihrer Gruppe.")
    steps(board, "groups-published")
    run_the_mail_worker(live_server)
    # The checked-in get their group (the worker may also send the day-before reminders).
    by_email = {p.email: p for p in everyone}
    group_mails = {m["To"]: m for m in smtp_server.messages()[sent_before:] if subject(m) == t(
        live_server.app, by_email[m["To"]].lang, "Ihre Gruppe: %(title)s", title=TITLE)}
    assert sorted(group_mails) == sorted(everyone[i].email for i in CHECKED_IN)
    for person in everyone:
        if person.name in in_room_3:  # the room set on the edited group reaches its people
            assert "Breakout-Raum 3" in text_of(group_mails[person.email])
    visitor.goto(with_lang(links[0], "de"))
    expect(visitor.locator("#group-heading")).to_have_text("Ihre Gruppe")
    steps(visitor, "personal-page-group")

    # 5. After the evening: the worker mails those who came the survey; six answer from the
    # link in that mail, one of them on a phone; staff read the results.
    app = live_server.app
    the_clock_moves_to(live_server, -2)  # two days after the evening
    sent_before = len(smtp_server.messages())
    run_the_mail_worker(live_server)
    survey_mails = {m["To"]: m for m in smtp_server.messages()[sent_before:]
                    if m["To"] in by_email and subject(m) == t(
                        app, by_email[m["To"]].lang, "Wie war es? Ihre Meinung zu „%(title)s“",
                        title=TITLE)}
    assert sorted(survey_mails) == sorted(everyone[i].email for i in CHECKED_IN)
    survey_links = {i: survey_link(survey_mails[everyone[i].email]) for i in ANSWERS}
    for index, link in survey_links.items():
        assert link.startswith(f"{live_server}/r/") and link.endswith(f"?lang={everyone[index].lang}")

    on_the_phone, *over_http = ANSWERS
    person = everyone[on_the_phone]
    tr = lambda text, **v: t(app, person.lang, text, **v)  # noqa: E731
    respondent = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    respondent.goto(survey_links[on_the_phone])
    assert respondent.get_attribute("html", "lang") == person.lang
    assert respondent.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    steps(respondent, "survey-phone")
    overall, mix, again, topic = ANSWERS[on_the_phone]

    def question(n: int) -> re.Pattern:  # its text, then " – optional" if it is optional
        return re.compile(rf"^{re.escape(STANDARD_QUESTIONS[n][f'text_{person.lang}'])}")

    scale = {"1": tr("1 – gar nicht gut"), "5": tr("5 – sehr gut")}
    choice = {o["key"]: o[person.lang] for o in STANDARD_QUESTIONS[2]["options"]}
    respondent.get_by_role("group", name=question(0)).get_by_label(
        scale.get(overall, overall), exact=True).check()
    respondent.get_by_role("group", name=question(1)).get_by_label(
        scale.get(mix, mix), exact=True).check()
    respondent.get_by_role("group", name=question(2)).get_by_label(
        choice[again], exact=True).check()
    respondent.get_by_role("textbox", name=question(4)).fill(topic)
    respondent.get_by_role("button", name=tr("Antworten absenden")).tap()
    expect(respondent.locator(".kern-alert--success")).to_contain_text(
        tr("Vielen Dank für Ihre Antworten!"))
    expect(respondent.locator("#survey-state")).to_have_text(tr(
        "Sie haben schon geantwortet. Vielen Dank! Ihre Antworten helfen uns, die nächste "
        "Werkstatt besser zu machen."))
    assert respondent.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for index in over_http:
        answer_over_http(survey_links[index], ANSWERS[index])

    staff.goto(f"{live_server}/manage/events/{EIGHTH}/feedback")
    expect(staff.locator("#figure-invited")).to_have_text(str(len(CHECKED_IN)))
    expect(staff.locator("#figure-responses")).to_have_text(str(len(ANSWERS)))
    assert staff.locator("#figure-rate").text_content() == format_percent(
        len(ANSWERS) / len(CHECKED_IN), locale="de")
    expect(staff.locator("#mean-0")).to_have_text(
        f"Durchschnitt: {format_decimal(OVERALL, '#,##0.0', locale='de')} von 5 "
        f"({len(ANSWERS)} Antworten)")
    assert staff.locator("figure.chart").count() == 3  # the two scales and "again"
    topics = staff.locator("#question-4 .feedback-text").all_inner_texts()
    assert topics == sorted(a[3] for a in ANSWERS.values() if a[3])
    steps(staff, "feedback-results")

    # 6. Staff write the report, with the survey's headline under "at a glance", and publish
    # it; a visitor reads it.
    headline = {lang: t(app, lang, "%(answered)s von %(invited)s haben geantwortet",
                        answered=len(ANSWERS), invited=len(CHECKED_IN)) + "; " + t(
        app, lang, "Gesamteindruck %(mean)s von 5",
        mean=format_decimal(OVERALL, "#,##0.0", locale=lang)) for lang in ("de", "en")}
    staff.goto(f"{live_server}/manage/events/{EIGHTH}/report")
    expect(staff.locator("#feedback-headline")).to_have_text(headline["de"])
    with staff.expect_navigation():
        staff.get_by_role("button", name="Unter „Auf einen Blick“ zeigen").click()
    expect(staff.locator(".kern-alert--success")).to_contain_text(
        "Die Rückmeldungen stehen jetzt unter „Auf einen Blick“.")
    staff.get_by_role("textbox", name="Einleitung").fill(
        "Am Abend der achten Innovationswerkstatt haben Menschen aus Verwaltung, "
        "Zivilgesellschaft, Wirtschaft und Forschung gefragt, wie Familien Leistungen "
        "bekommen, ohne sie erst beantragen zu müssen.")
    with staff.expect_navigation():
        staff.get_by_role("button", name="Learning hinzufügen").click()
    staff.get_by_label("Learning 1: Überschrift").fill("Daten, die schon da sind, zuerst nutzen")
    staff.get_by_label("Learning 1: Text").fill(
        "Wer Familien von sich aus erreichen will, fängt bei den Daten an, die die "
        "Verwaltung schon hat, und fragt nur nach, was fehlt.")
    with staff.expect_navigation():
        staff.get_by_role("button", name="Speichern", exact=True).first.click()
    expect(staff.locator(".kern-alert--success")).to_contain_text("Der Bericht wurde gespeichert.")
    steps(staff, "report-editor")
    with staff.expect_navigation():
        staff.get_by_role("button", name="Veröffentlichen", exact=True).click()
    expect(staff.locator(".kern-alert--success")).to_contain_text("Der Bericht ist veröffentlicht.")

    reader = new_page()
    reader.goto(f"{live_server}/events/{EIGHTH}/report")
    expect(reader.locator("h1")).to_have_text(TITLE)
    text = reader.locator("main").inner_text()
    assert "Daten, die schon da sind, zuerst nutzen" in text
    expect(reader.locator("#report-feedback dd")).to_have_text(headline["de"])
    reader.goto(f"{live_server}/events/{EIGHTH}/report?lang=en")
    expect(reader.locator("#report-feedback dd")).to_have_text(headline["en"])
    reader.goto(f"{live_server}/events/{EIGHTH}/report?lang=de")
    steps(reader, "report")
    link = reader.get_by_role("link", name="Bericht als PDF herunterladen")
    with reader.expect_download() as download:
        link.click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF-")
    pages = PdfReader(io.BytesIO(pdf)).pages
    pdf_text = " ".join(" ".join(p.extract_text().split()) for p in pages)
    assert TITLE in pdf_text
    assert "Daten, die schon da sind, zuerst nutzen" in pdf_text
    assert headline["de"] in pdf_text

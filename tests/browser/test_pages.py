"""Every public page and the staff pages pass axe-core in German and English, offline."""
import pytest

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser

PUBLIC_PAGES = ["/", "/events/innovationswerkstatt-7", "/events/innovationswerkstatt-6",
                "/manage/login", "/privacy", "/accessibility", "/imprint", "/leichte-sprache",
                "/no-such-page"]


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_is_accessible_and_offline(live_server, page, path, lang):
    response = page.goto(f"{live_server}{path}?lang={lang}")
    assert response.status == (404 if path == "/no-such-page" else 200)
    assert page.get_attribute("html", "lang") == lang
    assert page.locator("h1").count() == 1
    assert axe_violations(page) == []
    # The design system's stylesheet and font really loaded from our own server.
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Fira Sans" in font


def sign_in(page, live_server, lang, email="team@example.org", password="werkstatt-team-demo"):
    page.goto(f"{live_server}/manage/login?lang={lang}")
    page.get_by_label("E-Mail-Adresse" if lang == "de" else "Email address").fill(email)
    page.get_by_label("Passwort" if lang == "de" else "Password").fill(password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/manage/")


@pytest.mark.parametrize("lang", ["de", "en"])
def test_staff_pages_are_accessible(live_server, page, lang):
    sign_in(page, live_server, lang, email="admin@example.org", password="werkstatt-admin-demo")
    for path in ["/manage/", "/manage/events/new", "/manage/events/innovationswerkstatt-7/edit",
                 "/manage/series/new", "/manage/users", "/manage/users/new",
                 "/manage/account/password", "/manage/participants", "/manage/audit",
                 "/manage/mail", "/manage/events/innovationswerkstatt-7/registrations",
                 "/manage/events/innovationswerkstatt-7/agenda",
                 # the pages that ask before cancelling, publishing or mailing many people
                 "/manage/events/innovationswerkstatt-7/registrations/message",
                 "/manage/events/innovationswerkstatt-7/cancel",
                 "/manage/events/innovationswerkstatt-7/breakouts/publish",
                 "/manage/events/innovationswerkstatt-7/report/notify"]:
        page.goto(f"{live_server}{path}")
        assert page.get_attribute("html", "lang") == lang, path
        assert axe_violations(page) == [], path
    page.goto(f"{live_server}/manage/events/innovationswerkstatt-7/registrations")
    page.locator("a[href$='/cancel']").first.click()  # "Absagen …" of the first registration
    page.wait_for_load_state()
    assert page.url.endswith("/cancel") and "/registrations/" in page.url
    assert axe_violations(page) == [], page.url


@pytest.mark.parametrize("lang", ["de", "en"])
def test_form_errors_are_announced_next_to_the_field_and_accessible(live_server, page, lang):
    sign_in(page, live_server, lang)
    page.goto(f"{live_server}/manage/events/innovationswerkstatt-7/edit")
    page.locator("#title").fill("")
    page.locator("#capacity").fill("0")
    page.locator("form.event-form button[type=submit]").click()
    title = page.locator("#title")
    assert title.get_attribute("aria-invalid") == "true"
    described = title.get_attribute("aria-describedby")
    error_text = page.locator(f"#{described.split()[-1]}").inner_text()
    assert error_text.strip() == ("Bitte geben Sie einen Titel ein." if lang == "de"
                                  else "Please enter a title.")
    assert axe_violations(page) == []


@pytest.mark.parametrize("lang", ["de", "en"])
def test_a_new_room_link_asks_before_mailing_and_the_question_is_accessible(live_server, page,
                                                                           lang):
    sign_in(page, live_server, lang)
    edit = f"{live_server}/manage/events/innovationswerkstatt-7/edit"
    page.goto(edit)
    page.locator("#online_url").fill("https://konferenz.example.org/anderer-raum")
    page.locator("form.event-form button[type=submit]").click()
    notice = page.locator("#change-notice")
    assert notice.get_attribute("role") == "alert"
    assert ("bekommen eine E-Mail mit dem geänderten Termin (Kalendereintrag)" if lang == "de"
            else "will get an email with the changed date (calendar entry)") in notice.inner_text()
    assert page.locator("button[name=inform]").count() == 2
    assert axe_violations(page) == []
    page.goto(edit)  # not confirmed: nothing was saved
    assert page.locator("#online_url").input_value() == \
        "https://konferenz.example.org/innovationswerkstatt-7"


def test_the_language_switch_is_a_link_and_is_remembered(live_server, page):
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="English").click()
    assert page.get_attribute("html", "lang") == "en"
    page.get_by_role("link", name="Privacy").first.click()
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("h1").inner_text() == "Privacy notice"


def test_phone_sized_home_page_has_no_horizontal_scrolling(live_server, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server}/events/innovationswerkstatt-7")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    assert axe_violations(page) == []
    context.close()


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_person_page_is_accessible(live_server, page, lang):
    from app.extensions import db
    from app.models import Participant, Sector
    with live_server.app.app_context():
        person = Participant(email=f"axe-{lang}@example.org", name="Alex Axe", organisation="Prüfstelle",
                             sector=Sector.RESEARCH)
        db.session.add(person)
        db.session.commit()
        person_id = person.id
    sign_in(page, live_server, lang, email="admin@example.org", password="werkstatt-admin-demo")
    page.goto(f"{live_server}/manage/participants/{person_id}")
    assert "Alex Axe" in page.locator("h1").inner_text()
    assert axe_violations(page) == []

"""Group boards over HTTP: members through their personal link, facilitators, the poll,
the time box, the plenary, exports, and what erasure leaves behind (DESIGN §9, issue 15)."""
import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.models import AuditLog, Board, BoardCard, BoardPrompt, BoardVote, BreakoutGroup
from app.records.services import erase_person
from tests.boards.helpers import add_group, form_token, member, work_phase_edition
from tests.conftest import counted_statements, csrf_from
from tests.factories import make_event, make_user


@pytest.fixture
def facilitator(db):
    return make_user("facilitator")


@pytest.fixture
def edition(db, facilitator):
    return work_phase_edition(db, title="Daten für Familien", facilitators=[facilitator])


@pytest.fixture
def group(db, edition):
    return add_group(db, edition)


@pytest.fixture
def ada(db, edition, group):
    return member(db, edition, group, "Ada Lovelace")


def cards(db, group) -> list[BoardCard]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(BoardCard).where(BoardCard.group_id == group.id)
                                   .order_by(BoardCard.id)))


def add_card(client, person, body="Formulare sind zu lang", col=0, show_name="name"):
    token = form_token(client, person.url)
    return client.post(f"{person.url}/cards", data={"csrf_token": token, "body": body,
                                                    "col": str(col), "show_name": show_name})


def press(client, person, path: str):
    token = form_token(client, person.url)
    return client.post(f"{person.url}{path}", data={"csrf_token": token})


def staff_url(event, group, rest: str = "") -> str:
    return f"/manage/events/{event.slug}/breakouts/{group.id}/board{rest}"


def staff_post(client, event, group, rest: str, **data):
    token = csrf_from(client, staff_url(event, group))
    return client.post(staff_url(event, group, rest), data={"csrf_token": token, **data})


def open_voting(db, group):
    db.session.add(Board(group_id=group.id, voting_open=True, dots_per_member=3))
    db.session.commit()


# --- the member's board ------------------------------------------------------------------------

def test_a_member_sees_the_guiding_question_and_the_default_prompts_as_columns(client, ada, group):
    page = client.get(ada.url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Was hält Familien davon ab, Daten zu nutzen?" in html
    for prompt in ("Hindernisse", "Lösungsansätze", "Offene Fragen"):
        assert f'>{prompt} <span class="tafel-count">(0)</span>' in html
    assert page.headers["Cache-Control"] == "no-store"


def test_a_member_adds_a_card_with_their_first_name_or_anonymously(client, db, ada, group):
    assert add_card(client, ada, "Formulare sind zu lang", 0, "name").status_code == 303
    assert add_card(client, ada, "Niemand erklärt die Daten", 2, "anonym").status_code == 303
    stored = cards(db, group)
    assert [(c.body, c.col, c.author_name, c.author_registration_id) for c in stored] == [
        ("Formulare sind zu lang", 0, "Ada", ada.registration.id),
        ("Niemand erklärt die Daten", 2, "", ada.registration.id)]
    html = client.get(ada.url).get_data(as_text=True)
    assert "Ada · 0 Punkte" in html
    assert "anonym · 0 Punkte" in html


def test_a_member_edits_and_deletes_their_own_card_but_not_anothers(client, db, edition, group,
                                                                      ada):
    grace = member(db, edition, group, "Grace Hopper")
    add_card(client, ada, "Erste Fassung")
    card = cards(db, group)[0]
    token = form_token(client, ada.url)
    assert client.post(f"{ada.url}/cards/{card.id}", data={
        "csrf_token": token, "body": "Zweite Fassung"}).status_code == 303
    assert cards(db, group)[0].body == "Zweite Fassung"
    other = client.post(f"{grace.url}/cards/{card.id}", data={
        "csrf_token": form_token(client, grace.url), "body": "Übernommen"})
    assert other.status_code == 403
    assert press(client, grace, f"/cards/{card.id}/delete").status_code == 403
    assert cards(db, group)[0].body == "Zweite Fassung"
    assert press(client, ada, f"/cards/{card.id}/delete").status_code == 303
    assert cards(db, group) == []


def test_an_empty_or_too_long_card_is_refused_next_to_the_field_and_nothing_stored(
        client, db, ada, group):
    empty = add_card(client, ada, "   ")
    assert empty.status_code == 422
    assert "Bitte schreiben Sie etwas auf die Karte." in empty.get_data(as_text=True)
    long = add_card(client, ada, "x" * 10_000)
    assert long.status_code == 422
    assert "Bitte höchstens 500 Zeichen." in long.get_data(as_text=True)
    assert add_card(client, ada, "Spalte 9", col=9).status_code == 422
    assert cards(db, group) == []


@pytest.mark.parametrize("hostile", [
    '<script>alert("x")</script>',
    '<img src=x onerror=alert(1)>',
    '[klick](javascript:alert(1))',
    'javascript:alert(document.cookie)',
])
def test_hostile_card_text_is_shown_as_text_never_as_markup_or_a_link(client, db, ada, group,
                                                                        hostile):
    assert add_card(client, ada, hostile).status_code == 303
    html = client.get(ada.url).get_data(as_text=True)
    assert hostile not in html or "<" not in hostile  # angle brackets are always escaped
    assert '<script>alert' not in html and "<img src=x" not in html
    assert 'href="javascript:' not in html
    state = client.get(f"{ada.url}/state.json").get_json()
    assert state["cards"][0]["text"] == hostile
    assert '<script>alert' not in state["html"] and 'href="javascript:' not in state["html"]


def test_votes_are_one_per_card_and_at_most_three_per_member(client, db, edition, group, ada):
    open_voting(db, group)
    for i in range(5):
        add_card(client, ada, f"Idee {i}")
    ids = [c.id for c in cards(db, group)]
    for card_id in ids[:4]:
        assert press(client, ada, f"/cards/{card_id}/vote").status_code == 303
    assert press(client, ada, f"/cards/{ids[0]}/vote").status_code == 303  # again: refused
    votes = db.session.scalars(sa.select(BoardVote.card_id).where(
        BoardVote.registration_id == ada.registration.id).order_by(BoardVote.card_id)).all()
    assert votes == ids[:3]
    page = client.get(ada.url).get_data(as_text=True)
    assert "Ihre Punkte: noch 0" in page
    assert press(client, ada, f"/cards/{ids[0]}/unvote").status_code == 303
    assert "Ihre Punkte: noch 1" in client.get(ada.url).get_data(as_text=True)


def test_votes_wait_until_the_facilitator_starts_voting(client, db, ada, group):
    add_card(client, ada, "Idee")
    card = cards(db, group)[0]
    response = press(client, ada, f"/cards/{card.id}/vote")
    assert response.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count(BoardVote.id))) == 0
    assert "Die Abstimmung ist nicht geöffnet." in client.get(ada.url).get_data(as_text=True)


# --- who may see which board ---------------------------------------------------------------------

def test_a_member_cannot_read_or_write_another_groups_board(client, db, edition, group, ada):
    other_group = add_group(db, edition, "Vertrauen", "Wem vertrauen Familien?")
    bob = member(db, edition, other_group, "Bob Beispiel")
    add_card(client, bob, "Geheim in Gruppe 2")
    theirs = cards(db, other_group)[0]
    assert "Geheim in Gruppe 2" not in client.get(ada.url).get_data(as_text=True)
    assert "Geheim" not in client.get(f"{ada.url}/state.json").get_data(as_text=True)
    token = form_token(client, ada.url)
    assert client.post(f"{ada.url}/cards/{theirs.id}", data={
        "csrf_token": token, "body": "x"}).status_code == 404
    assert press(client, ada, f"/cards/{theirs.id}/delete").status_code == 404
    assert press(client, ada, f"/cards/{theirs.id}/vote").status_code == 404
    assert cards(db, other_group)[0].body == "Geheim in Gruppe 2"


def test_unpublished_groups_and_unknown_links_have_no_board(client, db, edition, group, ada):
    edition.breakouts_published_at = None
    db.session.commit()
    assert client.get(ada.url).status_code == 404
    assert client.get("/r/" + "x" * 43 + "/group").status_code == 404


def test_after_erasure_the_link_opens_no_board_and_the_cards_stay_as_anonym(client, db, ada,
                                                                             group):
    open_voting(db, group)
    add_card(client, ada, "Bleibt stehen")
    card = cards(db, group)[0]
    press(client, ada, f"/cards/{card.id}/vote")
    token = form_token(client, ada.url)
    erase_person(ada.registration.participant)
    assert client.get(ada.url).status_code == 404
    assert client.get(f"{ada.url}/state.json").status_code == 404
    assert client.post(f"{ada.url}/cards", data={
        "csrf_token": token, "body": "Nach dem Löschen", "col": "0",
        "show_name": "name"}).status_code == 404
    assert client.post(f"{ada.url}/cards/{card.id}/vote",
                       data={"csrf_token": token}).status_code == 404
    [kept] = cards(db, group)
    assert (kept.body, kept.author_name, kept.author_registration_id) == ("Bleibt stehen", "",
                                                                          None)
    assert db.session.scalar(sa.select(sa.func.count(BoardVote.id))
                             .where(BoardVote.card_id == kept.id)) == 1


def test_the_editions_facilitator_and_staff_see_the_board_and_another_facilitator_does_not(
        client, db, edition, group, login_as):
    login_as("facilitator")
    assert client.get(staff_url(edition, group)).status_code == 403
    assert client.get(staff_url(edition, group, "/state.json")).status_code == 403
    assert client.get(f"/manage/events/{edition.slug}/breakouts/plenary").status_code == 403
    client.post("/manage/logout", data={"csrf_token": csrf_from(client, "/manage/")})
    login_as("staff")
    assert client.get(staff_url(edition, group)).status_code == 200


def test_a_group_of_another_edition_is_not_found_under_this_edition(client, db, edition,
                                                                      login_as):
    other = make_event(title="Andere")
    foreign = add_group(db, other, "Fremd")
    login_as("staff")
    assert client.get(staff_url(edition, foreign)).status_code == 404


# --- the facilitator ----------------------------------------------------------------------------

@pytest.fixture
def signed_in(client, facilitator):
    from tests.conftest import login
    assert login(client, facilitator.email, "correct horse battery").status_code == 303
    return facilitator


def test_the_facilitator_merges_duplicates_and_marks_key_results(client, db, edition, group,
                                                                   ada, signed_in):
    grace = member(db, edition, group, "Grace Hopper")
    open_voting(db, group)
    member_client = client.application.test_client()
    add_card(member_client, ada, "Anträge sind zu kompliziert")
    add_card(member_client, grace, "Formulare zu kompliziert")
    first, second = cards(db, group)
    press(member_client, ada, f"/cards/{first.id}/vote")
    press(member_client, ada, f"/cards/{second.id}/vote")
    press(member_client, grace, f"/cards/{second.id}/vote")
    assert staff_post(client, edition, group, f"/cards/{second.id}/merge",
                      into=str(first.id)).status_code == 303
    assert staff_post(client, edition, group, f"/cards/{first.id}/key-result",
                      value="1").status_code == 303
    first, second = cards(db, group)
    assert second.merged_into_id == first.id
    assert first.key_result is True
    # Ada's two dots become one on the merged card (she gets one back); Grace's moves along.
    votes = db.session.execute(sa.select(BoardVote.card_id, BoardVote.registration_id)
                               .order_by(BoardVote.registration_id)).all()
    assert votes == [(first.id, ada.registration.id), (first.id, grace.registration.id)]
    html = client.get(staff_url(edition, group)).get_data(as_text=True)
    assert "Zusammengeführt: Formulare zu kompliziert (Grace)" in html
    assert "Zentrales Ergebnis</strong> · 2 Punkte" in html


def test_the_facilitator_edits_and_moves_any_card(client, db, edition, group, ada, signed_in):
    add_card(client.application.test_client(), ada, "Tippfeler")
    card = cards(db, group)[0]
    assert staff_post(client, edition, group, f"/cards/{card.id}", body="Tippfehler",
                      col="1").status_code == 303
    assert [(c.body, c.col, c.author_name) for c in cards(db, group)] == [("Tippfehler", 1, "Ada")]


def test_the_facilitator_sets_the_groups_prompts_and_cards_of_a_removed_column_move_left(
        client, db, edition, group, ada, signed_in):
    add_card(client.application.test_client(), ada, "Frage", col=2)
    assert staff_post(client, edition, group, "/prompts", prompt_0="Was bremst?",
                      prompt_1="Was hilft?", prompt_2="").status_code == 303
    assert [c.col for c in cards(db, group)] == [1]
    html = client.get(ada.url).get_data(as_text=True)
    assert ">Was bremst? <span" in html and ">Was hilft? <span" in html
    assert "Offene Fragen" not in html


def test_prompts_are_refused_without_a_first_column(client, db, edition, group, signed_in):
    response = staff_post(client, edition, group, "/prompts", prompt_0="", prompt_1="B")
    assert response.status_code == 422
    assert "Bitte geben Sie mindestens eine Spalte an." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(BoardPrompt.id))) == 0


# --- the time box ---------------------------------------------------------------------------------

def test_the_board_freezes_at_the_end_of_the_work_phase_plus_grace(app, client, db, facilitator):
    ended = work_phase_edition(db, minutes_ago=60, duration=40, facilitators=[facilitator])
    group = add_group(db, ended)
    ada = member(db, ended, group, "Ada Lovelace")
    app.config["BOARD_GRACE_MINUTES"] = 25  # ended 20 minutes ago: still open
    try:
        assert add_card(client, ada, "Gerade noch").status_code == 303
        token = form_token(client, ada.url)  # the page as it was open during the work phase
        card = cards(db, group)[0]
        app.config["BOARD_GRACE_MINUTES"] = 15  # ended 20 minutes ago: read-only
        page = client.get(ada.url).get_data(as_text=True)
        assert "Die Tafel ist geschlossen; Sie können sie nur noch lesen." in page
        assert "new-card-heading" not in page and "Ändern oder löschen" not in page
        late = client.post(f"{ada.url}/cards", data={"csrf_token": token, "body": "Zu spät",
                                                     "col": "0", "show_name": "name"})
        assert late.status_code == 303
        client.post(f"{ada.url}/cards/{card.id}", data={"csrf_token": token, "body": "Neu"})
        client.post(f"{ada.url}/cards/{card.id}/delete", data={"csrf_token": token})
        assert [c.body for c in cards(db, group)] == ["Gerade noch"]
        assert "Die Tafel ist gerade nicht offen" in client.get(ada.url).get_data(as_text=True)
        assert client.get(f"{ada.url}/state.json").get_json()["writable"] is False
    finally:
        app.config["BOARD_GRACE_MINUTES"] = 15


def test_before_the_work_phase_the_board_waits_and_the_facilitator_can_open_it_by_hand(
        client, db, facilitator, signed_in):
    later = work_phase_edition(db, minutes_ago=-30, facilitators=[facilitator])
    group = add_group(db, later)
    ada = member(db, later, group, "Ada Lovelace")
    member_client = client.application.test_client()
    assert "Die Tafel öffnet um" in member_client.get(ada.url).get_data(as_text=True)
    add_card(member_client, ada, "Zu früh")
    assert cards(db, group) == []
    assert staff_post(client, later, group, "/open", value="open").status_code == 303
    add_card(member_client, ada, "Jetzt")
    assert [c.body for c in cards(db, group)] == ["Jetzt"]
    assert staff_post(client, later, group, "/open", value="closed").status_code == 303
    add_card(member_client, ada, "Wieder zu")
    assert [c.body for c in cards(db, group)] == ["Jetzt"]


# --- live: the poll -------------------------------------------------------------------------------

def test_an_unchanged_board_answers_304_and_a_change_a_new_etag(client, db, ada, group):
    first = client.get(f"{ada.url}/state.json")
    assert first.status_code == 200
    etag = first.headers["ETag"]
    again = client.get(f"{ada.url}/state.json", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    add_card(client, ada, "Neu")
    changed = client.get(f"{ada.url}/state.json", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert [c["text"] for c in changed.get_json()["cards"]] == ["Neu"]


def test_an_unchanged_poll_costs_the_same_few_statements_however_many_cards(client, db, ada,
                                                                              group):
    def statements_of_unchanged_poll() -> int:
        etag = client.get(f"{ada.url}/state.json").headers["ETag"]
        with counted_statements(db) as statements:
            assert client.get(f"{ada.url}/state.json",
                              headers={"If-None-Match": etag}).status_code == 304
        return len(statements)

    add_card(client, ada, "Eins")
    few = statements_of_unchanged_poll()
    for i in range(30):
        db.session.add(BoardCard(group_id=group.id, col=i % 3, body=f"Karte {i}"))
    db.session.commit()
    assert statements_of_unchanged_poll() == few
    # One statement: the member with their group, edition, board row and agenda (the work
    # phase); the 304 is decided from it alone. SQLite adds its BEGIN.
    assert few == (2 if db.engine.dialect.name == "sqlite" else 1)


def test_the_facilitators_unchanged_poll_costs_the_same_statements_however_many_cards(
        client, db, edition, group, ada, signed_in):
    def statements_of_unchanged_poll() -> int:
        etag = client.get(staff_url(edition, group, "/state.json")).headers["ETag"]
        with counted_statements(db) as statements:
            assert client.get(staff_url(edition, group, "/state.json"),
                              headers={"If-None-Match": etag}).status_code == 304
        return len(statements)

    add_card(client.application.test_client(), ada, "Eins")
    few = statements_of_unchanged_poll()
    db.session.add_all([BoardCard(group_id=group.id, col=i % 3, body=f"Karte {i}")
                        for i in range(30)])
    db.session.commit()
    assert statements_of_unchanged_poll() == few


def test_a_changed_poll_costs_the_same_statements_however_many_cards(client, db, edition,
                                                                     group, ada):
    open_voting(db, group)
    grace = member(db, edition, group, "Grace Hopper")
    grace_client = client.application.test_client()

    def statements_of_changed_poll() -> int:
        add_card(grace_client, grace, "Noch eine")  # a new version: the poll is a changed one
        with counted_statements(db) as statements:
            assert client.get(f"{ada.url}/state.json").status_code == 200
        return len(statements)

    add_card(client, ada, "Eins")
    press(client, ada, f"/cards/{cards(db, group)[0].id}/vote")
    few = statements_of_changed_poll()
    more = [BoardCard(group_id=group.id, col=i % 3, body=f"Karte {i}") for i in range(40)]
    db.session.add_all(more)
    db.session.flush()
    db.session.add_all([BoardVote(card_id=c.id, group_id=group.id) for c in more[:20]])
    for c in more[20:25]:
        c.merged_into_id = more[0].id
    db.session.commit()
    assert statements_of_changed_poll() == few
    # The member with the board's row and agenda (the tag), then the prompts and the cards
    # with their dots and the member's own dots; SQLite adds its BEGIN.
    assert few == (4 if db.engine.dialect.name == "sqlite" else 3)


def test_every_member_gets_the_same_columns_and_their_own_marks_as_ids(client, db, edition,
                                                                      group, ada):
    open_voting(db, group)
    grace = member(db, edition, group, "Grace Hopper")
    grace_client = client.application.test_client()
    add_card(client, ada, "Von Ada")
    add_card(grace_client, grace, "Von Grace")
    by_ada, by_grace = cards(db, group)
    press(client, ada, f"/cards/{by_grace.id}/vote")
    ada_state = client.get(f"{ada.url}/state.json").get_json()
    grace_state = grace_client.get(f"{grace.url}/state.json").get_json()
    # The columns are the group's: rendered once, nothing in them belongs to one member.
    assert ada_state["html"] == grace_state["html"]
    assert ada.token not in ada_state["html"] and "csrf_token" not in ada_state["html"]
    assert "Punkt geben" not in ada_state["html"]
    assert (ada_state["mine"], ada_state["voted"], ada_state["dots_left"]) == (
        [by_ada.id], [by_grace.id], 2)
    assert (grace_state["mine"], grace_state["voted"], grace_state["dots_left"]) == (
        [by_grace.id], [], 3)
    assert ada_state["dots_text"] == "Ihre Punkte: noch 2"
    # The page itself (also without JavaScript) still carries the member's own forms.
    page = client.get(ada.url).get_data(as_text=True)
    assert f'{ada.url}/cards/{by_grace.id}/unvote' in page
    assert f'{ada.url}/cards/{by_ada.id}/vote' in page


def test_after_erasure_the_next_poll_shows_the_card_as_anonym(client, db, edition, group, ada):
    grace = member(db, edition, group, "Grace Hopper")
    add_card(client, ada, "Bleibt stehen")
    assert "Ada" in client.get(f"{grace.url}/state.json").get_json()["html"]
    erase_person(ada.registration.participant)
    state = client.get(f"{grace.url}/state.json").get_json()
    assert [c["author"] for c in state["cards"]] == ["anonym"]
    assert "Ada" not in state["html"]


def test_erasing_an_author_changes_the_etag_so_pollers_stop_showing_the_name(client, db,
                                                                            edition, group,
                                                                            ada):
    grace = member(db, edition, group, "Grace Hopper")
    add_card(client, ada, "Bleibt stehen")
    first = client.get(f"{grace.url}/state.json")
    etag = first.headers["ETag"]
    assert "Ada" in first.get_json()["html"]
    assert client.get(f"{grace.url}/state.json",
                      headers={"If-None-Match": etag}).status_code == 304
    erase_person(ada.registration.participant)
    again = client.get(f"{grace.url}/state.json", headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert again.headers["ETag"] != etag
    assert [c["author"] for c in again.get_json()["cards"]] == ["anonym"]
    assert "Ada" not in again.get_json()["html"]


def test_retention_changes_the_etag_so_the_facilitators_poll_drops_the_name(
        client, db, edition, group, ada, signed_in):
    from app.records.services import run_retention
    add_card(client.application.test_client(), ada, "Bleibt nach der Frist")
    first = client.get(staff_url(edition, group, "/state.json"))
    etag = first.headers["ETag"]
    assert [c["author"] for c in first.get_json()["cards"]] == ["Ada"]
    run_retention(edition.ends_at + timedelta(days=365))
    again = client.get(staff_url(edition, group, "/state.json"), headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert [c["author"] for c in again.get_json()["cards"]] == ["anonym"]


# --- plenary and exports --------------------------------------------------------------------------

def test_the_plenary_shows_each_groups_key_results_and_top_cards_with_chosen_names_only(
        client, db, edition, group, ada, signed_in):
    other = add_group(db, edition, "Vertrauen", "Wem vertrauen Familien?")
    member_client = client.application.test_client()
    add_card(member_client, ada, "Zentrale Idee")
    add_card(member_client, ada, "Ohne Namen", show_name="anonym")
    first, second = cards(db, group)
    staff_post(client, edition, group, f"/cards/{first.id}/key-result", value="1")
    html = client.get(f"/manage/events/{edition.slug}/breakouts/plenary").get_data(as_text=True)
    assert "Zentrale Idee <span class=\"plenary__meta\">(Ada)</span>" in html
    assert "Lovelace" not in html and "@example.org" not in html
    assert html.count("Noch keine Ergebnisse.") == 1  # the other group


def test_results_export_as_markdown_and_csv_audited_names_only_with_consent(
        client, db, edition, group, signed_in):
    ada = member(db, edition, group, "Ada Lovelace", named_consent=True)
    grace = member(db, edition, group, "Grace Hopper")
    member_client = client.application.test_client()
    add_card(member_client, ada, "=SUMME(A1)")
    add_card(member_client, grace, "Von Grace")
    md = client.get(f"/manage/events/{edition.slug}/breakouts/results.md")
    assert md.status_code == 200
    text = md.get_data(as_text=True)
    assert "=SUMME\\(A1\\) (Ada) (0)" in text
    assert "- Von Grace (0)" in text and "Grace)" not in text
    rows = list(csv.reader(io.StringIO(client.get(
        f"/manage/events/{edition.slug}/breakouts/results.csv").get_data(as_text=True))))
    assert rows[1] == ["Zugang", "Hindernisse", "'=SUMME(A1)", "Ada", "0", ""]
    assert rows[2] == ["Zugang", "Hindernisse", "Von Grace", "", "0", ""]
    assert db.session.scalars(sa.select(AuditLog.details).where(
        AuditLog.action == "board.export").order_by(AuditLog.id)).all() == ["markdown", "csv"]


# --- duplication ---------------------------------------------------------------------------------

def test_prompts_are_copied_with_the_groups_when_an_edition_is_duplicated(db, edition, group):
    from app.breakouts.topics import copy_groups
    db.session.add_all([
        BoardPrompt(event_id=edition.id, group_id=None, position=0, title="Standard A"),
        BoardPrompt(event_id=edition.id, group_id=group.id, position=0, title="Eigene A"),
        BoardPrompt(event_id=edition.id, group_id=group.id, position=1, title="Eigene B"),
        BoardCard(group_id=group.id, col=0, body="bleibt hier")])
    db.session.commit()
    target = make_event(title="Nächste")
    copy_groups(edition, target)
    db.session.commit()
    [copy] = db.session.scalars(sa.select(BreakoutGroup).where(BreakoutGroup.event_id == target.id))
    rows = db.session.execute(sa.select(BoardPrompt.group_id, BoardPrompt.position,
                                        BoardPrompt.title)
                              .where(BoardPrompt.event_id == target.id)
                              .order_by(BoardPrompt.id)).all()
    assert rows == [(None, 0, "Standard A"), (copy.id, 0, "Eigene A"), (copy.id, 1, "Eigene B")]
    assert db.session.scalar(sa.select(sa.func.count(BoardCard.id))
                             .where(BoardCard.group_id == copy.id)) == 0


def test_retention_turns_card_authors_into_anonym_and_keeps_cards_and_dots(client, db, ada,
                                                                            group, edition):
    from app.records.services import run_retention
    open_voting(db, group)
    add_card(client, ada, "Bleibt nach der Frist")
    card = cards(db, group)[0]
    press(client, ada, f"/cards/{card.id}/vote")
    run_retention(edition.ends_at + timedelta(days=365))
    [kept] = cards(db, group)
    assert (kept.body, kept.author_name, kept.author_registration_id) == (
        "Bleibt nach der Frist", "", None)
    assert db.session.execute(sa.select(BoardVote.card_id, BoardVote.registration_id)).all() == [
        (kept.id, None)]
    assert client.get(ada.url).status_code == 404


def test_the_page_carries_the_boards_etag_so_the_first_poll_of_an_unchanged_board_is_304(
        client, db, ada, group):
    import html as html_lib
    import re
    add_card(client, ada, "Schon da")
    page = client.get(ada.url).get_data(as_text=True)
    etag = html_lib.unescape(re.search(r'data-etag="([^"]+)"', page).group(1))
    assert client.get(f"{ada.url}/state.json",
                      headers={"If-None-Match": etag}).status_code == 304

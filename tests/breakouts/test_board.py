"""The breakout board: groups, allocation, hand moves and pins, pairs, publication, exports,
people's topic ranking, and what erasure and duplication do to groups."""
import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.breakouts import topics
from app.models import (AllocationRun, Assignment, AssignmentSource, AuditLog, BreakoutGroup,
                        BreakoutPair, OutboxMessage, PairKind, Preference, Registration,
                        Sector, utcnow)
from tests.conftest import counted_statements, csrf_from
from tests.factories import fresh, make_event, make_user
from tests.records.test_checkin import enrol
from tests.registration.conftest import outbox, post_button, register, token_for

SECTORS = [Sector.CIVIL_SOCIETY, Sector.PUBLIC_ADMINISTRATION, Sector.BUSINESS, Sector.RESEARCH]


def board_url(event, rest: str = "") -> str:
    return f"/manage/events/{event.slug}/breakouts{rest}"


def post(client, event, rest: str, **data):
    """Press a button or send a form of the board (CSRF token from the board page)."""
    token = csrf_from(client, board_url(event))
    return client.post(board_url(event, rest), data={"csrf_token": token, **data})


def add_groups(db, event, *specs):
    """Groups as (topic, min, max); the title is the topic's question."""
    groups = [BreakoutGroup(event_id=event.id, position=i, topic=topic,
                            title=f"Wie geht es weiter mit {topic}?", min_size=low, max_size=high)
              for i, (topic, low, high) in enumerate(specs)]
    db.session.add_all(groups)
    db.session.commit()
    return groups


def rank(db, registration, *topics):
    for i, topic in enumerate(topics, start=1):
        db.session.add(Preference(registration_id=registration.id, topic=topic, rank=i))
    db.session.commit()


def room(db, event, count: int, *, organisation=""):
    people = [enrol(event, f"Person {i:02d}", sector=SECTORS[i % 4],
                    organisation=organisation) for i in range(count)]
    return people


def placement(db, event) -> dict[int, int]:
    db.session.expire_all()
    rows = db.session.execute(sa.select(Assignment.registration_id, Assignment.group_id)
                              .join(BreakoutGroup, BreakoutGroup.id == Assignment.group_id)
                              .where(BreakoutGroup.event_id == event.id)).all()
    return dict(rows)


@pytest.fixture
def facilitator(db):
    return make_user("facilitator")


@pytest.fixture
def edition(db, facilitator):
    return make_event(capacity=40, title="Daten für Familien", facilitators=[facilitator])


@pytest.fixture
def signed_in(client, facilitator):
    from tests.conftest import login
    assert login(client, facilitator.email, "correct horse battery").status_code == 303
    return facilitator


# --- access -------------------------------------------------------------------------------------

def test_the_editions_facilitator_sees_the_board_and_another_facilitator_does_not(
        client, db, edition, login_as):
    add_groups(db, edition, ("Zugang", 2, 5))
    enrol(edition, "Ada Beispiel")
    other = make_event(title="Andere Ausgabe")
    user = login_as("facilitator")
    edition.facilitators.append(user)
    db.session.commit()
    page = client.get(board_url(edition))
    assert page.status_code == 200
    assert "Ada Beispiel" in page.get_data(as_text=True)
    assert client.get(board_url(other)).status_code == 403
    assert client.get(board_url(edition, "/video-rooms.csv")).status_code == 403  # e-mails: staff


# --- groups -------------------------------------------------------------------------------------

def test_a_group_is_created_and_bad_input_is_refused_next_to_the_field(client, db, edition,
                                                                      signed_in):
    url = board_url(edition, "/groups/new")
    token = csrf_from(client, url)
    bad = client.post(url, data={"csrf_token": token, "title": "", "topic": "x\x00y",
                                 "min_size": "5", "max_size": "2", "room": "<script>"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "Bitte geben Sie eine Leitfrage ein." in html
    assert "Die Höchstgröße darf nicht kleiner als die Mindestgröße sein." in html
    assert "<script>" not in html.split('id="room"')[0][-200:]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BreakoutGroup)) == 0
    good = client.post(url, data={"csrf_token": token, "title": "Wo hakt es bei Daten?",
                                  "topic": "Hürden", "description": "*kurz*", "min_size": "3",
                                  "max_size": "8", "room": "Raum 2", "facilitator_id": ""})
    assert good.status_code == 303
    group = db.session.scalar(sa.select(BreakoutGroup))
    assert (group.title, group.topic, group.min_size, group.max_size, group.room) == (
        "Wo hakt es bei Daten?", "Hürden", 3, 8, "Raum 2")


def test_renaming_a_topic_carries_peoples_rankings_along(client, db, edition, signed_in):
    group, = add_groups(db, edition, ("Alt", 1, 5))
    person = enrol(edition, "Ada Beispiel")
    rank(db, person, "Alt")
    url = board_url(edition, f"/groups/{group.id}")
    token = csrf_from(client, url)
    response = client.post(url, data={"csrf_token": token, "title": group.title, "topic": "Neu",
                                      "min_size": "1", "max_size": "5", "facilitator_id": ""})
    assert response.status_code == 303
    db.session.expire_all()
    assert [p.topic for p in db.session.scalars(sa.select(Preference))] == ["Neu"]


# --- allocation -----------------------------------------------------------------------------------

def test_allocation_places_every_confirmed_person_once_within_the_sizes(client, db, edition,
                                                                         signed_in):
    groups = add_groups(db, edition, ("A", 3, 5), ("B", 3, 5), ("C", 3, 5))
    people = room(db, edition, 12)
    enrol(edition, "Wartende Person", place="waitlist")
    enrol(edition, "Noch unbestätigt", status="pending")
    for i, person in enumerate(people):
        rank(db, person, *["ABC", "BCA", "CAB"][i % 3])
    response = post(client, edition, "/allocate", mix="2")
    assert response.status_code == 303
    placed = placement(db, edition)
    assert sorted(placed) == sorted(p.id for p in people)
    sizes = [list(placed.values()).count(g.id) for g in groups]
    assert all(3 <= s <= 5 for s in sizes) and sum(sizes) == 12
    run = db.session.scalar(sa.select(AllocationRun))
    assert run.people == 12 and run.settings["mix_weight"] == 1.0
    assert run.settings["basis"] == "confirmed"
    assert run.gap is not None and run.gap <= 1e-6  # a room this size is solved to optimality
    assert run.figures["rule_violations"] == 0
    reasons = [a.reason_de for a in db.session.scalars(sa.select(Assignment))]
    assert all(reasons) and any("Wahl" in r for r in reasons)
    html = client.get(board_url(edition)).get_data(as_text=True)
    assert "beweisbar die beste Einteilung" in html
    assert "Wartende Person" not in html and "Noch unbestätigt" not in html


def test_the_mix_setting_trades_topics_for_mixing(client, db, edition, signed_in):
    add_groups(db, edition, ("A", 1, 10), ("B", 1, 10))
    # Everyone of one sector wants A first, everyone of the other B first.
    for i in range(16):
        sector = Sector.CIVIL_SOCIETY if i < 8 else Sector.BUSINESS
        person = enrol(edition, f"Person {i}", sector=sector)
        rank(db, person, *("AB" if i < 8 else "BA"))
    post(client, edition, "/allocate", mix="0")  # topics only
    first_run = db.session.scalars(sa.select(AllocationRun)).all()[-1]
    assert first_run.settings["mix_weight"] == 0.0, first_run.settings
    topics_only = first_run.figures
    assert topics_only["first_choice"] == 1.0
    db.session.execute(sa.delete(Assignment))
    db.session.commit()
    post(client, edition, "/allocate", mix="4")  # above all mixing
    mixed = db.session.scalars(sa.select(AllocationRun).order_by(AllocationRun.id)).all()[-1]
    assert topics_only["mix_distance_max"] == 0.5  # two groups of one sector each
    assert mixed.figures["mix_distance_max"] < 0.2
    assert mixed.figures["first_choice"] < 1.0


def test_at_a_mixing_step_colleagues_are_split_first_and_the_board_says_so(client, db, edition,
                                                                         signed_in):
    add_groups(db, edition, ("A", 0, 3), ("B", 0, 3))
    # Two colleagues both want only A; splitting them sends one to B, which they did not
    # choose (20 of preference cost): the balanced step keeps them together (a pair costs 2),
    # the mixing steps split them first.
    colleagues = [enrol(edition, f"Kollegin {i}", sector=Sector.RESEARCH, organisation="Amt X")
                  for i in range(2)]
    for person in colleagues:
        rank(db, person, "A")
    rank(db, enrol(edition, "Jemand", sector=Sector.RESEARCH), "B")
    post(client, edition, "/allocate", mix="2")  # "Ausgewogen"
    placed = placement(db, edition)
    assert placed[colleagues[0].id] == placed[colleagues[1].id]
    run = db.session.scalars(sa.select(AllocationRun).order_by(AllocationRun.id)).all()[-1]
    assert run.settings["fewest_colleague_pairs"] is None
    assert run.settings["seconds"] > 0
    html = client.get(board_url(edition)).get_data(as_text=True)
    assert "Vorrang" not in html
    post(client, edition, "/allocate", mix="3")  # "Eher Durchmischung"
    placed = placement(db, edition)
    assert placed[colleagues[0].id] != placed[colleagues[1].id]
    run = db.session.scalars(sa.select(AllocationRun).order_by(AllocationRun.id)).all()[-1]
    assert run.settings["mix_weight"] == 2.0 and run.settings["colleagues_first"]
    assert run.settings["fewest_colleague_pairs"] == 0 == run.figures["same_organisation_pairs"]
    reasons = [a.reason_de for a in db.session.scalars(sa.select(Assignment))]
    assert ("Getrennt von Kolleg:innen derselben Organisation (hat bei dieser Einstellung "
            "Vorrang) → Thema B (nicht gewählt)") in reasons
    html = client.get(board_url(edition)).get_data(as_text=True)
    assert "so wenige wie möglich: Kolleg:innen zu trennen hat bei dieser Einstellung Vorrang" \
        in html
    assert re.search(r"in \d+,\d+ s:", html)
    english = client.get(board_url(edition) + "?lang=en").get_data(as_text=True)
    assert "as few as possible: splitting colleagues comes first at this setting" in english
    assert ("Split from colleagues of the same organisation (this setting does that first) → "
            "topic B (not chosen)") in english


def test_a_hand_move_pins_and_a_rerun_keeps_the_pin_and_moves_few_others(client, db, edition,
                                                                          signed_in):
    groups = add_groups(db, edition, ("A", 2, 6), ("B", 2, 6), ("C", 2, 6))
    people = room(db, edition, 12)
    for i, person in enumerate(people):
        rank(db, person, *["ABC", "BCA", "CAB"][i % 3])
    post(client, edition, "/allocate", mix="2")
    before = placement(db, edition)
    mover = people[0]
    target = next(g for g in groups if g.id != before[mover.id])
    response = post(client, edition, f"/people/{mover.id}/move", group_id=str(target.id))
    assert response.status_code == 303
    assignment = db.session.scalar(sa.select(Assignment).where(
        Assignment.registration_id == mover.id))
    assert assignment.group_id == target.id and assignment.pinned
    assert assignment.source == AssignmentSource.HAND
    post(client, edition, "/allocate", mix="2")
    after = placement(db, edition)
    assert after[mover.id] == target.id  # the pin holds
    moved = sum(1 for pid in before if pid != mover.id and before[pid] != after[pid])
    assert moved <= 2  # the others stay where they were unless a move pays for itself


def test_unpinning_lets_the_allocator_move_a_person_again(client, db, edition, signed_in):
    groups = add_groups(db, edition, ("A", 1, 4), ("B", 1, 4))
    ada = enrol(edition, "Ada Beispiel")
    rank(db, ada, "A")
    post(client, edition, f"/people/{ada.id}/move", group_id=str(groups[1].id))
    post(client, edition, "/allocate", mix="2")
    assert placement(db, edition)[ada.id] == groups[1].id
    response = post(client, edition, f"/people/{ada.id}/pin", pinned="0")
    assert response.status_code == 303
    post(client, edition, "/allocate", mix="2")
    assert placement(db, edition)[ada.id] == groups[0].id  # back on her first choice


def test_moving_to_no_group_takes_a_person_out_and_json_answers_the_script(client, db, edition,
                                                                           signed_in):
    group, = add_groups(db, edition, ("A", 1, 4))
    ada = enrol(edition, "Ada Beispiel")
    token = csrf_from(client, board_url(edition))
    answer = client.post(board_url(edition, f"/people/{ada.id}/move"),
                         data={"csrf_token": token, "group_id": str(group.id)},
                         headers={"Accept": "application/json"})
    assert answer.status_code == 200 and answer.get_json() == {"moved": True}
    assert placement(db, edition) == {ada.id: group.id}
    post(client, edition, f"/people/{ada.id}/move", group_id="")
    assert placement(db, edition) == {}


def test_hostile_moves_change_nothing(client, db, edition, signed_in):
    group, = add_groups(db, edition, ("A", 1, 4))
    other_event = make_event(title="Fremd")
    foreign, = add_groups(db, other_event, ("X", 1, 4))
    ada = enrol(edition, "Ada Beispiel")
    stranger = enrol(other_event, "Fremde Person")
    waiting = enrol(edition, "Wartende Person", place="waitlist")
    for registration_id, group_id in ((ada.id, foreign.id), (ada.id, "abc"), (ada.id, "99999"),
                                      (stranger.id, group.id), (waiting.id, group.id)):
        response = post(client, edition, f"/people/{registration_id}/move", group_id=str(group_id))
        assert response.status_code in (303, 404), (registration_id, group_id)
    assert placement(db, edition) == {}
    assert client.post(board_url(edition, f"/people/{ada.id}/move"),
                       data={"group_id": str(group.id)}).status_code in (303, 400)  # no CSRF
    assert placement(db, edition) == {}


def test_once_check_in_began_only_the_people_present_are_placed(client, db, edition, signed_in):
    add_groups(db, edition, ("A", 1, 5), ("B", 1, 5))
    present = [enrol(edition, f"Da {i}", checked_in=True) for i in range(4)]
    absent = [enrol(edition, f"Fehlt {i}") for i in range(3)]
    # An earlier run placed someone who then did not come.
    db.session.add(Assignment(registration_id=absent[0].id, group_id=db.session.scalar(
        sa.select(BreakoutGroup.id).limit(1)), source=AssignmentSource.ALLOCATOR))
    db.session.commit()
    assert "eingecheckten Personen" in client.get(board_url(edition)).get_data(as_text=True)
    post(client, edition, "/allocate", mix="2")
    assert sorted(placement(db, edition)) == sorted(p.id for p in present)


def test_keep_apart_and_together_hold_in_the_result(client, db, edition, signed_in):
    add_groups(db, edition, ("A", 1, 4), ("B", 1, 4))
    people = room(db, edition, 6)
    for person in people:
        rank(db, person, "A")
    a, b, c, d = people[:4]
    post(client, edition, "/pairs", first_id=str(a.id), second_id=str(b.id), kind="apart")
    post(client, edition, "/pairs", first_id=str(c.id), second_id=str(d.id), kind="together")
    same = post(client, edition, "/pairs", first_id=str(a.id), second_id=str(a.id), kind="apart")
    assert same.status_code == 422
    assert "zwei verschiedene Personen" in same.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BreakoutPair)) == 2
    post(client, edition, "/allocate", mix="2")
    placed = placement(db, edition)
    assert placed[a.id] != placed[b.id]
    assert placed[c.id] == placed[d.id]


def test_reasons_name_a_partner_on_the_board_but_store_no_names(client, db, edition, signed_in):
    add_groups(db, edition, ("A", 1, 4), ("B", 1, 4))
    ada, bo = enrol(edition, "Ada Beispiel"), enrol(edition, "Bo Probe")
    rank(db, ada, "A", "B")
    rank(db, bo, "B", "A")
    post(client, edition, "/pairs", first_id=str(ada.id), second_id=str(bo.id), kind="together")
    post(client, edition, "/allocate", mix="2")
    html = client.get(board_url(edition)).get_data(as_text=True)
    assert ("Zusammen mit Bo Probe eingeteilt → 2. Wahl" in html) != \
        ("Zusammen mit Ada Beispiel eingeteilt → 2. Wahl" in html)
    stored = " ".join(db.session.scalars(sa.select(Assignment.reason_de)))
    assert "Ada" not in stored and "Bo Probe" not in stored


def test_an_impossible_room_gives_a_message_and_keeps_the_groups(client, db, edition, signed_in):
    add_groups(db, edition, ("A", 1, 2))
    room(db, edition, 3)
    response = post(client, edition, "/allocate", mix="2")
    assert response.status_code == 303
    page = client.get(board_url(edition)).get_data(as_text=True)
    assert 'kern-alert--danger' in page
    assert placement(db, edition) == {}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AllocationRun)) == 0


def test_the_board_needs_the_same_queries_for_10_and_40_people(client, db, edition, signed_in):
    add_groups(db, edition, ("A", 1, 30), ("B", 1, 30))
    post(client, edition, "/allocate", mix="2")  # nobody yet: refused, but warms the session

    def queries(count):
        for person in room(db, edition, count):
            rank(db, person, "B", "A")
        post(client, edition, "/allocate", mix="2")
        with counted_statements(db) as statements:
            assert client.get(board_url(edition)).status_code == 200
        return len(statements)

    small = queries(10)
    db.session.execute(sa.delete(Registration))
    db.session.commit()
    assert queries(40) == small


def test_a_large_board_has_one_move_control_and_pages_of_groups(client, db, edition, signed_in,
                                                               monkeypatch):
    """One shared "move to" select instead of one per card, and the groups in pages; a move
    without script opens the control in that card, and the redirect shows the moved card."""
    from app.breakouts import paging
    monkeypatch.setattr(paging, "GROUPS_PER_PAGE", 2)
    monkeypatch.setattr(paging, "UNASSIGNED_PER_PAGE", 3)
    groups = add_groups(db, edition, ("A", 1, 9), ("B", 1, 9), ("C", 1, 9))
    people = room(db, edition, 5)
    first = client.get(board_url(edition)).get_data(as_text=True)
    assert first.count('name="group_id"') == 1  # the <template>'s only, not one per card
    assert len(re.findall(r'id="card-\d+"', first)) == 3  # five waiting for a group: three here
    assert 'aria-current="page"' in first and "?page=2" in first
    second = client.get(board_url(edition, "?page=2")).get_data(as_text=True)
    assert len(re.findall(r'id="card-\d+"', second)) == 2
    shown = {int(m) for page in (first, second) for m in re.findall(r'id="card-(\d+)"', page)}
    assert shown == {p.id for p in people}

    post(client, edition, "/allocate", mix="2")
    placed = placement(db, edition)
    page1 = client.get(board_url(edition)).get_data(as_text=True)
    assert f'data-group-id="{groups[0].id}"' in page1
    assert f'data-group-id="{groups[2].id}"' not in page1  # group C is on page 2
    mover = next(p for p in people if placed[p.id] != groups[2].id)
    assert f'id="card-{mover.id}"' in page1
    opened = client.get(board_url(edition, f"?page=1&move={mover.id}")).get_data(as_text=True)
    assert opened.count('name="group_id"') == 2  # the template's and the one in this card
    assert f'<select class="kern-form-input__select" id="move-{mover.id}"' in opened
    answer = post(client, edition, f"/people/{mover.id}/move", group_id=str(groups[2].id))
    assert answer.status_code == 303 and f"show={mover.id}" in answer.location
    landing = client.get(answer.location).get_data(as_text=True)
    assert f'data-group-id="{groups[2].id}"' in landing  # page 2, where group C is
    assert f'id="card-{mover.id}"' in landing and 'aria-current="page">2<' in landing


# --- publication --------------------------------------------------------------------------------

def test_publishing_mails_everyone_once_and_a_republication_only_the_moved(client, db, edition,
                                                                           signed_in):
    groups = add_groups(db, edition, ("A", 1, 5), ("B", 1, 5))
    people = room(db, edition, 4)
    post(client, edition, "/allocate", mix="2")
    assert post(client, edition, "/publish").status_code == 303
    mails = outbox(db, kind="breakout_assigned")
    assert sorted(m.to_address for m in mails) == sorted(p.participant.email for p in people)
    placed = placement(db, edition)
    body = next(m for m in mails if m.to_address == people[0].participant.email).body_text
    assert next(g.title for g in groups if g.id == placed[people[0].id]) in body
    post(client, edition, "/publish")
    assert len(outbox(db, kind="breakout_assigned")) == 4  # nothing new to tell
    target = next(g for g in groups if g.id != placed[people[1].id])
    post(client, edition, f"/people/{people[1].id}/move", group_id=str(target.id))
    assert "1 Person weiß noch nichts" in client.get(board_url(edition)).get_data(as_text=True)
    post(client, edition, "/publish")
    mails = outbox(db, kind="breakout_assigned")
    assert len(mails) == 5 and mails[-1].to_address == people[1].participant.email
    assert "hat sich geändert" in mails[-1].body_text


def walk_in_without_address(db, event, name: str):
    """A walk-in as the check-in page stores one who gave no address (a placeholder)."""
    registration = enrol(event, name, checked_in=True,
                         email=f"{name.lower().replace(' ', '')}0000000000@walk-in.invalid")
    registration.walk_in = True
    db.session.commit()
    return registration


def test_publishing_asks_first_and_mails_only_people_who_gave_an_address(client, db, edition,
                                                                         signed_in):
    add_groups(db, edition, ("A", 1, 5), ("B", 1, 5))
    people = [enrol(edition, f"Person {i}", checked_in=True) for i in range(3)]
    walk_in_without_address(db, edition, "Wanda Walkin")
    post(client, edition, "/allocate", mix="2")
    board = client.get(board_url(edition)).get_data(as_text=True)
    assert f'href="{board_url(edition, "/publish")}"' in board

    page = client.get(board_url(edition, "/publish"))

    assert page.status_code == 200
    html = re.sub(r"\s+", " ", page.get_data(as_text=True))
    assert "3 Personen bekommen eine E-Mail mit ihrer Gruppe und dem Raum." in html
    assert "1 Person ohne E-Mail-Adresse (ohne Anmeldung dazugekommen) bekommt keine E-Mail; " \
           "sagen Sie ihr die Gruppe vor Ort." in html
    assert outbox(db) == []
    db.session.expire_all()
    assert edition.breakouts_published_at is None  # asking changes nothing

    response = post(client, edition, "/publish")

    assert response.status_code == 303
    assert sorted(m.to_address for m in outbox(db, kind="breakout_assigned")) == \
        sorted(p.participant.email for p in people)
    assert not any(m.to_address.endswith("@walk-in.invalid") for m in outbox(db))
    assert "Veröffentlicht. 3 Personen bekommen eine E-Mail mit ihrer Gruppe." in \
        client.get(board_url(edition)).get_data(as_text=True)
    [entry] = db.session.scalars(sa.select(AuditLog).where(
        AuditLog.action == "breakouts.publish")).all()
    assert entry.details == "mails: 3"


def test_when_nobody_gets_a_group_mail_the_page_says_why(client, db, edition, signed_in):
    add_groups(db, edition, ("A", 1, 5))
    walk_in_without_address(db, edition, "Wanda Walkin")
    walk_in_without_address(db, edition, "Walter Walkin")
    post(client, edition, "/allocate", mix="2")
    html = re.sub(r"\s+", " ", client.get(board_url(edition, "/publish")).get_data(as_text=True))
    assert "Niemand bekommt eine E-Mail: keine der Personen mit neuer Gruppe hat eine " \
           "E-Mail-Adresse angegeben." in html
    post(client, edition, "/publish")
    assert outbox(db) == []
    # Published all the same: the facilitators tell the walk-ins their group on site.
    db.session.expire_all()
    assert edition.breakouts_published_at is not None


def test_publishing_before_anyone_is_placed_says_so(client, db, edition, signed_in):
    add_groups(db, edition, ("A", 1, 5))
    enrol(edition, "Person 1")
    html = client.get(board_url(edition, "/publish")).get_data(as_text=True)
    assert "Es ist noch niemand in einer Gruppe. Teilen Sie die Gruppen zuerst ein." in html
    assert "Ja, jetzt veröffentlichen" not in html


def test_asking_for_topics_skips_walk_ins_without_an_address(client, db, edition, login_as):
    add_groups(db, edition, ("A", 1, 5))
    enrol(edition, "Person 1")
    walk_in_without_address(db, edition, "Wanda Walkin")
    login_as("staff")
    post(client, edition, "/request-topics")
    assert [m.to_address for m in outbox(db, kind="choose_topics")] == ["person.1@example.org"]


def test_people_see_their_group_on_the_personal_page_only_once_published(client, db, edition,
                                                                         signed_in):
    group, = add_groups(db, edition, ("A", 1, 5))
    group.room = "https://konferenz.example.org/raum-a"
    db.session.commit()
    register(client, edition.slug, email="ada@example.org", name="Ada Beispiel")
    token = token_for(db, "ada@example.org")
    post_button(client, f"/r/{token}/confirm")
    post(client, edition, "/allocate", mix="2")
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Ihre Gruppe" not in page
    post(client, edition, "/publish")
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Ihre Gruppe" in page and group.title in page
    assert 'href="https://konferenz.example.org/raum-a"' in page
    post(client, edition, "/unpublish")
    assert "Ihre Gruppe" not in client.get(f"/r/{token}").get_data(as_text=True)


# --- preferences -----------------------------------------------------------------------------------

def test_the_registration_form_ranks_topics_when_the_edition_has_groups(client, db, edition):
    add_groups(db, edition, ("Zugang", 1, 5), ("Vertrauen", 1, 5), ("Qualität", 1, 5))
    form = client.get(f"/events/{edition.slug}/register").get_data(as_text=True)
    assert 'name="rank_1"' in form and 'name="rank_3"' in form
    twice = register(client, edition.slug, rank_1="Zugang", rank_2="Zugang")
    assert twice.status_code == 422
    assert "Dieses Thema haben Sie schon weiter oben gewählt." in twice.get_data(as_text=True)
    forged = register(client, edition.slug, rank_1="Erfunden")
    assert forged.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0
    assert register(client, edition.slug, rank_1="Vertrauen", rank_2="",
                    rank_3="Zugang").status_code == 303
    ranked = db.session.scalars(sa.select(Preference).order_by(Preference.rank)).all()
    assert [(p.rank, p.topic) for p in ranked] == [(1, "Vertrauen"), (2, "Zugang")]


def test_an_edition_without_groups_has_no_topic_fields(client, db, edition):
    form = client.get(f"/events/{edition.slug}/register").get_data(as_text=True)
    assert "rank_1" not in form


def test_people_change_their_ranking_on_the_personal_page(client, db, edition):
    add_groups(db, edition, ("Zugang", 1, 5), ("Vertrauen", 1, 5))
    register(client, edition.slug, email="ada@example.org")
    token = token_for(db, "ada@example.org")
    page = client.get(f"/r/{token}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/r/{token}/topics", data={"csrf_token": csrf, "rank_1": "Zugang",
                                                       "rank_2": "Vertrauen"})
    assert response.status_code == 303
    db.session.expire_all()
    assert [p.topic for p in db.session.scalars(sa.select(Preference).order_by(
        Preference.rank))] == ["Zugang", "Vertrauen"]
    bad = client.post(f"/r/{token}/topics", data={"csrf_token": csrf, "rank_1": "Zugang",
                                                  "rank_2": "Zugang"})
    assert bad.status_code == 422
    assert "schon weiter oben gewählt" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Preference)) == 2


def test_staff_ask_for_topics_by_mail_and_the_link_ranks_and_nothing_else(client, db, edition,
                                                                          login_as):
    add_groups(db, edition, ("Zugang", 1, 5), ("Vertrauen", 1, 5))
    ada = enrol(edition, "Ada Beispiel")
    ranked = enrol(edition, "Hat gewählt")
    rank(db, ranked, "Zugang")
    login_as("staff")
    assert post(client, edition, "/request-topics").status_code == 303
    mails = outbox(db, kind="choose_topics")
    assert [m.to_address for m in mails] == [ada.participant.email]
    link = re.search(r"http://localhost(/topics/\S+)", mails[0].body_text).group(1)
    assert "/r/" not in mails[0].body_text  # the personal link never travels in this mail
    client.get("/manage/logout")
    page = client.get(link)
    assert page.status_code == 200 and "Themen wählen" in page.get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    saved = client.post(link, data={"csrf_token": csrf, "rank_1": "Vertrauen"})
    assert saved.status_code == 200 and "gespeichert" in saved.get_data(as_text=True)
    assert [p.topic for p in db.session.scalars(sa.select(Preference).where(
        Preference.registration_id == ada.id))] == ["Vertrauen"]
    for forged in (link[:-3], link + "x", "/topics/abc", link.replace("/topics/", "/topics/A")):
        assert client.get(forged).status_code == 404, forged


# --- exports, erasure, duplication -----------------------------------------------------------------

def test_group_lists_as_pdf_csv_and_for_the_video_tool(client, db, edition, login_as):
    groups = add_groups(db, edition, ("Zugang", 1, 5), ("Vertrauen", 1, 5))
    people = [enrol(edition, name, organisation="=1+1 Verein") for name in
              ("Ada Beispiel", "Bo Probe", "Cem Muster")]
    login_as("staff")
    post(client, edition, "/allocate", mix="2")
    pdf = client.get(board_url(edition, "/groups.pdf"))
    assert pdf.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) == 2
    for name in ("Ada Beispiel", "Bo Probe", "Cem Muster", groups[0].title, groups[1].title):
        assert name in text
    text = client.get(board_url(edition, "/groups.csv")).get_data(as_text=True)
    assert text.startswith("\ufeff")  # Excel reads UTF-8 only with a byte-order mark
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["Gruppe", "Thema", "Raum", "Name", "Organisation", "Bereich"]
    assert sorted(r[3] for r in rows[1:]) == ["Ada Beispiel", "Bo Probe", "Cem Muster"]
    assert {r[4] for r in rows[1:]} == {"'=1+1 Verein"}  # shown as text, never a formula
    video = list(csv.reader(io.StringIO(client.get(board_url(edition, "/video-rooms.csv"))
                                        .get_data(as_text=True))))
    assert video[0] == ["Pre-assign Room Name", "Email Address"]
    assert sorted(r[1] for r in video[1:]) == sorted(p.participant.email for p in people)
    assert {r[0] for r in video[1:]} <= {"Zugang", "Vertrauen"}
    actions = set(db.session.scalars(sa.select(AuditLog.action)))
    assert {"breakouts.groups_pdf", "breakouts.groups_csv", "breakouts.video_rooms_csv"} <= actions


def test_erasing_a_person_removes_their_ranking_group_and_pairs(client, db, edition, signed_in):
    from app.records.services import erase_person
    add_groups(db, edition, ("A", 1, 5), ("B", 1, 5))
    ada, bo = enrol(edition, "Ada Beispiel"), enrol(edition, "Bo Probe")
    rank(db, ada, "A")
    post(client, edition, "/pairs", first_id=str(ada.id), second_id=str(bo.id), kind="apart")
    post(client, edition, "/allocate", mix="2")
    assert sorted(placement(db, edition)) == sorted([ada.id, bo.id])
    erase_person(fresh(ada).participant)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Preference)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BreakoutPair)) == 0
    assert list(placement(db, edition)) == [bo.id]


def test_duplicating_an_edition_copies_its_groups_but_not_its_people(client, db, edition,
                                                                      login_as):
    from app.events.duplicate import duplicate_as_next
    add_groups(db, edition, ("A", 2, 5), ("B", 3, 6))
    enrol(edition, "Ada Beispiel")
    copy = duplicate_as_next(edition)
    copied = topics.groups_of(copy.id)
    assert [(g.topic, g.min_size, g.max_size) for g in copied] == [("A", 2, 5), ("B", 3, 6)]
    assert placement(db, copy) == {}

"""The harvest: a group board's results become the report's group section and learnings;
authors are named only if they consented to being named in the report (issue 15)."""
import pytest
import sqlalchemy as sa

from app.models import Board, BoardCard, BoardVote, Learning, ReportSection
from tests.boards.helpers import add_group, member
from tests.conftest import csrf_from
from tests.factories import make_event


def _editor(event):
    return f"/manage/events/{event.slug}/report"


def _press(client, event, action, **data):
    token = csrf_from(client, _editor(event))
    return client.post(_editor(event), data={"csrf_token": token, "action": action, **data})


@pytest.fixture
def board(db):
    event = make_event(title="Daten für Familien", breakouts_published_at=None)
    group = add_group(db, event)
    ada = member(db, event, group, "Ada Lovelace", named_consent=True)
    grace = member(db, event, group, "Grace Hopper")
    key = BoardCard(group_id=group.id, col=1, body="Ein Datenlotse je Bezirk",
                    author_registration_id=ada.registration.id, author_name="Ada",
                    key_result=True)
    voted = BoardCard(group_id=group.id, col=0, body="Formulare *zu* lang",
                      author_registration_id=grace.registration.id, author_name="Grace")
    quiet = BoardCard(group_id=group.id, col=2, body="Wer zahlt?", author_name="")
    db.session.add_all([key, voted, quiet, Board(group_id=group.id)])
    db.session.flush()
    db.session.add_all([BoardVote(card_id=voted.id, group_id=group.id,
                                  registration_id=ada.registration.id),
                        BoardVote(card_id=voted.id, group_id=group.id,
                                  registration_id=grace.registration.id)])
    db.session.commit()
    return event, group, key, voted, quiet


def test_insert_results_fills_the_groups_section_with_key_results_and_top_cards(
        client, db, login_as, board):
    event, group, *_ = board
    login_as("staff")
    assert _press(client, event, "save", **{f"group_{group.id}": "Unsere Notizen."}
                  ).status_code == 303
    assert _press(client, event, f"harvest:{group.id}",
                  **{f"group_{group.id}": "Unsere Notizen."}).status_code == 303
    section = db.session.scalars(sa.select(ReportSection).where(
        ReportSection.breakout_group_id == group.id)).one()
    assert section.body == (
        "Unsere Notizen.\n\n"
        "**Was hält Familien davon ab, Daten zu nutzen?**\n\n"
        "### Zentrale Ergebnisse\n\n"
        "- Ein Datenlotse je Bezirk (Ada)\n\n"
        "### Meiste Punkte\n\n"
        "- Formulare \\*zu\\* lang (2)\n")
    assert "Grace" not in section.body  # no consent to be named


def test_any_card_becomes_a_learning_draft(client, db, login_as, board):
    event, group, key, voted, quiet = board
    login_as("staff")
    assert _press(client, event, f"card_learning:{key.id}").status_code == 303
    assert _press(client, event, f"card_learning:{quiet.id}").status_code == 303
    learnings = db.session.scalars(sa.select(Learning).order_by(Learning.position)).all()
    assert [(lr.title, lr.body) for lr in learnings] == [
        ("Ein Datenlotse je Bezirk", "Ein Datenlotse je Bezirk\n\n(Ada, Zugang)"),
        ("Wer zahlt?", "Wer zahlt?\n\n(Zugang)")]
    editor = client.get(_editor(event)).get_data(as_text=True)
    assert "Ergebnisse der Tafel einfügen" in editor
    assert "Karten der Tafel (3)" in editor


def test_a_card_of_another_edition_is_not_harvested(client, db, login_as, board):
    event, *_ = board
    other = make_event(title="Andere")
    foreign_group = add_group(db, other, "Fremd")
    foreign = BoardCard(group_id=foreign_group.id, col=0, body="Fremd", author_name="")
    db.session.add(foreign)
    db.session.commit()
    login_as("staff")
    assert _press(client, event, f"card_learning:{foreign.id}").status_code == 404
    assert _press(client, event, f"harvest:{foreign_group.id}").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(Learning.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(ReportSection.id))) == 0

"""The authorisation matrix, CSRF on every POST, and no state change on any GET (issue 8).

Everything here is generated from `app.url_map`: a route added to the app without a row
in MATRIX below fails `test_every_route_is_in_the_matrix`, and a URL parameter without an
object to fill it fails with the parameter's name.

The actors:

- anonymous: no account, no personal link.
- other_link: a visitor holding the personal link (and the topic link) of registration B,
  trying to reach registration A. A personal-link route is addressed by its token alone, so
  the best this visitor can do is present a genuine token of theirs where A's belongs: their
  topic link on A's /r/ routes (a real token, wrong purpose), and on A's topic route their
  own signed topic link with A's registration id put in its payload.
- own_link: the holder of A's own link (the positive control for the personal-link routes;
  without an account, so the staff area treats them as anonymous).
- facilitator_other: a facilitator assigned to another edition only.
- facilitator: a facilitator assigned to this edition (`event.facilitators`).
- staff, admin.

Only own_link holds A's token; every other actor requests A's personal-link routes with
the token it has (a fresh random one for the accounts and anonymous: staff see no tokens,
they are stored hashed).

Outcomes: allowed means exactly the status the route answers to a normal request (as
declared per method in MATRIX); refused means a redirect to /manage/login for someone
without an account in the staff area, 403 for an account whose role is too low or
who is not assigned to the edition, 404 for a personal link or object that is not theirs.
"""
import base64
import hashlib
import io
import json
import re
import secrets

from PIL import Image

from app.breakouts.services import topic_link_token
from app.domain.agenda import ItemKind
from app.extensions import db as _db
from app.models import (AgendaItem, Assignment, AssignmentSource, BoardCard, BreakoutGroup,
                        BreakoutPair, ConsentPurpose, ConsentRecord, EventFormat,
                        FeedbackQuestion, Learning, OutboxMessage, OutboxStatus, PairKind,
                        Place, Registration, Report, ReportPhoto, utcnow)
from app.registration.services import text_version
from tests.conftest import csrf_from, login
from tests.factories import PASSWORD, make_event, make_registration, make_series, make_user

# --- the table ---------------------------------------------------------------------------------

# Who may use a route.
PUBLIC = "public"  # everyone
OWN_LINK = "own-link"  # whoever holds this registration's personal (or topic) link
ACCOUNT = "account"  # any signed-in account, whatever its role
FACILITATOR_OF_EDITION = "facilitator-of-edition"  # staff, admin and this edition's facilitators
STAFF = "staff"
ADMIN = "admin"

ACTORS = ("anonymous", "other_link", "own_link", "facilitator_other", "facilitator", "staff",
          "admin")
ACCOUNTS = ("facilitator_other", "facilitator", "staff", "admin")

# Which actors each kind of route lets in; everyone else is refused.
ALLOWED = {
    PUBLIC: set(ACTORS),
    OWN_LINK: {"own_link"},
    ACCOUNT: set(ACCOUNTS),
    FACILITATOR_OF_EDITION: {"facilitator", "staff", "admin"},
    STAFF: {"staff", "admin"},
    ADMIN: {"admin"},
}

# Per endpoint: who may use it, and per method the status it answers the actors it lets in
# (the request: the route's URL for the objects built below; a POST carries a valid CSRF
# token and nothing else a form needs, so forms answer with their validation errors).
# A status given as {"visitor": …, "account": …} differs between people without and with
# an account. Every endpoint of app.url_map except `static` must be here.
MATRIX = {
    # public pages, feeds, API
    "public.index": (PUBLIC, {"GET": 200}),
    "public.show_event": (PUBLIC, {"GET": 200}),
    "public.event_ics": (PUBLIC, {"GET": 200}),
    "public.events_ics": (PUBLIC, {"GET": 200}),
    "public.agenda_pdf": (PUBLIC, {"GET": 200}),
    "public.feed": (PUBLIC, {"GET": 200}),
    "public.privacy": (PUBLIC, {"GET": 200}),
    "public.accessibility": (PUBLIC, {"GET": 200}),
    "public.imprint": (PUBLIC, {"GET": 200}),
    "public.easy_language": (PUBLIC, {"GET": 200}),
    "api.events": (PUBLIC, {"GET": 200}),
    "api.event": (PUBLIC, {"GET": 200}),
    "api.reports": (PUBLIC, {"GET": 200}),
    "api.openapi": (PUBLIC, {"GET": 200}),
    "registration.register": (PUBLIC, {"GET": 200, "POST": 422}),
    "registration.submitted": (PUBLIC, {"GET": 200}),
    "registration.link_again": (PUBLIC, {"GET": 200, "POST": 422}),
    "reports.show": (PUBLIC, {"GET": 200}),
    "reports.pdf": (PUBLIC, {"GET": 200}),
    "reports.photo": (PUBLIC, {"GET": 200}),  # of a published report (drafts: see below)
    # signing in: who is signed in already is sent on to the dashboard
    "auth.login": (PUBLIC, {"GET": {"visitor": 200, "account": 303},
                            "POST": {"visitor": 200, "account": 303}}),
    # personal links
    "registration.personal_page": (OWN_LINK, {"GET": 200}),
    "registration.confirm": (OWN_LINK, {"POST": 303}),
    "registration.cancel": (OWN_LINK, {"GET": 200, "POST": 303}),
    "registration.personal_ics": (OWN_LINK, {"GET": 200}),
    "registration.withdraw_consent": (OWN_LINK, {"POST": 303}),
    "registration.export": (OWN_LINK, {"GET": 200}),
    "registration.delete": (OWN_LINK, {"GET": 200, "POST": 200}),
    "breakouts.save_topics": (OWN_LINK, {"POST": 303}),
    "breakouts.choose_topics": (OWN_LINK, {"GET": 200, "POST": 200}),
    # The edition has not ended: the survey says so, and a POST is refused politely (409).
    "feedback.survey": (OWN_LINK, {"GET": 200, "POST": 409}),
    # any account
    "events.dashboard": (ACCOUNT, {"GET": 200}),
    "auth.logout": (ACCOUNT, {"POST": 303}),
    "auth.change_password": (ACCOUNT, {"GET": 200, "POST": 200}),
    # this edition's facilitators and staff: check-in and the breakout board
    "records.checkin": (FACILITATOR_OF_EDITION, {"GET": 200}),
    "records.set_attendance": (FACILITATOR_OF_EDITION, {"POST": 303}),
    "records.add_walk_in": (FACILITATOR_OF_EDITION, {"POST": 422}),
    "breakouts.board": (FACILITATOR_OF_EDITION, {"GET": 200}),
    "breakouts.create_group": (FACILITATOR_OF_EDITION, {"GET": 200, "POST": 422}),
    "breakouts.edit_group": (FACILITATOR_OF_EDITION, {"GET": 200, "POST": 422}),
    "breakouts.delete_group": (FACILITATOR_OF_EDITION, {"POST": 303}),
    "breakouts.allocate": (FACILITATOR_OF_EDITION, {"POST": 303}),
    "breakouts.move": (FACILITATOR_OF_EDITION, {"POST": 303}),
    "breakouts.pin": (FACILITATOR_OF_EDITION, {"POST": 303}),
    "breakouts.add_pair": (FACILITATOR_OF_EDITION, {"POST": 422}),
    "breakouts.delete_pair": (FACILITATOR_OF_EDITION, {"POST": 303}),
    "breakouts.publish": (FACILITATOR_OF_EDITION, {"GET": 200, "POST": 303}),
    "breakouts.unpublish": (FACILITATOR_OF_EDITION, {"POST": 303}),
    "breakouts.groups_pdf": (FACILITATOR_OF_EDITION, {"GET": 200}),
    "breakouts.groups_csv": (FACILITATOR_OF_EDITION, {"GET": 200}),
    # staff: editions, agenda, registrations, records, reports, mail
    "events.create_event": (STAFF, {"GET": 200, "POST": 200}),
    "events.edit_event": (STAFF, {"GET": 200, "POST": 200}),
    "events.publish_event": (STAFF, {"POST": 303}),
    "events.unpublish_event": (STAFF, {"POST": 303}),
    "events.cancel_event": (STAFF, {"GET": 200, "POST": 303}),
    "events.duplicate_event": (STAFF, {"POST": 303}),
    "events.create_series": (STAFF, {"GET": 200, "POST": 200}),
    "agenda.editor": (STAFF, {"GET": 200}),
    "agenda.add_item": (STAFF, {"POST": 422}),
    "agenda.edit_item": (STAFF, {"GET": 200, "POST": 422}),
    "agenda.delete_item": (STAFF, {"POST": 303}),
    "agenda.move_item": (STAFF, {"POST": 303}),
    "agenda.reorder": (STAFF, {"POST": 303}),
    "agenda.apply_standard": (STAFF, {"POST": 303}),
    "breakouts.request_topics": (STAFF, {"POST": 303}),
    "breakouts.video_rooms_csv": (STAFF, {"GET": 200}),
    "registration.manage_list": (STAFF, {"GET": 200}),
    "registration.manage_add": (STAFF, {"POST": 422}),
    "registration.manage_cancel": (STAFF, {"GET": 200, "POST": 303}),
    "registration.manage_message": (STAFF, {"GET": 200, "POST": 422}),
    "registration.manage_move": (STAFF, {"POST": 303}),
    "registration.manage_resend": (STAFF, {"POST": 303}),
    "registration.manage_csv": (STAFF, {"GET": 200}),
    "records.signin_sheet": (STAFF, {"GET": 200}),
    "records.participants_csv": (STAFF, {"GET": 200}),
    "records.edition_statistics": (STAFF, {"GET": 200}),
    "records.series_statistics": (STAFF, {"GET": 200}),
    "records.participants": (STAFF, {"GET": 200}),
    "records.person": (STAFF, {"GET": 200}),
    "records.export_person": (STAFF, {"GET": 200}),
    "records.erase_person": (STAFF, {"POST": 303}),
    "records.merge_person": (STAFF, {"POST": 303}),
    # group boards (issue 15): the member's through the personal link; outside the work
    # phase a member's change is refused on the page (303), an empty card re-renders (422).
    "boards.member_board": (OWN_LINK, {"GET": 200}),
    "boards.member_state": (OWN_LINK, {"GET": 200}),
    "boards.member_add": (OWN_LINK, {"POST": 422}),
    "boards.member_edit": (OWN_LINK, {"POST": 303}),
    "boards.member_delete": (OWN_LINK, {"POST": 303}),
    "boards.member_vote": (OWN_LINK, {"POST": 303}),
    "boards.member_unvote": (OWN_LINK, {"POST": 303}),
    "boards.staff_board": (FACILITATOR_OF_EDITION, {"GET": 200}),
    "boards.staff_state": (FACILITATOR_OF_EDITION, {"GET": 200}),
    "boards.staff_add": (FACILITATOR_OF_EDITION, {"POST": 422}),
    "boards.staff_edit": (FACILITATOR_OF_EDITION, {"POST": 303}),
    "boards.staff_delete": (FACILITATOR_OF_EDITION, {"POST": 303}),
    "boards.staff_merge": (FACILITATOR_OF_EDITION, {"POST": 303}),
    "boards.staff_unmerge": (FACILITATOR_OF_EDITION, {"POST": 303}),
    "boards.staff_key_result": (FACILITATOR_OF_EDITION, {"POST": 303}),
    "boards.staff_voting": (FACILITATOR_OF_EDITION, {"POST": 303}),
    "boards.staff_override": (FACILITATOR_OF_EDITION, {"POST": 303}),
    "boards.staff_dots": (FACILITATOR_OF_EDITION, {"POST": 303}),
    "boards.staff_prompts": (FACILITATOR_OF_EDITION, {"POST": 422}),
    "boards.edition_prompts": (FACILITATOR_OF_EDITION, {"POST": 422}),
    "boards.plenary": (FACILITATOR_OF_EDITION, {"GET": 200}),
    "boards.export_markdown": (FACILITATOR_OF_EDITION, {"GET": 200}),
    "boards.export_csv": (FACILITATOR_OF_EDITION, {"GET": 200}),
    "reports.editor": (STAFF, {"GET": 200}),
    # The editor posts every text of the report at once; with only a token, the photo's
    # required alt text and credit are missing, so it answers with the form again.
    "reports.save": (STAFF, {"POST": 422}),
    "reports.preview": (STAFF, {"GET": 200}),
    "reports.preview_pdf": (STAFF, {"GET": 200}),
    "reports.publish": (STAFF, {"POST": 303}),
    "reports.unpublish": (STAFF, {"POST": 303}),
    "reports.notify": (STAFF, {"GET": 200, "POST": 303}),
    "reports.show_feedback": (STAFF, {"POST": 303}),
    "feedback.results": (STAFF, {"GET": 200}),
    "feedback.results_csv": (STAFF, {"GET": 200}),
    "feedback.questions": (STAFF, {"GET": 200, "POST": 422}),
    "feedback.edit_question": (STAFF, {"GET": 200, "POST": 422}),
    "feedback.delete_question": (STAFF, {"POST": 303}),
    "feedback.customise_questions": (STAFF, {"POST": 303}),
    "feedback.make_standard": (STAFF, {"POST": 303}),
    "mail.outbox": (STAFF, {"GET": 200}),
    "mail.retry": (STAFF, {"POST": 303}),
    # admin: accounts and the audit log
    "auth.list_users": (ADMIN, {"GET": 200}),
    "auth.create_user": (ADMIN, {"GET": 200, "POST": 200}),
    "auth.edit_user": (ADMIN, {"GET": 200, "POST": 200}),
    "records.audit_log": (ADMIN, {"GET": 200}),
}

# Routes that take an object of the edition by id, asked with this edition's slug and the
# object of ANOTHER edition, by an actor the route lets in: how they refuse. "404" is the
# unknown-object answer; "refused in page" is the board's answer (303 back to the board with
# a message, as for a person who is no longer to be placed) — in both cases nothing changes.
FOREIGN_OBJECT = {
    "agenda.edit_item": {"GET": 404, "POST": 404},
    "agenda.delete_item": {"POST": 404},
    "agenda.move_item": {"POST": 404},
    "breakouts.edit_group": {"GET": 404, "POST": 404},
    "breakouts.delete_group": {"POST": 404},
    "breakouts.delete_pair": {"POST": 404},
    "breakouts.move": {"POST": 303},
    "breakouts.pin": {"POST": 303},
    "records.set_attendance": {"POST": 404},
    "registration.manage_cancel": {"GET": 404, "POST": 404},
    "registration.manage_move": {"POST": 404},
    "registration.manage_resend": {"POST": 404},
    "reports.photo": {"GET": 404},
    "boards.staff_board": {"GET": 404},
    "boards.staff_state": {"GET": 404},
    "boards.staff_add": {"POST": 404},
    "boards.staff_edit": {"POST": 404},
    "boards.staff_delete": {"POST": 404},
    "boards.staff_merge": {"POST": 404},
    "boards.staff_unmerge": {"POST": 404},
    "boards.staff_key_result": {"POST": 404},
    "boards.staff_voting": {"POST": 404},
    "boards.staff_override": {"POST": 404},
    "boards.staff_dots": {"POST": 404},
    "boards.staff_prompts": {"POST": 404},
    "feedback.edit_question": {"GET": 404, "POST": 404},
    "feedback.delete_question": {"POST": 404},
}

# Within one actor's run, these POSTs go last and in this order: each removes or ends
# something the routes before it still need (logging out ends the run's session).
RUN_LAST = ["boards.staff_delete", "agenda.delete_item", "feedback.delete_question",
            "breakouts.delete_group", "breakouts.delete_pair",
            "registration.manage_cancel", "registration.cancel", "events.unpublish_event",
            "events.cancel_event", "registration.delete", "auth.logout"]


# --- the objects the URLs name ---------------------------------------------------------------

def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (240, 240), (30, 90, 160)).save(out, format="PNG")
    return out.getvalue()


def _registration(event, name: str, *, place=Place.SEAT) -> tuple[Registration, str]:
    registration, token = make_registration(
        event, name, email=f"{secrets.token_hex(6)}@example.org", place=place, commit=False)
    _db.session.add(ConsentRecord(participant=registration.participant, registration=registration,
                                  purpose=ConsentPurpose.PHOTOS,
                                  text_version=text_version(ConsentPurpose.PHOTOS),
                                  given_at=utcnow(), confirmed_at=utcnow()))
    return registration, token


def _edition(series, facilitator, *, published_report: bool) -> dict:
    """An on-site edition with an agenda item, a group, two people kept apart, a report and
    its photo; returns the objects by name."""
    event = make_event(series, facilitators=[facilitator], format=EventFormat.ONSITE,
                       venue="Raum 1", speakers=[("Sam Exempel", "Verein")])
    item = AgendaItem(event=event, position=0, kind=ItemKind.INPUT, title="Impuls", description="",
                      duration_minutes=20)
    group = BreakoutGroup(event=event, topic="Vertrauen", title="Wem trauen wir?",
                          description="", min_size=1, max_size=10)
    first, first_token = _registration(event, "Anna A")
    second, second_token = _registration(event, "Bert B")
    report = Report(event=event, introduction="Einleitung.", closing="Danke.")
    report.learnings.append(Learning(position=0, title="Ein Learning", body="Text."))
    if published_report:
        report.published_at = report.first_published_at = utcnow()
    data = _png()
    photo = ReportPhoto(report=report, data=data, mime_type="image/png", width=240, height=240,
                        sha256=hashlib.sha256(data).hexdigest(), alt="Blaue Fläche",
                        credit="Foto: Test")
    _db.session.add_all([item, group, report, photo])
    _db.session.flush()
    # Both people are in the group, published: their links open its board (issue 15).
    event.breakouts_published_at = utcnow()
    for person in (first, second):
        _db.session.add(Assignment(registration_id=person.id, group_id=group.id,
                                   source=AssignmentSource.HAND, notified_group_id=group.id))
    card = BoardCard(group_id=group.id, col=0, body="Eine Karte", author_registration_id=first.id,
                     author_name="Anna")
    other_card = BoardCard(group_id=group.id, col=1, body="Noch eine", author_name="")
    _db.session.add_all([card, other_card])
    _db.session.flush()
    question = FeedbackQuestion(event_id=event.id, position=0, kind="scale", required=True,
                                text_de="Wie war es?", text_en="How was it?", options=[])
    _db.session.add(question)
    low, high = sorted((first.id, second.id))
    pair = BreakoutPair(event_id=event.id, first_id=low, second_id=high, kind=PairKind.APART)
    _db.session.add(pair)
    _db.session.commit()
    return {"event": event, "item": item, "group": group, "pair": pair, "photo": photo,
            "card": card, "other_card": other_card,
            "question": question,
            "first": first, "first_token": first_token, "second": second,
            "second_token": second_token}


class World:
    """One object of each kind the URLs take, for one actor's run (each run gets a new one:
    the allowed actors' POSTs change and delete things)."""

    def __init__(self):
        self.users = {role: make_user(role=role.split("_")[0]) for role in ACCOUNTS}
        self.target_user = make_user(role="facilitator")
        series = make_series()
        self.this = _edition(series, self.users["facilitator"], published_report=True)
        self.other = _edition(series, self.users["facilitator_other"], published_report=False)
        self.message = OutboxMessage(kind="confirmed", to_address="someone@example.org",
                                     subject="Betreff", body_text="Text",
                                     status=OutboxStatus.FAILED)
        _db.session.add(self.message)
        _db.session.commit()
        # A's links (the target) and B's (the other link holder, also of this edition).
        a, b = self.this["first"], self.this["second"]
        self.token_a = self.this["first_token"]
        self.topic_link_a = topic_link_token(a)
        self.token_b = self.this["second_token"]
        self.topic_link_b = topic_link_token(b)
        self.values = {
            "slug": self.this["event"].slug, "series_slug": series.slug,
            "item_id": self.this["item"].id, "group_id": self.this["group"].id,
            "pair_id": self.this["pair"].id, "registration_id": a.id,
            "person_id": a.participant_id, "photo_id": self.this["photo"].id,
            "message_id": self.message.id, "user_id": self.target_user.id,
            "purpose": ConsentPurpose.PHOTOS.value, "card_id": self.this["card"].id,
            "question_id": self.this["question"].id,
            "purpose": ConsentPurpose.PHOTOS.value,
        }
        self.foreign = {"item_id": self.other["item"].id, "group_id": self.other["group"].id,
                        "pair_id": self.other["pair"].id,
                        "registration_id": self.other["first"].id,
                        "photo_id": self.other["photo"].id,
                        "card_id": self.other["card"].id,
                        "question_id": self.other["question"].id}

    def token_for(self, actor: str, rule) -> str:
        """The token this actor can put into A's personal-link route (see the module doc)."""
        topics = rule.rule.startswith("/topics/")
        if actor == "own_link":
            return self.topic_link_a if topics else self.token_a
        if actor == "other_link":
            if not topics:
                return self.topic_link_b
            payload, rest = self.topic_link_b.split(".", 1)
            _id, fingerprint = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            forged = base64.urlsafe_b64encode(json.dumps(
                [self.this["first"].id, fingerprint], separators=(",", ":")).encode())
            return forged.decode().rstrip("=") + "." + rest
        return secrets.token_urlsafe(32)


PARAM_RE = re.compile(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>")


def rule_params(rule) -> list[str]:
    return PARAM_RE.findall(rule.rule)


def build_url(rule, values: dict, token: str | None = None) -> str:
    """The rule's URL for these objects; an unknown parameter fails with its name."""
    def fill(match):
        name = match.group(1)
        if name == "token":
            assert token is not None, f"{rule.endpoint}: a token route needs a token"
            return token
        assert name in values, (
            f"URL parameter <{name}> of {rule.rule} ({rule.endpoint}) has no object: "
            f"build one in World and add it to World.values")
        return str(values[name])
    return PARAM_RE.sub(fill, rule.rule)


def matrix_rules(app) -> list:
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def methods_of(rule) -> list[str]:
    return [m for m in ("GET", "POST") if m in rule.methods]


def run_order(app) -> list[tuple]:
    """(rule, method) in the order one actor's run sends them: reads, then changes, then
    the changes that remove what others need (RUN_LAST)."""
    pairs = [(r, m) for r in matrix_rules(app) for m in methods_of(r)]
    last = {name: i for i, name in enumerate(RUN_LAST)}

    def key(pair):
        rule, method = pair
        if method == "GET":
            return (0, 0, rule.rule)
        return (1, last.get(rule.endpoint, -1), rule.rule)
    return sorted(pairs, key=key)


# --- requests and the comparison -------------------------------------------------------------

def signed_in_client(app, world: World, actor: str):
    """A client for this actor: signed in, or (link holders) having opened their own link."""
    client = app.test_client()
    if actor in ACCOUNTS:
        response = login(client, world.users[actor].email, PASSWORD)
        assert response.status_code == 303, f"{actor} could not sign in"
    elif actor != "anonymous":
        own = world.token_a if actor == "own_link" else world.token_b
        assert client.get(f"/r/{own}").status_code == 200, f"{actor}'s own link does not work"
    return client


def session_csrf(client, world: World) -> str:
    """The session's CSRF token, from a form every actor may open."""
    return csrf_from(client, f"/events/{world.values['slug']}/register")


def post_body(csrf: str, values: dict) -> dict:
    """What a matrix POST carries: a valid CSRF token and the few values some buttons need
    to reach their change (the item to reorder, the direction to move)."""
    return {"csrf_token": csrf, "item_id": str(values["item_id"]), "new_index": "0",
            "direction": "down"}


def observe_actor(app, actor: str) -> dict:
    """Send every route once (per method) as this actor, on a world of its own.

    Returns {(endpoint, method): (status, location, url)}.
    """
    world = World()
    client = signed_in_client(app, world, actor)
    csrf = session_csrf(client, world)
    seen = {}
    for rule, method in run_order(app):
        token = world.token_for(actor, rule) if "token" in rule_params(rule) else None
        url = build_url(rule, world.values, token)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data=post_body(csrf, world.values))
        seen[(rule.endpoint, method)] = (response.status_code,
                                         response.headers.get("Location", ""), url)
    return seen


def expected_outcome(table: dict, endpoint: str, method: str, actor: str):
    """What the table says this actor gets: ("allowed", status) or ("refused", how)."""
    who, statuses = table[endpoint]
    if actor in ALLOWED[who]:
        status = statuses[method]
        if isinstance(status, dict):
            status = status["account" if actor in ACCOUNTS else "visitor"]
        return ("allowed", status)
    if who == OWN_LINK:
        return ("refused", 404)
    if actor not in ACCOUNTS:
        return ("refused", "login")
    return ("refused", 403)


def compare(table: dict, observed: dict, rules) -> list[str]:
    """Every difference between the table and what the actors got, one readable line each."""
    failures = []
    for actor, seen in observed.items():
        for rule in rules:
            for method in methods_of(rule):
                status, location, url = seen[(rule.endpoint, method)]
                kind, want = expected_outcome(table, rule.endpoint, method, actor)
                if want == "login":
                    ok = status == 302 and location.startswith("/manage/login")
                    want_text = "302 to /manage/login"
                else:
                    ok = status == want and not (status in (302, 303) and kind == "allowed"
                                                 and location.startswith("/manage/login?"))
                    want_text = str(want)
                if not ok:
                    failures.append(f"{actor:>17} {method:<4} {url} ({rule.endpoint}): "
                                    f"{kind}, expected {want_text}, got {status}"
                                    + (f" to {location}" if location else ""))
    return failures


def table_problems(table: dict, app) -> list[str]:
    """Routes of the app missing from the table, and rows of the table for no route."""
    routes = {r.endpoint: r for r in matrix_rules(app)}
    problems = [f"route {routes[e].rule} ({e}) is missing from MATRIX"
                for e in sorted(set(routes) - set(table))]
    problems += [f"MATRIX row {e} names no route" for e in sorted(set(table) - set(routes))]
    for endpoint in sorted(set(routes) & set(table)):
        declared = set(table[endpoint][1])
        actual = set(methods_of(routes[endpoint]))
        if declared != actual:
            problems.append(f"MATRIX row {endpoint} declares {sorted(declared)}, "
                            f"the route takes {sorted(actual)}")
    return problems


# --- fingerprints of the database ------------------------------------------------------------

def fingerprint(skip: tuple[str, ...] = ()) -> dict[str, tuple[int, str]]:
    """Per table: number of rows and a hash of all of them."""
    _db.session.commit()
    result = {}
    with _db.engine.connect() as conn:
        for table in _db.metadata.sorted_tables:
            if table.name in skip:
                continue
            rows = conn.execute(table.select().order_by(*table.primary_key.columns)).all()
            result[table.name] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return result


def changed_tables(before: dict, after: dict) -> list[str]:
    return [f"{name} ({before[name][0]} → {after[name][0]} rows)"
            for name in before if before[name] != after[name]]


# --- 1. the matrix ---------------------------------------------------------------------------

def test_every_route_is_in_the_matrix(app):
    assert table_problems(MATRIX, app) == []


def test_the_table_check_reports_a_missing_route_and_a_wrong_method(app):
    table = {k: v for k, v in MATRIX.items() if k != "records.audit_log"}
    table["mail.retry"] = (STAFF, {"GET": 200, "POST": 303})
    assert table_problems(table, app) == [
        "route /manage/audit (records.audit_log) is missing from MATRIX",
        "MATRIX row mail.retry declares ['GET', 'POST'], the route takes ['POST']",
    ]


def test_every_route_answers_every_actor_as_the_matrix_says(app, db):
    rules = matrix_rules(app)
    observed = {actor: observe_actor(app, actor) for actor in ACTORS}
    assert compare(MATRIX, observed, rules) == []

    # Negative control: the same answers against a table with one wrong row are reported.
    wrong = dict(MATRIX, **{"records.audit_log": (STAFF, {"GET": 200}),
                            "registration.export": (PUBLIC, {"GET": 200})})
    reported = compare(wrong, observed, rules)
    assert len(reported) == 7, reported
    assert sum("(records.audit_log): allowed, expected 200, got 403" in line
               for line in reported) == 1
    assert sum("(registration.export): allowed, expected 200, got 404" in line
               for line in reported) == 6  # everyone but own_link was refused


def test_the_other_link_holder_holds_a_working_link(app, db):
    """The other_link actor is not just anonymous: its own links open its own pages."""
    world = World()
    client = app.test_client()
    assert client.get(f"/r/{world.token_b}").status_code == 200
    assert client.get(f"/topics/{world.topic_link_b}").status_code == 200
    # ... and the forged topic link really names A (it is refused for its signature only).
    forged = world.token_for("other_link", type("R", (), {"rule": "/topics/<token>"}))
    payload = forged.split(".", 1)[0]
    named = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert named[0] == world.this["first"].id


def test_objects_of_another_edition_are_refused_under_this_editions_slug(app, db):
    """IDOR: an id of edition 2 under the slug of edition 1, by actors the route lets in."""
    failures = []
    for actor in ("facilitator", "staff"):
        world = World()
        client = signed_in_client(app, world, actor)
        csrf = session_csrf(client, world)
        for rule, method in run_order(app):
            if rule.endpoint not in FOREIGN_OBJECT:
                continue
            who, _statuses = MATRIX[rule.endpoint]
            if actor not in ALLOWED[who] and who != PUBLIC:
                continue
            values = dict(world.values, **world.foreign)
            url = build_url(rule, values)
            before = fingerprint(skip=("audit_log",))
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data=post_body(csrf, values))
            want = FOREIGN_OBJECT[rule.endpoint][method]
            if response.status_code != want:
                failures.append(f"{actor} {method} {url} ({rule.endpoint}): "
                                f"expected {want}, got {response.status_code}")
            if (changed := changed_tables(before, fingerprint(skip=("audit_log",)))):
                failures.append(f"{actor} {method} {url} ({rule.endpoint}) changed {changed}")
    # Every route with an object id of an edition is covered.
    edition_objects = {"item_id", "group_id", "pair_id", "registration_id", "photo_id"}
    uncovered = [r.endpoint for r in matrix_rules(app)
                 if edition_objects & set(rule_params(r)) and r.endpoint not in FOREIGN_OBJECT]
    assert uncovered == []
    assert failures == []


# A draft edition's public routes: a preview for staff and the edition's own facilitators
# (public.services.event_page uses may_facilitate), unknown to everyone else; reports, their
# photos and the API know no drafts at all (photos of a draft's report: staff only).
DRAFT_PREVIEW = {"public.show_event", "public.event_ics", "public.agenda_pdf",
                 "registration.register", "registration.submitted"}
DRAFT_HIDDEN = {"api.event", "reports.show", "reports.pdf"}
DRAFT_STAFF_ONLY = {"reports.photo"}


def test_a_draft_editions_public_routes_are_a_preview_for_its_people_only(app, db):
    world = World()
    draft = world.other["event"]
    draft.status = "draft"
    db.session.commit()
    values = dict(world.values, slug=draft.slug, **world.foreign)
    public_with_slug = [r for r in matrix_rules(app)
                        if MATRIX[r.endpoint][0] == PUBLIC and "slug" in rule_params(r)]
    assert {r.endpoint for r in public_with_slug} == DRAFT_PREVIEW | DRAFT_HIDDEN | DRAFT_STAFF_ONLY
    preview = {"facilitator_other", "staff", "admin"}  # facilitator_other leads the draft
    failures = []
    for actor in ACTORS:
        client = signed_in_client(app, world, actor)
        for rule in public_with_slug:
            url = build_url(rule, values)
            if rule.endpoint in DRAFT_PREVIEW:
                want = 200 if actor in preview else 404
            elif rule.endpoint in DRAFT_STAFF_ONLY:
                want = 200 if actor in ("staff", "admin") else 404
            else:
                want = 404
            got = client.get(url).status_code
            if got != want:
                failures.append(f"{actor} GET {url} ({rule.endpoint}): expected {want}, got {got}")
    assert failures == []


# --- 2. every POST needs a CSRF token ----------------------------------------------------------

# Who sends each kind of POST in the CSRF sweep: an actor the route lets in, so that only
# the missing token stands between the request and the change.
CSRF_ACTOR = {PUBLIC: "anonymous", OWN_LINK: "own_link", ACCOUNT: "staff",
              FACILITATOR_OF_EDITION: "staff", STAFF: "staff", ADMIN: "admin"}


def complete_body(world: World) -> dict:
    """Everything the POST forms need to act, except the CSRF token."""
    a = world.this["first"]
    return {"item_id": str(world.values["item_id"]), "new_index": "0", "direction": "down",
            "confirm": "yes", "attended": "1", "pinned": "1", "override": "y",
            "group_id": str(world.values["group_id"]), "mix": "2",
            "first_id": str(a.id), "second_id": str(world.this["second"].id), "kind": "apart",
            "name": "Neu Name", "email": "neu@example.org", "sector": "research",
            "language": "de", "organisation": "Neu", "title": "Neuer Titel", "topic": "Neu",
            "min_size": "1", "max_size": "5", "duration_minutes": "15",
            "introduction": "Neue Einleitung", "role": "staff", "active": "y",
            "password": "a long enough password", "current_password": PASSWORD,
            "new_password": "an even longer new password", "description": "Neu",
            "privacy": "y", "rank_1": "Vertrauen",
            "body": "Neue Karte", "col": "1", "show_name": "name", "value": "1",
            "into": str(world.this["other_card"].id), "dots": "4", "prompt_0": "Was hilft?",
            "defaults-prompt_0": "Was bremst?"}


def test_every_post_without_a_csrf_token_is_refused_and_changes_nothing(app, db):
    """Every rule taking POST, sent by an actor the route lets in (signed-in staff or admin
    for the staff area, an anonymous visitor for the public forms and, with the link, for the
    personal-link buttons), with a complete form but no `csrf_token`: 400 and no change to
    any table, audit log included. The report editor checks its own, longer-lived token: it
    shows the text again (422) and stores nothing."""
    world = World()
    clients = {actor: signed_in_client(app, world, actor) for actor in set(CSRF_ACTOR.values())}
    failures, sent = [], 0
    before = fingerprint()
    for rule, method in run_order(app):
        if method != "POST":
            continue
        actor = CSRF_ACTOR[MATRIX[rule.endpoint][0]]
        token = world.token_for(actor, rule) if "token" in rule_params(rule) else None
        url = build_url(rule, world.values, token)
        response = clients[actor].post(url, data=complete_body(world))
        sent += 1
        want = 422 if rule.endpoint == "reports.save" else 400
        if response.status_code != want:
            failures.append(f"{actor} POST {url} ({rule.endpoint}): expected {want}, "
                            f"got {response.status_code}")
        after = fingerprint()
        if (changed := changed_tables(before, after)):
            failures.append(f"{actor} POST {url} ({rule.endpoint}) without a token changed "
                            f"{changed}")
        before = after
    assert failures == []
    assert sent == sum("POST" in r.methods for r in matrix_rules(app))
    # Still signed in: the logout without a token did not log anyone out.
    assert clients["staff"].get("/manage/").status_code == 200


def test_the_csrf_sweep_would_see_a_change(app, db):
    """Control: the same kind of POST with the token changes a table the sweep watches."""
    world = World()
    client = signed_in_client(app, world, "staff")
    before = fingerprint()
    url = f"/manage/events/{world.values['slug']}/agenda/items/{world.values['item_id']}/delete"
    response = client.post(url, data=dict(complete_body(world),
                                          csrf_token=session_csrf(client, world)))
    assert response.status_code == 303
    assert changed_tables(before, fingerprint()) == ["agenda_items (2 → 1 rows)"]


# --- 3. no GET changes state -----------------------------------------------------------------

def test_no_get_changes_any_table(app, db):
    """Every rule taking GET, as admin and as an anonymous visitor holding the personal and
    topic link of registration A (so the personal pages render, not 404): no table's rows
    change, in number or content.

    Two things may change on a GET, by design, and are left out of the comparison: the
    audit log (staff reads of personal data are recorded, DESIGN §6), and what signing in
    writes (users.last_login_at, the session), which happens before the sweep starts."""
    world = World()
    failures, sent = [], 0
    for actor in ("own_link", "admin"):
        client = signed_in_client(app, world, actor)
        before = fingerprint(skip=("audit_log",))
        for rule, method in run_order(app):
            if method != "GET":
                continue
            token = world.token_for(actor, rule) if "token" in rule_params(rule) else None
            url = build_url(rule, world.values, token)
            response = client.get(url)
            sent += 1
            if response.status_code >= 500:
                failures.append(f"{actor} GET {url}: {response.status_code}")
            after = fingerprint(skip=("audit_log",))
            if (changed := changed_tables(before, after)):
                failures.append(f"{actor} GET {url} ({rule.endpoint}) changed {changed}")
            before = after
    assert failures == []
    assert sent == 2 * sum("GET" in r.methods for r in matrix_rules(app))

"""Builders for board tests: an edition in its work phase, a group, members with links."""
from dataclasses import dataclass
from datetime import timedelta

from app.domain.agenda import ItemKind
from app.models import (Assignment, AssignmentSource, BreakoutGroup, ConsentPurpose,
                        ConsentRecord, Registration, Sector, utcnow)
from tests.factories import make_agenda_item, make_event, make_registration


@dataclass
class Person:
    registration: Registration
    token: str

    @property
    def url(self) -> str:
        return f"/r/{self.token}/group"


def work_phase_edition(db, *, minutes_ago: int = 10, duration: int = 40, **overrides):
    """An edition whose breakout work phase began `minutes_ago` minutes ago (groups published)."""
    now = utcnow().replace(microsecond=0)
    event = make_event(starts_at=now - timedelta(minutes=minutes_ago + 20),
                       breakouts_published_at=now - timedelta(days=1), **overrides)
    make_agenda_item(event, kind=ItemKind.WELCOME, duration_minutes=20, position=0)
    make_agenda_item(event, kind=ItemKind.BREAKOUT, duration_minutes=duration, position=1)
    return event


def add_group(db, event, topic="Zugang", title="Was hält Familien davon ab, Daten zu nutzen?"):
    group = BreakoutGroup(event_id=event.id, topic=topic, title=title, min_size=1, max_size=10)
    db.session.add(group)
    db.session.commit()
    return group


def member(db, event, group, name="Ada Lovelace", *, named_consent=False) -> Person:
    """A confirmed registration placed in `group`, with its personal-link token."""
    email = f"{name.lower().replace(' ', '.')}.{group.id}@example.org"
    registration, token = make_registration(event, name, email=email, organisation="",
                                            sector=Sector.RESEARCH, commit=False)
    person = registration.participant
    db.session.flush()
    db.session.add(Assignment(registration_id=registration.id, group_id=group.id,
                              source=AssignmentSource.HAND, notified_group_id=group.id))
    if named_consent:
        db.session.add(ConsentRecord(participant=person, registration_id=registration.id,
                                     purpose=ConsentPurpose.NAMED_IN_REPORT, text_version="v1"))
    db.session.commit()
    return Person(registration, token)


def form_token(client, url: str) -> str:
    """The session's CSRF token, from the member's "delete my data" page (it always has a form;
    the personal page of a confirmed seat may have none since cancelling asks first)."""
    from tests.conftest import csrf_from
    return csrf_from(client, url.removesuffix("/group") + "/delete")

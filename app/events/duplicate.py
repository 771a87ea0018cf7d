"""Duplicating an edition as the next one: a use case above events, breakouts and feedback,
since the copy takes the groups and the questions along."""
import sqlalchemy as sa

from app.agenda.services import copy_agenda
from app.breakouts.topics import copy_groups
from app.domain.editions import compute_quarter_shift, shift_local_days
from app.events.services import free_slug, reserved_seats
from app.extensions import db
from app.feedback.questions import copy_questions
from app.models import Event, EventStatus, Speaker


def duplicate_as_next(event: Event) -> Event:
    """Copy texts, speakers, agenda and facilitators into a draft of the next edition, a quarter later."""
    highest = db.session.scalar(
        sa.select(sa.func.max(Event.number)).where(Event.series_id == event.series_id))
    number = max(event.number, highest or 0) + 1
    days = compute_quarter_shift(event.starts_at)

    def shift(moment):
        return shift_local_days(moment, days)

    copy = Event(
        series_id=event.series_id, number=number, slug=free_slug(event.series, number),
        status=EventStatus.DRAFT, title=event.title, guiding_question=event.guiding_question,
        teaser=event.teaser, description=event.description,
        working_language=event.working_language,
        starts_at=shift(event.starts_at), ends_at=shift(event.ends_at),
        format=event.format, venue=event.venue, online_url="", capacity=event.capacity,
        video_service=event.video_service,
        registration_opens_at=shift(event.registration_opens_at),
        registration_closes_at=shift(event.registration_closes_at),
        seats_release_at=shift(event.seats_release_at),
        **{f"reserved_{sector}": n for sector, n in reserved_seats(event).items()},
        speakers=[Speaker(position=s.position, name=s.name, organisation=s.organisation,
                          role=s.role) for s in event.speakers],
        facilitators=list(event.facilitators),
    )
    copy_agenda(event, copy, days)
    copy_groups(event, copy)
    copy_questions(event, copy)
    db.session.add(copy)
    db.session.commit()
    return copy

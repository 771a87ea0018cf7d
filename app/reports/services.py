"""Report use cases: write, reorder, add photos, publish, tell the attendees; what pages show.

Every figure and every name comes from the records when the report is shown, never from
the stored text: a withdrawn consent or an erasure removes a name from the next page view
and the next PDF.
"""
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import abort, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.audit import audit
from app.boards.harvest import card_for_harvest, harvest_text
from app.boards.state import group_of_event_or_404
from app.domain.agenda import compute_move, compute_reorder
from app.domain.reports import ReportFigures, compute_report_figures
from app.errors import Refusal, refuse
from app.extensions import db
from app.mail.outbox import queue_mail
from app.models import (Assignment, BoardCard, BreakoutGroup, ConsentPurpose, ConsentRecord, Event,
                        EventStatus, Learning, Participant, Registration, Report, ReportPhoto,
                        ReportSection, Speaker, User, utcnow)
from app.breakouts.topics import groups_of
from app.feedback.services import Headline, headline
from app.records.statistics import edition_facts
from app.registration.services import personal_url_of
from app.reports.photos import ProcessedPhoto

MAX_LEARNINGS = 30
MAX_PHOTOS = 12


class ReportError(Refusal):
    """A change was refused; the message says why in the user's language."""


# --- loading ---------------------------------------------------------------------------------

def get_report(event: Event) -> Report | None:
    """The edition's report with its parts, or None before anyone wrote one."""
    return db.session.scalar(
        sa.select(Report).where(Report.event_id == event.id)
        .options(selectinload(Report.sections), selectinload(Report.learnings),
                 selectinload(Report.photos).defer(ReportPhoto.data)))


def get_published_event_or_404(slug: str) -> tuple[Event, Report]:
    """The edition and its published report; 404 while there is none."""
    row = db.session.execute(
        sa.select(Event, Report).join(Report, Report.event_id == Event.id)
        .where(Event.slug == slug, Event.status != EventStatus.DRAFT,
               Report.published_at.is_not(None))
        .options(selectinload(Event.series), selectinload(Event.speakers))).first()
    if row is None:
        abort(404)
    return row[0], get_report(row[0])


def get_photo_or_404(event: Event, photo_id: int) -> ReportPhoto:
    photo = db.session.scalar(
        sa.select(ReportPhoto).join(Report).where(Report.event_id == event.id,
                                                  ReportPhoto.id == photo_id))
    if photo is None:
        abort(404)
    return photo


def _ensure_report(event: Event) -> Report:
    report = get_report(event)
    if report is None:
        report = Report(event=event)
        db.session.add(report)
        db.session.flush()
    return report


# --- writing ---------------------------------------------------------------------------------

@dataclass
class ReportText:
    """What the editor posted; None means "not in the post, keep what is stored"."""

    introduction: str | None = None
    closing: str | None = None
    speakers: dict[int, str] = field(default_factory=dict)  # speaker id → Markdown
    groups: dict[int, str] = field(default_factory=dict)  # breakout group id → Markdown
    learnings: dict[int, tuple[str, str]] = field(default_factory=dict)  # id → (title, body)
    photos: dict[int, tuple[str, str, str]] = field(default_factory=dict)  # id → alt, caption, credit


def save_report(event: Event, user: User, text: ReportText, commit: bool = True) -> Report:
    """Store the editor's texts (raw Markdown); ids that are not this edition's are ignored."""
    report = _ensure_report(event)
    if text.introduction is not None:
        report.introduction = text.introduction
    if text.closing is not None:
        report.closing = text.closing
    sections = {(s.speaker_id, s.breakout_group_id): s for s in report.sections}
    speaker_ids = {s.id for s in event.speakers}
    group_ids = {g.id for g in groups_of(event.id)}
    for key, body, known in ([((sid, None), b, sid in speaker_ids) for sid, b in text.speakers.items()]
                             + [((None, gid), b, gid in group_ids) for gid, b in text.groups.items()]):
        if not known:
            continue
        section = sections.get(key)
        if section is None:
            if not body:
                continue
            section = ReportSection(report=report, speaker_id=key[0], breakout_group_id=key[1])
            db.session.add(section)
        section.body = body
    for learning in report.learnings:
        if learning.id in text.learnings:
            learning.title, learning.body = text.learnings[learning.id]
    for photo in report.photos:
        if photo.id in text.photos:
            photo.alt, photo.caption, photo.credit = text.photos[photo.id]
    report.updated_at = utcnow()
    report.updated_by_id = user.id
    if commit:
        db.session.commit()
    return report


def harvest_group(event: Event, user: User, group_id: int) -> None:
    """Add the group board's key results and top-voted cards to the group's section, as a
    draft below what is there (authors named only with their consent)."""
    group = group_of_event_or_404(event, group_id)
    report = _ensure_report(event)
    section = next((s for s in report.sections if s.breakout_group_id == group.id), None)
    if section is None:
        section = ReportSection(report=report, breakout_group_id=group.id, body="")
        db.session.add(section)
    draft = harvest_text(group)
    section.body = f"{section.body.rstrip()}\n\n{draft}" if section.body.strip() else draft
    report.updated_at = utcnow()
    report.updated_by_id = user.id
    db.session.commit()


def learning_from_card(event: Event, user: User, card_id: int) -> Learning:
    """A new learning drafted from one card of a group board."""
    card = db.session.get(BoardCard, card_id)
    if card is None:
        abort(404)
    group = group_of_event_or_404(event, card.group_id)
    title, body = card_for_harvest(group, card_id)
    return add_learning(event, user, title, body)


def add_learning(event: Event, user: User, title: str = "", body: str = "") -> Learning:
    """Append a learning (empty, to fill in, unless drafted from a card)."""
    report = _ensure_report(event)
    if len(report.learnings) >= MAX_LEARNINGS:
        refuse(ReportError(_l("Ein Bericht hat höchstens %(n)d Learnings.", n=MAX_LEARNINGS)))
    learning = Learning(report=report, position=len(report.learnings), title=title, body=body)
    db.session.add(learning)
    report.updated_by_id = user.id
    db.session.commit()
    return learning


def _learning(report: Report, learning_id: int) -> Learning:
    learning = next((item for item in report.learnings if item.id == learning_id), None)
    if learning is None:
        refuse(ReportError(_l("Dieses Learning gibt es nicht (mehr).")))
    return learning


def delete_learning(event: Event, learning_id: int) -> None:
    """Remove a learning; the ones after it move up a number."""
    report = _ensure_report(event)
    learning = _learning(report, learning_id)
    report.learnings.remove(learning)
    for position, item in enumerate(report.learnings):
        item.position = position
    db.session.commit()


def move_learning(event: Event, learning_id: int, delta: int = 0,
                  new_index: int | None = None) -> None:
    """Move a learning up (-1) or down (+1), or to a place in the list (drag and drop)."""
    report = _ensure_report(event)
    _learning(report, learning_id)
    ids = [item.id for item in report.learnings]
    try:
        order = (compute_reorder(ids, learning_id, new_index) if new_index is not None
                 else compute_move(ids, learning_id, delta))
    except (ValueError, KeyError, IndexError):
        refuse(ReportError(_l("Das Learning lässt sich nicht dorthin verschieben.")))
    by_id = {item.id: item for item in report.learnings}
    for position, key in enumerate(order):
        by_id[key].position = position
    db.session.commit()
    db.session.expire(report, ["learnings"])


def add_photo(event: Event, user: User, photo: ProcessedPhoto, alt: str, caption: str,
              credit: str) -> ReportPhoto:
    """Store a re-encoded photo with its alternative text and credit line."""
    report = _ensure_report(event)
    if len(report.photos) >= MAX_PHOTOS:
        refuse(ReportError(_l("Ein Bericht hat höchstens %(n)d Fotos.", n=MAX_PHOTOS)))
    row = ReportPhoto(report=report, position=len(report.photos), data=photo.data,
                      mime_type=photo.mime_type, width=photo.width, height=photo.height,
                      sha256=photo.sha256, alt=alt, caption=caption, credit=credit)
    db.session.add(row)
    report.updated_by_id = user.id
    db.session.commit()
    return row


def delete_photo(event: Event, photo_id: int) -> None:
    report = _ensure_report(event)
    photo = next((p for p in report.photos if p.id == photo_id), None)
    if photo is None:
        refuse(ReportError(_l("Dieses Foto gibt es nicht (mehr).")))
    report.photos.remove(photo)
    for position, item in enumerate(report.photos):
        item.position = position
    db.session.commit()


def _lock_report(event: Event) -> Report | None:
    return db.session.scalar(sa.select(Report).where(Report.event_id == event.id)
                             .with_for_update())


def publish_report(event: Event, user: User, now: datetime | None = None) -> None:
    """Publish: public page, PDF and feed entry. Only for a held edition with some text."""
    now = now or utcnow()
    if event.status != EventStatus.PUBLISHED:
        raise ReportError(_l("Nur der Bericht einer veröffentlichten Ausgabe kann erscheinen."))
    if event.starts_at > now:
        raise ReportError(_l("Der Bericht kann erst erscheinen, wenn die Ausgabe begonnen hat."))
    report = _lock_report(event)
    if report is None or not (report.introduction.strip() or report.learnings):
        refuse(ReportError(_l("Schreiben Sie zuerst eine Einleitung oder ein Learning.")))
    if any(not learning.title.strip() for learning in report.learnings):
        refuse(ReportError(_l("Jedes Learning braucht eine Überschrift.")))
    if report.published_at is None:
        report.published_at = now
        report.first_published_at = report.first_published_at or now
        audit("report.publish", user, event_id=event.id)
    db.session.commit()


def unpublish_report(event: Event, user: User) -> None:
    """Take the report off the public site (the draft stays)."""
    report = _lock_report(event)
    if report is not None and report.published_at is not None:
        report.published_at = None
        audit("report.unpublish", user, event_id=event.id)
    db.session.commit()


@dataclass(frozen=True)
class NotifyPreview:
    """What "notify participants" would do, for the page that asks first."""

    mails: int  # attendees who want to hear from us and gave an address
    attendees: int  # everyone who attended (checked in), with or without that wish
    published: bool
    already_notified: bool


def _report_recipients(event: Event) -> list[Registration]:
    """Attendees who want to hear about future editions and gave an address."""
    registrations = db.session.scalars(_attendees(event).where(_consented(
        ConsentPurpose.FUTURE_EDITIONS, per_registration=False))
        .options(selectinload(Registration.participant))).all()
    return [r for r in registrations if r.participant.has_real_address]


def notify_preview(event: Event) -> NotifyPreview:
    """How many people the report mail would reach, and why none if none."""
    report = get_report(event)
    attendees = db.session.scalar(sa.select(sa.func.count()).select_from(
        _attendees(event).subquery()))
    return NotifyPreview(
        mails=len(_report_recipients(event)), attendees=attendees,
        published=report is not None and report.published_at is not None,
        already_notified=report is not None and report.participants_notified_at is not None)


def notify_participants(event: Event, user: User) -> int:
    """Queue the report link for every attendee who wants to hear from us; once per report."""
    report = _lock_report(event)
    if report is None or report.published_at is None:
        refuse(ReportError(_l("Veröffentlichen Sie den Bericht, bevor Sie ihn verschicken.")))
    if report.participants_notified_at is not None:
        refuse(ReportError(_l("Die Teilnehmenden wurden schon über diesen Bericht informiert.")))
    recipients = _report_recipients(event)
    url = url_for("reports.show", slug=event.slug, _external=True)
    for registration in recipients:
        with force_locale(registration.language):
            subject = _("Der Bericht ist online: %(title)s", title=event.title)
        queue_mail("report_published", registration.participant.email, registration.language,
                   subject, {"event": event, "person": registration.participant,
                             "report_url": url, "link": personal_url_of(registration)},
                   registration=registration)
    report.participants_notified_at = utcnow()
    audit("report.notify", user, event_id=event.id, details=f"{len(recipients)} mails")
    db.session.commit()
    return len(recipients)


# --- who attended and who may be named --------------------------------------------------------

def _attendees(event: Event):
    """Checked-in registrations of the edition whose person still has their data."""
    return (sa.select(Registration).join(Participant, Participant.id == Registration.participant_id)
            .where(Registration.event_id == event.id, Registration.checked_in_at.is_not(None),
                   Registration.anonymised_at.is_(None), Participant.anonymised_at.is_(None))
            .order_by(Registration.id))


def _consented(purpose: ConsentPurpose, per_registration: bool):
    """A confirmed consent for `purpose` that was not withdrawn (given with this registration)."""
    condition = [ConsentRecord.participant_id == Registration.participant_id,
                 ConsentRecord.purpose == purpose, ConsentRecord.withdrawn_at.is_(None),
                 ConsentRecord.confirmed_at.is_not(None)]
    if per_registration:
        condition.append(ConsentRecord.registration_id == Registration.id)
    return sa.exists().where(*condition)


@dataclass(frozen=True)
class NamedPerson:
    name: str
    organisation: str
    group_id: int | None


def named_people(event: Event) -> list[NamedPerson]:
    """Attendees who agreed to be named in this edition's report, by name (one query)."""
    rows = db.session.execute(
        sa.select(Participant.name, Participant.organisation, Assignment.group_id)
        .select_from(Registration)
        .join(Participant, Participant.id == Registration.participant_id)
        .outerjoin(Assignment, Assignment.registration_id == Registration.id)
        .where(Registration.event_id == event.id, Registration.checked_in_at.is_not(None),
               Registration.anonymised_at.is_(None), Participant.anonymised_at.is_(None),
               _consented(ConsentPurpose.NAMED_IN_REPORT, per_registration=True))
        .order_by(Participant.name))
    return [NamedPerson(name, organisation or "", group_id) for name, organisation, group_id in rows]


def report_figures(event: Event, groups: list[BreakoutGroup]) -> ReportFigures:
    """How many took part, their sector mix and the breakout topics, from the records."""
    return compute_report_figures(edition_facts(event.id), [g.topic for g in groups])


# --- what the page and the PDF show ------------------------------------------------------------

@dataclass(frozen=True)
class SpeakerSection:
    speaker: Speaker
    body: str


@dataclass(frozen=True)
class GroupSection:
    group: BreakoutGroup
    body: str
    members: list[NamedPerson]


@dataclass(frozen=True)
class ReportPage:
    event: Event
    report: Report
    inputs: list[SpeakerSection]
    groups: list[GroupSection]
    learnings: list[Learning]
    photos: list[ReportPhoto]
    figures: ReportFigures
    named: list[NamedPerson]
    is_preview: bool
    feedback: Headline | None = None  # shown only if staff chose so and enough people answered

    @property
    def has_sections(self) -> bool:
        return bool(self.inputs or self.groups)


def report_page(event: Event, report: Report, is_preview: bool = False) -> ReportPage:
    """Everything the report body shows; names and figures computed now, from the records."""
    groups = groups_of(event.id)
    bodies = {(s.speaker_id, s.breakout_group_id): s.body for s in report.sections}
    named = named_people(event)
    return ReportPage(
        event=event, report=report,
        inputs=[SpeakerSection(s, bodies.get((s.id, None), "")) for s in event.speakers
                if bodies.get((s.id, None), "").strip()],
        groups=[GroupSection(g, bodies.get((None, g.id), ""),
                             [p for p in named if p.group_id == g.id]) for g in groups
                if bodies.get((None, g.id), "").strip()],
        learnings=list(report.learnings), photos=list(report.photos),
        figures=report_figures(event, groups),
        named=list({(p.name, p.organisation): p for p in named}.values()),
        is_preview=is_preview, feedback=headline(event) if report.show_feedback else None)


def set_show_feedback(event: Event, user: User, show: bool) -> None:
    """Show (or stop showing) the feedback's headline figures under "at a glance"; commit."""
    report = _ensure_report(event)
    report.show_feedback = show
    report.updated_by_id = user.id
    db.session.commit()


def photo_files(page: ReportPage) -> dict[str, tuple[bytes, str]]:
    """The page's photos by the URL path the body template uses, for the PDF's fetcher."""
    ids = [p.id for p in page.photos]
    if not ids:
        return {}
    rows = db.session.execute(sa.select(ReportPhoto.id, ReportPhoto.data, ReportPhoto.mime_type)
                              .where(ReportPhoto.id.in_(ids)))
    return {url_for("reports.photo", slug=page.event.slug, photo_id=pid): (data, mime)
            for pid, data, mime in rows}


# --- the Atom feed ---------------------------------------------------------------------------

@dataclass(frozen=True)
class FeedEntry:
    kind: str  # edition | report
    event: Event
    updated: datetime
    published: datetime
    report: Report | None = None


def feed_entries(limit: int = 50) -> list[FeedEntry]:
    """Announced editions and published reports, newest first."""
    events = db.session.scalars(
        sa.select(Event).where(Event.status != EventStatus.DRAFT)
        .options(selectinload(Event.series)).order_by(Event.starts_at.desc()).limit(limit)).all()
    reports = {r.event_id: r for r in db.session.scalars(
        sa.select(Report).where(Report.event_id.in_([e.id for e in events]),
                                Report.published_at.is_not(None)))}
    entries = []
    for event in events:
        published = event.published_at or event.created_at
        entries.append(FeedEntry("edition", event, max(event.updated_at, published), published))
        report = reports.get(event.id)
        if report is not None:
            entries.append(FeedEntry("report", event, max(report.updated_at, report.published_at),
                                     report.first_published_at or report.published_at, report))
    entries.sort(key=lambda e: e.updated, reverse=True)
    return entries[:limit]


def published_report_event_ids(event_ids: list[int]) -> set[int]:
    """Which of these editions have a published report (for links on other pages)."""
    if not event_ids:
        return set()
    return set(db.session.scalars(sa.select(Report.event_id).where(
        Report.event_id.in_(event_ids), Report.published_at.is_not(None))))


"""Queue a mail: render it in the recipient's language and add it to the outbox.

Called inside a use case's transaction; the row is committed with the change
that caused it and sent afterwards by the worker. Nothing is sent here.
"""
from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale

from app.domain.addresses import has_real_address
from app.extensions import db
from app.models import OutboxMessage, Registration


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: str


def queue_mail(kind: str, to: str, language: str, subject, context: dict,
               registration: Registration | None = None,
               attachment: Attachment | None = None) -> OutboxMessage | None:
    """Render templates/mail/<kind>.txt in `language` and add it to the session's outbox.

    Nothing is queued to an address the person did not give (None is returned): callers
    choose their recipients with `has_real_address` already; this is the last guard.
    """
    if not has_real_address(to):
        return None
    with force_locale(language):
        body = render_template(f"mail/{kind}.txt", lang=language, **context)
        subject_text = str(subject)
    message = OutboxMessage(kind=kind, to_address=to, subject=subject_text, body_text=body,
                            registration=registration)
    if attachment is not None:
        message.attachment_name = attachment.filename
        message.attachment_type = attachment.content_type
        message.attachment = attachment.content
    db.session.add(message)
    return message

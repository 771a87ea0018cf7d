"""Turn an outbox row into an e-mail and hand it to a backend (files or SMTP).

Used by the worker (nothing of the sending runs inside a web request), and by erasure, which
deletes what the file backend wrote for the person.
"""
from __future__ import annotations

import os
import re
import smtplib
import ssl
import tempfile
from collections.abc import Mapping
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import format_datetime, getaddresses
from pathlib import Path
from typing import Protocol

from app.models import OutboxMessage

SMTP_TIMEOUT = 10.0  # seconds; a hanging server must not stall the worker for long


class DeliveryError(Exception):
    """A backend could not deliver; the text is safe to store and show to staff."""


def message_id(row_id: int, domain: str) -> str:
    """Return the Message-ID of an outbox row: the same on every attempt."""
    return f"<outbox-{row_id}@{domain}>"


def build_message(row: OutboxMessage, sender: str, domain: str) -> EmailMessage:
    """Build the e-mail for an outbox row: headers, text body and the optional attachment."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at)
    # Stable per row, so a recipient (or a mail server) recognises a resend as the same mail.
    message["Message-ID"] = message_id(row.id, domain)
    # Tells vacation responders not to answer the registration robot.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.body_text, charset="utf-8", cte="quoted-printable")
    if row.attachment_name:
        _attach(message, row.attachment_name, row.attachment_type, row.attachment)
    return message


def _attach(message: EmailMessage, filename: str, content_type: str, content: str) -> None:
    maintype, subtype, params = _parse_content_type(content_type or "text/plain")
    if maintype == "text" and subtype == "calendar" and "method" not in params:
        # Calendar clients want the iTIP method on the MIME part to match the file's.
        params["method"] = _ics_method(content)
    if maintype == "text":
        message.add_attachment(content, subtype=subtype, charset="utf-8", cte="base64",
                               filename=filename, params=params)
    else:
        message.add_attachment(content.encode(), maintype=maintype, subtype=subtype,
                               filename=filename, params=params)


def _parse_content_type(value: str) -> tuple[str, str, dict[str, str]]:
    kind, *rest = [part.strip() for part in value.split(";")]
    maintype, _, subtype = kind.lower().partition("/")
    params = {}
    for part in rest:
        key, _, param = part.partition("=")
        if key:
            params[key.strip().lower()] = param.strip().strip('"')
    return maintype, subtype or "plain", params


def _ics_method(content: str) -> str:
    match = re.search(r"^METHOD:([A-Za-z-]+)\s*$", content, re.MULTILINE)
    return match.group(1).upper() if match else "PUBLISH"


def needs_smtputf8(message: EmailMessage) -> bool:
    """Whether an address of the mail has a non-ASCII local part (RFC 6531/6532)."""
    return not "".join(str(message.get(h, "")) for h in ("From", "To")).isascii()


def wire_bytes(message: EmailMessage) -> bytes:
    """The mail as smtplib puts it on the wire: headers in raw UTF-8 when an address needs it
    (an RFC 2047 encoded-word in an address, "=?utf-8?…?=@example.net", is undeliverable),
    7-bit headers otherwise."""
    if needs_smtputf8(message):
        return message.as_bytes(policy=message.policy.clone(utf8=True))
    return bytes(message)


class Backend(Protocol):
    """Where built mails go. One instance per worker thread: SMTP keeps a connection."""

    def send(self, message: EmailMessage, name: str) -> None: ...

    def close(self) -> None: ...


class FileBackend:
    """Write each mail as `<name>.eml` into a folder (development)."""

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)

    def send(self, message: EmailMessage, name: str) -> None:
        """Write the mail to `<directory>/<name>.eml`, replacing an earlier attempt."""
        safe_name = re.sub(r"[^A-Za-z0-9_-]", "_", name)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            _write_atomically(self.directory / f"{safe_name}.eml", wire_bytes(message))
        except OSError as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        """Nothing to close."""

    def forget(self, address: str) -> int:
        """Delete every written mail to `address` (erasure); return how many went."""
        if not self.directory.is_dir():
            return 0
        wanted, removed = address.strip().lower(), 0
        for path in self.directory.glob("*.eml"):
            with path.open("rb") as f:
                headers = BytesHeaderParser(policy=policy.default).parse(f)
            if any(addr.lower() == wanted
                   for _, addr in getaddresses([str(headers.get("To", ""))])):
                path.unlink(missing_ok=True)
                removed += 1
        return removed


def _write_atomically(path: Path, data: bytes) -> None:
    # A reader of the folder never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class SMTPBackend:
    """Send through an SMTP server, reusing one connection until `close()`."""

    def __init__(self, host: str, port: int, user: str | None = None,
                 password: str | None = None, starttls: bool = False,
                 timeout: float = SMTP_TIMEOUT):
        self.host, self.port = host, port
        self.user, self.password = user, password
        self.starttls, self.timeout = starttls, timeout
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage, name: str) -> None:
        """Send one mail; raise DeliveryError (without credentials) when that fails.

        An internationalised address (ünïcödé@example.net) goes out with SMTPUTF8 and raw
        UTF-8 headers, which smtplib.send_message does when the server offers SMTPUTF8; a
        server that does not raises SMTPNotSupportedError, kept as the reason staff see.
        """
        try:
            self._connection().send_message(message)
        except (smtplib.SMTPException, OSError, ValueError) as exc:
            self.close()  # the next mail starts with a fresh connection
            raise DeliveryError(self._describe(exc)) from exc

    def close(self) -> None:
        """Say goodbye to the server, if connected."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            try:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password or "")
            except BaseException:
                smtp.close()
                raise
            self._smtp = smtp
        return self._smtp

    def _describe(self, exc: Exception) -> str:
        text = f"{type(exc).__name__}: {exc} ({self.host}:{self.port})"
        if self.password:  # servers may echo what they were sent; never store the secret
            text = text.replace(self.password, "***")
        return text


def forget_written_mails(config: Mapping, address: str) -> int:
    """Erase the mails to `address` that the file backend wrote (development); with SMTP
    nothing is kept here. Returns how many files were deleted."""
    if config.get("MAIL_BACKEND", "file") != "file":
        return 0
    return FileBackend(config["MAIL_FILE_DIR"]).forget(address)


def backend_from_config(config: Mapping) -> Backend:
    """Return the backend named by MAIL_BACKEND ("file" or "smtp")."""
    kind = config.get("MAIL_BACKEND", "file")
    if kind == "file":
        return FileBackend(config["MAIL_FILE_DIR"])
    if kind == "smtp":
        return SMTPBackend(config["SMTP_HOST"], int(config["SMTP_PORT"]),
                           user=config.get("SMTP_USER"), password=config.get("SMTP_PASSWORD"),
                           starttls=bool(config.get("SMTP_STARTTLS")))
    raise ValueError(f"MAIL_BACKEND must be 'file' or 'smtp', not {kind!r}")

"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it accepts."""
import email
import socket
import threading
from email import policy

import pytest
from aiosmtpd.controller import Controller

from app.mail.sender import SMTPBackend


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SMTPServer:
    """A real SMTP server on 127.0.0.1 that keeps every message it accepts."""

    def __init__(self, **smtp_options):
        self.port = free_port()
        self.options = smtp_options
        self.envelopes = []
        self._lock = threading.Lock()
        self._controller = None

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def start(self):
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port,
                                      **self.options)
        self._controller.start()

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages(self) -> list[email.message.EmailMessage]:
        with self._lock:
            return [email.message_from_bytes(e.content, policy=policy.default)
                    for e in self.envelopes]

    def backend(self, **options) -> SMTPBackend:
        return SMTPBackend("127.0.0.1", self.port, **options)


@pytest.fixture
def smtp_server():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()

"""A local SMTP server that keeps every message it receives, for tests and local runs."""

from __future__ import annotations

import email
import random
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from functools import cached_property

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

# Ports chosen below the system's ephemeral ones (Linux: 32768 to 60999): a port the kernel
# picked, once given back, may be handed to any outgoing connection before the server it was
# chosen for binds it (a stack test met "address already in use" so).
CHOSEN_PORTS = range(20000, 32768)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now, outside the range the system draws from by itself."""
    for port in random.sample(CHOSEN_PORTS, 64):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as probe:  # every one tried is taken: let the system choose
        probe.bind(("127.0.0.1", 0))
        chosen: int = probe.getsockname()[1]
        return chosen


@dataclass
class CaughtMail:
    envelope_from: str
    envelope_to: list[str]
    # The message as it came: parsed when first read (`cpom simulate` reads none, and parsing
    # took a millisecond and a half of every message's exchange, issue 12).
    raw: bytes

    @cached_property
    def message(self) -> EmailMessage:
        parsed: EmailMessage = email.message_from_bytes(
            self.raw, _class=EmailMessage, policy=default_policy
        )
        return parsed

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def notice(self) -> str:
        return str(self.message["X-Cpom-Notice"])

    def text(self) -> str:
        return self._part("plain")

    def html(self) -> str:
        return self._part("html")

    def _part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        if body is None:
            return ""
        try:
            return str(body.get_content())
        except (LookupError, UnicodeError):
            # A charset Python does not know (found by probing: the catcher answered 500): the
            # bytes as UTF-8, what cannot be read replaced.
            payload = body.get_payload(decode=True)
            return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""


@dataclass
class _Handler:
    caught: list[CaughtMail] = field(default_factory=list)
    # Given it, each message goes there and is not kept (`cpom up` stores them: kept in memory
    # too, they grew with every message for the life of the service).
    on_mail: Callable[[CaughtMail], None] | None = None
    received: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content
        raw = content if isinstance(content, bytes) else (content or "").encode()
        mail = CaughtMail(str(envelope.mail_from), [str(r) for r in envelope.rcpt_tos], raw)
        self.received += 1
        if self.on_mail is not None:
            self.on_mail(mail)
        else:
            self.caught.append(mail)
        return f"250 2.0.0 Ok: message {self.received} queued as CPOM{self.received:06d}"


class MailCatcher:
    """Start with `start()`, read `caught`, stop with `stop()`."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int | None = None,
        on_mail: Callable[[CaughtMail], None] | None = None,
    ) -> None:
        self.host = host
        self.port = port or free_port()
        self._handler = _Handler(on_mail=on_mail)
        self._controller = Controller(self._handler, hostname=host, port=self.port)
        self._running = False

    @property
    def caught(self) -> list[CaughtMail]:
        return self._handler.caught

    def start(self) -> MailCatcher:
        self._controller.start()
        self._running = True
        return self

    def stop(self) -> None:
        """Stop listening; stopping a stopped catcher (a test took the server down) does
        nothing."""
        if self._running:
            self._controller.stop()
            self._running = False

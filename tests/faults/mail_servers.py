"""SMTP servers that misbehave the way real ones do, for the fault tests of the notices.

`MailServer` keeps every message it receives *before* it answers: a late answer is a message
the server has already accepted, as a relay busy filtering its content does. It can answer
late (`answer_after` seconds, or when `gate` is set), be stopped (nothing listens on its port:
connection refused) and started again on the same port.
"""

from __future__ import annotations

import asyncio
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from cpom.mail_catcher import CaughtMail, free_port


class MailServer:
    def __init__(
        self,
        *,
        answer_after: float = 0.0,
        gate: threading.Event | None = None,
        host: str = "127.0.0.1",
        port: int | None = None,
    ) -> None:
        self.answer_after = answer_after
        self.gate = gate
        self.host = host
        self.port = port or free_port()
        self.caught: list[CaughtMail] = []
        # The client's address and port of each message: one per connection it came on.
        self.peers: list[object] = []
        self._controller: Controller | None = None

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content
        raw = content if isinstance(content, bytes) else (content or "").encode()
        self.caught.append(
            CaughtMail(str(envelope.mail_from), [str(r) for r in envelope.rcpt_tos], raw)
        )
        self.peers.append(session.peer)
        if self.answer_after:
            await asyncio.sleep(self.answer_after)  # the fault under test: a slow answer
        if self.gate is not None:
            await asyncio.to_thread(self.gate.wait, 60)
        return f"250 2.0.0 Ok: queued as SLOW{len(self.caught):06d}"

    def start(self) -> MailServer:
        # A stopped aiosmtpd controller cannot start again: a new one on the same port.
        self._controller = Controller(self, hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def message_ids(self) -> list[str]:
        return [str(mail.message["Message-ID"]) for mail in self.caught]

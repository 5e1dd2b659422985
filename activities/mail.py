"""Email notices: rendered from templates, kept in an outbox, sent by SMTP exactly once."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from temporalio import activity

from cpom.db.models import NoticeRecord
from cpom.messages import NoticeRequest, NoticeResult
from cpom.rendering import Renderer


@dataclass
class SmtpMailer:
    """Sends one message with aiosmtplib and returns the server's final answer as proof."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 30.0

    async def send(self, message: EmailMessage) -> str:
        _, response = await aiosmtplib.send(
            message,
            hostname=self.host,
            port=self.port,
            username=self.username,
            password=self.password,
            start_tls=self.starttls,
            timeout=self.timeout,
        )
        return response


def message_id(key: str) -> str:
    # Derived from the business key: a resend after a crash carries the same Message-ID.
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@cpom>"


class MailActivities:
    def __init__(self, engine: Engine, renderer: Renderer, mailer: SmtpMailer, sender: str):
        self.engine = engine
        self.renderer = renderer
        self.mailer = mailer
        self.sender = sender

    @activity.defn(name="send_notice")
    async def send_notice(self, request: NoticeRequest) -> NoticeResult:
        """Send a notice once per business key; a retry after success sends nothing."""
        record = await asyncio.to_thread(self._claim, request)
        if record.status in ("sent", "no_recipient"):
            return self._result(record)
        message = EmailMessage()
        message["Subject"] = record.subject
        message["From"] = self.sender
        message["To"] = ", ".join(request.recipients)
        message["Message-ID"] = record.message_id
        message["Date"] = formatdate(localtime=False)
        message["X-Cpom-Reference"] = request.terms.reference
        message["X-Cpom-Notice"] = request.kind.value
        message.set_content(record.body_text)
        message.add_alternative(record.body_html, subtype="html")
        try:
            response = await self.mailer.send(message)
        except (aiosmtplib.SMTPException, OSError) as error:
            await asyncio.to_thread(self._mark, record.key, "failed_attempt", str(error))
            raise
        record = await asyncio.to_thread(self._mark, record.key, "sent", response)
        return self._result(record)

    def _claim(self, request: NoticeRequest) -> NoticeRecord:
        with Session(self.engine) as session:
            existing = session.exec(
                select(NoticeRecord).where(NoticeRecord.key == request.key)
            ).first()
            if existing is not None:
                return existing
            rendered = self.renderer.notice(
                request.kind, request.terms, request.facts, request.notice_date
            )
            record = NoticeRecord(
                key=request.key,
                reference=request.terms.reference,
                kind=request.kind.value,
                recipients=",".join(request.recipients),
                subject=rendered.subject,
                body_text=rendered.text,
                body_html=rendered.html,
                message_id=message_id(request.key),
                status="pending" if request.recipients else "no_recipient",
                created_at=datetime.now(UTC),
                notice_date=request.notice_date,
            )
            session.add(record)
            try:
                session.commit()
            except IntegrityError:  # a concurrent attempt claimed it first
                session.rollback()
                return session.exec(
                    select(NoticeRecord).where(NoticeRecord.key == request.key)
                ).one()
            session.refresh(record)
            return record

    def _mark(self, key: str, status: str, response: str) -> NoticeRecord:
        with Session(self.engine) as session:
            record = session.exec(select(NoticeRecord).where(NoticeRecord.key == key)).one()
            record.attempts += 1
            record.status = status
            record.smtp_response = response
            if status == "sent":
                record.sent_at = datetime.now(UTC)
            session.add(record)
            session.commit()
            session.refresh(record)
            return record

    @staticmethod
    def _result(record: NoticeRecord) -> NoticeResult:
        return NoticeResult(
            key=record.key,
            status=record.status,
            recipients=[r for r in record.recipients.split(",") if r],
            message_id=record.message_id,
            smtp_response=record.smtp_response,
        )

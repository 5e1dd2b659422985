"""Email notices: rendered from templates, kept in an outbox, sent by SMTP once per business key.

An attempt claims the outbox row with a lease before it speaks to the server: another attempt
(a Temporal retry while the first one still runs, another worker) sends nothing before the lease
ends or the first one marks the row sent. A sending never outlasts its lease (the setting
`notice_lease_seconds` exceeds `smtp_timeout_seconds`), and the attempt heartbeats meanwhile.
What remains at least once: a server that accepted the message but whose answer never came back
(the process killed, the connection lost, the answer later than the SMTP timeout). The message is
then sent again, after the lease, with the same Message-ID.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib
from sqlalchemy import Engine, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from cpom.db.models import NoticeRecord
from cpom.db.projection import stored_terms
from cpom.messages import NoticeRequest, NoticeResult
from cpom.notice_status import failure_reason
from cpom.rendering import Renderer
from cpom.substance_context import notice_context

FINAL = ("sent", "no_recipient")
# The attempts' own schedule (the workflow's retry policy starts at 1 s, doubles, stops at
# 5 min): the outbox then knows when the next attempt comes.
FIRST_RETRY = timedelta(seconds=1)
LAST_RETRY = timedelta(minutes=5)


@dataclass
class SmtpMailer:
    """Sends one message with aiosmtplib and returns the server's final answer as proof."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    # The whole exchange, from the connection to the acceptance of the message.
    timeout: float = 60.0

    async def send(self, message: EmailMessage) -> str:
        async with asyncio.timeout(self.timeout):
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


def failure_kind(error: BaseException) -> str:
    """The kind of a failed sending, as the outbox keeps it (`cpom.notice_status` says it)."""
    if isinstance(error, aiosmtplib.SMTPConnectTimeoutError | aiosmtplib.SMTPConnectError):
        return "unreachable"
    if isinstance(error, TimeoutError):  # aiosmtplib's timeouts are TimeoutErrors too
        return "timeout"
    if isinstance(error, aiosmtplib.SMTPServerDisconnected):
        return "disconnected"
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        return "authentication"
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused | aiosmtplib.SMTPRecipientRefused):
        return "recipients_refused"
    if isinstance(error, aiosmtplib.SMTPSenderRefused):
        return "sender_refused"
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return "rejected"
    if isinstance(error, aiosmtplib.SMTPException):
        return "smtp_error"
    return "unreachable"  # OSError: no route, name not resolved, connection refused


def retry_delay(attempt: int) -> timedelta:
    doubled: timedelta = FIRST_RETRY * 2 ** min(attempt - 1, 20)
    return min(doubled, LAST_RETRY)


def _now() -> datetime:
    return datetime.now(UTC)


@asynccontextmanager
async def heartbeating() -> AsyncIterator[None]:
    """Heartbeat while the body runs, so that Temporal tells a slow server from a dead worker."""
    timeout = activity.info().heartbeat_timeout
    if not timeout:
        yield
        return

    async def beat() -> None:
        while True:
            activity.heartbeat()
            await asyncio.sleep(timeout.total_seconds() / 3)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()


class MailActivities:
    def __init__(
        self,
        engine: Engine,
        renderer: Renderer,
        mailer: SmtpMailer,
        sender: str,
        lease: timedelta = timedelta(minutes=5),
    ):
        self.engine = engine
        self.renderer = renderer
        self.mailer = mailer
        self.sender = sender
        self.lease = lease

    @activity.defn(name="send_notice")
    async def send_notice(self, request: NoticeRequest) -> NoticeResult:
        """Send a notice once per business key; a retry after success sends nothing, a retry
        while another attempt holds the lease waits for it."""
        info = activity.info()
        attempt = f"{info.workflow_run_id}/{info.activity_id}/{info.attempt}"
        record, held = await asyncio.to_thread(self._outbox_row, request, attempt)
        if not held and record.status not in FINAL:
            record, held = await asyncio.to_thread(self._claim, request.key, attempt)
        if record.status in FINAL:
            return self._result(record)
        if not held:
            assert record.claimed_until is not None
            wait = max(record.claimed_until - _now(), FIRST_RETRY)
            raise ApplicationError(
                "avis en cours d'envoi par un autre essai",
                type="NoticeBeingSent",
                next_retry_delay=wait,
            )
        message = self._message(request, record)
        try:
            async with heartbeating():
                response = await self.mailer.send(message)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            kind = failure_kind(error)
            delay = retry_delay(info.attempt)
            activity.logger.warning("avis %s non envoyé (%s) : %s", request.key, kind, error)
            await asyncio.to_thread(
                self._failed, request.key, attempt, kind, str(error), _now() + delay
            )
            raise ApplicationError(
                f"avis non envoyé : {failure_reason(kind)}",
                str(error),
                type=kind,
                next_retry_delay=delay,
            ) from error
        except asyncio.CancelledError:
            # Temporal gave the attempt up (timeout, worker shutting down): the next one need
            # not wait for the lease.
            await asyncio.shield(asyncio.to_thread(self._release, request.key, attempt))
            raise
        record = await asyncio.to_thread(self._sent, request.key, response)
        return self._result(record)

    def _message(self, request: NoticeRequest, record: NoticeRecord) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = record.subject
        message["From"] = record.sender or self.sender
        message["To"] = ", ".join(request.recipients)
        message["Message-ID"] = record.message_id
        message["Date"] = formatdate(localtime=False)
        message["X-Cpom-Reference"] = request.contract_reference
        message["X-Cpom-Notice"] = request.kind.value
        message.set_content(record.body_text)
        message.add_alternative(record.body_html, subtype="html")
        return message

    def _find(self, session: Session, key: str) -> NoticeRecord:
        return session.exec(select(NoticeRecord).where(NoticeRecord.key == key)).one()

    def _outbox_row(self, request: NoticeRequest, attempt: str) -> tuple[NoticeRecord, bool]:
        """The notice's row, rendered and written the first time, and whether `attempt` holds
        its lease: the attempt that writes the row holds it at once (one transaction for the
        first attempt of every notice, not two)."""
        with Session(self.engine, expire_on_commit=False) as session:
            existing = session.exec(
                select(NoticeRecord).where(NoticeRecord.key == request.key)
            ).first()
            if existing is not None:
                return existing, False
            terms = request.terms or stored_terms(self.engine, request.reference)
            rendered = self.renderer.notice(
                request.kind,
                terms,
                request.facts,
                request.notice_date,
                notice_context(self.engine, request.kind, terms),
            )
            now = _now()
            record = NoticeRecord(
                key=request.key,
                reference=terms.reference,
                kind=request.kind.value,
                recipients=",".join(request.recipients),
                subject=rendered.subject,
                body_text=rendered.text,
                body_html=rendered.html,
                message_id=message_id(request.key),
                # From the contract's lead authority, as its letters are.
                sender=self.renderer.identities.authority(terms.authority.key).sender or None,
                status="pending" if request.recipients else "no_recipient",
                created_at=now,
                notice_date=request.notice_date,
            )
            if record.status == "pending":
                record.claimed_by = attempt
                record.claimed_until = now + self.lease
                record.attempts = 1
            session.add(record)
            try:
                session.commit()
            except IntegrityError:  # a concurrent attempt wrote it first
                session.rollback()
                return self._find(session, request.key), False
            return record, record.status == "pending"

    def _claim(self, key: str, attempt: str) -> tuple[NoticeRecord, bool]:
        """Take the lease when nobody holds it: one conditional UPDATE, atomic on SQLite and
        PostgreSQL. Returns the row and whether this attempt holds it."""
        now = _now()
        with Session(self.engine) as session:
            claimed = session.execute(
                update(NoticeRecord)
                .where(
                    col(NoticeRecord.key) == key,
                    col(NoticeRecord.status).not_in(FINAL),
                    or_(
                        col(NoticeRecord.claimed_until).is_(None),
                        col(NoticeRecord.claimed_until) <= now,
                    ),
                )
                .values(
                    claimed_by=attempt,
                    claimed_until=now + self.lease,
                    attempts=col(NoticeRecord.attempts) + 1,
                    next_attempt_at=None,
                )
            )
            session.commit()
            return self._find(session, key), claimed.rowcount == 1  # type: ignore[attr-defined]

    def _sent(self, key: str, response: str) -> NoticeRecord:
        # Marked whoever holds the lease now: the server accepted the message.
        with Session(self.engine, expire_on_commit=False) as session:
            record = self._find(session, key)
            if record.status != "sent":  # a resend keeps the first proof
                record.status = "sent"
                record.smtp_response = response
                record.sent_at = _now()
                record.failure = None
                record.next_attempt_at = None
            record.claimed_by = None
            record.claimed_until = None
            session.add(record)
            session.commit()
            return record

    def _failed(self, key: str, attempt: str, kind: str, error: str, retry: datetime) -> None:
        with Session(self.engine) as session:
            record = self._find(session, key)
            if record.claimed_by != attempt or record.status in FINAL:
                return  # the lease ended and another attempt took over
            record.status = "failed_attempt"
            record.failure = kind
            record.last_error = error
            record.next_attempt_at = retry
            record.claimed_by = None
            record.claimed_until = None
            session.add(record)
            session.commit()

    def _release(self, key: str, attempt: str) -> None:
        with Session(self.engine) as session:
            record = self._find(session, key)
            if record.claimed_by == attempt:
                record.claimed_by = None
                record.claimed_until = None
                session.add(record)
                session.commit()

    @staticmethod
    def _result(record: NoticeRecord) -> NoticeResult:
        return NoticeResult(
            key=record.key,
            status=record.status,
            recipients=[r for r in record.recipients.split(",") if r],
            message_id=record.message_id,
            smtp_response=record.smtp_response,
        )

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
import contextlib
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib
from sqlalchemy import Engine, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import mail_headers
from cpom import metrics
from cpom.db.driver_rows import any_row, insert_rows, update_rows
from cpom.db.models import DocumentRecord, NoticeRecord
from cpom.db.projection import stored_terms
from cpom.db.projection_writer import ProjectionWriter
from cpom.domain.agenda import DocumentKind, NoticeKind
from cpom.messages import NoticeRequest, NoticeResult, ProjectionUpdate, notice_sent_event
from cpom.notice_parties import PARTIES, recipients_by_party
from cpom.notice_status import failure_reason
from cpom.rendering import Renderer
from cpom.substance_context import notice_context

FINAL = ("sent", "no_recipient")
NOTICES = SQLModel.metadata.tables[NoticeRecord.__tablename__]
_WRITTEN_COLUMNS = tuple(column.name for column in NOTICES.columns if column.name != "id")
# The documents a notice is about, attached to it as PDF files.
DOCUMENTS_OF = {
    NoticeKind.PROROGATION_ACCEPTED: (
        DocumentKind.AVENANT_PROROGATION,
        DocumentKind.ATTESTATION_ACCEPTATION_TACITE,
    ),
}
# The attempts' own schedule (the workflow's retry policy starts at 1 s, doubles, stops at
# 5 min): the outbox then knows when the next attempt comes.
FIRST_RETRY = timedelta(seconds=1)
# The notice's projection is written only with this much of the attempt left: an attempt that
# timed out once it was written would leave the workflow unaware of it (see `_project`).
PROJECTION_MARGIN = timedelta(seconds=20)
LAST_RETRY = timedelta(minutes=5)
# How long a worker that stops waits for the server's answer to its goodbye.
GOODBYE_SECONDS = 5.0


@dataclass
class SmtpMailer:
    """Sends one message with aiosmtplib and returns the server's final answer as proof.

    Connections stay open between messages: a wave of notices no longer opens one per message,
    a connection, a greeting and a goodbye that cost a third of a message's CPU (issue 12). A
    connection is reused only while it is fresh: one the server closed is dropped, one idle for
    more than `check_after_seconds` answers a NOOP first, one idle for more than
    `idle_seconds` is closed (servers drop idle clients after a minute or more). A failed
    exchange closes its connection: the next message opens a new one."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    # The whole exchange, from the connection to the acceptance of the message.
    timeout: float = 60.0
    keep_idle: int = 8
    idle_seconds: float = 50.0
    check_after_seconds: float = 5.0
    _idle: list[tuple[aiosmtplib.SMTP, float]] = field(
        default_factory=list, init=False, repr=False, compare=False
    )
    _loop: asyncio.AbstractEventLoop | None = field(
        default=None, init=False, repr=False, compare=False
    )

    async def send(self, message: EmailMessage) -> str:
        async with asyncio.timeout(self.timeout):
            connection, reused = await self._connection()
            try:
                response = await self._send_on(connection, message)
            except (aiosmtplib.SMTPServerDisconnected, ConnectionError):
                if not reused:
                    raise
                # The server closed the kept connection as it was taken up again: the message
                # goes on a new one. Had the server accepted it before the connection broke,
                # this is the copy with the same Message-ID that any retry would send.
                connection, _ = await self._connection(fresh=True)
                response = await self._send_on(connection, message)
        self._release(connection)
        return response

    @staticmethod
    async def _send_on(connection: aiosmtplib.SMTP, message: EmailMessage) -> str:
        try:
            _, response = await connection.send_message(message)
        except BaseException:
            connection.close()
            raise
        return response

    async def close(self) -> None:
        """Say goodbye on every idle connection (the worker stops)."""
        idle, self._idle = self._idle, []
        for connection, _ in idle:
            with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
                async with asyncio.timeout(GOODBYE_SECONDS):
                    await connection.quit()
            connection.close()

    async def _connection(self, *, fresh: bool = False) -> tuple[aiosmtplib.SMTP, bool]:
        """A connection, and whether it was kept from an earlier message."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            # Connections of another event loop (a closed one) cannot serve this one.
            self._idle, self._loop = [], loop
        while self._idle and not fresh:
            connection, since = self._idle.pop()
            idle = loop.time() - since
            if not connection.is_connected or idle > self.idle_seconds:
                connection.close()
                continue
            if idle <= self.check_after_seconds or await _answers(connection):
                return connection, True
        connection = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            username=self.username,
            password=self.password,
            start_tls=self.starttls,
            timeout=self.timeout,
        )
        await connection.connect()
        return connection, False

    def _release(self, connection: aiosmtplib.SMTP) -> None:
        if connection.is_connected and len(self._idle) < self.keep_idle:
            self._idle.append((connection, asyncio.get_running_loop().time()))
        else:
            connection.close()


async def _answers(connection: aiosmtplib.SMTP) -> bool:
    """Whether an idle connection still answers; closed if it does not."""
    try:
        await connection.noop()
    except (aiosmtplib.SMTPException, OSError):
        connection.close()
        return False
    except BaseException:
        connection.close()
        raise
    return True


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


def _time_left(info: activity.Info) -> timedelta:
    if info.start_to_close_timeout is None:
        return timedelta.max
    return info.started_time + info.start_to_close_timeout - _now()


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


def outbox_keys(request: NoticeRequest) -> list[str]:
    """The keys the notice's rows may have: the business key alone (one party, or a notice
    begun before it went out per party), or with each party (`key|party`)."""
    return [request.key, *(f"{request.key}|{party}" for party in PARTIES)]


def outbox_rows(
    session: Session, engine: Engine, renderer: Renderer, request: NoticeRequest, now: datetime
) -> list[NoticeRecord]:
    """The notice's rows, one per party, rendered and not written yet: `pending`, or
    `no_recipient` for a party without an address. A notice to one party keeps the business
    key as its row's key; to several, each row adds its party (`key|party`)."""
    # One reading of the authority's identity for every party's message.
    with renderer.identities.reading():
        terms = request.terms or stored_terms(engine, request.reference)
        groups = recipients_by_party(terms, request.recipients)
        documents = documents_of(session, request, terms.reference)
        sender = renderer.identities.authority(terms.authority.key).sender or None
        # Read once for every party's message (the convocation's objectives).
        context = {
            **notice_context(engine, request.kind, terms),
            "attached": [d.title for d in documents],
        }
        records = []
        for party, recipients in groups.items():
            key = request.key if len(groups) == 1 else f"{request.key}|{party}"
            rendered = renderer.notice(
                request.kind, terms, request.facts, request.notice_date, {**context, "party": party}
            )
            records.append(
                NoticeRecord(
                    key=key,
                    reference=terms.reference,
                    kind=request.kind.value,
                    recipients=",".join(recipients),
                    subject=rendered.subject,
                    body_text=rendered.text,
                    body_html=rendered.html,
                    message_id=message_id(key),
                    # From the contract's lead authority, as its letters are.
                    sender=sender,
                    attachments=",".join(str(d.id) for d in documents) or None,
                    status="pending" if recipients else "no_recipient",
                    created_at=now,
                    notice_date=request.notice_date,
                )
            )
        return records


def _columns(record: NoticeRecord) -> dict[str, object]:
    """The row of `record`, its identifier left to the database."""
    return {name: getattr(record, name) for name in _WRITTEN_COLUMNS}


def written_rows(session: Session, keys: list[str]) -> list[NoticeRecord]:
    """The outbox rows among `keys`, in the order they were written."""
    return list(
        session.exec(
            select(NoticeRecord)
            .where(col(NoticeRecord.key).in_(keys))
            .order_by(col(NoticeRecord.id))
        ).all()
    )


def documents_of(session: Session, request: NoticeRequest, reference: str) -> list[DocumentRecord]:
    """The documents a notice is about, generated the same day before it (the workflow
    performs a day's documents before its notices): attached to it."""
    kinds = DOCUMENTS_OF.get(request.kind)
    if not kinds:
        return []
    order = [kind.value for kind in kinds]
    found = session.exec(
        select(DocumentRecord).where(
            DocumentRecord.reference == reference,
            col(DocumentRecord.kind).in_(order),
            DocumentRecord.document_date == request.notice_date,
        )
    ).all()
    return sorted(found, key=lambda d: order.index(d.kind))


class MailActivities:
    def __init__(
        self,
        engine: Engine,
        renderer: Renderer,
        mailer: SmtpMailer,
        sender: str,
        lease: timedelta = timedelta(minutes=5),
        projections: ProjectionWriter | None = None,
    ):
        self.engine = engine
        self.projections = projections or ProjectionWriter(engine)
        self.renderer = renderer
        self.mailer = mailer
        self.sender = sender
        self.lease = lease

    @activity.defn(name="send_notice")
    async def send_notice(self, request: NoticeRequest) -> NoticeResult:
        """Send a notice once per business key, one message per party it goes to (each reads
        what it must do); a retry after success sends nothing, a retry while another attempt
        holds a message's lease waits for it."""
        info = activity.info()
        attempt = f"{info.workflow_run_id}/{info.activity_id}/{info.attempt}"
        rows = await asyncio.to_thread(self._outbox_rows, request, attempt)
        keys = [record.key for record, _ in rows]
        done: list[NoticeRecord] = []
        try:
            for record, held in rows:
                if not held and record.status not in FINAL:
                    record, held = await asyncio.to_thread(self._claim, record.key, attempt)
                if record.status not in FINAL:
                    if not held:
                        assert record.claimed_until is not None
                        wait = max(record.claimed_until - _now(), FIRST_RETRY)
                        raise ApplicationError(
                            "avis en cours d'envoi par un autre essai",
                            type="NoticeBeingSent",
                            next_retry_delay=wait,
                        )
                    record = await self._send(request, record, attempt, info.attempt)
                done.append(record)
        except BaseException:
            # The messages this attempt holds but did not send are free for the next one.
            await asyncio.shield(asyncio.to_thread(self._release_all, keys, attempt))
            raise
        result = self._result(request.key, done)
        if request.projection is not None and _time_left(info) > PROJECTION_MARGIN:
            await self._project(request, request.projection, result)
        return result

    async def _project(
        self, request: NoticeRequest, update: ProjectionUpdate, result: NoticeResult
    ) -> None:
        """Write what the projection lacked, with the notice's own event (the workflow logs the
        same one once it learns that the projection holds it). Written last, and only with time
        left: an attempt that failed after writing would make the workflow log the event again,
        at a sequence the projection already holds."""
        event = notice_sent_event(request, result, update.today)
        with_event = replace(update, new_events=[*update.new_events, event])
        await self.projections.record(with_event)
        metrics.projection_lagged(_now())
        result.projected = True

    async def _send(
        self, request: NoticeRequest, record: NoticeRecord, attempt: str, number: int
    ) -> NoticeRecord:
        message = await asyncio.to_thread(self._message, request, record)
        try:
            async with heartbeating():
                response = await self.mailer.send(message)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            kind = failure_kind(error)
            delay = retry_delay(number)
            activity.logger.warning("avis %s non envoyé (%s) : %s", record.key, kind, error)
            metrics.notice_failed(record.kind, kind)
            await asyncio.to_thread(
                self._failed, record.key, attempt, kind, str(error), _now() + delay
            )
            raise ApplicationError(
                f"avis non envoyé : {failure_reason(kind)}",
                str(error),
                type=kind,
                next_retry_delay=delay,
            ) from error
        sent = await asyncio.to_thread(self._sent, record, response)
        metrics.notice_sent(record.kind)
        return sent

    def _message(self, request: NoticeRequest, record: NoticeRecord) -> EmailMessage:
        message = EmailMessage(policy=mail_headers.POLICY)
        message["Subject"] = record.subject
        message["From"] = record.sender or self.sender
        message["To"] = ", ".join(r for r in record.recipients.split(",") if r)
        message["Message-ID"] = record.message_id
        message["Date"] = formatdate(localtime=False)
        message["X-Cpom-Reference"] = request.contract_reference
        message["X-Cpom-Notice"] = request.kind.value
        message.set_content(record.body_text)
        message.add_alternative(record.body_html, subtype="html")
        for document in self._attached(record):
            message.add_attachment(
                document.pdf,
                maintype="application",
                subtype="pdf",
                filename=f"{document.kind}-{document.reference}.pdf",
            )
        return message

    def _attached(self, record: NoticeRecord) -> list[DocumentRecord]:
        ids = [int(i) for i in (record.attachments or "").split(",") if i]
        if not ids:
            return []
        with Session(self.engine) as session:
            found = session.exec(select(DocumentRecord).where(col(DocumentRecord.id).in_(ids)))
            return sorted(found, key=lambda d: ids.index(d.id or 0))

    def _find(self, session: Session, key: str) -> NoticeRecord:
        return session.exec(select(NoticeRecord).where(NoticeRecord.key == key)).one()

    def _outbox_rows(self, request: NoticeRequest, attempt: str) -> list[tuple[NoticeRecord, bool]]:
        """The notice's rows, one per party, rendered and written the first time, each with
        whether `attempt` holds its lease: the attempt that writes the rows holds them at once
        (one transaction for the first attempt of every notice). A notice to one party keeps
        the business key as its row's key; to several, each row adds its party (`key|party`).
        A notice begun before it went out per party keeps its single row."""
        keys = outbox_keys(request)
        with Session(self.engine, expire_on_commit=False) as session:
            # Asked of the driver, and the rows inserted through it (`cpom.db.driver_rows`): the
            # ORM's reading and flushing cost 0.7 ms of a notice's first attempt (issue 12). The
            # rows are read as records only when they are there (a retry).
            if any_row(session.connection(), NOTICES, "key", keys):
                return [(record, False) for record in written_rows(session, keys)]
            now = _now()
            records = outbox_rows(session, self.engine, self.renderer, request, now)
            for record in records:
                if record.status == "pending":
                    record.claimed_by = attempt
                    record.claimed_until = now + self.lease
                    record.attempts = 1
            try:
                insert_rows(session.connection(), NOTICES, [_columns(r) for r in records])
                session.commit()
            except IntegrityError:  # a concurrent attempt wrote them first
                session.rollback()
                return [(record, False) for record in written_rows(session, keys)]
            return [(record, record.status == "pending") for record in records]

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

    def _sent(self, record: NoticeRecord, response: str) -> NoticeRecord:
        """Mark the message sent, whoever holds the lease now: the server accepted it. One
        UPDATE, without reading the row through the ORM first (1.0 to 1.3 ms of CPU, then 0.8 to
        0.9, and a round trip less to PostgreSQL; issue 12), sent through the driver (0.3 to
        0.4 ms); a resend keeps the first proof."""
        sent = {
            "status": "sent",
            "smtp_response": response,
            "sent_at": _now(),
            "failure": None,
            "next_attempt_at": None,
        }
        unclaimed = {"claimed_by": None, "claimed_until": None}
        row = {"key": record.key}
        with self.engine.begin() as connection:
            first = update_rows(
                connection, NOTICES, row, {**sent, **unclaimed}, unless={"status": "sent"}
            )
            if first == 0:
                update_rows(connection, NOTICES, row, unclaimed)
        if first == 0:
            with Session(self.engine) as session:
                return self._find(session, record.key)
        for name, value in {**sent, **unclaimed}.items():
            setattr(record, name, value)
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

    def _release_all(self, keys: list[str], attempt: str) -> None:
        """Free the leases `attempt` still holds: Temporal gave it up (timeout, worker shutting
        down) or one of its messages failed; the next attempt need not wait for them."""
        with Session(self.engine) as session:
            session.execute(
                update(NoticeRecord)
                .where(col(NoticeRecord.key).in_(keys), col(NoticeRecord.claimed_by) == attempt)
                .values(claimed_by=None, claimed_until=None)
            )
            session.commit()

    @staticmethod
    def _result(key: str, records: list[NoticeRecord]) -> NoticeResult:
        """What the workflow logs of the notice once each of its messages is final: sent, to
        every address it reached; the first message's id and proof."""
        sent = [r for r in records if r.status == "sent"]
        first = (sent or records)[0]
        return NoticeResult(
            key=key,
            status="sent" if sent else first.status,
            recipients=[a for r in sent or records for a in r.recipients.split(",") if a],
            message_id=first.message_id,
            smtp_response=first.smtp_response,
        )

"""The notice outbox against a real SMTP server: one mail per business key, whatever retries."""

import asyncio
import re
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

import aiosmtplib
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.mail import MailActivities, SmtpMailer, message_id
from cpom.db.models import NoticeRecord
from cpom.domain.agenda import NoticeKind
from cpom.identities import load as load_identities
from cpom.mail_catcher import MailCatcher, free_port
from cpom.messages import NoticeRequest
from cpom.notice_status import notice_status
from cpom.rendering import Renderer
from cpom.settings import ROOT
from tests.faults.mail_servers import MailServer
from tests.workflows.helpers import GESTIONNAIRE, contract


@pytest.fixture
def catcher() -> Iterator[MailCatcher]:
    running = MailCatcher().start()
    yield running
    running.stop()


def request(key: str = "CPOM-35-SAD-2024:documents:relance:2024") -> NoticeRequest:
    return NoticeRequest(
        key=key,
        kind=NoticeKind.DOCUMENTS_RELANCE,
        terms=contract(),
        recipients=[GESTIONNAIRE],
        facts={"exercise": "2024", "due": "30/04/2025", "missing": "compte_administratif"},
        notice_date=date(2025, 5, 1),
    )


class FlakyMailer(SmtpMailer):
    """Fails its first attempt the way a dropped connection does."""

    failures: int = 1

    async def send(self, message: EmailMessage) -> str:
        if self.failures:
            self.failures -= 1
            raise aiosmtplib.SMTPServerDisconnected("connexion perdue")
        return await super().send(message)


def activities(engine: Engine, mailer: SmtpMailer) -> MailActivities:
    return MailActivities(engine, Renderer(ROOT / "templates"), mailer, "cpom <no-reply@cpom.test>")


async def test_a_notice_is_sent_with_its_smtp_proof(engine: Engine, catcher: MailCatcher) -> None:
    mail = activities(engine, SmtpMailer(catcher.host, catcher.port))
    result = await ActivityEnvironment().run(mail.send_notice, request())
    assert result.status == "sent"
    assert result.smtp_response is not None
    assert "queued as CPOM000001" in result.smtp_response
    [caught] = catcher.caught
    assert caught.envelope_to == [GESTIONNAIRE]
    assert caught.message["Message-ID"] == message_id(request().key)
    assert caught.subject == (
        "CPOM CPOM-35-SAD-2024 — relance\u00a0: documents de l'exercice 2024 non reçus"
    )
    assert "compte administratif" in caught.text()
    assert "compte_administratif" not in caught.text() + caught.html()
    assert "<p>" in caught.html()


async def test_a_retried_activity_sends_no_duplicate(engine: Engine, catcher: MailCatcher) -> None:
    mail = activities(engine, SmtpMailer(catcher.host, catcher.port))
    first = await ActivityEnvironment().run(mail.send_notice, request())
    again = await ActivityEnvironment().run(mail.send_notice, request())
    assert len(catcher.caught) == 1
    assert again.status == "sent"
    assert again.message_id == first.message_id


async def test_a_failed_attempt_is_retried_and_sent_once(
    engine: Engine, catcher: MailCatcher
) -> None:
    mail = activities(engine, FlakyMailer(catcher.host, catcher.port))
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(mail.send_notice, request())
    # Retryable, at the time the outbox announces.
    assert (failed.value.type, failed.value.non_retryable) == ("disconnected", False)
    assert failed.value.next_retry_delay == timedelta(seconds=1)
    with Session(engine) as session:
        record = session.exec(select(NoticeRecord)).one()
        assert (record.status, record.attempts, record.failure) == (
            "failed_attempt",
            1,
            "disconnected",
        )
        assert (record.smtp_response, record.last_error) == (None, "connexion perdue")
        assert record.claimed_until is None
    result = await ActivityEnvironment().run(mail.send_notice, request())
    assert result.status == "sent"
    assert len(catcher.caught) == 1
    with Session(engine) as session:
        record = session.exec(select(NoticeRecord)).one()
        assert (record.status, record.attempts, record.failure) == ("sent", 2, None)


async def test_an_unreachable_server_is_said_in_french_never_raw(engine: Engine) -> None:
    mail = activities(engine, SmtpMailer("127.0.0.1", free_port(), timeout=5))
    attempt = ActivityEnvironment()
    attempt.info = replace(attempt.info, attempt=4)
    before = datetime.now(UTC)
    with pytest.raises(ApplicationError) as failed:
        await attempt.run(mail.send_notice, request())
    assert failed.value.type == "unreachable"
    assert failed.value.next_retry_delay == timedelta(seconds=8)  # 1 s, doubled at each attempt
    with Session(engine) as session:
        record = session.exec(select(NoticeRecord)).one()
    assert record.last_error is not None
    assert "Error connecting" in record.last_error  # kept for supervisors and logs
    assert record.next_attempt_at is not None
    assert before + timedelta(seconds=8) <= record.next_attempt_at
    assert re.fullmatch(
        r"en attente d'envoi, nouvel essai (le \d\d/\d\d/\d{4} )?à \d\d h \d\d ; "
        "dernier essai en échec : serveur de messagerie injoignable",
        notice_status(record, before),
    )


def test_where_a_notice_stands_reads_in_french() -> None:
    now = datetime(2028, 5, 2, 8, 1, tzinfo=UTC)  # 10 h 01 in Paris
    record = NoticeRecord(
        key="k",
        reference="CPOM-35-SAD-2024",
        kind="demande_de_prorogation_recue",
        recipients="direction@aad35.example",
        subject="s",
        body_text="t",
        body_html="h",
        message_id="<m@cpom>",
        status="failed_attempt",
        created_at=now,
        notice_date=now.date(),
        attempts=3,
        failure="timeout",
        last_error="Timed out waiting for server response",
        next_attempt_at=now + timedelta(minutes=4),
    )
    late = "dernier essai en échec : le serveur de messagerie n'a pas répondu à temps"
    assert notice_status(record, now) == f"en attente d'envoi, nouvel essai à 10 h 05 ; {late}"
    record.next_attempt_at = datetime(2028, 5, 2, 22, 30, tzinfo=UTC)
    assert notice_status(record, now) == (
        f"en attente d'envoi, nouvel essai le 03/05/2028 à 00 h 30 ; {late}"
    )
    assert notice_status(record, now + timedelta(days=1)) == (
        f"en attente d'envoi, nouvel essai imminent ; {late}"
    )
    record.failure = "something new"
    assert notice_status(record, now).endswith("; dernier essai en échec : erreur lors de l'envoi")
    record.claimed_until = now + timedelta(minutes=5)
    assert notice_status(record, now) == "en cours d'envoi"
    record.status, record.sent_at = "sent", datetime(2028, 5, 2, 8, 3, tzinfo=UTC)
    assert notice_status(record, now) == "envoyé le 02/05/2028 à 10 h 03"
    # The server's acceptance is said in words; its raw line is kept as proof, never shown.
    record.smtp_response = "2.0.0 Ok: queued as CPOM000001"
    assert notice_status(record, now) == (
        "envoyé le 02/05/2028 à 10 h 03, accepté par le serveur de messagerie"
    )


async def test_a_retry_inside_the_lease_sends_nothing(engine: Engine) -> None:
    """The first attempt's message is with the server, which has not answered yet: a second
    attempt (Temporal's retry after a timeout, another worker) must not send it again."""
    answer = threading.Event()
    server = MailServer(gate=answer).start()
    try:
        mail = activities(engine, SmtpMailer(server.host, server.port, timeout=30))
        first = asyncio.create_task(ActivityEnvironment().run(mail.send_notice, request()))
        async with asyncio.timeout(10):
            while not server.caught:  # polling for the server, not waiting for time
                await asyncio.sleep(0.01)
        with Session(engine) as session:
            record = session.exec(select(NoticeRecord)).one()
            assert notice_status(record, datetime.now(UTC)) == "en cours d'envoi"
        second = ActivityEnvironment()
        second.info = replace(second.info, attempt=2)
        with pytest.raises(ApplicationError) as waiting:
            await second.run(mail.send_notice, request())
        assert (waiting.value.type, waiting.value.non_retryable) == ("NoticeBeingSent", False)
        # It comes back when the lease (5 minutes) ends, unless the first attempt is done.
        assert waiting.value.next_retry_delay is not None
        assert timedelta(minutes=4) < waiting.value.next_retry_delay <= timedelta(minutes=5)
        answer.set()
        assert (await first).status == "sent"
        third = ActivityEnvironment()
        third.info = replace(third.info, attempt=3)
        assert (await third.run(mail.send_notice, request())).status == "sent"
    finally:
        answer.set()
        server.stop()
    assert server.message_ids() == [message_id(request().key)]
    with Session(engine) as session:
        record = session.exec(select(NoticeRecord)).one()
        assert (record.status, record.attempts, record.claimed_until) == ("sent", 1, None)
        assert notice_status(record, datetime.now(UTC)).startswith("envoyé le ")


async def test_after_the_lease_a_dead_attempts_notice_is_sent_with_the_same_message_id(
    engine: Engine, catcher: MailCatcher
) -> None:
    mail = activities(engine, SmtpMailer(catcher.host, catcher.port))
    # An attempt wrote the row, holding its lease, then its process was killed before marking it.
    [(_, held)] = mail._outbox_rows(request(), "run/1/1")
    assert held
    [(_, again)] = mail._outbox_rows(request(), "run/1/2")
    assert not again
    _, again = mail._claim(request().key, "run/1/2")
    assert not again  # the lease is still running
    with Session(engine) as session:
        record = session.exec(select(NoticeRecord)).one()
        record.claimed_until = datetime.now(UTC) - timedelta(seconds=1)
        session.add(record)
        session.commit()
    result = await ActivityEnvironment().run(mail.send_notice, request())
    assert result.status == "sent"
    [caught] = catcher.caught
    assert caught.message["Message-ID"] == message_id(request().key)
    with Session(engine) as session:
        assert session.exec(select(NoticeRecord)).one().attempts == 2


async def test_an_attempt_temporal_gives_up_frees_the_lease(engine: Engine) -> None:
    answer = threading.Event()
    server = MailServer(gate=answer).start()
    attempt = ActivityEnvironment()
    try:
        mail = activities(engine, SmtpMailer(server.host, server.port, timeout=30))
        running = asyncio.create_task(attempt.run(mail.send_notice, request()))
        async with asyncio.timeout(10):
            while not server.caught:  # polling for the server, not waiting for time
                await asyncio.sleep(0.01)
        attempt.cancel()  # a start-to-close or heartbeat timeout, a worker shutting down
        answer.set()  # lets the cancelled client say QUIT without waiting for its timeout
        with pytest.raises(asyncio.CancelledError):
            await running
    finally:
        answer.set()
        server.stop()
    with Session(engine) as session:
        record = session.exec(select(NoticeRecord)).one()
    # The next attempt need not wait for the lease; the copy the server may hold is the
    # at-least-once window the README describes.
    assert (record.status, record.claimed_by, record.claimed_until) == ("pending", None, None)
    assert notice_status(record, datetime.now(UTC)) == "en attente d'envoi"


async def test_a_slow_server_is_waited_for_with_heartbeats(engine: Engine) -> None:
    """While the server takes its time, the attempt tells Temporal it is alive; the server
    answers here only once three heartbeats came."""
    answer = threading.Event()
    server = MailServer(gate=answer).start()
    beats: list[object] = []

    def heartbeat(*details: object) -> None:
        beats.append(details)
        if len(beats) >= 3:
            answer.set()

    attempt = ActivityEnvironment()
    attempt.info = replace(attempt.info, heartbeat_timeout=timedelta(seconds=0.3))
    attempt.on_heartbeat = heartbeat
    try:
        mail = activities(engine, SmtpMailer(server.host, server.port, timeout=10))
        result = await attempt.run(mail.send_notice, request())
    finally:
        answer.set()
        server.stop()
    assert result.status == "sent"
    assert len(beats) >= 3
    assert len(server.caught) == 1


async def test_a_notice_without_any_address_is_kept_but_not_sent(
    engine: Engine, catcher: MailCatcher
) -> None:
    mail = activities(engine, SmtpMailer(catcher.host, catcher.port))
    lonely = request()
    lonely.recipients = []
    result = await ActivityEnvironment().run(mail.send_notice, lonely)
    assert result.status == "no_recipient"
    assert catcher.caught == []
    with Session(engine) as session:
        record = session.exec(select(NoticeRecord)).one()
    assert notice_status(record, datetime.now(UTC)) == (
        "non envoyé : aucune adresse électronique connue pour ses destinataires"
    )


async def test_a_notice_goes_out_from_its_authoritys_service_signed_by_it(
    engine: Engine, catcher: MailCatcher
) -> None:
    known = load_identities(ROOT / "examples" / "autorites.toml")
    mail = MailActivities(
        engine,
        Renderer(ROOT / "templates", known, public_url="https://cpom.exemple.fr/"),
        SmtpMailer(catcher.host, catcher.port),
        "cpom <no-reply@cpom.test>",
    )
    await ActivityEnvironment().run(mail.send_notice, request())
    [caught] = catcher.caught
    # It went out from cpom's own address before, signed by nobody.
    assert caught.message["From"] == ("Direction de l'autonomie <cpom@ille-et-vilaine.example>")
    text = caught.text().replace("\r\n", "\n")
    assert (
        "Département d'Ille-et-Vilaine\nDirection de l'autonomie — Service de l'offre à domicile\n"
        "Mme Claire Martin, chargée de mission CPOM · 02 99 02 35 35\n1 avenue de la Préfecture\n"
    ) in text
    assert "<br>Mme Claire Martin, chargée de mission CPOM · 02 99 02 35 35" in caught.html()
    # A link to the contract's page, where the gestionnaire acts.
    page = "https://cpom.exemple.fr/tableau/contrats/CPOM-35-SAD-2024"
    assert f"Le contrat dans cpom\u00a0: {page}\n" in text
    assert f'<a href="{page}">Voir le contrat dans cpom</a>' in caught.html()
    with Session(engine) as session:
        record = session.exec(select(NoticeRecord)).one()
        assert record.sender == "Direction de l'autonomie <cpom@ille-et-vilaine.example>"


async def test_a_message_accepted_twice_keeps_its_first_proof(
    engine: Engine, catcher: MailCatcher
) -> None:
    """The server accepted the message of an attempt whose lease had ended, after another
    attempt's copy: the row keeps the first acceptance, and no attempt holds it any more."""
    mail = activities(engine, SmtpMailer(catcher.host, catcher.port))
    [(record, held)] = mail._outbox_rows(request(), "run/1/1")
    assert held
    first = mail._sent(record, "250 2.0.0 Ok: queued as FIRST")
    assert (first.status, first.smtp_response, first.claimed_by) == (
        "sent",
        "250 2.0.0 Ok: queued as FIRST",
        None,
    )
    [(late, _)] = mail._outbox_rows(request(), "run/1/2")
    with Session(engine) as session:
        stored = session.exec(select(NoticeRecord)).one()
        stored.claimed_by = "run/1/2"
        session.add(stored)
        session.commit()
    again = mail._sent(late, "250 2.0.0 Ok: queued as SECOND")
    with Session(engine) as session:
        stored = session.exec(select(NoticeRecord)).one()
    for row in (again, stored):
        assert (row.status, row.smtp_response, row.claimed_by) == (
            "sent",
            "250 2.0.0 Ok: queued as FIRST",
            None,
        )
    assert stored.sent_at == first.sent_at

"""The notice outbox against a real SMTP server: one mail per business key, whatever retries."""

from collections.abc import Iterator
from datetime import date
from email.message import EmailMessage

import aiosmtplib
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.testing import ActivityEnvironment

from activities.mail import MailActivities, SmtpMailer, message_id
from cpom.db.models import NoticeRecord
from cpom.domain.agenda import NoticeKind
from cpom.mail_catcher import MailCatcher
from cpom.messages import NoticeRequest
from cpom.rendering import Renderer
from cpom.settings import ROOT
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
        "CPOM CPOM-35-SAD-2024 — relance : documents de l'exercice 2024 non reçus"
    )
    assert "compte_administratif" in caught.text()
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
    with pytest.raises(aiosmtplib.SMTPServerDisconnected):
        await ActivityEnvironment().run(mail.send_notice, request())
    with Session(engine) as session:
        record = session.exec(select(NoticeRecord)).one()
        assert (record.status, record.attempts) == ("failed_attempt", 1)
    result = await ActivityEnvironment().run(mail.send_notice, request())
    assert result.status == "sent"
    assert len(catcher.caught) == 1
    with Session(engine) as session:
        record = session.exec(select(NoticeRecord)).one()
        assert (record.status, record.attempts) == ("sent", 2)


async def test_a_notice_without_any_address_is_kept_but_not_sent(
    engine: Engine, catcher: MailCatcher
) -> None:
    mail = activities(engine, SmtpMailer(catcher.host, catcher.port))
    lonely = request()
    lonely.recipients = []
    result = await ActivityEnvironment().run(mail.send_notice, lonely)
    assert result.status == "no_recipient"
    assert catcher.caught == []

"""A notice to several parties goes out as one message per party: each reads what it must do,
and none reads the other's addresses; each message is sent once, whatever retries; a notice
about documents carries them as PDF files."""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from email.message import EmailMessage

import aiosmtplib
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.mail import MailActivities, SmtpMailer, message_id
from cpom.db.models import DocumentRecord, NoticeRecord
from cpom.domain.agenda import NoticeKind
from cpom.mail_catcher import MailCatcher
from cpom.messages import NoticeRequest
from cpom.notice_parties import recipients_by_party
from cpom.rendering import Renderer
from cpom.settings import ROOT
from tests.workflows.helpers import AUTORITE, GESTIONNAIRE, SUPERVISEUR, contract

KEY = "CPOM-35-SAD-2024:prorogation:demande:2028-05-02"
FACTS = {
    "received_on": "02/05/2028",
    "reply_deadline": "03/07/2028",
    "requested_echeance": "31/12/2029",
    "requested_by": "gestionnaire",
}


@pytest.fixture
def catcher() -> Iterator[MailCatcher]:
    running = MailCatcher().start()
    yield running
    running.stop()


def asked(kind: NoticeKind = NoticeKind.PROROGATION_REQUESTED, **facts: str) -> NoticeRequest:
    return NoticeRequest(
        key=KEY,
        kind=kind,
        terms=contract(),
        recipients=[AUTORITE, GESTIONNAIRE],
        facts={**FACTS, **facts},
        notice_date=date(2028, 5, 2),
    )


def mail(engine: Engine, mailer: SmtpMailer) -> MailActivities:
    return MailActivities(engine, Renderer(ROOT / "templates"), mailer, "cpom <no-reply@cpom.test>")


def test_addresses_are_grouped_by_party() -> None:
    terms = contract()
    assert recipients_by_party(terms, [SUPERVISEUR, GESTIONNAIRE, AUTORITE, "x@y.example"]) == {
        "gestionnaire": [GESTIONNAIRE],
        "autorite": [AUTORITE, "x@y.example"],
        "superviseur": [SUPERVISEUR],
    }
    assert recipients_by_party(terms, []) == {"": []}


async def test_each_party_reads_what_it_must_do_in_a_message_of_its_own(
    engine: Engine, catcher: MailCatcher
) -> None:
    result = await ActivityEnvironment().run(
        mail(engine, SmtpMailer(catcher.host, catcher.port)).send_notice, asked()
    )
    assert (result.key, result.status) == (KEY, "sent")
    assert sorted(result.recipients) == sorted([AUTORITE, GESTIONNAIRE])
    by_address = {caught.envelope_to[0]: caught for caught in catcher.caught}
    # One To line each: the gestionnaire no longer reads the authority's address.
    assert [len(caught.envelope_to) for caught in catcher.caught] == [1, 1]
    authority = " ".join(by_address[AUTORITE].text().split())
    gestionnaire = " ".join(by_address[GESTIONNAIRE].text().split())
    assert (
        "Vous disposez d'un délai expirant le 03/07/2028 (fin de journée) pour signaler "
        "votre accord ou votre désaccord" in authority
    )
    assert (
        "Le Département d'Ille-et-Vilaine dispose d'un délai expirant le 03/07/2028" in gestionnaire
    )
    assert "Vous n'avez rien à faire d'ici là." in gestionnaire
    assert "Vous n'avez rien à faire" not in authority
    assert by_address[AUTORITE].message["Message-ID"] == message_id(f"{KEY}|autorite")


class FailingTheAuthority(SmtpMailer):
    """Drops the connection the first time it sends the authority's message."""

    failed = False

    async def send(self, message: EmailMessage) -> str:
        if message["To"] == AUTORITE and not self.failed:
            self.failed = True
            raise aiosmtplib.SMTPServerDisconnected("connexion perdue")
        return await super().send(message)


async def test_a_retry_sends_only_the_message_that_failed(
    engine: Engine, catcher: MailCatcher
) -> None:
    activities = mail(engine, FailingTheAuthority(catcher.host, catcher.port))
    with pytest.raises(ApplicationError):
        await ActivityEnvironment().run(activities.send_notice, asked())
    assert [caught.envelope_to for caught in catcher.caught] == [[GESTIONNAIRE]]
    # No lease left behind: the next attempt goes at once.
    result = await ActivityEnvironment().run(activities.send_notice, asked())
    assert result.status == "sent"
    assert [caught.envelope_to for caught in catcher.caught] == [[GESTIONNAIRE], [AUTORITE]]
    with Session(engine) as session:
        rows = session.exec(select(NoticeRecord).order_by(col(NoticeRecord.key))).all()
    assert [(r.key, r.status, r.attempts) for r in rows] == [
        (f"{KEY}|autorite", "sent", 2),
        (f"{KEY}|gestionnaire", "sent", 1),
    ]
    again = await ActivityEnvironment().run(activities.send_notice, asked())
    assert again.status == "sent"
    assert len(catcher.caught) == 2


async def test_a_notice_begun_in_one_message_keeps_it(engine: Engine, catcher: MailCatcher) -> None:
    # A row written before notices went out per party: its retry sends that one message.
    with Session(engine) as session:
        session.add(
            NoticeRecord(
                key=KEY,
                reference="CPOM-35-SAD-2024",
                kind=NoticeKind.PROROGATION_REQUESTED.value,
                recipients=f"{AUTORITE},{GESTIONNAIRE}",
                subject="CPOM CPOM-35-SAD-2024 — demande de prorogation",
                body_text="L'autre partie dispose…",
                body_html="<p>L'autre partie dispose…</p>",
                message_id=message_id(KEY),
                status="pending",
                created_at=datetime.now(UTC),
                notice_date=date(2028, 5, 2),
            )
        )
        session.commit()
    await ActivityEnvironment().run(
        mail(engine, SmtpMailer(catcher.host, catcher.port)).send_notice, asked()
    )
    [caught] = catcher.caught
    assert sorted(caught.envelope_to) == sorted([AUTORITE, GESTIONNAIRE])


async def test_the_notice_of_a_prorogation_carries_its_avenant_and_attestation(
    engine: Engine, catcher: MailCatcher
) -> None:
    with Session(engine) as session:
        for kind, title in (
            ("attestation_acceptation_tacite", "Attestation d'acceptation tacite"),
            ("avenant_de_prorogation", "Avenant de prorogation"),
        ):
            session.add(
                DocumentRecord(
                    key=f"CPOM-35-SAD-2024:document:{kind}",
                    reference="CPOM-35-SAD-2024",
                    kind=kind,
                    title=title,
                    document_date=date(2028, 7, 4),
                    html="<p></p>",
                    pdf=b"%PDF-1.7 " + kind.encode(),
                    sha256="0",
                    created_at=datetime.now(UTC),
                )
            )
        session.commit()
    accepted = NoticeRequest(
        key="CPOM-35-SAD-2024:prorogation:acceptee:0",
        kind=NoticeKind.PROROGATION_ACCEPTED,
        terms=contract(),
        recipients=[GESTIONNAIRE],
        facts={
            "previous_echeance": "31/12/2028",
            "new_echeance": "31/12/2029",
            "notice_received_on": "02/05/2028",
            "accepted_on": "04/07/2028",
            "tacit": "oui",
        },
        notice_date=date(2028, 7, 4),
    )
    await ActivityEnvironment().run(
        mail(engine, SmtpMailer(catcher.host, catcher.port)).send_notice, accepted
    )
    [caught] = catcher.caught
    assert "sont joints à ce message" in caught.text()
    files = [
        (part.get_filename(), part.get_content()) for part in caught.message.iter_attachments()
    ]
    assert files == [
        ("avenant_de_prorogation-CPOM-35-SAD-2024.pdf", b"%PDF-1.7 avenant_de_prorogation"),
        (
            "attestation_acceptation_tacite-CPOM-35-SAD-2024.pdf",
            b"%PDF-1.7 attestation_acceptation_tacite",
        ),
    ]

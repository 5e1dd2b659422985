"""The mail server is down: the contract's life and what readers see of it go on.

Over the real stack (API, workflow, worker, database; the time-skipping server), the SMTP server
is stopped before a decision that sends a notice: the new phase is in the lists within seconds,
everyone reading the notices sees in French that it waits for the server, and once the server is
back the notice is delivered once.
"""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest_asyncio
from sqlmodel import Session, select

from activities.mail import message_id
from api.main import create_app
from cpom.access import create_token
from cpom.db.models import NoticeRecord
from cpom.domain.clock import local_date
from cpom.simulation import LifeSimulator
from tests.api.conftest import PEOPLE, Stack
from tests.api.test_contracts_api import TERMS
from tests.faults.mail_servers import MailServer

REFERENCE = TERMS["reference"]


@pytest_asyncio.fixture
async def stack() -> AsyncIterator[Stack]:
    async with LifeSimulator() as life:
        app = create_app(life.settings, client=life.env.client, engine=life.engine)
        async with app.router.lifespan_context(app):
            tokens = {
                who: create_token(life.engine, role, name, siren, email=email)
                for who, role, name, siren, email in PEOPLE
            }
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://cpom",
                headers={"Authorization": f"Bearer {tokens['agent']}"},
            ) as http:
                yield Stack(life, http, tokens, app)


def outbox(stack: Stack) -> list[NoticeRecord]:
    with Session(stack.life.engine) as session:
        return list(session.exec(select(NoticeRecord)).all())


async def listed_in(stack: Stack, phase: str) -> list[str]:
    page = (await stack.http.get("/contracts", params={"phase": phase})).json()
    return [item["reference"] for item in page["items"]]


async def test_with_the_mail_server_down_the_new_phase_is_listed_and_the_notice_waits(
    stack: Stack,
) -> None:
    created = await stack.http.post("/contracts", json={"terms": TERMS, "imported": True})
    assert created.status_code == 201, created.text
    await stack.projected(REFERENCE)
    catcher = stack.life.catcher
    catcher.stop()  # nothing listens on the SMTP port any more
    assert (outbox(stack), catcher.caught) == ([], [])

    today = local_date(await stack.life.env.get_current_time())
    async with asyncio.timeout(10):
        requested = await stack.http.post(
            f"/contracts/{REFERENCE}/actions/request_prorogation",
            json={"requested_by": "gestionnaire", "received_on": today.isoformat()},
        )
    assert requested.status_code == 200, requested.text
    async with asyncio.timeout(5):
        while REFERENCE not in await listed_in(stack, "prorogation_en_cours"):
            await asyncio.sleep(0.02)  # polling the projection, not waiting for time
    detail = (await stack.http.get(f"/contracts/{REFERENCE}")).json()
    assert detail["contract"]["phase"] == "prorogation_en_cours"
    assert not any(e["kind"] == "notice_sent" for e in detail["events"])

    async with asyncio.timeout(20):
        while not any(n.status == "failed_attempt" for n in outbox(stack)):
            await asyncio.sleep(0.02)  # polling the outbox for the first attempt
    # A message to each party: the attempts fail on the first, the other waits behind it.
    record, other = outbox(stack)
    assert record.last_error is not None
    assert "Error connecting" in record.last_error  # kept, for supervisors and logs
    assert other.status != "sent"
    gestionnaire = stack.as_("sad")
    # Between two attempts: the next one (the scheduled activity after the local attempt, or
    # its retry) may hold the message for the instant it tries, « en cours d'envoi ».
    async with asyncio.timeout(20):
        while True:
            listed = await stack.http.get(f"/contracts/{REFERENCE}/notices", headers=gestionnaire)
            notice = listed.json()[0]
            if notice["status_label"] != "en cours d'envoi":
                break
            await asyncio.sleep(0.02)  # polling the outbox, not waiting for time
    assert notice["status"] == "failed_attempt"
    assert notice["status_label"].startswith("en attente d'envoi, nouvel essai ")
    assert notice["status_label"].endswith(
        "; dernier essai en échec : serveur de messagerie injoignable"
    )
    assert notice["smtp_response"] is None
    assert notice["next_attempt_at"] is not None
    async with asyncio.timeout(20):
        while True:  # the page too, read between two attempts
            page = await stack.http.get(
                f"/tableau/contrats/{REFERENCE}",
                headers=stack.signed_in("sad"),
            )
            assert page.status_code == 200
            if "en cours d'envoi" not in page.text:
                break
            await asyncio.sleep(0.02)  # polling the outbox, not waiting for time
    assert "dernier essai en échec\u00a0: serveur de messagerie injoignable" in page.text
    for raw in (listed.text, page.text):
        assert "Error connecting" not in raw
        assert "Errno" not in raw

    back = MailServer(host=catcher.host, port=catcher.port).start()
    try:
        async with asyncio.timeout(60):
            detail = await stack.projected(REFERENCE, "notice_sent")
            while any(row.status != "sent" for row in outbox(stack)):
                await asyncio.sleep(0.02)  # polling the outbox
    finally:
        back.stop()
    # Nothing lost, nothing doubled: a row and a message per party, none while the server was
    # down.
    key = f"{REFERENCE}:prorogation:demande:{today}"
    rows = outbox(stack)
    assert [(r.key, r.status) for r in rows] == [
        (f"{key}|gestionnaire", "sent"),
        (f"{key}|autorite", "sent"),
    ]
    assert catcher.caught == []
    assert back.message_ids() == [message_id(r.key) for r in rows]
    notice = (await stack.http.get(f"/contracts/{REFERENCE}/notices", headers=gestionnaire)).json()[
        0
    ]
    assert notice["status_label"].startswith("envoyé le ")
    assert notice["smtp_response"] == "2.0.0 Ok: queued as SLOW000001"
    sent = [e for e in detail["events"] if e["kind"] == "notice_sent"]
    assert [e["details"]["key"] for e in sent] == [key]

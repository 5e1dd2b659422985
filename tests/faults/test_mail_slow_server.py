"""A mail server that takes 40 seconds to accept a notice gets it exactly once.

Probing found three copies of one notice: the SMTP timeout (30 s) was the activity's
start-to-close timeout, so the attempt gave up before the server answered, and each retry found
the outbox row still pending and sent it again. Here the real workflow, worker and activity run
on the Temporal dev server (real time), with the default settings scaled down 10 times: the
server answers after 4 s where it took 40 s. Scaled down 40 times, the SMTP timeout left the answer
0.5 s, and a loaded machine (the full suite on two cores) let the timeout fire first: the message
then went twice, the at-least-once case the outbox documents, not the one under test here.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

import pytest_asyncio
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from activities.mail import message_id
from cpom import search_attributes
from cpom.converter import data_converter
from cpom.db.models import EventRecord, NoticeRecord
from cpom.domain.lifecycle import ContractState, Party, initial_phase
from cpom.messages import ContractInput, RequestProrogation, workflow_id
from cpom.settings import Settings
from cpom.simulation import quiet_runtime
from cpom.stack import temporal_binary
from cpom.worker import build_worker
from tests.faults.mail_servers import MailServer
from tests.workflows.helpers import contract

SCALE = 10.0
SERVER_ANSWERS_AFTER = 40.0 / SCALE
TODAY = date(2026, 3, 2)
REFERENCE = "CPOM-35-SAD-2024"
KEY = f"{REFERENCE}:prorogation:demande:{TODAY}"


def default(name: str) -> float:
    value = Settings.model_fields[name].default
    assert isinstance(value, float)
    return value


@dataclass
class Counts:
    outbox: int
    mails: int
    status: str | None
    projected_sent: int


@dataclass
class SlowMail:
    engine: Engine
    server: MailServer
    handle: WorkflowHandle[object, str]

    def projected(self, kind: str) -> int:
        with Session(self.engine) as session:
            return session.exec(
                select(func.count()).select_from(EventRecord).where(col(EventRecord.kind) == kind)
            ).one()

    def counts(self) -> Counts:
        with Session(self.engine) as session:
            rows = session.exec(select(NoticeRecord)).all()
        status = rows[0].status if rows else None
        return Counts(len(rows), len(self.server.caught), status, self.projected("notice_sent"))


@pytest_asyncio.fixture
async def slow_mail(engine: Engine) -> AsyncIterator[SlowMail]:
    server = MailServer(answer_after=SERVER_ANSWERS_AFTER).start()
    settings = Settings().model_copy(
        update={
            "smtp_host": server.host,
            "smtp_port": server.port,
            "smtp_timeout_seconds": default("smtp_timeout_seconds") / SCALE,
            "notice_lease_seconds": default("notice_lease_seconds") / SCALE,
            "task_queue": "slow-mail",
        }
    )
    env = await WorkflowEnvironment.start_local(
        data_converter=data_converter,
        search_attributes=list(search_attributes.ALL),
        dev_server_existing_path=temporal_binary(),
        dev_server_log_level="error",
        runtime=quiet_runtime(),
    )
    try:
        worker = build_worker(
            env.client, settings, engine, workflow_failure_exception_types=[Exception]
        )
        async with worker:
            terms = contract()
            offset = (TODAY - (await env.get_current_time()).date()).days
            state = ContractState(terms, initial_phase(terms, TODAY), imported=True)
            handle = await env.client.start_workflow(
                "Cpom",
                ContractInput(state, offset),
                id=workflow_id(terms.reference),
                task_queue=settings.task_queue,
                result_type=str,
            )
            yield SlowMail(engine, server, handle)
    finally:
        await env.shutdown()
        server.stop()


async def test_a_notice_accepted_after_40_seconds_is_delivered_once(slow_mail: SlowMail) -> None:
    assert default("smtp_timeout_seconds") / SCALE > SERVER_ANSWERS_AFTER
    # The workflow has taken the import into account (a decision delivered with its very first
    # task would be counted among the past steps of the import, not notified).
    async with asyncio.timeout(20):
        while not slow_mail.projected("imported"):
            await asyncio.sleep(0.02)  # polling the projection, not waiting for time
    assert slow_mail.counts() == Counts(0, 0, None, 0)
    # Asking for a prorogation sends a notice to both parties: a message to each.
    await slow_mail.handle.execute_update(
        "request_prorogation", RequestProrogation("gestionnaire", Party.GESTIONNAIRE, TODAY)
    )
    seen = []
    for _ in range(1500):  # polling the outbox and the projection, not waiting for time
        seen.append(slow_mail.counts())
        if seen[-1].projected_sent:
            break
        await asyncio.sleep(0.02)
    # Sent, projected as sent (no attempt left), and one message per party with the server.
    assert seen[-1] == Counts(2, 2, "sent", 1), seen[-1]
    keys = [f"{KEY}|gestionnaire", f"{KEY}|autorite"]
    assert slow_mail.server.message_ids() == [message_id(key) for key in keys]
    with Session(slow_mail.engine) as session:
        records = session.exec(select(NoticeRecord).order_by(col(NoticeRecord.id))).all()
    assert [(r.key, r.attempts, r.status) for r in records] == [(k, 1, "sent") for k in keys]
    assert records[0].smtp_response == "2.0.0 Ok: queued as SLOW000001"

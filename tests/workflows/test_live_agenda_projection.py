"""The workflow projects its live agenda: what every reader sees is where it stands."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
import pytest_asyncio
from sqlmodel import Session, select
from temporalio import activity
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import PatchActivationInput, Worker

from cpom import search_attributes
from cpom.converter import data_converter
from cpom.db.models import AgendaRecord, ContractRecord
from cpom.domain.lifecycle import ContractState, Party, initial_phase
from cpom.maintenance import refresh_projections
from cpom.messages import (
    ContractInput,
    DecideRenegotiation,
    DocumentRequest,
    DocumentResult,
    NoticeRequest,
    NoticeResult,
    ProjectionUpdate,
    RenegotiationRequest,
    RequestProrogation,
    ReviewDocuments,
    SubmitDocuments,
    workflow_id,
)
from cpom.simulation import LifeSimulator, quiet_runtime
from cpom.stack import temporal_binary
from cpom.worker import WORKFLOW_RUNNER
from tests.factories import SAD_ITEMS
from tests.workflows.helpers import contract, events
from workflows.contract import LEAN_HISTORY, LIVE_AGENDA_DELTAS, CpomWorkflow

TODAY = date(2026, 3, 2)


async def projected(simulator: LifeSimulator, reference: str, *keys: str) -> None:
    """Wait for the worker to project steps of these keys (polling the database)."""
    async with asyncio.timeout(20):
        while not set(keys) <= set(agenda(simulator, reference)):
            await asyncio.sleep(0.02)


async def done(simulator: LifeSimulator, reference: str, key: str) -> AgendaRecord:
    """The step once the worker has projected it done (polling the database)."""
    async with asyncio.timeout(20):
        while (row := agenda(simulator, reference).get(key)) is None or row.done_on is None:
            await asyncio.sleep(0.02)
    return row


def agenda(simulator: LifeSimulator, reference: str) -> dict[str, AgendaRecord]:
    with Session(simulator.engine) as session:
        rows = session.exec(select(AgendaRecord).where(AgendaRecord.reference == reference))
        return {row.key: row for row in rows}


def summary(simulator: LifeSimulator, reference: str) -> ContractRecord:
    with Session(simulator.engine) as session:
        record = session.get(ContractRecord, reference)
    assert record is not None
    return record


async def test_a_pending_prorogation_is_projected_then_silence_accepts_it(
    simulator: LifeSimulator,
) -> None:
    terms = contract()
    handle = await simulator.start(terms, date(2028, 1, 1))
    await simulator.advance_to(date(2028, 3, 8))
    await simulator.decide(
        handle,
        "request_prorogation",
        RequestProrogation("Sophie Bernard (gestionnaire)", Party.GESTIONNAIRE, date(2028, 3, 8)),
    )
    await projected(simulator, terms.reference, "prorogation_reply_deadline:2028-05-09")
    reply = agenda(simulator, terms.reference)["prorogation_reply_deadline:2028-05-09"]
    assert (reply.waiting_for, reply.action, reply.silence_on) == (
        "autorite",
        "answer_prorogation",
        date(2028, 5, 10),
    )
    assert "tacit_acceptance:2028-05-10" in agenda(simulator, terms.reference)
    await simulator.advance_to(date(2028, 5, 11))
    stored = agenda(simulator, terms.reference)
    assert "prorogation_reply_deadline:2028-05-09" not in stored
    accepted = stored["prorogation_accepted:2028-05-10"]
    assert accepted.outcome == "sans réponse, le silence a valu accord"
    assert stored["avenant:0"].done_on is None
    assert summary(simulator, terms.reference).echeance == date(2029, 12, 31)


async def test_an_imported_contract_says_what_it_missed_and_the_authority_opens_its_successor(
    simulator: LifeSimulator,
) -> None:
    terms = contract()
    handle = await simulator.start(terms, date(2028, 8, 1), imported=True)
    async with asyncio.timeout(20):
        while not events(simulator.log(terms.reference), "imported"):
            await asyncio.sleep(0.02)
    [imported] = events(simulator.log(terms.reference), "imported")
    assert "obligations passées non renseignées, à régulariser : " in imported["summary"]
    assert "Ouverture de la négociation d'un nouveau CPOM" in imported["summary"]
    record = summary(simulator, terms.reference)
    assert record.risk is not None
    assert record.risk.startswith("échéance le 31/12/2028 sans prorogation ni nouveau CPOM")
    assert record.overdue_since == date(2024, 6, 30)  # the first dialogue de gestion
    # Documents complete, then examined by the authority.
    await simulator.decide(
        handle, "submit_documents", SubmitDocuments("gestionnaire", 2024, list(SAD_ITEMS))
    )
    await simulator.decide(handle, "review_documents", ReviewDocuments("agent", 2024))
    assert (await done(simulator, terms.reference, "documents:2024")).done_by == "gestionnaire"
    examined = await done(simulator, terms.reference, "documents:examen:2024")
    assert examined.done_by == "agent"
    # Opening the renegotiation starts the successor and ends the risk.
    await simulator.decide(handle, "open_renegotiation", DecideRenegotiation("agent"))
    opened = await done(simulator, terms.reference, "renegotiation_start:2028-06-30")
    assert opened.done_on == date(2028, 8, 1)
    record = summary(simulator, terms.reference)
    assert (record.risk, record.successor_reference, record.phase) == (
        None,
        "CPOM-35-SAD-2024-R",
        "renegociation",
    )


@dataclass
class Captured:
    updates: list[ProjectionUpdate]
    client: Client
    handle: WorkflowHandle[Any, Any]
    old_run: bool

    async def projections(self, count: int) -> list[ProjectionUpdate]:
        async with asyncio.timeout(20):
            while len(self.updates) < count:  # polling for the worker, not waiting for time
                await asyncio.sleep(0.02)
        return self.updates

    async def after_notices(self, count: int) -> int:
        """How many projections there are once `count` notices, sent beside the workflow's
        loop, have been projected."""
        async with asyncio.timeout(20):
            while True:  # polling for the worker, not waiting for time
                sent = [e for u in self.updates for e in u.new_events if e.kind == "notice_sent"]
                if len(sent) >= count:
                    return len(self.updates)
                await asyncio.sleep(0.02)


@pytest_asyncio.fixture(params=["new run", "run begun before the live agenda"])
async def captured(request: pytest.FixtureRequest) -> AsyncIterator[Captured]:
    """The workflow on the dev server with activities that keep what they were sent; either a
    new run, or one that behaves as a run begun before the live agenda's patch (its history
    holds no marker of it)."""
    updates: list[ProjectionUpdate] = []
    old_run = request.param != "new run"

    def activate(patch: PatchActivationInput) -> bool:
        # A run begun before `lean-history` asks each patch it takes.
        return not (old_run and patch.patch_id in {LIVE_AGENDA_DELTAS, LEAN_HISTORY})

    @activity.defn(name="record_contract")
    async def record_contract(update: ProjectionUpdate) -> None:
        updates.append(update)

    @activity.defn(name="send_notice")
    async def send_notice(request: NoticeRequest) -> NoticeResult:
        return NoticeResult(request.key, "sent", [], f"<{request.key}>", "250 Ok")

    @activity.defn(name="generate_document")
    async def generate_document(request: DocumentRequest) -> DocumentResult:
        return DocumentResult(request.key, 1, "0" * 64, "document")

    @activity.defn(name="open_renegotiation")
    async def open_renegotiation(request: RenegotiationRequest) -> str:
        return "successor"

    env = await WorkflowEnvironment.start_local(
        data_converter=data_converter,
        search_attributes=list(search_attributes.ALL),
        dev_server_existing_path=temporal_binary(),
        dev_server_log_level="error",
        runtime=quiet_runtime(),
    )
    terms = contract()
    try:
        server_today = (await env.get_current_time()).date()
        async with Worker(
            env.client,
            task_queue=(queue := f"agenda-{uuid.uuid4()}"),
            workflows=[CpomWorkflow],
            workflow_runner=WORKFLOW_RUNNER,
            activities=[record_contract, send_notice, generate_document, open_renegotiation],
            patch_activation_callback=activate,
        ):
            handle = await env.client.start_workflow(
                "Cpom",
                ContractInput(
                    ContractState(terms, initial_phase(terms, TODAY)), (TODAY - server_today).days
                ),
                id=workflow_id(terms.reference),
                task_queue=queue,
            )
            yield Captured(updates, env.client, handle, old_run)
    finally:
        await env.shutdown()


async def test_only_what_changed_crosses_the_workflow_boundary(captured: Captured) -> None:
    first = (await captured.projections(1))[0]
    assert first.agenda_complete
    # A whole agenda projected locally comes as the state it is read from.
    whole = first.agenda_items()
    assert whole is not None
    everything = {item.key for item in whole}
    assert "documents:2025" in everything
    # The eleven reminders already due (three of them of the yearly arrêté tarifaire) go out
    # after the first projection, each projected once sent.
    settled = await captured.after_notices(11)
    await captured.handle.execute_update(
        "submit_documents", SubmitDocuments("gestionnaire", 2025, list(SAD_ITEMS))
    )
    second = (await captured.projections(settled + 1))[settled]
    changed = second.agenda_items()
    assert changed is not None
    if captured.old_run:
        # The store may lack what earlier projections of this run never carried: all of it.
        assert second.agenda_complete
        assert {item.key for item in changed} == everything | {"documents:examen:2025"}
        return
    assert not second.agenda_complete
    assert second.agenda is not None  # only what changed
    assert second.state is None
    assert {item.key for item in changed} == {"documents:2025", "documents:examen:2025"}
    assert second.agenda_removed == []
    # After an upgrade of the projection, every running contract is asked to project it all.
    asked: list[int] = []
    assert await refresh_projections(captured.client, asked.append) == 1
    assert asked == [1]
    third = (await captured.projections(settled + 2))[settled + 1]
    assert third.agenda_complete
    refreshed = third.agenda_items()
    assert refreshed is not None
    assert {item.key for item in refreshed} == everything | {"documents:examen:2025"}
    assert third.new_events == []

"""The projection the API reads receives every event, even those of a decision taken while the
workflow was waiting for an earlier projection to be written."""

import asyncio
import contextlib
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from cpom import search_attributes
from cpom.converter import data_converter
from cpom.domain.lifecycle import ContractState, Event, Party, initial_phase
from cpom.messages import (
    ContractInput,
    ContractView,
    DocumentRequest,
    DocumentResult,
    NoticeRequest,
    NoticeResult,
    ProjectionUpdate,
    RenegotiationRequest,
    RequestProrogation,
    SubmitDocuments,
    workflow_id,
)
from cpom.simulation import quiet_runtime
from cpom.stack import temporal_binary
from cpom.worker import WORKFLOW_RUNNER
from tests.workflows.helpers import contract
from workflows.contract import CpomWorkflow

TODAY = date(2026, 3, 2)


class SlowProjection:
    """Activities whose first projection waits until the test lets it finish."""

    def __init__(self) -> None:
        self.updates: list[ProjectionUpdate] = []
        self.first_started = asyncio.Event()
        self.release = asyncio.Event()

    @activity.defn(name="record_contract")
    async def record_contract(self, update: ProjectionUpdate) -> None:
        if not self.updates:
            self.first_started.set()
            await self.release.wait()
        self.updates.append(update)

    @activity.defn(name="send_notice")
    async def send_notice(self, request: NoticeRequest) -> NoticeResult:
        return NoticeResult(request.key, "sent", [], f"<{request.key}>", "250 Ok")

    @activity.defn(name="generate_document")
    async def generate_document(self, request: DocumentRequest) -> DocumentResult:
        return DocumentResult(request.key, 1, "0" * 64, "document")

    @activity.defn(name="open_renegotiation")
    async def open_renegotiation(self, request: RenegotiationRequest) -> str:
        return "successor"


def projected(updates: list[ProjectionUpdate]) -> dict[int, Event]:
    return {
        update.first_sequence + offset: event
        for update in updates
        for offset, event in enumerate(update.new_events)
    }


async def _view(handle: WorkflowHandle[Any, Any]) -> list[Event]:
    view: ContractView = await handle.query("view", result_type=ContractView)
    return view.events


DECISIONS: list[tuple[str, object]] = [
    # Its notice is due at once: the workflow wakes for it anyway.
    ("request_prorogation", RequestProrogation("agent:test", Party.GESTIONNAIRE, TODAY)),
    # Nothing falls due: only the decision itself may wake the workflow.
    ("submit_documents", SubmitDocuments("agent:test", 2025, ["rapport_activite"])),
]


@pytest.mark.parametrize(("action", "decision"), DECISIONS, ids=[a for a, _ in DECISIONS])
async def test_a_decision_during_a_projection_is_projected_at_once(
    action: str, decision: object
) -> None:
    terms = contract()
    activities = SlowProjection()
    # The dev server, not the Java test server: that one leaves queries unanswered after an
    # update taken while an activity runs. No timer is reached here, no time needs skipping.
    env = await WorkflowEnvironment.start_local(
        data_converter=data_converter,
        search_attributes=list(search_attributes.ALL),
        dev_server_existing_path=temporal_binary(),
        dev_server_log_level="error",
        runtime=quiet_runtime(),
    )
    try:
        server_today = (await env.get_current_time()).date()
        async with Worker(
            env.client,
            task_queue=(queue := f"projection-{uuid.uuid4()}"),
            workflows=[CpomWorkflow],
            workflow_runner=WORKFLOW_RUNNER,
            activities=[
                activities.record_contract,
                activities.send_notice,
                activities.generate_document,
                activities.open_renegotiation,
            ],
        ):
            handle = await env.client.start_workflow(
                "Cpom",
                ContractInput(
                    ContractState(terms, initial_phase(terms, TODAY), imported=True),
                    (TODAY - server_today).days,
                ),
                id=workflow_id(terms.reference),
                task_queue=queue,
                # The update comes with the workflow task that the local projection holds: it
                # is heartbeaten at 80 % of this timeout (8 s by default), then takes the update.
                task_timeout=timedelta(seconds=2),
            )
            await activities.first_started.wait()
            await handle.execute_update(action, decision)
            activities.release.set()
            # The projections that follow come at once, with no timer: poll for them a while.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(20):
                    while len(projected(activities.updates)) < len(await _view(handle)):
                        await asyncio.sleep(0.05)
            events = await _view(handle)
    finally:
        await env.shutdown()
    recorded = projected(activities.updates)
    assert [recorded.get(sequence) for sequence in range(len(events))] == events
    assert "agent:test" in [event.actor for event in events]

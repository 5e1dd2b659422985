"""`cpom projection rebuild`: the read model written again from the workflows, after a restore.

Temporal keeps each contract's life. Every run of its workflow (one per contract year: the
current one, those closed by continue-as-new, the last of an ended contract) answers the
`projection` query with the contract's terms, its whole agenda and the events the run logged; a
closed run answers it too, replayed by a worker. Its `documents_generated` and `notices_sent`
queries tell what its documents and notices were asked with, and what became of the notices
(a local activity leaves its request out of the history). From them the rebuild writes again
the contract's row, terms, agenda and journal, the documents (rendered again under their
business key) and the outbox rows of the notices sent, marked sent: nothing goes to the mail server.

The contract's row, terms and agenda are written as the workflow holds them; journal lines,
documents and notice rows are added by business key, never over one already there (those of a
backup keep the original PDF and the mail server's answers). The rebuild can be run again, on an
empty database or on one restored from a backup older than Temporal's state.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from temporalio.client import (
    Client,
    WorkflowExecution,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowQueryFailedError,
)
from temporalio.service import RPCError, RPCStatusCode

from activities.documents import DocumentActivities
from activities.mail import outbox_keys, outbox_rows, written_rows
from cpom.db import projection
from cpom.db.models import DocumentRecord
from cpom.messages import (
    DocumentRequest,
    ProjectionUpdate,
    SentNotice,
)
from cpom.rendering import Renderer

CONTRACTS = "WorkflowType = 'Cpom'"
# A run just begun by continue-as-new answers once its first task has run: a few tries.
QUERY_TRIES = 6


@dataclass
class Rebuilt:
    """What a rebuild wrote again, and what it could not."""

    contracts: int = 0
    runs: int = 0
    # Rendered again from the request in the history: a new PDF (its printing date, its
    # checksum); the contract's journal keeps the original's SHA-256.
    documents: int = 0
    notices: int = 0
    # What could not be rebuilt, in French (a run whose history no longer replays, say).
    problems: list[str] = field(default_factory=list)


# What the rebuild writes one by one: a document's request, a notice sent.
Done = TypeVar("Done", DocumentRequest, SentNotice)


async def rebuild_projections(
    client: Client,
    engine: Engine,
    renderer: Renderer,
    on_progress: Callable[[int], None] | None = None,
    *,
    rpc_timeout: timedelta = timedelta(seconds=10),
) -> Rebuilt:
    """Write every contract of Temporal again into the application database (idempotent)."""
    runs: dict[str, list[WorkflowExecution]] = defaultdict(list)
    # Each call has its deadline: a silent server fails the command instead of holding it.
    async for execution in client.list_workflows(CONTRACTS, rpc_timeout=rpc_timeout):
        runs[execution.id].append(execution)
    rebuilt = Rebuilt()
    contract = ContractRebuild(client, engine, renderer, rebuilt, rpc_timeout)
    for workflow_id in sorted(runs):
        await contract.rebuild(sorted(runs[workflow_id], key=lambda run: run.start_time))
        rebuilt.contracts += 1
        if on_progress:
            on_progress(rebuilt.contracts)
    return rebuilt


class ContractRebuild:
    def __init__(
        self,
        client: Client,
        engine: Engine,
        renderer: Renderer,
        rebuilt: Rebuilt,
        rpc_timeout: timedelta,
    ) -> None:
        self.client = client
        self.engine = engine
        self.renderer = renderer
        self.documents = DocumentActivities(engine, renderer)
        self.rebuilt = rebuilt
        self.rpc_timeout = rpc_timeout

    async def rebuild(self, runs: Sequence[WorkflowExecution]) -> None:
        """The contract's runs, oldest first: each adds its journal, the last one's agenda and
        terms stay; then its documents, then its notices (which attach the documents)."""
        documents: list[DocumentRequest] = []
        notices: list[SentNotice] = []
        for run in runs:
            handle = self.client.get_workflow_handle(run.id, run_id=run.run_id)
            try:
                update = await self._projection_of(handle)
            except WorkflowQueryFailedError as error:
                self.rebuilt.problems.append(f"{run.id} (exécution {run.run_id}) : {error}")
                continue
            await asyncio.to_thread(projection.record, self.engine, update)
            self.rebuilt.runs += 1
            documents += await self._documents_of(handle)
            notices += await self._notices_of(handle)
        for document in documents:
            await self._each(self._document, document, document.key)
        for notice in notices:
            await self._each(self._notice, notice, notice.request.key)
        if runs[-1].status is WorkflowExecutionStatus.RUNNING:
            await self._refresh(runs[-1].id)

    async def _each(self, write: Callable[[Done], None], done: Done, key: str) -> None:
        """One document or notice: one that cannot be written again (a template since removed,
        say) is reported, and the rebuild goes on with the others."""
        try:
            await asyncio.to_thread(write, done)
        except Exception as error:  # reported to the operator, who decides
            self.rebuilt.problems.append(f"{key} : {error}")

    async def _projection_of(self, handle: WorkflowHandle[Any, Any]) -> ProjectionUpdate:
        for attempt in range(QUERY_TRIES):
            try:
                update: ProjectionUpdate = await handle.query(
                    "projection", result_type=ProjectionUpdate, rpc_timeout=self.rpc_timeout
                )
                return update
            except RPCError as error:
                # "Workflow task is not scheduled yet": a run just begun, not a failure.
                if error.status != RPCStatusCode.FAILED_PRECONDITION or attempt + 1 == QUERY_TRIES:
                    raise
            await asyncio.sleep(0.1 * 2**attempt)
        raise AssertionError("unreachable")

    async def _documents_of(self, handle: WorkflowHandle[Any, Any]) -> list[DocumentRequest]:
        """The documents the run printed, from its `documents_generated` query: a document
        printed by a local activity (patch `lean-history`) leaves its request out of the
        history."""
        asked: list[DocumentRequest] = await handle.query(
            "documents_generated", result_type=list[DocumentRequest], rpc_timeout=self.rpc_timeout
        )
        return asked

    async def _notices_of(self, handle: WorkflowHandle[Any, Any]) -> list[SentNotice]:
        """The notices the run sent, from its `notices_sent` query: a notice sent by a local
        activity (patch `lean-history`) leaves in the history its result, not its request."""
        sent: list[SentNotice] = await handle.query(
            "notices_sent", result_type=list[SentNotice], rpc_timeout=self.rpc_timeout
        )
        return sent

    async def _refresh(self, workflow_id: str) -> None:
        """The running contract projects itself again, whole: anything it decided while the
        rebuild read it is then written after what the rebuild wrote."""
        try:
            await self.client.get_workflow_handle(workflow_id).signal(
                "refresh_projection", rpc_timeout=self.rpc_timeout
            )
        except RPCError as error:
            if error.status != RPCStatusCode.NOT_FOUND:  # ended meanwhile: nothing to refresh
                raise

    def _document(self, request: DocumentRequest) -> None:
        with Session(self.engine) as session:
            kept = select(DocumentRecord.id).where(DocumentRecord.key == request.key)
            if session.exec(kept).first() is not None:
                return  # kept, as it was first rendered
        self.documents.generate(request)
        self.rebuilt.documents += 1

    def _notice(self, notice: SentNotice) -> None:
        request, result = notice.request, notice.result
        with Session(self.engine, expire_on_commit=False) as session:
            if written_rows(session, outbox_keys(request)):
                return  # the outbox kept it, with the mail server's own answer
            rows = outbox_rows(session, self.engine, self.renderer, request, notice.sent_at)
            for row in rows:
                if row.status == "pending" and result.status == "sent":
                    # The activity completed once every message was final: this one was sent.
                    row.status = "sent"
                    row.sent_at = notice.sent_at
                    # The workflow keeps the server's answer to the notice's first message only.
                    if row.message_id == result.message_id:
                        row.smtp_response = result.smtp_response
                session.add(row)
            try:
                session.commit()
            except IntegrityError:  # the worker wrote them meanwhile
                session.rollback()
                return
            self.rebuilt.notices += 1

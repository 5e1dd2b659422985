"""Composition root of the worker: settings → engine, renderer, mailer → activities → Worker.

python -m cpom.worker
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import inspect
import os
import py_compile
import signal
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.documents import DocumentActivities
from activities.mail import MailActivities, SmtpMailer
from activities.records import RecordActivities
from activities.renegotiation import RenegotiationActivities
from cpom import identities
from cpom.db.engine import engine_from
from cpom.rendering import Renderer
from cpom.settings import Settings, get_settings
from cpom.signing import InvalidSigningCertificate, signer_from
from cpom.temporal_connection import connect
from workflows.contract import CpomWorkflow

# The decisions' checks run inside the workflow sandbox and check identifiers with python-stdnum
# and email-validator, whose functions import at call time: the sandbox hands them the host's
# modules (pure, deterministic checks) instead of importing fresh copies mid-workflow.
WORKFLOW_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules("email_validator", "stdnum")
)


def mailer_from(settings: Settings) -> SmtpMailer:
    return SmtpMailer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        starttls=settings.smtp_starttls,
        timeout=settings.smtp_timeout_seconds,
    )


def renderer_from(settings: Settings) -> Renderer:
    """The notices' and documents' renderer: the worker's, and `cpom projection rebuild`'s."""
    return Renderer(
        settings.templates_dir,
        identities.load(settings.authorities_file),
        settings.template_overrides,
        settings.effective_public_url(),
        signer_from(settings, datetime.now(UTC)),
    )


def compile_workflow_module(workflow_class: type) -> None:
    """Write the bytecode of the workflow's module, if it can be written.

    The sandbox imports the workflow's module afresh for every workflow instance: each new
    contract, each continue-as-new, each replay after an eviction from the cache. Without the
    module's bytecode on disk (PYTHONDONTWRITEBYTECODE, a source tree never imported before),
    Python compiles its source every time: a third of the worker's CPU per contract started
    (issue 12). Written once here, the sandbox reads it. On a read-only tree the image compiles
    it when built (`python -m compileall`).
    """
    source = inspect.getsourcefile(workflow_class)
    if source is None:
        return
    with contextlib.suppress(OSError, py_compile.PyCompileError):
        py_compile.compile(source, cfile=importlib.util.cache_from_source(source), doraise=True)


def build_worker(
    client: Client,
    settings: Settings,
    engine: Engine,
    *,
    mailer: SmtpMailer | None = None,
    workflow_failure_exception_types: Sequence[type[BaseException]] = (),
    max_cached_workflows: int | None = None,
    workflow_class: type = CpomWorkflow,
) -> Worker:
    """The worker of the task queue, its capacity from the settings (`max_cached_workflows`
    overrides the setting, for tests that want evictions; `workflow_class`, for a test that runs
    an earlier release of the workflow)."""
    compile_workflow_module(workflow_class)
    renderer = renderer_from(settings)
    mail = MailActivities(
        engine,
        renderer,
        mailer or mailer_from(settings),
        settings.mail_from,
        lease=timedelta(seconds=settings.notice_lease_seconds),
    )
    documents = DocumentActivities(engine, renderer)
    records = RecordActivities(engine)
    renegotiation = RenegotiationActivities(
        client,
        settings.task_queue,
        names_in_search_attributes=settings.names_in_search_attributes,
    )
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[workflow_class],
        workflow_runner=WORKFLOW_RUNNER,
        activities=[
            mail.send_notice,
            documents.generate_document,
            records.record_contract,
            renegotiation.open_renegotiation,
        ],
        workflow_failure_exception_types=workflow_failure_exception_types,
        max_cached_workflows=(
            settings.max_cached_workflows if max_cached_workflows is None else max_cached_workflows
        ),
        max_concurrent_workflow_tasks=settings.max_concurrent_workflow_tasks,
        max_concurrent_activities=settings.max_concurrent_activities,
    )


async def serve_until_stopped(worker: Worker) -> None:
    """Run `worker` until SIGINT or SIGTERM, then shut it down."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with worker:
        await stop.wait()


async def main() -> None:
    settings = get_settings()
    client = await connect(settings)
    engine = engine_from(settings)
    try:
        worker = build_worker(client, settings, engine)
    except (identities.InvalidIdentities, InvalidSigningCertificate) as error:
        raise SystemExit(f"Le worker ne peut pas démarrer : {error}") from None
    await serve_until_stopped(worker)


if __name__ == "__main__":
    asyncio.run(main())
    # The SDK's runtime threads can abort the interpreter's teardown (sdk-python#300).
    os._exit(0)

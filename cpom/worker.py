"""Composition root of the worker: settings → engine, renderer, mailer → activities → Worker.

python -m cpom.worker
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import importlib.util
import inspect
import os
import py_compile
import signal
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxRestrictions

from activities.documents import DocumentActivities
from activities.mail import MailActivities, SmtpMailer
from activities.records import RecordActivities
from activities.renegotiation import RenegotiationActivities
from cpom import converter, heap, identities, messages, printing, signature_fields, telemetry
from cpom.db.engine import engine_from
from cpom.db.projection_writer import ProjectionWriter
from cpom.identity_overrides import with_overrides
from cpom.json_logs import configure_logging
from cpom.printing_process import PrintingProcess
from cpom.rendering import Renderer
from cpom.sandbox_runner import CompiledOnceSandboxRunner, without_builtin_checks
from cpom.settings import Settings, get_settings
from cpom.signing import InvalidSigningCertificate, signer_from
from cpom.temporal_connection import connect
from workflows.contract import CpomWorkflow

# The decisions' checks run inside the workflow sandbox and check identifiers with python-stdnum
# and email-validator, whose functions import at call time: the sandbox hands them the host's
# modules (pure, deterministic checks) instead of importing fresh copies mid-workflow.
# The workflow's own modules pass through as well: imported afresh, `workflows.contract` ran
# `workflow.defn` again for every workflow instance (new contract, continue-as-new, replay after
# an eviction), which inspects every handler of the class: half of the CPU of a contract's
# creation (issue 12). Its logic was already passed through (`workflows.contract_flow`).
# The lines the SDK runs in the sandbox are compiled once, and the builtins are left as they are
# (see `cpom.sandbox_runner`).
WORKFLOW_RUNNER = CompiledOnceSandboxRunner(
    restrictions=without_builtin_checks(
        SandboxRestrictions.default.with_passthrough_modules(
            "email_validator", "stdnum", "workflows"
        )
    )
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


def renderer_from(
    settings: Settings, engine: Engine, printer: PrintingProcess | None = None
) -> Renderer:
    """The notices' and documents' renderer: the worker's, and `cpom projection rebuild`'s."""
    return Renderer(
        settings.templates_dir,
        # The file's identities, each authority's as last edited through the API: read by its
        # key when a document or a notice is made.
        with_overrides(identities.load(settings.authorities_file), engine),
        settings.template_overrides,
        settings.effective_public_url(),
        signer_from(settings, datetime.now(UTC)),
        printer,
    )


def compile_workflow_module(workflow_class: type) -> None:
    """Write the bytecode of the workflow's module, if it can be written.

    The sandbox imports a workflow's module afresh for every workflow instance (each new
    contract, each continue-as-new, each replay after an eviction from the cache) unless it
    passes through, as cpom's own does (`WORKFLOW_RUNNER`); an earlier release's, run by a test,
    does not. Without the module's bytecode on disk (PYTHONDONTWRITEBYTECODE, a source tree
    never imported before), Python compiles its source every time: a third of the worker's CPU
    per contract started (issue 12). Written once here, the sandbox reads it. On a read-only
    tree the image compiles it when built (`python -m compileall`).
    """
    source = inspect.getsourcefile(workflow_class)
    if source is None:
        return
    with contextlib.suppress(OSError, py_compile.PyCompileError):
        py_compile.compile(source, cfile=importlib.util.cache_from_source(source), doraise=True)


# The messages the workflow writes: its activities' inputs, its next run's input, its answers.
WRITTEN_BY_THE_WORKFLOW = (
    messages.ContractInput,
    messages.ProjectionUpdate,
    messages.NoticeRequest,
    messages.DocumentRequest,
    messages.RenegotiationRequest,
    messages.DecisionResult,
)

# What the workflow runs: its definition, its logic and the pure domain it calls.
WORKFLOW_SOURCES = ("workflows", "cpom/domain", "cpom/messages.py")


@functools.cache
def workflow_build_id() -> str:
    """The worker's build id, a digest of the workflow's sources. Left to the SDK, the build id
    hashes the bytecode of every module loaded, a third of a second at each start (`cpom
    simulate` starts a worker); it only labels the workflow tasks this worker completes."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for source in WORKFLOW_SOURCES:
        path = root / source
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.exists() else []
        for file in files:
            digest.update(file.relative_to(root).as_posix().encode())
            digest.update(file.read_bytes())
    return f"cpom-{digest.hexdigest()[:16]}"


def warm_up_printing() -> None:
    printing.warm_up()
    signature_fields.warm_up()


def build_worker(
    client: Client,
    settings: Settings,
    engine: Engine,
    *,
    mailer: SmtpMailer | None = None,
    workflow_failure_exception_types: Sequence[type[BaseException]] = (),
    max_cached_workflows: int | None = None,
    workflow_class: type = CpomWorkflow,
    printer: PrintingProcess | None = None,
) -> Worker:
    """The worker of the task queue, its capacity from the settings (`max_cached_workflows`
    overrides the setting, for tests that want evictions; `workflow_class`, for a test that runs
    an earlier release of the workflow; `printer`, documents printed in a process of their own).
    """
    compile_workflow_module(workflow_class)
    # What the workflow writes, written compact from inside its sandbox (see `prepare_compact`).
    converter.prepare_compact(*WRITTEN_BY_THE_WORKFLOW)
    if printer is None:
        # WeasyPrint and pyHanko take most of a second to import: imported while the worker
        # waits for its first tasks, they are ready when its first document is printed.
        threading.Thread(target=warm_up_printing, name="cpom-warm-up", daemon=True).start()
    renderer = renderer_from(settings, engine, printer)
    projections = ProjectionWriter(engine)
    mail = MailActivities(
        engine,
        renderer,
        mailer or mailer_from(settings),
        settings.mail_from,
        lease=timedelta(seconds=settings.notice_lease_seconds),
        projections=projections,
    )
    documents = DocumentActivities(engine, renderer)
    records = RecordActivities(engine, projections)
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
        build_id=workflow_build_id(),
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
    configure_logging(settings)
    try:
        runtime = telemetry.runtime_for(settings)
    except RuntimeError as error:
        raise SystemExit(f"Le worker ne peut pas démarrer : {error}") from None
    tracer_provider = telemetry.tracer_provider_for(settings, "cpom-worker")
    # The client's interceptors trace the worker's workflows and activities as well.
    client = await connect(
        settings, runtime=runtime, interceptors=telemetry.client_interceptors(tracer_provider)
    )
    engine = engine_from(settings)
    mailer = mailer_from(settings)
    try:
        worker = build_worker(client, settings, engine, mailer=mailer)
    except (identities.InvalidIdentities, InvalidSigningCertificate) as error:
        raise SystemExit(f"Le worker ne peut pas démarrer : {error}") from None
    # What the imports and the worker's construction left lives as long as the process.
    heap.settle(settings.gc_young_threshold)
    try:
        await serve_until_stopped(worker)
    finally:
        await mailer.close()
        if tracer_provider is not None:
            tracer_provider.shutdown()  # the spans still batched, sent


if __name__ == "__main__":
    asyncio.run(main())
    # The SDK's runtime threads can abort the interpreter's teardown (sdk-python#300).
    os._exit(0)

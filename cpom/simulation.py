"""Live one contract's whole life on the time-skipping test server, with the real workflow,
activities and templates, and report what happened day by day.

A scenario (`cpom.scenario`) holds the contract's terms and its dated actions.

The contract's substance lives as the API makes it live: the objectives of the terms are version
1 in the database, `report_objectives` records the gestionnaire's yearly report (and submits it
as the annual document it is), a `record_dialogue` may carry `objective_decisions`; the result
ends with the review of the last exercise reported.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.converter import DataConverter
from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from cpom import search_attributes
from cpom.converter import data_converter, data_converter_for
from cpom.db import objectives_store
from cpom.db.engine import make_engine, throwaway_engine
from cpom.db.models import ContractRecord, EventRecord, NoticeRecord
from cpom.domain.calendar_law import CALENDAR_LAW
from cpom.domain.clock import PARIS, local_date, local_instant
from cpom.domain.lifecycle import ENDED, ContractState, Phase, contract_year_of, initial_phase
from cpom.domain.objectives import (
    CLOSED_STATUSES,
    DECISION_LABELS,
    report_item,
)
from cpom.domain.objectives_validation import report_problems
from cpom.domain.terms import ContractTerms
from cpom.installed_commands import installed_command
from cpom.mail_catcher import MailCatcher
from cpom.messages import (
    ContractInput,
    ContractView,
    DecisionResult,
    RecordDialogue,
    ReportObjectives,
    workflow_id,
)
from cpom.printing_process import PrintingProcess
from cpom.refusals import refusal_reason
from cpom.scenario import (
    ObjectivesReport,
    Scenario,
    ScenarioAction,
)
from cpom.settings import Settings
from cpom.simulation_review import NBSP, counted, review_entries
from cpom.time_skipping_server import TimeSkippingServer, server_binary
from cpom.worker import build_worker, mailer_from
from workflows.contract import CpomWorkflow

# The SDK's environment on a test server, which `start_time_skipping` gives a server of its own
# (`cpom.time_skipping_server`). It is private: a release without it leaves the SDK to start the
# server as it does (`tests/test_time_skipping_server.py` says which way runs).
SDK_TIME_SKIPPING: Any
try:
    from temporalio.testing._workflow import _V1WorkflowEnvironment

    SDK_TIME_SKIPPING = _V1WorkflowEnvironment
except ImportError:  # pragma: no cover - another release of the SDK
    SDK_TIME_SKIPPING = None

ACTION_HOUR = 10


@dataclass
class SimulationResult:
    log: list[dict[str, Any]]
    refused: list[dict[str, Any]] = field(default_factory=list)
    mails: int = 0
    # The objectives review of the last exercise reported, to print after the log.
    review: list[dict[str, Any]] = field(default_factory=list)


def clock_offset(start: date, server_now: datetime) -> timedelta:
    """The whole days that make `server_now` a moment of `start` in Paris.

    Whole days keep the server's time of day, but not always its local date: at 23:30 in
    winter (UTC+1) the same instant falls at 00:30 the next day in summer (UTC+2)."""
    offset = timedelta(days=(start - local_date(server_now)).days)
    return offset + timedelta(days=(start - local_date(server_now + offset)).days)


async def register_search_attributes(client: Client, namespace: str = "default") -> None:
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=namespace,
            search_attributes={
                key.name: IndexedValueType.ValueType(key.indexed_value_type)
                for key in search_attributes.ALL
            },
        )
    )


# Bound on each step of stopping a simulation (the worker, then the server).
STOP_SECONDS = 20


async def start_dev_server_time_skipping(
    converter: DataConverter = data_converter,
) -> WorkflowEnvironment:
    return await WorkflowEnvironment.start_time_skipping_v2(
        data_converter=converter,
        dev_server_existing_path=installed_command("temporal"),
        search_attributes=list(search_attributes.ALL),
        runtime=quiet_runtime(),
        dev_server_extra_args=[
            "--dynamic-config-value",
            "frontend.workflowTimeSkippingEnabled=true",
            "--log-level",
            "error",
        ],
    )


def quiet_runtime_logging() -> LoggingConfig:
    return LoggingConfig(filter=TelemetryFilter(core_level="ERROR", other_level="ERROR"))


def quiet_runtime() -> Runtime:
    """A Temporal runtime that only logs errors: warnings of the test server are noise here."""
    return Runtime(telemetry=TelemetryConfig(logging=quiet_runtime_logging()))


async def start_time_skipping(
    converter: DataConverter = data_converter, server: TimeSkippingServer | None = None
) -> WorkflowEnvironment:
    """The SDK's time-skipping environment on `server` (started beforehand by the caller, who
    hands it over: the environment shuts it down), or on a server started here."""
    if SDK_TIME_SKIPPING is None:  # a release of the SDK without it: the SDK starts its own
        if server is not None:
            await server.shutdown()
        return await WorkflowEnvironment.start_time_skipping(
            runtime=quiet_runtime(),
            test_server_existing_path=server_binary(),
            data_converter=converter,
        )
    server = server or TimeSkippingServer().start()
    try:
        target = await server.ready()
        client = await Client.connect(target, data_converter=converter, runtime=quiet_runtime())
    except BaseException:
        await server.shutdown()
        raise
    environment: WorkflowEnvironment = SDK_TIME_SKIPPING(client, server)
    return environment


class LifeSimulator:
    """The real workflow, activities and templates on the time-skipping test server, with a
    temporary SQLite database and a local SMTP server catching the mail.

    The contract's days are mapped onto the server clock by a fixed offset, so a contract of any
    date can be lived from its first day: `start()`, then `advance_to()` and `decide()`.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        sticky: bool = True,
        real_server: bool = False,
        migrated: bool = True,
        printer: PrintingProcess | None = None,
        server: TimeSkippingServer | None = None,
    ) -> None:
        # `real_server`: the dev server with per-workflow virtual clocks (time skipping V2,
        # experimental), which survives a worker restart; the default is the Java test server.
        self.real_server = real_server
        self.handles: list[WorkflowHandle[Any, str]] = []
        # Without a sticky cache every task replays the history: what a restarted worker does.
        self.max_cached_workflows = 1000 if sticky else 0
        self.workdir = Path(tempfile.mkdtemp(prefix="cpom-simulation-"))
        self.catcher = MailCatcher()
        base = settings or Settings()
        self.settings = base.model_copy(
            update={
                "data_dir": self.workdir,
                "database_url": f"sqlite:///{self.workdir / 'cpom.db'}",
                "smtp_host": self.catcher.host,
                "smtp_port": self.catcher.port,
                "task_queue": f"simulation-{uuid.uuid4()}",
            }
        )
        # `migrated`: the database as the service's are, migrated, which another process (a
        # command a test runs on it) may open; without, its tables straight from the models.
        url = self.settings.effective_database_url()
        self.engine = make_engine(url) if migrated else throwaway_engine(url)
        # Where the worker prints documents: in a process of their own, or in this one.
        self.printer = printer
        # The test server the caller started (`cpom simulate`, before its imports); the
        # environment shuts it down. One is started on entering otherwise.
        self.server = server
        self.offset = timedelta(0)
        self._env: WorkflowEnvironment | None = None
        self._worker: Worker | None = None
        # The worker's mailer, whose idle connections close with the worker.
        self.mailer = mailer_from(self.settings)
        # The workflow definition the worker runs: a test sets an earlier release's to start
        # contracts on it, then switches to today's.
        self.workflow_class: type = CpomWorkflow

    @property
    def env(self) -> WorkflowEnvironment:
        assert self._env is not None, "simulator not entered"
        return self._env

    async def __aenter__(self) -> LifeSimulator:
        self.catcher.start()
        converter = data_converter_for(self.settings)
        if self.real_server:
            self._env = await start_dev_server_time_skipping(converter)
        else:
            self._env = await start_time_skipping(converter, self.server)
            await register_search_attributes(self._env.client)
        await self.start_worker()
        return self

    async def __aexit__(self, *_: object) -> None:
        try:
            # Past its bound (see `stop_worker`), the server is shut down under the worker.
            with contextlib.suppress(TimeoutError):
                await self.stop_worker()
            self._worker = None
            async with asyncio.timeout(STOP_SECONDS):
                await self.env.shutdown()
        finally:
            self.catcher.stop()
            self.engine.dispose()
            shutil.rmtree(self.workdir, ignore_errors=True)

    async def start_worker(self) -> None:
        self._worker = build_worker(
            self.env.client,
            self.settings,
            self.engine,
            workflow_failure_exception_types=[Exception],
            workflow_class=self.workflow_class,
            printer=self.printer,
            mailer=self.mailer,
        )
        await self._worker.__aenter__()

    async def stop_worker(self) -> None:
        """Stop the worker; `TimeoutError` after `STOP_SECONDS`. A worker stops once its polls
        return: a server slow to release one must not hold the simulation, or a test that
        stops the worker (a suite once waited for one until its own timeout), for ever."""
        if self._worker is not None:
            async with asyncio.timeout(STOP_SECONDS):
                await self._worker.__aexit__(None, None, None)
            self._worker = None
            await self.mailer.close()

    async def start(
        self,
        terms: ContractTerms,
        start: date,
        *,
        imported: bool = False,
        first_decision: tuple[str, object] | None = None,
        calendar_law: int | None = None,
        task_timeout: timedelta | None = None,
    ) -> WorkflowHandle[Any, str]:
        """Start the contract's workflow on `start`; `first_decision` (name, decision) reaches it
        with its very first task (update-with-start), as a decision sent at once may;
        `calendar_law` starts it as the next run of a contract begun under that law;
        `task_timeout` (10 s by default) bounds its workflow tasks, which a local activity
        heartbeats at 80 % of it: a decision that comes meanwhile waits for that heartbeat."""
        if not self.real_server and not self.handles:
            # The first day begins at the hour of actions, not at the machine's time of day: a
            # run started near midnight would see its first day end within minutes.
            now = await self._server_now()
            await self.env.sleep(
                local_instant(local_date(now) + timedelta(days=1), ACTION_HOUR) - now
            )
        self.offset = clock_offset(start, await self._server_now())
        state = ContractState(
            terms, initial_phase(terms, start), imported=imported, calendar_law=CALENDAR_LAW
        )
        if calendar_law is not None:
            state.calendar_law = calendar_law
        if first_decision is None:
            handle: WorkflowHandle[Any, str] = await self.env.client.start_workflow(
                "Cpom",
                ContractInput(
                    state,
                    self.offset.days,
                    names_in_search_attributes=self.settings.names_in_search_attributes,
                ),
                id=workflow_id(terms.reference),
                task_queue=self.settings.task_queue,
                result_type=str,
                task_timeout=task_timeout,
            )
        else:
            operation: WithStartWorkflowOperation[Any, str] = WithStartWorkflowOperation(
                "Cpom",
                ContractInput(
                    state,
                    self.offset.days,
                    names_in_search_attributes=self.settings.names_in_search_attributes,
                ),
                id=workflow_id(terms.reference),
                task_queue=self.settings.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
                result_type=str,
                task_timeout=task_timeout,
            )
            name, decision = first_decision
            await self.env.client.execute_update_with_start_workflow(
                name, decision, start_workflow_operation=operation
            )
            handle = await operation.workflow_handle()
        self.handles.append(handle)
        return handle

    async def _server_now(self) -> datetime:
        if not self.real_server:
            return await self.env.get_current_time()
        if not self.handles:
            return datetime.now(UTC)
        info = await self.env.get_time_skipping_info(self.handles[0])
        assert info is not None, "time skipping is off on this server"
        return info.current_time.ToDatetime(tzinfo=UTC)

    async def today(self) -> date:
        return (await self._server_now() + self.offset).astimezone(PARIS).date()

    async def advance_to(self, day: date, hour: int = ACTION_HOUR) -> None:
        target = local_instant(day, hour)
        now = await self._server_now() + self.offset
        if target <= now:
            return
        if self.real_server:
            await self.env.fast_forward(self.handles[0], target - now)
        else:
            await self.env.sleep(target - now)

    @staticmethod
    async def decide(
        handle: WorkflowHandle[Any, str], name: str, decision: object
    ) -> DecisionResult:
        result: DecisionResult = await handle.execute_update(
            name, decision, result_type=DecisionResult
        )
        return result

    @staticmethod
    async def view(handle: WorkflowHandle[Any, str]) -> ContractView:
        view: ContractView = await handle.query("view", result_type=ContractView)
        return view

    async def projected(self, reference: str, seconds: float = 20) -> ContractRecord:
        """The contract's record once its workflow has projected it (polling the database, not
        waiting for time): what the rows of its substance refer to."""
        async with asyncio.timeout(seconds):
            while (record := self.record(reference)) is None:
                await asyncio.sleep(0.02)
        return record

    def record(self, reference: str) -> ContractRecord | None:
        with Session(self.engine) as session:
            return session.get(ContractRecord, reference)

    def handle(self, reference: str) -> WorkflowHandle[Any, str]:
        return self.env.client.get_workflow_handle(workflow_id(reference), result_type=str)

    def log(self, reference: str) -> list[dict[str, Any]]:
        return _log(self.engine, reference)


async def simulate(
    scenario: Scenario,
    *,
    settings: Settings | None = None,
    on_progress: Callable[[str], None] | None = None,
    printer: PrintingProcess | None = None,
    server: TimeSkippingServer | None = None,
) -> SimulationResult:
    """Run the scenario to the end of the contract's life and return its dated log, with the
    objectives review of the last exercise reported. Its documents print in `printer`, a
    printing process the caller started (before its imports, as `cpom simulate` does), or one
    started here; it runs on `server`, a test server the caller started (and hands over), or
    one started here."""
    if printer is None:
        with PrintingProcess(settings) as started:
            return await simulate(
                scenario, settings=settings, on_progress=on_progress, printer=started, server=server
            )
    # Nothing but this process opens the simulation's database: no migrations to run. The
    # printing process loads WeasyPrint and pyHanko on another core while this one starts.
    async with LifeSimulator(settings, migrated=False, printer=printer, server=server) as simulator:
        return await live(simulator, scenario, on_progress=on_progress)


async def live(
    simulator: LifeSimulator,
    scenario: Scenario,
    *,
    on_progress: Callable[[str], None] | None = None,
) -> SimulationResult:
    """`simulate` on a simulator of the caller's, whose database can be read afterwards."""
    reference = scenario.terms.reference
    extra: list[dict[str, Any]] = []
    handle = await simulator.start(scenario.terms, scenario.start, imported=scenario.imported)
    if scenario.objectives:
        terms = scenario.terms
        # As the API does once the contract is listed: version 1, from the terms.
        await simulator.projected(reference)
        objectives_store.adopt_with_terms(simulator.engine, terms, scenario.objectives)
    for action in scenario.actions:
        await simulator.advance_to(action.on)
        if on_progress:
            on_progress(f"{action.on:%d/%m/%Y} : {action.name}")
        extra += await _perform(simulator, handle, scenario, action)
    await handle.result()
    log = simulator.log(reference) + extra
    # Dated the last day of the log: the server's clock jumps on once the workflow ends.
    last_day = max((entry["at"] for entry in log), default=scenario.start.isoformat())
    review = review_entries(
        scenario.objectives,
        objectives_store.reports(simulator.engine, reference),
        _last_year(simulator, reference),
        date.fromisoformat(last_day),
    )
    return SimulationResult(log, mails=len(simulator.catcher.caught), review=review)


async def _perform(
    simulator: LifeSimulator,
    handle: WorkflowHandle[Any, str],
    scenario: Scenario,
    action: ScenarioAction,
) -> list[dict[str, Any]]:
    """Take the action on its day: what the log gains beside the workflow's events, a refusal
    among them (a refused decision is part of the life)."""
    if isinstance(action.decision, ObjectivesReport):
        return await _report_objectives(simulator, handle, scenario, action, action.decision)
    try:
        await handle.execute_update(action.name, action.decision)
    except WorkflowUpdateFailedError as error:
        return [_refusal(action, refusal_reason(error))]
    except RPCError:
        # Past its end the workflow is closed and takes no decision (found by probing: the
        # command ended in « erreur inattendue »).
        record = simulator.record(scenario.terms.reference)
        if record is None or Phase(record.phase) not in ENDED:
            raise
        return [_refusal(action, ENDED_REFUSAL)]
    if isinstance(action.decision, RecordDialogue) and action.objective_decisions:
        held_on = action.decision.held_on
        objectives_store.record_decisions(
            simulator.engine,
            scenario.terms.reference,
            contract_year_of(scenario.terms, held_on),
            held_on,
            action.objective_decisions,
        )
        return [_decisions_recorded(action, held_on)]
    return []


async def _report_objectives(
    simulator: LifeSimulator,
    handle: WorkflowHandle[Any, str],
    scenario: Scenario,
    action: ScenarioAction,
    decision: ObjectivesReport,
) -> list[dict[str, Any]]:
    """What the API does with the gestionnaire's report: checked against the contract as it
    stands that day, submitted as the annual document it is (when the contract lists one), then
    stored; refused, it changes nothing."""
    reference, report = scenario.terms.reference, decision.report
    current = objectives_store.current(simulator.engine, reference)
    objectives = current.objectives if current else ()
    echeance = (await simulator.view(handle)).echeance
    problems = report_problems(
        report, objectives, scenario.terms.effet.year, echeance.year, action.on
    )
    if problems:
        return [_refusal(action, "; ".join(str(p) for p in problems))]
    item = report_item(scenario.terms.rules.annual_document_items)
    reminded = {deadline.id for deadline in scenario.terms.action_deadlines}
    statuses = [p for p in report.actions if p.action_id in reminded]
    # One decision of the workflow, as the API takes it: the annual document it is, and the
    # actions it reports done or abandoned, no longer reminded.
    reported = ReportObjectives(
        decision.actor,
        report.exercise,
        item,
        closed=[p.action_id for p in statuses if p.status in CLOSED_STATUSES],
        reopened=[p.action_id for p in statuses if p.status not in CLOSED_STATUSES],
    )
    try:
        await handle.execute_update("report_objectives", reported)
    except WorkflowUpdateFailedError as error:
        return [_refusal(action, refusal_reason(error))]
    objectives_store.save_report(simulator.engine, reference, report, action.on, decision.actor)
    values = sum(1 for value in report.values if value.value is not None)
    content = (
        f"{counted(values, 'valeur', 'aucune')} d'indicateur, "
        f"{counted(len(report.actions), 'action', 'aucune')}"
    )
    if item is not None:
        content += f", transmis avec les documents annuels (« {item} »)"
    return [
        {
            "at": action.on.isoformat(),
            "event": "objectives_stored",
            "summary": f"rapport sur les objectifs de l'exercice {report.exercise} "
            f"enregistré{NBSP}: {content}",
            "actor": decision.actor,
            "exercise": report.exercise,
        }
    ]


def _decisions_recorded(action: ScenarioAction, held_on: date) -> dict[str, Any]:
    said = [
        f"objectif {d.objective_id} {DECISION_LABELS[d.decision]}"
        + (f" ({d.reasons})" if d.reasons else "")
        for d in action.objective_decisions
    ]
    return {
        "at": action.on.isoformat(),
        "event": "objective_decisions_recorded",
        "summary": f"décisions du dialogue du {held_on:%d/%m/%Y} sur les objectifs{NBSP}: "
        + ", ".join(said),
        "held_on": held_on.isoformat(),
        "decisions": {d.objective_id: d.decision.value for d in action.objective_decisions},
    }


ENDED_REFUSAL = "le contrat a pris fin : il ne prend plus aucune décision"


def _refusal(action: ScenarioAction, reason: str) -> dict[str, Any]:
    return {
        "at": action.on.isoformat(),
        "event": "action_refused",
        "action": action.name,
        "reason": reason,
    }


def _last_year(simulator: LifeSimulator, reference: str) -> int:
    """The contract's last year as it ended, prorogations included: its final targets' year."""
    record = simulator.record(reference)
    assert record is not None, "the workflow projects its contract before it ends"
    return record.echeance.year


def _log(engine: Any, reference: str) -> list[dict[str, Any]]:
    with Session(engine) as session:
        events = session.exec(
            select(EventRecord)
            .where(EventRecord.reference == reference)
            .order_by(col(EventRecord.sequence))
        ).all()
        # A notice to several parties has a row for each (`key|party`), in order.
        notices: dict[str, list[NoticeRecord]] = {}
        for row in session.exec(select(NoticeRecord).order_by(col(NoticeRecord.id))).all():
            notices.setdefault(row.key.partition("|")[0], []).append(row)
    log = []
    for event in events:
        details = json.loads(event.details_json)
        entry: dict[str, Any] = {
            "at": event.on.isoformat(),
            "event": event.kind,
            "summary": event.summary,
        }
        if event.actor:
            entry["actor"] = event.actor
        if event.kind == "notice_sent":
            rows = notices.get(details.get("key", ""), [])
            entry.update(
                notice=details.get("notice"),
                recipients=[r for r in details.get("recipients", "").split(",") if r],
                status=details.get("status"),
                subject=_each_once(row.subject for row in rows),
                smtp_response=_each_once(row.smtp_response for row in rows),
            )
        elif event.kind == "phase_changed":
            entry.update(phase=details.get("to"), previous=details.get("from"))
        else:
            entry.update(details)
        log.append(entry)
    return log


def _each_once(values: Iterable[str | None]) -> str | None:
    """The rows' values, each said once (the parties' subjects are mostly the same)."""
    said = list(dict.fromkeys(value for value in values if value))
    return " ; ".join(said) if said else None

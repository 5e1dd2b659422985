"""Live one contract's whole life on the time-skipping test server, with the real workflow,
activities and templates, and report what happened day by day.

A scenario is a JSON document: the contract's terms (as `cpom calendar --terms` takes them), an
optional `imported` flag and start date, and dated actions, e.g.
`{"on": "2028-05-02", "action": "request_prorogation", "requested_by": "gestionnaire"}`.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError
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
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from cpom import search_attributes
from cpom.db.engine import make_engine
from cpom.db.models import EventRecord, NoticeRecord
from cpom.domain.clock import PARIS, local_date, local_instant
from cpom.domain.lifecycle import ContractState, initial_phase
from cpom.domain.terms import ContractTerms
from cpom.domain.terms_input import parse_date, terms_from_mapping
from cpom.mail_catcher import MailCatcher
from cpom.messages import (
    DECISIONS,
    ContractInput,
    ContractView,
    DecisionResult,
    workflow_id,
)
from cpom.settings import Settings
from cpom.worker import build_worker

ACTION_HOUR = 10


class ScenarioError(ValueError):
    """A scenario that cannot be run, explained in French."""


@dataclass
class ScenarioAction:
    on: date
    name: str
    decision: object


@dataclass
class Scenario:
    terms: ContractTerms
    start: date
    actions: list[ScenarioAction]
    imported: bool = False


@dataclass
class SimulationResult:
    log: list[dict[str, Any]]
    refused: list[dict[str, Any]] = field(default_factory=list)
    mails: int = 0


def scenario_from_mapping(raw: Mapping[str, Any]) -> Scenario:
    """A scenario from a plain mapping; ScenarioError (or InvalidTerms) in French otherwise."""
    if not isinstance(raw, Mapping) or "terms" not in raw:
        raise ScenarioError("le scénario doit contenir les termes du contrat (« terms »)")
    if not isinstance(raw["terms"], Mapping):
        raise ScenarioError("« terms » : attendu un objet (les termes du contrat)")
    terms = terms_from_mapping(raw["terms"])
    raw_actions = raw.get("actions", [])
    if not isinstance(raw_actions, list):
        raise ScenarioError("« actions » : attendu une liste d'actions datées")
    actions = []
    for index, item in enumerate(raw_actions):
        where = f"actions[{index}]"
        if not isinstance(item, Mapping) or "on" not in item or "action" not in item:
            raise ScenarioError(f"{where} : attendu un objet avec « on » et « action »")
        name = item["action"]
        if not isinstance(name, str) or name not in DECISIONS:
            raise ScenarioError(
                f"{where} : action « {name} » inconnue ; actions possibles : {', '.join(DECISIONS)}"
            )
        try:
            on = parse_date(item["on"])
        except ValueError as error:
            raise ScenarioError(f"{where}.on : {error}") from None
        fields = {k: v for k, v in item.items() if k not in ("on", "action")}
        fields.setdefault("actor", "simulation")
        accepted = {f.name for f in dataclasses.fields(DECISIONS[name])}
        for dated in ("received_on", "signed_on", "notified_on", "held_on"):
            if dated in accepted:
                fields.setdefault(dated, on.isoformat())
        if "on" in accepted:
            fields["on"] = on.isoformat()
        try:
            decision: object = TypeAdapter(DECISIONS[name]).validate_python(fields)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])} : {e['msg']}" for e in error.errors()
            )
            raise ScenarioError(f"{where} ({name}) : {problems}") from None
        actions.append(ScenarioAction(on, name, decision))
    actions.sort(key=lambda a: a.on)
    imported = raw.get("imported", False)
    if not isinstance(imported, bool):
        raise ScenarioError("« imported » : attendu true ou false")
    default_start = terms.process_started_on or (terms.effet if not imported else None)
    try:
        start = parse_date(raw["start"]) if "start" in raw else default_start
    except ValueError as error:
        raise ScenarioError(f"start : {error}") from None
    if start is None:
        raise ScenarioError("un contrat importé demande la date de départ (« start »)")
    if actions and actions[0].on < start:
        raise ScenarioError(f"l'action du {actions[0].on:%d/%m/%Y} précède le départ")
    return Scenario(terms, start, actions, imported)


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


async def start_dev_server_time_skipping() -> WorkflowEnvironment:
    return await WorkflowEnvironment.start_time_skipping_v2(
        data_converter=pydantic_data_converter,
        dev_server_existing_path=shutil.which("temporal")
        or str(Path(__file__).resolve().parent.parent / ".venv/bin/temporal"),
        search_attributes=list(search_attributes.ALL),
        runtime=quiet_runtime(),
        dev_server_extra_args=[
            "--dynamic-config-value",
            "frontend.workflowTimeSkippingEnabled=true",
            "--log-level",
            "error",
        ],
    )


def quiet_runtime() -> Runtime:
    """A Temporal runtime that only logs errors: warnings of the test server are noise here."""
    return Runtime(
        telemetry=TelemetryConfig(
            logging=LoggingConfig(filter=TelemetryFilter(core_level="ERROR", other_level="ERROR"))
        )
    )


async def start_time_skipping() -> WorkflowEnvironment:
    return await WorkflowEnvironment.start_time_skipping(
        runtime=quiet_runtime(),
        test_server_existing_path=shutil.which("temporal-test-server")
        or str(Path(__file__).resolve().parent.parent / ".venv/bin/temporal-test-server"),
        data_converter=pydantic_data_converter,
    )


class LifeSimulator:
    """The real workflow, activities and templates on the time-skipping test server, with a
    temporary SQLite database and a local SMTP server catching the mail.

    The contract's days are mapped onto the server clock by a fixed offset, so a contract of any
    date can be lived from its first day: `start()`, then `advance_to()` and `decide()`.
    """

    def __init__(
        self, settings: Settings | None = None, *, sticky: bool = True, real_server: bool = False
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
        self.engine = make_engine(self.settings.effective_database_url())
        self.offset = timedelta(0)
        self._env: WorkflowEnvironment | None = None
        self._worker: Worker | None = None

    @property
    def env(self) -> WorkflowEnvironment:
        assert self._env is not None, "simulator not entered"
        return self._env

    async def __aenter__(self) -> LifeSimulator:
        self.catcher.start()
        if self.real_server:
            self._env = await start_dev_server_time_skipping()
        else:
            self._env = await start_time_skipping()
            await register_search_attributes(self._env.client)
        await self.start_worker()
        return self

    async def __aexit__(self, *_: object) -> None:
        try:
            await self.stop_worker()
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
        )
        await self._worker.__aenter__()

    async def stop_worker(self) -> None:
        if self._worker is not None:
            await self._worker.__aexit__(None, None, None)
            self._worker = None

    async def start(
        self,
        terms: ContractTerms,
        start: date,
        *,
        imported: bool = False,
        first_decision: tuple[str, object] | None = None,
        calendar_law: int | None = None,
    ) -> WorkflowHandle[Any, str]:
        """Start the contract's workflow on `start`; `first_decision` (name, decision) reaches it
        with its very first task (update-with-start), as a decision sent at once may;
        `calendar_law` starts it as the next run of a contract begun under that law."""
        if not self.real_server and not self.handles:
            # The first day begins at the hour of actions, not at the machine's time of day: a
            # run started near midnight would see its first day end within minutes.
            now = await self._server_now()
            await self.env.sleep(
                local_instant(local_date(now) + timedelta(days=1), ACTION_HOUR) - now
            )
        server_today = local_date(await self._server_now())
        # Whole days keep the server's time of day: the contract's first day is `start`.
        self.offset = timedelta(days=(start - server_today).days)
        state = ContractState(terms, initial_phase(terms, start), imported=imported)
        if calendar_law is not None:
            state.calendar_law = calendar_law
        if first_decision is None:
            handle: WorkflowHandle[Any, str] = await self.env.client.start_workflow(
                "Cpom",
                ContractInput(state, self.offset.days),
                id=workflow_id(terms.reference),
                task_queue=self.settings.task_queue,
                result_type=str,
            )
        else:
            operation: WithStartWorkflowOperation[Any, str] = WithStartWorkflowOperation(
                "Cpom",
                ContractInput(state, self.offset.days),
                id=workflow_id(terms.reference),
                task_queue=self.settings.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
                result_type=str,
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

    def handle(self, reference: str) -> WorkflowHandle[Any, str]:
        return self.env.client.get_workflow_handle(workflow_id(reference), result_type=str)

    def log(self, reference: str) -> list[dict[str, Any]]:
        return _log(self.engine, reference)


async def simulate(
    scenario: Scenario,
    *,
    settings: Settings | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> SimulationResult:
    """Run the scenario to the end of the contract's life and return its dated log."""
    refused: list[dict[str, Any]] = []
    async with LifeSimulator(settings) as simulator:
        handle = await simulator.start(scenario.terms, scenario.start, imported=scenario.imported)
        for action in scenario.actions:
            await simulator.advance_to(action.on)
            if on_progress:
                on_progress(f"{action.on:%d/%m/%Y} : {action.name}")
            try:
                await handle.execute_update(action.name, action.decision)
            except WorkflowUpdateFailedError as error:  # a refused decision is part of the log
                refused.append(
                    {
                        "at": action.on.isoformat(),
                        "event": "action_refused",
                        "action": action.name,
                        "reason": str(error.cause or error),
                    }
                )
        await handle.result()
        log = simulator.log(scenario.terms.reference)
        return SimulationResult(log + refused, mails=len(simulator.catcher.caught))


def _log(engine: Any, reference: str) -> list[dict[str, Any]]:
    with Session(engine) as session:
        events = session.exec(
            select(EventRecord)
            .where(EventRecord.reference == reference)
            .order_by(col(EventRecord.sequence))
        ).all()
        notices = {n.key: n for n in session.exec(select(NoticeRecord)).all()}
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
            notice = notices.get(details.get("key", ""))
            entry.update(
                notice=details.get("notice"),
                recipients=[r for r in details.get("recipients", "").split(",") if r],
                status=details.get("status"),
                subject=notice.subject if notice else None,
                smtp_response=notice.smtp_response if notice else None,
            )
        elif event.kind == "phase_changed":
            entry.update(phase=details.get("to"), previous=details.get("from"))
        else:
            entry.update(details)
        log.append(entry)
    return log

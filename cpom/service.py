"""The service layer behind the HTTP API: contracts created, listed, read and acted upon.

Routes stay thin and call these methods; every refusal is an exception carrying a French message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, is_dataclass
from dataclasses import fields as dataclass_fields
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import BindParameter, Connection, Engine, RowMapping, String, bindparam, func, text
from sqlalchemy import select as core_select
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel, col, select
from sqlmodel.sql.expression import Select
from temporalio.client import (
    Client,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from cpom import creation_requests, idempotency, metrics, tenancy
from cpom import health as temporal_health
from cpom.access import Principal
from cpom.calendar_export import agenda_to_ics
from cpom.db import objectives_store, projection
from cpom.db.driver_rows import value_of
from cpom.db.models import (
    MAX_ROW_ID,
    NOT_ROUTINE,
    AgendaRecord,
    CaughtMailRecord,
    ContractRecord,
    ContractTermsRecord,
    DocumentRecord,
    EventRecord,
    NoticeRecord,
)
from cpom.domain.agenda import Notify, plan
from cpom.domain.calendar_law import CALENDAR_LAW
from cpom.domain.clock import local_date, local_instant
from cpom.domain.lifecycle import ENDED, ContractState, initial_phase
from cpom.domain.live_agenda import AgendaItem, at_risk, live_agenda
from cpom.domain.objectives import Objective
from cpom.domain.terms import ContractTerms
from cpom.domain.terms_input import created_contract_from_mapping
from cpom.domain.terms_validation import InvalidTerms, Problem, name_length_problems
from cpom.messages import (
    DECISIONS,
    INTERNAL_DECISIONS,
    ContractInput,
    DecisionResult,
    ProjectionUpdate,
    workflow_id,
)
from cpom.objectives_view import objectives_payload
from cpom.readiness import Readiness
from cpom.readiness import check as readiness_check
from cpom.refusals import refusal_reason
from cpom.settings import Settings
from cpom.validation_messages import french_message

# A decision's answer waits this long at most for the projection to show it; a create of a
# contract another request is creating, for that request to list it.
PROJECTION_WAIT_SECONDS = 5.0
# What a 503 tells the caller to wait before sending the same request again.
RETRY_AFTER_SECONDS = 30


def followed_steps_query(principal: Principal, day: date) -> Select[AgendaRecord, ContractRecord]:
    """The open steps and legal dates around `day` of every contract `principal` may read (read
    from `ix_agenda_day_not_routine`)."""
    return (
        select(AgendaRecord, ContractRecord)
        .join(ContractRecord)
        .where(
            col(AgendaRecord.done_on).is_(None),
            col(AgendaRecord.day) >= day - FEED_PAST,
            col(AgendaRecord.day) <= day + FEED_AHEAD,
            col(AgendaRecord.hard) | col(AgendaRecord.awaited),
            # Payments and monthly reports stay in each contract's own calendar.
            text(NOT_ROUTINE),
            *tenancy.conditions_for(principal),
        )
        .order_by(col(AgendaRecord.reference), col(AgendaRecord.day))
    )


class ContractNotFound(LookupError):
    def __init__(self, reference: str) -> None:
        super().__init__(f"contrat inconnu : « {reference} »")


class DocumentNotFound(LookupError):
    def __init__(self, reference: str, document_id: int) -> None:
        super().__init__(f"document {document_id} inconnu pour le contrat « {reference} »")


class UnknownAction(LookupError):
    def __init__(self, action: str) -> None:
        super().__init__(
            f"action « {action} » inconnue ; actions possibles : {', '.join(DECISIONS)}"
        )


class ActionRefused(ValueError):
    """The workflow's validator refused the decision: nothing changed."""


class InvalidAction(ValueError):
    """The action's fields are missing or of the wrong type."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class Forbidden(PermissionError):
    """The caller's role does not allow this; the message says why."""


# Fields a decision carries beside its own, which the objectives' service reads (and the
# idempotency key covers with the rest).
OBJECTIVES_FIELDS = {
    "sign": frozenset({"objectives"}),
    "sign_avenant": frozenset({"objectives"}),
    "record_dialogue": frozenset({"objective_decisions"}),
}


def reminders_already_due(state: ContractState, now: datetime) -> list[date]:
    """The days of the reminders a signed contract's workflow would send at once, their day
    past, if it were started now as new."""
    if not state.terms.signed:
        return []
    return [
        p.day
        for p in plan(state)
        if isinstance(p.action, Notify) and local_instant(p.day, p.hour) < now
    ]


def unknown_fields(action: str, decision_type: type, fields: Mapping[str, Any]) -> list[str]:
    """A problem for each field the decision does not know: ignored, a misspelt optional field
    would change the decision unseen (found by probing: `requested_echeance_typo` gave a
    request for the default échéance). Its author is the token's, never a field."""
    known = {f.name for f in dataclass_fields(decision_type)} - {"actor"}
    known |= OBJECTIVES_FIELDS.get(action, frozenset())
    possible = ", ".join(sorted(known))
    return [
        f"{name} : champ inconnu ; champs possibles : {possible}"
        for name in fields
        if name not in known
    ]


def understood(action: str, decision: object, fields: Mapping[str, Any]) -> dict[str, Any]:
    """A decision's fields as validated, with those the objectives' service reads as sent: what
    its idempotency key is bound to. Its author is the key's holder's."""
    assert is_dataclass(decision)
    assert not isinstance(decision, type)
    validated = {k: v for k, v in asdict(decision).items() if k != "actor"}
    extra = {k: fields[k] for k in OBJECTIVES_FIELDS.get(action, frozenset()) if k in fields}
    return {**validated, **extra}


class ReferenceTaken(ValueError):
    """A contract was created under this reference by another request: nothing changed."""

    def __init__(self, reference: str) -> None:
        super().__init__(
            f"la référence « {reference} » est déjà celle d'un contrat créé avec d'autres "
            "termes : rien n'a changé. Choisir une autre référence, ou modifier ce contrat "
            "par ses décisions (avenant)"
        )


class ServiceUnavailable(RuntimeError):
    """Temporal cannot be reached or did not answer in time; the same request may be sent
    again (after `headers`' Retry-After)."""

    def __init__(self, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(RETRY_AFTER_SECONDS), **(headers or {})}


class DecisionPending(ServiceUnavailable):
    """No worker took the decision up in time. It is not taken, yet Temporal may still deliver
    it to a worker that comes back: the same request sent again with the same idempotency key
    gets its outcome, and never takes it twice."""

    def __init__(self, key: str, waited: float) -> None:
        super().__init__(
            f"aucun worker n'a pris la décision en charge en {waited:g} s : elle n'est pas "
            "enregistrée, mais pourra encore être appliquée au retour d'un worker. Renvoyer la "
            f"même requête avec l'en-tête Idempotency-Key « {key} » donne son issue, sans "
            "jamais l'appliquer deux fois",
            {"Idempotency-Key": key},
        )
        self.key = key


@dataclass
class ContractRows:
    contract: RowMapping
    terms_json: str
    agenda: Sequence[RowMapping]
    events: Sequence[RowMapping]
    # The objectives in force with their trajectories (`cpom.objectives_view`), or None.
    objectives: dict[str, Any] | None = None


# The contract page's reads, built once as Core statements: no ORM objects to make, no statement
# and cache key to build at every request.
_TABLES = SQLModel.metadata.tables
_REFERENCE: BindParameter[str] = bindparam("reference", type_=String)
_CONTRACTS = _TABLES["contract"]
_TERMS = _TABLES["contract_terms"]
_AGENDA = _TABLES["agenda_item"]
_EVENTS = _TABLES["contract_event"]
_SETS = objectives_store.SETS
_VERSIONS = _SETS.alias("versions")
# The contract's row, its terms and the version of its objectives in force (one row each) in
# one statement; its reports are read only when it has objectives.
_CONTRACT = (
    core_select(
        _CONTRACTS,
        _TERMS.c.terms_json,
        _SETS.c.version.label("objectives_version"),
        _SETS.c.adopted_on.label("objectives_adopted_on"),
        _SETS.c.basis.label("objectives_basis"),
        _SETS.c.objectives_json,
    )
    .join(_TERMS, _TERMS.c.reference == _CONTRACTS.c.reference)
    .outerjoin(
        _SETS,
        (_SETS.c.reference == _CONTRACTS.c.reference)
        & (
            _SETS.c.version
            == core_select(func.max(_VERSIONS.c.version))
            .where(_VERSIONS.c.reference == _REFERENCE)
            .scalar_subquery()
        ),
    )
    .where(_CONTRACTS.c.reference == _REFERENCE)
)
_AGENDA_ROWS = (
    core_select(_AGENDA)
    .where(_AGENDA.c.reference == _REFERENCE)
    .order_by(_AGENDA.c.day, _AGENDA.c.key)
)
_EVENT_ROWS = (
    core_select(_EVENTS).where(_EVENTS.c.reference == _REFERENCE).order_by(_EVENTS.c.sequence)
)


@dataclass
class Created:
    reference: str
    created: bool
    phase: str


def today() -> date:
    return local_date(datetime.now(UTC))


class ContractService:
    def __init__(
        self,
        client: Client,
        engine: Engine,
        task_queue: str,
        *,
        temporal_timeout: float = 10.0,
        worker_wait: float = 10.0,
        names_in_search_attributes: bool = True,
    ) -> None:
        self.client = client
        self.engine = engine
        self.task_queue = task_queue
        # Deadlines of every call to Temporal: each RPC's own, and the whole call's, since
        # the client retries some failures and waits for a connection without limit.
        self.temporal_timeout = temporal_timeout
        self.worker_wait = worker_wait
        self.names_in_search_attributes = names_in_search_attributes
        # Decisions are counted on the meter of the client's runtime: its /metrics, if served.
        self.meter = metrics.meter_of(client)

    @classmethod
    def configured(cls, client: Client, engine: Engine, settings: Settings) -> ContractService:
        return cls(
            client,
            engine,
            settings.task_queue,
            temporal_timeout=settings.temporal_timeout_seconds,
            worker_wait=settings.worker_wait_seconds,
            names_in_search_attributes=settings.names_in_search_attributes,
        )

    async def create(
        self,
        raw_terms: Mapping[str, Any],
        *,
        imported: bool = False,
        declared_up_to_date_on: date | None = None,
        authority: str | None = None,
    ) -> Created:
        """Start the contract's workflow; a second call with the same reference changes nothing.

        An imported contract may declare its annual cycle (documents, dialogues, relevés) done
        up to a day; what fell due before and is not declared shows as missed. An agent scoped
        to an `authority` creates only contracts that authority signs.
        """
        terms, objectives = created_contract_from_mapping(raw_terms)
        if authority is not None:
            outside_authority(terms, authority)
        day = today()
        if terms.signed_on is not None and terms.signed_on > day:
            # As the import refuses it (found by probing: signed in 2035, created in force).
            raise InvalidTerms(
                [
                    Problem(
                        "signed_on",
                        f"la date de signature ne peut pas être postérieure à aujourd'hui "
                        f"({day:%d/%m/%Y})",
                    )
                ]
            )
        if declared_up_to_date_on is not None and not (
            terms.effet <= declared_up_to_date_on <= day
        ):
            raise InvalidTerms(
                [
                    Problem(
                        "declared_up_to_date_on",
                        f"le {declared_up_to_date_on:%d/%m/%Y} doit être entre la date d'effet "
                        f"({terms.effet:%d/%m/%Y}) et aujourd'hui",
                    )
                ]
            )
        state = ContractState(
            terms,
            initial_phase(terms, day),
            imported=imported,
            declared_up_to_date_on=declared_up_to_date_on if imported else None,
            calendar_law=CALENDAR_LAW,
        )
        if not imported and (late := reminders_already_due(state, datetime.now(UTC))):
            # Started so, its workflow would send every one of them at once, each saying
            # « dans 30 jours » of a day long past (found by probing).
            s = "s" if len(late) > 1 else ""
            raise InvalidTerms(
                [
                    Problem(
                        "imported",
                        f"{len(late)} rappel{s} de ce contrat tomb{'ent' if s else 'e'} avant "
                        f"aujourd'hui (le premier le {late[0]:%d/%m/%Y}) : un contrat déjà en "
                        "vigueur se crée comme importé (« imported » : true), qui tient ses "
                        "rappels et échéances passés pour passés, sans les envoyer",
                    )
                ]
            )
        sent = creation_requests.digest(terms, objectives, imported, state.declared_up_to_date_on)
        claim = await asyncio.to_thread(creation_requests.claim, self.engine, terms.reference, sent)
        if await asyncio.to_thread(self._ended, terms.reference):
            # Its workflow has ended, and Temporal may have forgotten it (past the namespace's
            # retention): a contract ended is never started again.
            return await self._present(terms, objectives, authority, sent, claim)
        try:
            async with asyncio.timeout(self.temporal_timeout):
                await self.client.start_workflow(
                    "Cpom",
                    ContractInput(
                        state, names_in_search_attributes=self.names_in_search_attributes
                    ),
                    id=workflow_id(terms.reference),
                    task_queue=self.task_queue,
                    rpc_timeout=timedelta(seconds=self.temporal_timeout),
                    # Nor while Temporal remembers its run closed (Temporal's default would
                    # start a new run: a terminated contract came back to life, found by
                    # probing). A contract Temporal lost is started again (« Importing
                    # contracts in force »).
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                )
        except WorkflowAlreadyStartedError:
            return await self._present(terms, objectives, authority, sent, claim)
        except (RPCError, TimeoutError) as error:
            why = "est injoignable" if isinstance(error, RPCError) else "n'a pas répondu"
            raise ServiceUnavailable(
                f"Temporal {why} en {self.temporal_timeout:g} s : renvoyer la même requête "
                "plus tard ; elle ne créera pas le contrat deux fois"
            ) from error
        if claim is creation_requests.Claim.OTHER:
            # The request whose digest was stored never started its contract: this one did.
            await asyncio.to_thread(creation_requests.adopt, self.engine, terms.reference, sent)
        # The same state the workflow starts from, so that the contract is listed at once with
        # the agenda its workflow is about to project.
        update = ProjectionUpdate(
            terms,
            state.phase,
            day,
            0,
            [],
            # The workflow's first projection adds the monthly steps: written once, not twice.
            agenda=live_agenda(state, day, monthly=False),
            agenda_complete=True,
            risk=at_risk(state, day),
        )
        await asyncio.to_thread(self._record_if_absent, update)
        await asyncio.to_thread(self._adopt_objectives, terms, objectives)
        return Created(terms.reference, True, state.phase.value)

    async def _same_request(
        self, reference: str, sent: str, claim: creation_requests.Claim
    ) -> None:
        """Refuse a request for a contract there already, unless it is the one that created it
        (see `cpom.creation_requests`)."""
        if claim is creation_requests.Claim.NEW:
            stored = await asyncio.to_thread(creation_requests.stored, self.engine, reference)
            if stored in (None, sent):
                # Its contract was created before digests were kept: answered as before.
                await asyncio.to_thread(creation_requests.forget, self.engine, reference, sent)
                return
            # Another request started it meanwhile, and stored its own.
        elif claim is creation_requests.Claim.SAME:
            return
        raise ReferenceTaken(reference)

    async def _present(
        self,
        terms: ContractTerms,
        objectives: tuple[Objective, ...],
        authority: str | None,
        sent: str,
        claim: creation_requests.Claim,
    ) -> Created:
        """The contract there already: the same request again changes nothing, another one is
        refused."""
        record = await self._listed(terms.reference)
        if authority is not None and not await asyncio.to_thread(
            tenancy.signs, self.engine, authority, record.reference
        ):
            # Another authority's contract: neither shown nor compared.
            if claim is creation_requests.Claim.NEW:
                await asyncio.to_thread(
                    creation_requests.forget, self.engine, terms.reference, sent
                )
            raise InvalidTerms(
                [Problem("reference", f"la référence « {terms.reference} » est déjà prise")]
            )
        await self._same_request(terms.reference, sent, claim)
        # A first request that stopped between the two writes left the objectives to this one.
        await asyncio.to_thread(self._adopt_objectives, terms, objectives)
        return Created(terms.reference, False, record.phase)

    def _ended(self, reference: str) -> bool:
        """Whether the projection lists the contract as ended."""
        with self.engine.connect() as connection:
            phase = value_of(connection, _CONTRACTS, "phase", {"reference": reference})
        return phase in {ended.value for ended in ENDED}

    def _adopt_objectives(self, terms: ContractTerms, objectives: tuple[Objective, ...]) -> None:
        objectives_store.adopt_with_terms(self.engine, terms, objectives)

    async def _listed(self, reference: str) -> ContractRecord:
        """The contract whose workflow runs already, once it is listed: a request creating it
        at the same moment may not have written it yet."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + PROJECTION_WAIT_SECONDS
        while True:
            try:
                return await asyncio.to_thread(self.record, reference)
            except ContractNotFound:
                if loop.time() > give_up:
                    raise ServiceUnavailable(
                        f"le contrat « {reference} » est en cours de création : renvoyer la "
                        "même requête dans quelques secondes"
                    ) from None
            await asyncio.sleep(0.02)  # polling the projection, bounded by give_up

    def _record_if_absent(self, update: ProjectionUpdate) -> None:
        # The worker may already have projected the contract: never go back on its phase.
        with Session(self.engine) as session:
            if session.get(ContractRecord, update.contract_reference) is not None:
                return
        projection.record(self.engine, update)

    def detail(self, reference: str, connection: Connection) -> ContractRows:
        """Everything the contract's page shows, read on `connection` as plain rows: the most
        read path of the service, kept clear of the ORM's bookkeeping, in three statements (four
        with objectives)."""
        key = {"reference": reference}
        contract = connection.execute(_CONTRACT, key).mappings().first()
        if contract is None:
            raise ContractNotFound(reference)
        objectives = None
        if contract["objectives_version"] is not None:
            objectives = objectives_payload(
                objectives_store.set_from(
                    contract["objectives_version"],
                    contract["objectives_adopted_on"],
                    contract["objectives_basis"],
                    contract["objectives_json"],
                ),
                objectives_store.reports_in(connection, reference),
                contract["echeance"].year,
            )
        return ContractRows(
            contract,
            contract["terms_json"],
            connection.execute(_AGENDA_ROWS, key).mappings().all(),
            connection.execute(_EVENT_ROWS, key).mappings().all(),
            objectives,
        )

    def record(self, reference: str) -> ContractRecord:
        with Session(self.engine) as session:
            record = session.get(ContractRecord, reference)
        if record is None:
            raise ContractNotFound(reference)
        return record

    def terms(self, reference: str) -> ContractTerms:
        self.record(reference)
        with Session(self.engine) as session:
            stored = session.get(ContractTermsRecord, reference)
        if stored is None:
            raise ContractNotFound(reference)
        return projection.TERMS.validate_json(stored.terms_json)

    def agenda(self, reference: str) -> list[AgendaItem]:
        """The contract's live agenda as its workflow last projected it."""
        with Session(self.engine) as session:
            return projection.items_of(projection.agenda_rows(session.connection(), reference))

    async def act(
        self,
        reference: str,
        action: str,
        fields: Mapping[str, Any],
        *,
        actor: str,
        caller: str | None = None,
        idempotency_key: str | None = None,
        internal: bool = False,
    ) -> DecisionResult:
        """Take a decision through the contract's workflow, at most once per idempotency key
        of the caller (see `cpom.idempotency`); without a key, one is made for this request.
        `internal`: a decision a service takes for a route of its own (INTERNAL_DECISIONS)."""
        await asyncio.to_thread(self.record, reference)
        decision_type = DECISIONS.get(action) or (
            INTERNAL_DECISIONS.get(action) if internal else None
        )
        if decision_type is None:
            raise UnknownAction(action)
        if unknown := unknown_fields(action, decision_type, fields):
            raise InvalidAction(unknown)
        try:
            decision: object = TypeAdapter(decision_type).validate_python(
                {**fields, "actor": actor}
            )
        except ValidationError as error:
            raise InvalidAction(french_problems(error)) from None
        # Terms signed with the decision: their names fit as the created contract's do.
        terms = getattr(decision, "terms", None)
        if isinstance(terms, ContractTerms) and (too_long := name_length_problems(terms)):
            raise InvalidAction([f"terms.{problem}" for problem in too_long])
        who = caller or actor
        key = idempotency_key or idempotency.new_key()
        claim = await asyncio.to_thread(
            idempotency.claim,
            self.engine,
            who,
            key,
            reference,
            action,
            fields,
            datetime.now(UTC),
            understood(action, decision, fields),
        )
        outcome = claim.outcome
        if outcome is None:
            try:
                outcome = await self._decide(reference, action, decision, key, claim.update_id)
            except DecisionPending:
                metrics.decided(self.meter, action, "pending")
                raise
            metrics.decided(self.meter, action, "refused" if outcome.refusal else "taken")
            await asyncio.to_thread(
                idempotency.settle, self.engine, who, key, claim.update_id, outcome
            )
            if outcome.refusal is None:
                await self._projected(reference, outcome.events)
        if outcome.refusal is not None:
            raise ActionRefused(outcome.refusal)
        return outcome.result()

    async def _decide(
        self, reference: str, action: str, decision: object, key: str, update_id: str
    ) -> idempotency.Outcome:
        """The workflow's answer, or `DecisionPending` when no worker answers in time: an
        update no worker accepted is only admitted, not yet written in the workflow's history."""
        handle = self.client.get_workflow_handle(workflow_id(reference))
        try:
            async with asyncio.timeout(self.worker_wait):
                result: DecisionResult = await handle.execute_update(
                    action,
                    decision,
                    id=update_id,
                    result_type=DecisionResult,
                    rpc_timeout=timedelta(seconds=self.worker_wait),
                )
        except WorkflowUpdateFailedError as error:
            return idempotency.Outcome.refused(refusal_reason(error))
        except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
            raise DecisionPending(key, self.worker_wait) from None
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                return idempotency.Outcome.refused("le contrat est terminé : plus aucune décision")
            raise ServiceUnavailable(
                "Temporal est injoignable : renvoyer la même requête plus tard avec l'en-tête "
                f"Idempotency-Key « {key} »",
                {"Idempotency-Key": key},
            ) from error
        return idempotency.Outcome.taken(result)

    async def health(self) -> temporal_health.Health:
        """Whether Temporal answers and a worker polls the task queue, in 2 seconds at most."""
        return await temporal_health.check(
            self.client, self.task_queue, temporal_health.DEADLINE_SECONDS
        )

    async def readiness(self) -> Readiness:
        """Whether the database, Temporal and a worker are there, in 2 seconds at most."""
        return await readiness_check(self.client, self.engine, self.task_queue)

    async def _projected(self, reference: str, events: int) -> None:
        """Wait (a few seconds at most) until the projection holds the decision, so that what
        the caller reads next is where the contract stands."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + PROJECTION_WAIT_SECONDS
        try:
            while await asyncio.to_thread(self._projected_events, reference) < events:
                if loop.time() > give_up:
                    return
                await asyncio.sleep(0.02)
        except OperationalError:
            # The decision is taken; the database came down meanwhile and the worker will
            # project it when it is back. The caller learns the decision, not the outage.
            return

    def _projected_events(self, reference: str) -> int:
        with Session(self.engine) as session:
            last = session.exec(
                select(func.max(EventRecord.sequence)).where(EventRecord.reference == reference)
            ).one()
        return -1 if last is None else last + 1

    def documents(self, reference: str) -> Sequence[DocumentRecord]:
        with Session(self.engine) as session:
            return session.exec(
                select(DocumentRecord)
                .where(DocumentRecord.reference == reference)
                .order_by(col(DocumentRecord.id))
            ).all()

    def events(self, reference: str) -> Sequence[EventRecord]:
        with Session(self.engine) as session:
            return session.exec(
                select(EventRecord)
                .where(EventRecord.reference == reference)
                .order_by(col(EventRecord.sequence))
            ).all()

    def caught_mail(
        self, limit: int = 200, authority: str | None = None
    ) -> Sequence[CaughtMailRecord]:
        """The mail caught locally, the latest first; about `authority`'s contracts only when
        one is given."""
        query = select(CaughtMailRecord)
        if authority is not None:
            mine = tenancy.references_of(authority)
            query = query.where(col(CaughtMailRecord.reference).in_(mine))
        with Session(self.engine) as session:
            return session.exec(query.order_by(col(CaughtMailRecord.id).desc()).limit(limit)).all()

    def notices(self, reference: str) -> Sequence[NoticeRecord]:
        self.record(reference)
        with Session(self.engine) as session:
            return session.exec(
                select(NoticeRecord)
                .where(NoticeRecord.reference == reference)
                .order_by(col(NoticeRecord.id))
            ).all()

    def document(self, reference: str, document_id: int) -> DocumentRecord:
        if not 1 <= document_id <= MAX_ROW_ID:
            raise DocumentNotFound(reference, document_id)
        with Session(self.engine) as session:
            document = session.get(DocumentRecord, document_id)
        if document is None or document.reference != reference:
            raise DocumentNotFound(reference, document_id)
        return document

    def calendar_ics(self, reference: str) -> bytes:
        record = self.record(reference)
        return agenda_to_ics(
            f"CPOM {reference}", [(record, self.agenda(reference))], datetime.now(UTC), today()
        )

    def person_calendar_ics(self, principal: Principal) -> bytes:
        """What a person follows, for a calendar application: the open steps and legal dates
        still to come of every contract they may read."""
        day = today()
        with Session(self.engine) as session:
            rows = session.exec(followed_steps_query(principal, day)).all()
        by_contract: dict[str, tuple[ContractRecord, list[AgendaItem]]] = {}
        for row, contract in rows:
            by_contract.setdefault(row.reference, (contract, []))[1].append(
                projection.item_from_record(row)
            )
        return agenda_to_ics(
            f"CPOM — {principal.name}", list(by_contract.values()), datetime.now(UTC), day
        )


def outside_authority(terms: ContractTerms, authority: str) -> None:
    """Refuse, in French, a contract `authority` does not sign."""
    keys = [a.key for a in terms.authorities]
    if authority not in keys:
        raise InvalidTerms(
            [
                Problem(
                    "authority",
                    f"un agent de l'autorité « {authority} » ne crée que les contrats qu'elle "
                    f"signe ; celui-ci est signé par : {', '.join(keys)}",
                )
            ]
        )


# A person's feed: what is open from three months ago to two years ahead.
FEED_PAST = timedelta(days=92)
FEED_AHEAD = timedelta(days=731)


def french_problems(error: ValidationError) -> list[str]:
    return [
        f"{'.'.join(str(part) for part in item['loc']) or 'corps'} : {french_message(item)}"
        for item in error.errors()
    ]

"""The service layer behind the HTTP API: contracts created, listed, read and acted upon.

Routes stay thin and call these methods; every refusal is an exception carrying a French message.
"""

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from icalendar import Calendar
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from cpom.calendar_export import calendar_to_ics
from cpom.db import projection
from cpom.db.models import (
    CaughtMailRecord,
    ContractRecord,
    ContractTermsRecord,
    DocumentRecord,
    EventRecord,
    NoticeRecord,
)
from cpom.domain.calendar import ContractCalendar, build_calendar
from cpom.domain.clock import local_date
from cpom.domain.lifecycle import ContractState, initial_phase
from cpom.domain.terms import ContractTerms
from cpom.domain.terms_input import terms_from_mapping
from cpom.messages import (
    DECISIONS,
    ContractInput,
    ContractView,
    DecisionResult,
    ProjectionUpdate,
    workflow_id,
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


class ServiceUnavailable(RuntimeError):
    """Temporal cannot be reached; the request may be retried."""


@dataclass
class Created:
    reference: str
    created: bool
    phase: str


@dataclass
class Filters:
    phase: str | None = None
    authority: str | None = None
    gestionnaire: str | None = None
    sector: str | None = None
    deadline_before: date | None = None
    overdue: bool = False
    owner_siren: str | None = None


def today() -> date:
    return local_date(datetime.now(UTC))


class ContractService:
    def __init__(self, client: Client, engine: Engine, task_queue: str) -> None:
        self.client = client
        self.engine = engine
        self.task_queue = task_queue

    async def create(
        self,
        raw_terms: Mapping[str, Any],
        *,
        imported: bool = False,
        declared_up_to_date_on: date | None = None,
    ) -> Created:
        """Start the contract's workflow; a second call with the same reference changes nothing.

        `declared_up_to_date_on`: for an imported contract, the day up to which its past
        obligations (annual documents, dialogues de gestion) are declared done."""
        # declared_up_to_date_on is accepted only for now: the lead wires it into the state.
        terms = terms_from_mapping(raw_terms)
        day = today()
        state = ContractState(terms, initial_phase(terms, day), imported=imported)
        try:
            await self.client.start_workflow(
                "Cpom",
                ContractInput(state),
                id=workflow_id(terms.reference),
                task_queue=self.task_queue,
            )
        except WorkflowAlreadyStartedError:
            record = await asyncio.to_thread(self.record, terms.reference)
            return Created(terms.reference, False, record.phase)
        except RPCError as error:
            raise ServiceUnavailable("Temporal est injoignable, réessayer plus tard") from error
        update = ProjectionUpdate(terms, state.phase, day, 0, [])
        await asyncio.to_thread(self._record_if_absent, update)
        return Created(terms.reference, True, state.phase.value)

    def _record_if_absent(self, update: ProjectionUpdate) -> None:
        # The worker may already have projected the contract: never go back on its phase.
        with Session(self.engine) as session:
            if session.get(ContractRecord, update.terms.reference) is not None:
                return
        projection.record(self.engine, update)

    def list(
        self, filters: Filters, *, page: int = 1, per_page: int = 50
    ) -> tuple[int, Sequence[ContractRecord]]:
        query = select(ContractRecord)
        if filters.phase:
            query = query.where(ContractRecord.phase == filters.phase)
        if filters.authority:
            query = query.where(col(ContractRecord.authority_name).contains(filters.authority))
        if filters.gestionnaire:
            query = query.where(
                col(ContractRecord.gestionnaire).contains(filters.gestionnaire)
                | (col(ContractRecord.gestionnaire_siren) == filters.gestionnaire)
            )
        if filters.sector:
            query = query.where(ContractRecord.sector == filters.sector)
        if filters.owner_siren:
            query = query.where(ContractRecord.gestionnaire_siren == filters.owner_siren)
        if filters.deadline_before:
            query = query.where(col(ContractRecord.next_deadline) <= filters.deadline_before)
        if filters.overdue:
            query = query.where(col(ContractRecord.next_deadline) < today())
        with Session(self.engine) as session:
            total = session.exec(select(func.count()).select_from(query.subquery())).one()
            rows = session.exec(
                query.order_by(
                    col(ContractRecord.next_deadline).is_(None),
                    col(ContractRecord.next_deadline),
                    col(ContractRecord.reference),
                )
                .offset((page - 1) * per_page)
                .limit(per_page)
            ).all()
        return total, rows

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

    async def view(self, reference: str) -> ContractView | None:
        """The workflow's own view, or None when no worker answers (the projection remains)."""
        handle = self.client.get_workflow_handle(workflow_id(reference))
        try:
            view: ContractView = await asyncio.wait_for(
                handle.query("view", result_type=ContractView), timeout=5
            )
        except (RPCError, TimeoutError):
            return None
        return view

    async def act(
        self,
        reference: str,
        action: str,
        fields: Mapping[str, Any],
        *,
        actor: str,
        idempotency_key: str | None = None,
    ) -> DecisionResult:
        await asyncio.to_thread(self.record, reference)
        decision_type = DECISIONS.get(action)
        if decision_type is None:
            raise UnknownAction(action)
        try:
            decision: object = TypeAdapter(decision_type).validate_python(
                {**fields, "actor": actor}
            )
        except ValidationError as error:
            raise InvalidAction(french_problems(error)) from None
        handle = self.client.get_workflow_handle(workflow_id(reference))
        try:
            result: DecisionResult = await handle.execute_update(
                action, decision, id=idempotency_key, result_type=DecisionResult
            )
        except WorkflowUpdateFailedError as error:
            cause = error.cause
            message = cause.message if isinstance(cause, ApplicationError) else str(cause)
            raise ActionRefused(message) from None
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                raise ActionRefused("le contrat est terminé : plus aucune décision") from None
            raise ServiceUnavailable("Temporal est injoignable, réessayer plus tard") from error
        return result

    def phase_counts(self, owner_siren: str | None = None) -> dict[str, int]:
        query = select(ContractRecord.phase, func.count()).group_by(col(ContractRecord.phase))
        if owner_siren:
            query = query.where(ContractRecord.gestionnaire_siren == owner_siren)
        with Session(self.engine) as session:
            return dict(session.exec(query).all())

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

    def caught_mail(self, limit: int = 200) -> Sequence[CaughtMailRecord]:
        with Session(self.engine) as session:
            return session.exec(
                select(CaughtMailRecord).order_by(col(CaughtMailRecord.id).desc()).limit(limit)
            ).all()

    def notices(self, reference: str) -> Sequence[NoticeRecord]:
        self.record(reference)
        with Session(self.engine) as session:
            return session.exec(
                select(NoticeRecord)
                .where(NoticeRecord.reference == reference)
                .order_by(col(NoticeRecord.id))
            ).all()

    def document(self, reference: str, document_id: int) -> DocumentRecord:
        with Session(self.engine) as session:
            document = session.get(DocumentRecord, document_id)
        if document is None or document.reference != reference:
            raise DocumentNotFound(reference, document_id)
        return document

    def calendar(self, reference: str) -> tuple[ContractTerms, ContractCalendar]:
        terms = self.terms(reference)
        return terms, build_calendar(terms)

    def calendar_ics(self, reference: str) -> bytes:
        return calendar_to_ics(*self.calendar(reference))

    def portfolio_ics(self, owner_siren: str | None = None) -> bytes:
        """Every contract's milestones in one feed for a supervisor's calendar application."""
        query = select(ContractTermsRecord).join(ContractRecord)
        if owner_siren:
            query = query.where(ContractRecord.gestionnaire_siren == owner_siren)
        with Session(self.engine) as session:
            stored = session.exec(query).all()
        feeds = [
            calendar_to_ics(terms, build_calendar(terms))
            for terms in (projection.TERMS.validate_json(s.terms_json) for s in stored)
        ]
        return merge_ics(feeds)


def merge_ics(feeds: list[bytes]) -> bytes:
    merged = Calendar()
    merged.add("prodid", "-//cpom//portefeuille CPOM//FR")
    merged.add("version", "2.0")
    merged.add("x-wr-calname", "Portefeuille CPOM")
    for feed in feeds:
        for event in Calendar.from_ical(feed).walk("VEVENT"):
            merged.add_component(event)
    ical: bytes = merged.to_ical()
    return ical


_FRENCH_ERRORS = {
    "missing": "champ obligatoire manquant",
    "extra_forbidden": "champ inconnu",
    "date_from_datetime_parsing": "date attendue au format AAAA-MM-JJ",
    "date_parsing": "date attendue au format AAAA-MM-JJ",
    "date_type": "date attendue au format AAAA-MM-JJ",
    "int_parsing": "nombre entier attendu",
    "int_type": "nombre entier attendu",
    "bool_parsing": "true ou false attendu",
    "bool_type": "true ou false attendu",
    "string_type": "texte attendu",
    "list_type": "liste attendue",
    "enum": "valeur non prévue",
    "dataclass_type": "objet attendu",
    "model_type": "objet attendu",
    "dict_type": "objet attendu",
}


def french_problems(error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "corps"
        message = _FRENCH_ERRORS.get(item["type"], item["msg"])
        if item["type"] == "enum" and "expected" in item.get("ctx", {}):
            message += f" (possibles : {item['ctx']['expected']})"
        problems.append(f"{where} : {message}")
    return problems

"""The substance of a contract behind the API: its objectives, yearly reports and decisions.

The workflow holds the contract's dates and decisions; the objectives, too large for its state,
live in the database (`cpom.db.objectives_store`). They change with the decisions that may change
them: an avenant may bring a new version (`objectives` beside its fields), a dialogue de gestion
records a decision on each objective (`objective_decisions`). Those are checked before the
workflow decides, and written once it has accepted: a refused decision changes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import date
from typing import Any

from cpom.db import objectives_store
from cpom.db.objectives_store import OBJECTIVES, REPORT
from cpom.domain.lifecycle import contract_year_of
from cpom.domain.objectives import (
    CLOSED_STATUSES,
    DECISION_LABELS,
    Decision,
    ObjectiveDecision,
    YearlyReport,
    action_deadlines,
    report_item,
)
from cpom.domain.objectives_validation import decision_problems, report_problems
from cpom.domain.terms_input import (
    decisions_from_mapping,
    objectives_from_mapping,
    parse_date,
    report_from_mapping,
)
from cpom.domain.terms_validation import InvalidTerms, Problem
from cpom.messages import DecisionResult
from cpom.objectives_review_export import ReviewInput
from cpom.objectives_view import bilans, objectives_payload
from cpom.service import ContractService, InvalidAction, today

AVENANT = "sign_avenant"
SIGN = "sign"
DIALOGUE = "record_dialogue"


class ObjectivesService:
    def __init__(self, contracts: ContractService) -> None:
        self.contracts = contracts
        self.engine = contracts.engine

    def view(self, reference: str) -> dict[str, Any]:
        """The objectives in force with their trajectories, every version, every yearly report
        and every decision on an objective."""
        terms = self.contracts.terms(reference)
        reports = objectives_store.reports(self.engine, reference)
        current = objectives_store.current(self.engine, reference)
        return {
            "current": objectives_payload(current, reports, terms.current_echeance.year),
            "bilans": bilans(terms, current, reports, today()),
            # Each version as it was adopted: what an avenant changed stays readable.
            "history": [
                {
                    "version": s.version,
                    "adopted_on": s.adopted_on,
                    "basis": s.basis,
                    "objectives": OBJECTIVES.dump_python(s.objectives, mode="json"),
                }
                for s in objectives_store.history(self.engine, reference)
            ],
            "reports": [REPORT.dump_python(report, mode="json") for report in reports],
            "decisions": [
                {
                    "contract_year": d.contract_year,
                    "held_on": d.held_on,
                    "objective_id": d.objective_id,
                    "decision": d.decision,
                    "decision_label": DECISION_LABELS[Decision(d.decision)],
                    "reasons": d.reasons,
                }
                for d in objectives_store.decisions(self.engine, reference)
            ],
        }

    def review_input(self, reference: str, year: int) -> ReviewInput:
        """The yearly objectives review of `year`, for the dialogue de gestion's meeting."""
        terms = self.contracts.terms(reference)
        first, last = terms.effet.year, terms.current_echeance.year
        if not first <= year <= last:
            raise InvalidAction(
                [f"l'exercice {year} n'est pas couvert par le contrat ({first} à {last})"]
            )
        current = objectives_store.current(self.engine, reference)
        return ReviewInput(
            reference=reference,
            gestionnaire=terms.gestionnaire.raison_sociale,
            authorities=tuple(a.name for a in terms.authorities),
            establishments=terms.establishments,
            objectives=current.objectives if current else (),
            reports=tuple(objectives_store.reports(self.engine, reference)),
            year=year,
            first_year=first,
            last_year=last,
        )

    async def act(
        self,
        reference: str,
        action: str,
        fields: Mapping[str, Any],
        *,
        actor: str,
        caller: str | None,
        idempotency_key: str | None,
    ) -> DecisionResult:
        """`ContractService.act`, with the objectives the signature or an avenant brings, or
        the decisions on objectives a dialogue records, checked first and written once the
        workflow accepts."""
        fields = dict(fields)
        new_objectives = fields.pop("objectives", None) if action in (SIGN, AVENANT) else None
        raw_decisions = fields.pop("objective_decisions", None) if action == DIALOGUE else None
        objectives = None
        decisions: list[ObjectiveDecision] = []
        if new_objectives is not None:
            terms = await asyncio.to_thread(self.contracts.terms, reference)
            try:
                objectives = objectives_from_mapping({"objectives": new_objectives}, terms)
            except InvalidTerms as error:
                raise InvalidAction(_messages(error.problems)) from None
        if raw_decisions is not None:
            decisions = await asyncio.to_thread(self._decisions, reference, raw_decisions)
        if objectives is not None:
            # The workflow reminds the due dates of the new objectives' actions.
            fields["action_deadlines"] = [
                {"id": d.id, "title": d.title, "due": d.due.isoformat()}
                for d in action_deadlines(objectives)
            ]
        result = await self.contracts.act(
            reference,
            action,
            # The decision ignores them; the idempotency key covers them with the rest.
            {**fields, **_extra(new_objectives, raw_decisions)},
            actor=actor,
            caller=caller,
            idempotency_key=idempotency_key,
        )
        if objectives is not None:
            signed_on = parse_date(fields.get("signed_on"))
            basis = (
                f"contrat signé le {signed_on:%d/%m/%Y}"
                if action == SIGN
                else f"avenant signé le {signed_on:%d/%m/%Y} : {fields.get('summary', '')}"
            )
            await asyncio.to_thread(self._adopt_signed, reference, signed_on, basis, objectives)
        if decisions:
            held_on = parse_date(fields.get("held_on"))
            terms = await asyncio.to_thread(self.contracts.terms, reference)
            await asyncio.to_thread(
                objectives_store.record_decisions,
                self.engine,
                reference,
                contract_year_of(terms, held_on),
                held_on,
                decisions,
            )
        return result

    def _adopt_signed(
        self, reference: str, signed_on: date, basis: str, objectives: tuple[Any, ...]
    ) -> None:
        current = objectives_store.current(self.engine, reference)
        # The same signature sent again (its idempotency key) adds no version.
        if current is not None and current.basis == basis and current.objectives == objectives:
            return
        version = objectives_store.next_version(self.engine, reference)
        objectives_store.adopt(self.engine, reference, version, signed_on, basis, objectives)

    def _decisions(self, reference: str, raw: object) -> list[ObjectiveDecision]:
        current = objectives_store.current(self.engine, reference)
        try:
            decisions = decisions_from_mapping(raw)
        except InvalidTerms as error:
            raise InvalidAction(_messages(error.problems)) from None
        if problems := decision_problems(decisions, current.objectives if current else ()):
            raise InvalidAction(_messages(problems))
        return decisions

    async def submit_report(
        self,
        reference: str,
        exercise: int,
        raw: Mapping[str, Any],
        *,
        actor: str,
        caller: str | None,
        idempotency_key: str | None,
    ) -> YearlyReport:
        """Record the exercise's report; when the contract lists it among the annual documents
        (synthèse des fiches objectifs, indicateurs), it is submitted as that document too, so
        its reminders stop as the other documents' do; the actions it reports done or
        abandoned are no longer reminded."""
        terms = await asyncio.to_thread(self.contracts.terms, reference)
        current = await asyncio.to_thread(objectives_store.current, self.engine, reference)
        if current is None:
            raise InvalidAction(["aucun objectif n'est inscrit au contrat : rien à déclarer"])
        try:
            report = report_from_mapping(exercise, raw)
        except InvalidTerms as error:
            raise InvalidAction(_messages(error.problems)) from None
        if problems := report_problems(
            report,
            current.objectives,
            terms.effet.year,
            terms.current_echeance.year,
            today(),
        ):
            raise InvalidAction(_messages(problems))
        reminded = {deadline.id for deadline in terms.action_deadlines}
        statuses = [p for p in report.actions if p.action_id in reminded]
        await self.contracts.act(
            reference,
            "report_objectives",
            {
                "exercise": exercise,
                "item": report_item(terms.rules.annual_document_items),
                "closed": [p.action_id for p in statuses if p.status in CLOSED_STATUSES],
                "reopened": [p.action_id for p in statuses if p.status not in CLOSED_STATUSES],
            },
            actor=actor,
            caller=caller,
            idempotency_key=idempotency_key,
            internal=True,
        )
        await asyncio.to_thread(
            objectives_store.save_report, self.engine, reference, report, today(), actor
        )
        return report


def _messages(problems: list[Problem]) -> list[str]:
    return [f"{problem.field} : {problem.message}" for problem in problems]


def _extra(objectives: object, decisions: object) -> dict[str, object]:
    extra: dict[str, object] = {}
    if objectives is not None:
        extra["objectives"] = objectives
    if decisions is not None:
        extra["objective_decisions"] = decisions
    return extra

"""What letters and documents say of a contract's substance, read from the database when they
are written: the objectives and their trajectory in the dialogue's convocation, the decision on
each objective in the relevé de décisions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine

from cpom.db import objectives_store
from cpom.db.models import ObjectiveDecisionRecord
from cpom.db.objectives_store import ObjectiveSet
from cpom.domain.agenda import DocumentKind, NoticeKind
from cpom.domain.objectives import (
    DECISION_LABELS,
    Decision,
    Objective,
    ObjectiveDecision,
    YearlyReport,
)
from cpom.domain.terms import ContractTerms
from cpom.objectives_view import objectives_payload


def notice_context(engine: Engine, kind: NoticeKind, terms: ContractTerms) -> dict[str, Any]:
    if kind is not NoticeKind.DIALOGUE_CONVOCATION:
        return {}
    return convocation_context(
        objectives_store.current(engine, terms.reference),
        objectives_store.reports(engine, terms.reference),
        terms,
    )


def convocation_context(
    current: ObjectiveSet | None, reports: list[YearlyReport], terms: ContractTerms
) -> dict[str, Any]:
    """The objectives the dialogue's convocation lists, each with its trajectory."""
    return {"objectives": objectives_payload(current, reports, terms.current_echeance.year)}


def objective_decision_lines(
    objectives: tuple[Objective, ...],
    decisions: Sequence[ObjectiveDecision | ObjectiveDecisionRecord],
) -> dict[str, Any]:
    """The relevé's decision on each objective, as it prints them."""
    titles = {o.id: o.title for o in objectives}
    return {
        "objective_decisions": [
            {
                "objective": f"Objectif {d.objective_id} : {titles.get(d.objective_id, '')}".rstrip(
                    " :"
                ),
                "decision": DECISION_LABELS[Decision(d.decision)],
                "reasons": d.reasons,
            }
            for d in decisions
        ]
    }


def document_context(
    engine: Engine, kind: DocumentKind, terms: ContractTerms, facts: dict[str, str]
) -> dict[str, Any]:
    if kind is not DocumentKind.RELEVE_DE_DECISIONS:
        return {}
    year = int(facts.get("contract_year", "0"))
    current = objectives_store.current(engine, terms.reference)
    decisions = [
        d for d in objectives_store.decisions(engine, terms.reference) if d.contract_year == year
    ]
    return objective_decision_lines(current.objectives if current else (), decisions)

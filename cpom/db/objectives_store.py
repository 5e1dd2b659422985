"""The contract's objectives, yearly reports and per-objective decisions in the database.

Objectives are versioned: version 1 comes with the terms, each avenant that changes them adds
the next, and none is ever rewritten, so their history stays readable. Writes are keyed by their
business key (contract and version, contract and exercise, contract, year and objective), so a
request sent again changes nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from pydantic import TypeAdapter
from sqlalchemy import BindParameter, Connection, Engine, String, bindparam, func
from sqlalchemy import select as core_select
from sqlmodel import Session, SQLModel, col, select

from cpom.db.models import ObjectiveDecisionRecord, ObjectiveSetRecord, ObjectivesReportRecord
from cpom.domain.objectives import Objective, ObjectiveDecision, YearlyReport
from cpom.domain.terms import ContractTerms

# Built once per process: the schema of these nested dataclasses is costly to make.
OBJECTIVES = TypeAdapter(tuple[Objective, ...])
REPORT = TypeAdapter(YearlyReport)

_TABLES = SQLModel.metadata.tables
SETS = _TABLES[ObjectiveSetRecord.__tablename__]
_REPORTS_TABLE = _TABLES[ObjectivesReportRecord.__tablename__]
_REFERENCE: BindParameter[str] = bindparam("reference", type_=String)
# Built once: making a statement and its cache key at every call costs more than running it.
_CURRENT = (
    core_select(SETS).where(SETS.c.reference == _REFERENCE).order_by(SETS.c.version.desc()).limit(1)
)
_REPORTS = (
    core_select(_REPORTS_TABLE.c.report_json)
    .where(_REPORTS_TABLE.c.reference == _REFERENCE)
    .order_by(_REPORTS_TABLE.c.exercise)
)


@dataclass(frozen=True, slots=True)
class ObjectiveSet:
    version: int
    adopted_on: date
    basis: str
    objectives: tuple[Objective, ...]


def _set_of(record: ObjectiveSetRecord) -> ObjectiveSet:
    return set_from(record.version, record.adopted_on, record.basis, record.objectives_json)


def adopt(
    engine: Engine,
    reference: str,
    version: int,
    adopted_on: date,
    basis: str,
    objectives: tuple[Objective, ...],
) -> bool:
    """Record version `version` of the objectives unless it is there; True when written."""
    with Session(engine) as session:
        if session.get(ObjectiveSetRecord, (reference, version)) is not None:
            return False
        session.add(
            ObjectiveSetRecord(
                reference=reference,
                version=version,
                adopted_on=adopted_on,
                basis=basis,
                objectives_json=OBJECTIVES.dump_json(objectives).decode(),
                recorded_at=datetime.now(UTC),
            )
        )
        session.commit()
    return True


def adopt_with_terms(
    engine: Engine, terms: ContractTerms, objectives: tuple[Objective, ...]
) -> None:
    """The objectives that come with the terms: version 1, adopted at signature (or, without
    its day, at the date of effect), written once."""
    if objectives:
        adopted_on = terms.signed_on or terms.effet
        adopt(engine, terms.reference, 1, adopted_on, "termes du contrat", objectives)


def current(engine: Engine, reference: str) -> ObjectiveSet | None:
    with engine.connect() as connection:
        return current_in(connection, reference)


def history(engine: Engine, reference: str) -> list[ObjectiveSet]:
    with Session(engine) as session:
        records = session.exec(
            select(ObjectiveSetRecord)
            .where(ObjectiveSetRecord.reference == reference)
            .order_by(col(ObjectiveSetRecord.version))
        ).all()
    return [_set_of(record) for record in records]


def next_version(engine: Engine, reference: str) -> int:
    with Session(engine) as session:
        last = session.exec(
            select(func.max(ObjectiveSetRecord.version)).where(
                ObjectiveSetRecord.reference == reference
            )
        ).one()
    return (last or 0) + 1


def save_report(engine: Engine, reference: str, report: YearlyReport, on: date, by: str) -> None:
    """The exercise's report, replacing an earlier one of the same exercise: the gestionnaire
    may correct it until the dialogue de gestion."""
    with Session(engine) as session:
        record = session.get(ObjectivesReportRecord, (reference, report.exercise))
        if record is None:
            record = ObjectivesReportRecord(
                reference=reference,
                exercise=report.exercise,
                report_json="",
                submitted_on=on,
                submitted_by=by,
                updated_at=datetime.now(UTC),
            )
        record.report_json = REPORT.dump_json(report).decode()
        record.submitted_on = on
        record.submitted_by = by
        record.updated_at = datetime.now(UTC)
        session.add(record)
        session.commit()


def reports(engine: Engine, reference: str) -> list[YearlyReport]:
    with engine.connect() as connection:
        return reports_in(connection, reference)


def reports_in(connection: Connection, reference: str) -> list[YearlyReport]:
    rows = connection.execute(_REPORTS, {"reference": reference}).scalars()
    return [REPORT.validate_json(row) for row in rows]


def current_in(connection: Connection, reference: str) -> ObjectiveSet | None:
    row = connection.execute(_CURRENT, {"reference": reference}).first()
    return (
        None
        if row is None
        else set_from(row.version, row.adopted_on, row.basis, row.objectives_json)
    )


def set_from(version: int, adopted_on: date, basis: str, objectives_json: str) -> ObjectiveSet:
    """A version of the objectives from its stored columns."""
    return ObjectiveSet(version, adopted_on, basis, OBJECTIVES.validate_json(objectives_json))


def record_decisions(
    engine: Engine,
    reference: str,
    contract_year: int,
    held_on: date,
    decisions: Sequence[ObjectiveDecision],
) -> None:
    """The relevé's decision on each objective; a dialogue recorded again keeps the first."""
    with Session(engine) as session:
        for decision in decisions:
            key = (reference, contract_year, decision.objective_id)
            if session.get(ObjectiveDecisionRecord, key) is None:
                session.add(
                    ObjectiveDecisionRecord(
                        reference=reference,
                        contract_year=contract_year,
                        objective_id=decision.objective_id,
                        decision=decision.decision.value,
                        reasons=decision.reasons,
                        held_on=held_on,
                    )
                )
        session.commit()


def decisions(engine: Engine, reference: str) -> list[ObjectiveDecisionRecord]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(ObjectiveDecisionRecord)
                .where(ObjectiveDecisionRecord.reference == reference)
                .order_by(
                    col(ObjectiveDecisionRecord.contract_year),
                    col(ObjectiveDecisionRecord.objective_id),
                )
            ).all()
        )

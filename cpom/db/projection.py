"""The projection of each contract in the application database, read by the API and supervisors.

Written by the workflow's `record_contract` activity, and by the service when a contract is
created so that it is listed at once.
"""

import json
from dataclasses import asdict
from datetime import UTC, datetime

from pydantic import TypeAdapter
from sqlalchemy import Engine, delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from cpom.db.models import ContractRecord, ContractTermsRecord, EventRecord, MilestoneRecord
from cpom.domain.calendar import build_calendar
from cpom.domain.terms import ContractTerms
from cpom.messages import ProjectionUpdate

TERMS = TypeAdapter(ContractTerms)


def record(engine: Engine, update: ProjectionUpdate) -> None:
    """Upsert the contract, replace its milestones, append its new events (idempotent)."""
    # A retried attempt may race the one it replaces: whoever inserts second starts again
    # and then finds the rows of the first.
    for attempt in range(3):
        try:
            return _record(engine, update)
        except IntegrityError:
            if attempt == 2:
                raise


def _record(engine: Engine, update: ProjectionUpdate) -> None:
    terms = update.terms
    calendar = build_calendar(terms)
    upcoming = [m for m in calendar.milestones if m.hard and m.day >= update.today]
    with Session(engine) as session:
        record = session.get(ContractRecord, terms.reference) or ContractRecord(
            reference=terms.reference,
            sector="",
            phase="",
            authority_kind="",
            authority_name="",
            territory="",
            gestionnaire="",
            effet=terms.effet,
            echeance=terms.current_echeance,
            updated_at=datetime.now(UTC),
        )
        record.sector = terms.sector.value
        record.phase = update.phase.value
        record.authority_kind = terms.authority.kind.value
        record.authority_name = terms.authority.name
        record.territory = terms.authority.territory
        record.gestionnaire = terms.gestionnaire.raison_sociale
        record.gestionnaire_siren = terms.gestionnaire.siren or (
            terms.gestionnaire.siret[:9] if terms.gestionnaire.siret else None
        )
        record.effet = terms.effet
        record.echeance = terms.current_echeance
        record.next_deadline = upcoming[0].day if upcoming else None
        record.next_deadline_kind = upcoming[0].kind.value if upcoming else None
        record.successor_reference = update.successor_reference
        record.predecessor_reference = update.predecessor_reference
        record.updated_at = datetime.now(UTC)
        session.add(record)
        session.flush()
        session.merge(
            ContractTermsRecord(
                reference=terms.reference, terms_json=TERMS.dump_json(terms).decode()
            )
        )
        session.execute(
            delete(MilestoneRecord).where(col(MilestoneRecord.reference) == terms.reference)
        )
        session.add_all(
            MilestoneRecord(
                reference=terms.reference,
                day=m.day,
                kind=m.kind.value,
                label=m.label,
                hard=m.hard,
                contract_year=m.contract_year,
                exercise=m.exercise,
                on_silence=m.on_silence.value,
                basis_json=json.dumps(m.basis.to_dict()),
            )
            for m in calendar.milestones
        )
        known = set(
            session.exec(
                select(EventRecord.sequence).where(EventRecord.reference == terms.reference)
            ).all()
        )
        for offset, event in enumerate(update.new_events):
            sequence = update.first_sequence + offset
            if sequence in known:
                continue
            session.add(
                EventRecord(
                    reference=terms.reference,
                    sequence=sequence,
                    on=event.on,
                    kind=event.kind,
                    summary=event.summary,
                    actor=event.actor,
                    details_json=json.dumps(asdict(event)["details"], ensure_ascii=False),
                )
            )
        session.commit()

"""The projection of each contract in the application database, read by every reader.

Written by the workflow's `record_contract` activity (and once by the service when a contract is
created, so that it is listed at once): the contract's summary, its terms, its events and its
live agenda. The summary's next deadline and lateness are read off the stored agenda, so that
they always agree with what the contract page shows.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Connection, Engine, Row, delete, insert
from sqlalchemy import select as core_select
from sqlalchemy import update as update_statement
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col

from cpom.db.models import (
    AgendaRecord,
    ContractAuthorityRecord,
    ContractRecord,
    ContractTermsRecord,
    EventRecord,
)
from cpom.domain.agenda_items import summary_of
from cpom.domain.date_law import Basis, SkippedDay
from cpom.domain.lifecycle import Party
from cpom.domain.live_agenda import AgendaItem
from cpom.domain.terms import ContractTerms, Silence
from cpom.messages import ProjectionUpdate

TERMS = TypeAdapter(ContractTerms)
AGENDA = SQLModel.metadata.tables[AgendaRecord.__tablename__]
AUTHORITIES = SQLModel.metadata.tables[ContractAuthorityRecord.__tablename__]
CONTRACTS = SQLModel.metadata.tables[ContractRecord.__tablename__]
EVENTS = SQLModel.metadata.tables[EventRecord.__tablename__]


def record(engine: Engine, update: ProjectionUpdate) -> None:
    """Upsert the contract and its agenda, append its new events (idempotent)."""
    # A retried attempt may race the one it replaces: whoever inserts second starts again
    # and then finds the rows of the first.
    for attempt in range(3):
        try:
            return _record(engine, update)
        except IntegrityError:
            if attempt == 2:
                raise


def _record(engine: Engine, update: ProjectionUpdate) -> None:
    update = update.resolved()  # the whole agenda and the terms, from the state sent
    reference = update.contract_reference
    with Session(engine) as session:
        if update.terms is not None:
            # The contract's row and its terms first (the run's first projection, a change of
            # the terms): the statements below update that row.
            session.add(_with_terms(session.get(ContractRecord, reference), update.terms))
            terms_json = TERMS.dump_json(update.terms).decode()
            session.merge(ContractTermsRecord(reference=reference, terms_json=terms_json))
            session.flush()
            _store_authorities(session.connection(), update.terms)
        # Then, at every wake, a few statements without the ORM's bookkeeping.
        connection = session.connection()
        if update.agenda is not None:
            _store_agenda(connection, reference, update)
        values: dict[str, object] = {
            "phase": update.phase.value,
            "successor_reference": update.successor_reference,
            "predecessor_reference": update.predecessor_reference,
            "updated_at": datetime.now(UTC),
            **_summary(connection, reference, update),
        }
        if update.agenda is not None:
            values["risk"] = update.risk
        changed = connection.execute(
            update_statement(CONTRACTS).where(CONTRACTS.c.reference == reference).values(values)
        )
        if changed.rowcount == 0:  # the terms come with the first projection of every run
            raise LookupError(f"contract {reference} projected without its terms")
        _append_events(connection, reference, update)
        session.commit()


def _with_terms(record: ContractRecord | None, terms: ContractTerms) -> ContractRecord:
    """The contract's row with what its terms say."""
    if record is None:
        record = ContractRecord(
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
    record.authority_kind = terms.authority.kind.value
    record.authority_key = terms.authority.key
    record.authority_name = terms.authority.name
    record.territory = terms.authority.territory
    record.gestionnaire = terms.gestionnaire.raison_sociale
    record.gestionnaire_siren = terms.gestionnaire.siren or (
        terms.gestionnaire.siret[:9] if terms.gestionnaire.siret else None
    )
    record.gestionnaire_finess = terms.gestionnaire.finess
    record.effet = terms.effet
    record.echeance = terms.current_echeance
    return record


def _store_authorities(connection: Connection, terms: ContractTerms) -> None:
    """Every authority signing the contract, by which tokens scoped to one of them find it."""
    keys = dict.fromkeys(a.key for a in terms.authorities)
    connection.execute(delete(AUTHORITIES).where(AUTHORITIES.c.reference == terms.reference))
    connection.execute(
        insert(AUTHORITIES), [{"reference": terms.reference, "authority_key": k} for k in keys]
    )


def stored_terms(engine: Engine, reference: str) -> ContractTerms:
    """The contract's terms as last projected."""
    with Session(engine) as session:
        stored = session.get(ContractTermsRecord, reference)
        if stored is None:
            raise LookupError(f"contract {reference} has no projected terms")
        return TERMS.validate_json(stored.terms_json)


def _store_agenda(connection: Connection, reference: str, update: ProjectionUpdate) -> None:
    assert update.agenda is not None
    replaced = delete(AgendaRecord).where(col(AgendaRecord.reference) == reference)
    if not update.agenda_complete:
        keys = [item.key for item in update.agenda] + update.agenda_removed
        replaced = replaced.where(col(AgendaRecord.key).in_(keys))
    connection.execute(replaced)
    if update.agenda:
        # One INSERT of many rows, without the ORM's bookkeeping of each object.
        connection.execute(insert(AGENDA), [row_values(reference, item) for item in update.agenda])


def _summary(connection: Connection, reference: str, update: ProjectionUpdate) -> dict[str, object]:
    """The contract's columns that sum its agenda up, once `update` is stored: as the workflow
    sent them, or else from the whole agenda sent, or else from the agenda read back."""
    if update.summary is not None:
        summary = update.summary
    elif update.agenda is not None and update.agenda_complete:
        summary = summary_of(update.agenda, update.today)
    else:
        summary = summary_of(items_of(agenda_rows(connection, reference)), update.today)
    return asdict(summary)


def _append_events(connection: Connection, reference: str, update: ProjectionUpdate) -> None:
    if not update.new_events:
        return
    # Only the sequences this update may repeat (a retried attempt): not the whole log.
    known = set(
        connection.execute(
            core_select(EVENTS.c.sequence).where(
                EVENTS.c.reference == reference,
                EVENTS.c.sequence >= update.first_sequence,
            )
        ).scalars()
    )
    rows = [
        {
            "reference": reference,
            "sequence": update.first_sequence + offset,
            "on": event.on,
            "kind": event.kind,
            "summary": event.summary,
            "actor": event.actor,
            "details_json": json.dumps(event.details, ensure_ascii=False),
        }
        for offset, event in enumerate(update.new_events)
        if update.first_sequence + offset not in known
    ]
    if rows:
        connection.execute(insert(EVENTS), rows)


def agenda_rows(connection: Connection, reference: str) -> Sequence[Row[Any]]:
    """The contract's agenda rows, nearest first, as plain rows (no ORM objects)."""
    return connection.execute(
        core_select(AGENDA)
        .where(AGENDA.c.reference == reference)
        .order_by(AGENDA.c.day, AGENDA.c.key)
    ).all()


def row_values(reference: str, item: AgendaItem) -> dict[str, object]:
    return {
        "reference": reference,
        "key": item.key,
        "day": item.day,
        "kind": item.kind,
        "label": item.label,
        "hard": item.hard,
        "on_silence": item.on_silence.value,
        "contract_year": item.contract_year,
        "exercise": item.exercise,
        "awaited": item.awaited,
        "obligation": item.obligation,
        "waiting_for": item.waiting_for.value if item.waiting_for else None,
        "action": item.action,
        "opens_on": item.opens_on,
        "done_on": item.done_on,
        "done_by": item.done_by,
        "outcome": item.outcome,
        "silence_on": item.silence_on,
        "consequence": item.consequence,
        "basis_json": json.dumps(item.basis.to_dict(), ensure_ascii=False),
    }


def item_from_record(row: AgendaRecord | Row[Any]) -> AgendaItem:
    return AgendaItem(
        key=row.key,
        day=row.day,
        kind=row.kind,
        label=row.label,
        hard=row.hard,
        basis=basis_from_json(row.basis_json),
        on_silence=Silence(row.on_silence),
        contract_year=row.contract_year,
        exercise=row.exercise,
        awaited=row.awaited,
        obligation=row.obligation,
        waiting_for=Party(row.waiting_for) if row.waiting_for else None,
        action=row.action,
        opens_on=row.opens_on,
        done_on=row.done_on,
        done_by=row.done_by,
        outcome=row.outcome,
        silence_on=row.silence_on,
        consequence=row.consequence,
    )


def basis_from_json(text: str) -> Basis:
    raw = json.loads(text)
    return Basis(
        raw["rule"],
        raw["source"],
        date.fromisoformat(raw["anchor"]) if raw.get("anchor") else None,
        tuple(
            SkippedDay(date.fromisoformat(s["date"]), s["reason"]) for s in raw.get("skipped", ())
        ),
        raw.get("non_working_day"),
        raw.get("law", ""),
    )


def items_of(rows: Iterable[AgendaRecord | Row[Any]]) -> list[AgendaItem]:
    return [item_from_record(row) for row in rows]

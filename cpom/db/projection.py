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
from sqlalchemy import Connection, Engine, Row
from sqlalchemy import select as core_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from cpom.db.driver_rows import (
    delete_rows,
    insert_rows,
    insert_values,
    update_rows,
    upsert_row,
    value_of,
)
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
TERMS_TABLE = SQLModel.metadata.tables[ContractTermsRecord.__tablename__]
EVENTS = SQLModel.metadata.tables[EventRecord.__tablename__]
# `json.dumps(value, ensure_ascii=False)` without building its encoder again for every row.
_to_json = json.JSONEncoder(ensure_ascii=False).encode


def record(engine: Engine, update: ProjectionUpdate) -> None:
    """Upsert the contract and its agenda, append its new events (idempotent)."""
    # A retried attempt may race the one it replaces: whoever inserts second starts again
    # and then finds the rows of the first.
    for attempt in range(3):
        try:
            return record_together(engine, [update])
        except IntegrityError:
            if attempt == 2:
                raise


def record_together(engine: Engine, updates: Sequence[ProjectionUpdate]) -> None:
    """Write `updates` in their order, in one transaction (see `ProjectionWriter`): all of them
    or, on any error, none."""
    with engine.begin() as connection:
        for update in updates:
            _write(connection, update)


def _write(connection: Connection, update: ProjectionUpdate) -> None:
    update = update.resolved()  # the whole agenda and the terms, from the state sent
    reference = update.contract_reference
    # Plain statements on one connection: no ORM session, no row read before it is written.
    summary_known = _summary_known(update)
    values = _values(update)
    if update.terms is not None:
        # The contract's row and its terms first (the run's first projection, a change of
        # the terms), with the columns below when they are known already: the rows below
        # refer to it.
        _store_contract(connection, update.terms, values if summary_known else {})
        _store_terms(connection, update.terms)
    if update.agenda is not None:
        _store_agenda(connection, reference, update)
    if update.terms is None or not summary_known:
        if not summary_known:  # read off the agenda just stored
            rows = agenda_rows(connection, reference)
            values.update(asdict(summary_of(items_of(rows), update.today)))
        changed = update_rows(connection, CONTRACTS, {"reference": reference}, values)
        if changed == 0:  # the terms come with the first projection of every run
            raise LookupError(f"contract {reference} projected without its terms")
    _append_events(connection, reference, update)


def _values(update: ProjectionUpdate) -> dict[str, object]:
    """The contract's columns that each projection sets, with the agenda's summary when it comes
    with `update` (see `_summary_known`)."""
    values: dict[str, object] = {
        "phase": update.phase.value,
        "successor_reference": update.successor_reference,
        "predecessor_reference": update.predecessor_reference,
        "updated_at": datetime.now(UTC),
    }
    if update.agenda is not None:
        values["risk"] = update.risk
    if update.summary is not None:
        values.update(asdict(update.summary))
    elif update.agenda is not None and update.agenda_complete:
        values.update(asdict(summary_of(update.agenda, update.today)))
    return values


def _summary_known(update: ProjectionUpdate) -> bool:
    """Whether the agenda's summary comes with `update`: as the workflow sent it, or from the
    whole agenda sent; else it is read back once the agenda is stored."""
    return update.summary is not None or (update.agenda is not None and update.agenda_complete)


def _terms_columns(terms: ContractTerms) -> dict[str, object]:
    """The contract's columns that its terms say."""
    gestionnaire = terms.gestionnaire
    return {
        "sector": terms.sector.value,
        "authority_kind": terms.authority.kind.value,
        "authority_key": terms.authority.key,
        "authority_name": terms.authority.name,
        "territory": terms.authority.territory,
        "gestionnaire": gestionnaire.raison_sociale,
        "gestionnaire_siren": gestionnaire.siren
        or (gestionnaire.siret[:9] if gestionnaire.siret else None),
        "gestionnaire_finess": gestionnaire.finess,
        "effet": terms.effet,
        "echeance": terms.current_echeance,
    }


def _store_contract(
    connection: Connection, terms: ContractTerms, values: dict[str, object]
) -> None:
    """Insert the contract's row, or update what its terms say (and `values`) in the row there:
    one statement, without reading the row first."""
    columns = {**_terms_columns(terms), **values}
    new_row = {"phase": "", "updated_at": datetime.now(UTC), **columns}
    upsert_row(connection, CONTRACTS, {"reference": terms.reference, **new_row}, tuple(columns))


def _store_terms(connection: Connection, terms: ContractTerms) -> None:
    """The whole terms, and every authority signing the contract (by which tokens scoped to
    one of them find it)."""
    terms_json = TERMS.dump_json(terms).decode()
    row = {"reference": terms.reference, "terms_json": terms_json}
    upsert_row(connection, TERMS_TABLE, row, ("terms_json",))
    keys = dict.fromkeys(a.key for a in terms.authorities)
    delete_rows(connection, AUTHORITIES, [{"reference": terms.reference}])
    insert_rows(
        connection, AUTHORITIES, [{"reference": terms.reference, "authority_key": k} for k in keys]
    )


def stored_terms(engine: Engine, reference: str) -> ContractTerms:
    """The contract's terms as last projected (read for every notice: one column, through the
    driver)."""
    with engine.connect() as connection:
        terms_json = value_of(connection, TERMS_TABLE, "terms_json", {"reference": reference})
    if terms_json is None:
        raise LookupError(f"contract {reference} has no projected terms")
    return TERMS.validate_json(terms_json)


def _store_agenda(connection: Connection, reference: str, update: ProjectionUpdate) -> None:
    assert update.agenda is not None
    if update.agenda_complete:
        delete_rows(connection, AGENDA, [{"reference": reference}])
    else:
        keys = [item.key for item in update.agenda] + update.agenda_removed
        delete_rows(connection, AGENDA, [{"reference": reference, "key": key} for key in keys])
    if update.agenda:
        # One INSERT of many rows, through the driver (see `driver_rows`).
        # Items share their bases (every month's payment has the same): each is coded once.
        bases: dict[int, str] = {}
        as_text = connection.dialect.name == "sqlite"
        rows = [row_values(reference, item, bases, dates_as_text=as_text) for item in update.agenda]
        insert_values(connection, AGENDA, AGENDA_COLUMNS, rows)


def _append_events(connection: Connection, reference: str, update: ProjectionUpdate) -> None:
    rows = [
        {
            "reference": reference,
            "sequence": update.first_sequence + offset,
            "on": event.on,
            "kind": event.kind,
            "summary": event.summary,
            "actor": event.actor,
            "details_json": _to_json(event.details),
        }
        for offset, event in enumerate(update.new_events)
    ]
    # Those a retried attempt wrote already are left as they are.
    insert_rows(connection, EVENTS, rows, unless_found=("reference", "sequence"))


def agenda_rows(connection: Connection, reference: str) -> Sequence[Row[Any]]:
    """The contract's agenda rows, nearest first, as plain rows (no ORM objects)."""
    return connection.execute(
        core_select(AGENDA)
        .where(AGENDA.c.reference == reference)
        .order_by(AGENDA.c.day, AGENDA.c.key)
    ).all()


# The agenda's columns, in the order of `row_values`.
AGENDA_COLUMNS = (
    "reference",
    "key",
    "day",
    "kind",
    "label",
    "hard",
    "on_silence",
    "contract_year",
    "exercise",
    "awaited",
    "obligation",
    "waiting_for",
    "action",
    "opens_on",
    "done_on",
    "done_by",
    "outcome",
    "silence_on",
    "consequence",
    "basis_json",
)
# An enumeration's value read from a dictionary: Enum's `value` is a property, dearer.
_SILENCE_VALUES = {silence: silence.value for silence in Silence}
_PARTY_VALUES: dict[Party | None, str | None] = {party: party.value for party in Party}
_PARTY_VALUES[None] = None


def row_values(
    reference: str, item: AgendaItem, bases: dict[int, str], *, dates_as_text: bool = False
) -> tuple[Any, ...]:
    """The agenda row of `item`, its values in the order of `AGENDA_COLUMNS`; `bases` keeps the
    JSON of each basis already coded, by its identity, for the items of one agenda.

    With `dates_as_text`, its dates are the ISO text that SQLite stores for them: sqlite3 would
    call its adapter for each (`driver_rows.sqlite_dates`), a seventh of the cost of inserting a
    new contract's agenda (issue 12)."""
    basis_json = bases.get(id(item.basis))
    if basis_json is None:
        basis_json = bases[id(item.basis)] = _basis_json(item.basis)
    day: object = item.day
    opens_on: object = item.opens_on
    done_on: object = item.done_on
    silence_on: object = item.silence_on
    if dates_as_text:
        day = item.day.isoformat()
        opens_on = item.opens_on and item.opens_on.isoformat()
        done_on = item.done_on and item.done_on.isoformat()
        silence_on = item.silence_on and item.silence_on.isoformat()
    return (
        reference,
        item.key,
        day,
        item.kind,
        item.label,
        item.hard,
        _SILENCE_VALUES[item.on_silence],
        item.contract_year,
        item.exercise,
        item.awaited,
        item.obligation,
        _PARTY_VALUES[item.waiting_for],
        item.action,
        opens_on,
        done_on,
        item.done_by,
        item.outcome,
        silence_on,
        item.consequence,
        basis_json,
    )


# The JSON of the bases coded so far, by their fields: contracts of one sector share most of
# their bases (every contract's documents are due by the same article), each coded once for
# the process instead of once per contract (a fifth of a new contract's rows' coding, issue 12).
_BASES_CODED: dict[tuple[object, ...], str] = {}
BASES_KEPT = 4096


def _basis_json(basis: Basis) -> str:
    fields = basis.fields()
    coded = _BASES_CODED.get(fields)
    if coded is None:
        if len(_BASES_CODED) >= BASES_KEPT:  # bases of dates long past: start again
            _BASES_CODED.clear()
        coded = _BASES_CODED[fields] = _to_json(basis.to_dict())
    return coded


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

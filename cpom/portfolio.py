"""The portfolio as supervisors read it: filtered, searched, sorted, paged, exported, charted.

Every figure comes from the projection of the workflows' live agendas: the next deadline of a
contract is the one its page shows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum
from typing import Any

from openpyxl import Workbook
from sqlalchemy import Engine, SQLColumnExpression, func, or_, text
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from cpom.db.models import NOT_ROUTINE, AgendaRecord, ContractRecord
from cpom.domain.calendar import MilestoneKind
from cpom.domain.date_law import add_months
from cpom.domain.lifecycle import PHASE_LABELS, Phase
from cpom.domain.live_agenda import NOT_DEADLINE_KINDS
from cpom.spreadsheet_cells import csv_text, xlsx_text
from cpom.tenancy import readable_by


class Sort(StrEnum):
    """How a list is ordered; by default the nearest legal deadline first."""

    DEADLINE = "delai"
    LATE = "retard"
    REFERENCE = "reference"
    ECHEANCE = "echeance"
    GESTIONNAIRE = "gestionnaire"
    PHASE = "phase"


SORT_LABELS = {
    Sort.DEADLINE: "prochain délai légal",
    Sort.LATE: "retards d'abord (les plus anciens)",
    Sort.REFERENCE: "référence",
    Sort.ECHEANCE: "échéance",
    Sort.GESTIONNAIRE: "gestionnaire",
    Sort.PHASE: "phase",
}


@dataclass
class Filters:
    phase: str | None = None
    authority: str | None = None
    gestionnaire: str | None = None
    sector: str | None = None
    deadline_before: date | None = None
    overdue: bool = False
    at_risk: bool = False
    q: str | None = None
    owner_siren: str | None = None
    # The authority whose contracts alone the caller reads (`cpom.tenancy`), never a parameter.
    scope_authority: str | None = None

    def query_string(self) -> dict[str, str]:
        """The filters as URL parameters (the owner and the scope are the caller's, never a
        parameter)."""
        kept: dict[str, str] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name in CALLERS_REACH or value in (None, False, ""):
                continue
            kept[field.name] = "true" if value is True else str(value)
        return kept


CALLERS_REACH = frozenset({"owner_siren", "scope_authority"})


def _conditions(filters: Filters, today: date) -> list[SQLColumnExpression[bool]]:
    # Searches are for the text as typed: autoescape keeps « % » and « _ » from acting as LIKE
    # wildcards (« 100% » finds « 100% », not every name containing « 100 »).
    conditions: list[SQLColumnExpression[bool]] = []
    if filters.phase:
        conditions.append(col(ContractRecord.phase) == filters.phase)
    if filters.authority:
        conditions.append(
            col(ContractRecord.authority_name).icontains(filters.authority, autoescape=True)
        )
    if filters.gestionnaire:
        conditions.append(
            col(ContractRecord.gestionnaire).icontains(filters.gestionnaire, autoescape=True)
            | (col(ContractRecord.gestionnaire_siren) == filters.gestionnaire)
        )
    if filters.sector:
        conditions.append(col(ContractRecord.sector) == filters.sector)
    conditions.extend(readable_by(filters.owner_siren, filters.scope_authority))
    if filters.deadline_before:
        conditions.append(col(ContractRecord.next_deadline) <= filters.deadline_before)
    if filters.overdue:
        conditions.append(col(ContractRecord.overdue_since) < today)
    if filters.at_risk:
        conditions.append(col(ContractRecord.risk).is_not(None))
    if filters.q and filters.q.strip():
        text = filters.q.strip()
        compact = text.replace(" ", "")
        conditions.append(
            or_(
                col(ContractRecord.reference).icontains(text, autoescape=True),
                col(ContractRecord.gestionnaire).icontains(text, autoescape=True),
                col(ContractRecord.gestionnaire_siren) == compact,
                col(ContractRecord.gestionnaire_finess) == compact,
            )
        )
    return conditions


def _order(sort: Sort, descending: bool) -> list[Any]:
    deadline = [col(ContractRecord.next_deadline).is_(None), col(ContractRecord.next_deadline)]
    if sort is Sort.DEADLINE:
        # The ordered index on (next_deadline IS NULL, next_deadline, reference) serves it.
        keys: list[Any] = deadline
    elif sort is Sort.LATE:
        keys = [
            col(ContractRecord.overdue_since).is_(None),
            col(ContractRecord.overdue_since),
            *deadline,
        ]
    else:
        keys = [
            {
                Sort.REFERENCE: col(ContractRecord.reference),
                Sort.ECHEANCE: col(ContractRecord.echeance),
                Sort.GESTIONNAIRE: col(ContractRecord.gestionnaire),
                Sort.PHASE: col(ContractRecord.phase),
            }[sort]
        ]
    if descending:
        keys = [key.desc() for key in keys]
    return [*keys, col(ContractRecord.reference)]


@dataclass
class Page:
    total: int
    page: int
    per_page: int
    rows: Sequence[ContractRecord]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_contracts(
    engine: Engine,
    filters: Filters,
    today: date,
    *,
    page: int = 1,
    per_page: int = 50,
    sort: Sort = Sort.DEADLINE,
    descending: bool = False,
) -> Page:
    query = select(ContractRecord).where(*_conditions(filters, today))
    with Session(engine) as session:
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        rows = session.exec(
            query.order_by(*_order(sort, descending)).offset((page - 1) * per_page).limit(per_page)
        ).all()
    return Page(total, page, per_page, rows)


def phase_counts(engine: Engine, filters: Filters, today: date) -> dict[str, int]:
    query = (
        select(ContractRecord.phase, func.count())
        .where(*_conditions(filters, today))
        .group_by(col(ContractRecord.phase))
    )
    with Session(engine) as session:
        counts = dict(session.exec(query).all())
    return {phase.value: counts[phase.value] for phase in Phase if phase.value in counts}


# Exports ------------------------------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_COLUMNS = (
    "Référence",
    "Secteur",
    "Phase",
    "Autorité",
    "Gestionnaire",
    "SIREN",
    "FINESS",
    "Date d'effet",
    "Échéance",
    "Prochain délai légal",
    "Nature du délai",
    "En retard depuis",
    "Obligation en retard",
    "À risque",
)


def _export_rows(engine: Engine, filters: Filters, today: date) -> list[tuple[Any, ...]]:
    query = (
        select(ContractRecord)
        .where(*_conditions(filters, today))
        .order_by(*_order(Sort.DEADLINE, descending=False))
    )
    with Session(engine) as session:
        rows = session.exec(query).all()
    return [
        (
            r.reference,
            r.sector,
            PHASE_LABELS[Phase(r.phase)],
            r.authority_name,
            r.gestionnaire,
            r.gestionnaire_siren or "",
            r.gestionnaire_finess or "",
            r.effet,
            r.echeance,
            r.next_deadline,
            r.next_deadline_label or "",
            r.overdue_since if r.overdue_since and r.overdue_since < today else None,
            r.overdue_label if r.overdue_since and r.overdue_since < today else "",
            r.risk or "",
        )
        for r in rows
    ]


def export_csv(engine: Engine, filters: Filters, today: date) -> bytes:
    """The filtered list as CSV for a French spreadsheet: `;`, dates JJ/MM/AAAA, UTF-8 BOM."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(EXPORT_COLUMNS)
    for row in _export_rows(engine, filters, today):
        writer.writerow(
            f"{cell:%d/%m/%Y}"
            if isinstance(cell, date)
            else csv_text(cell)
            if isinstance(cell, str)
            else ("" if cell is None else cell)
            for cell in row
        )
    return ("\ufeff" + out.getvalue()).encode()


def export_xlsx(engine: Engine, filters: Filters, today: date) -> bytes:
    """The filtered list as an Excel workbook, dates as real dates (write-only: constant memory)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Contrats")
    sheet.freeze_panes = "A2"
    sheet.append(list(EXPORT_COLUMNS))
    for row in _export_rows(engine, filters, today):
        sheet.append([xlsx_text(sheet, cell) if isinstance(cell, str) else cell for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# Charts -------------------------------------------------------------------------------------------


MONTH_ABBREVIATIONS = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)


@dataclass
class Bar:
    label: str
    value: int
    link: str | None = None


@dataclass
class DocumentsOnTime:
    exercise: int
    on_time: int
    late: int
    missing: int

    @property
    def due(self) -> int:
        return self.on_time + self.late + self.missing

    @property
    def share(self) -> float:
        return self.on_time / self.due if self.due else 0.0


def _references(filters: Filters, today: date) -> SelectOfScalar[str]:
    return select(ContractRecord.reference).where(*_conditions(filters, today))


def _next_months(today: date) -> list[date]:
    """The first day of this month and of the 12 next."""
    first = today.replace(day=1)
    return [add_months(first, offset) for offset in range(13)]


def deadlines_query(filters: Filters, today: date) -> SelectOfScalar[date]:
    """The days of the legal deadlines still open in the next 12 months (read from
    `ix_agenda_day_not_routine`)."""
    return select(col(AgendaRecord.day)).where(
        col(AgendaRecord.hard),
        col(AgendaRecord.done_on).is_(None),
        text(NOT_ROUTINE),  # said by NOT_DEADLINE_KINDS, but so that the index is read
        col(AgendaRecord.kind).not_in(NOT_DEADLINE_KINDS),
        col(AgendaRecord.day) >= today,
        col(AgendaRecord.day) < _next_months(today)[-1],
        col(AgendaRecord.reference).in_(_references(filters, today)),
    )


def deadlines_by_month(engine: Engine, filters: Filters, today: date) -> list[Bar]:
    """Legal deadlines still open in each of the next 12 months."""
    months = _next_months(today)
    with Session(engine) as session:
        days = session.exec(deadlines_query(filters, today)).all()
    counts = {(m.year, m.month): 0 for m in months[:-1]}
    for day in days:
        counts[(day.year, day.month)] += 1
    return [
        Bar(f"{MONTH_ABBREVIATIONS[month - 1]} {year}", count)
        for (year, month), count in counts.items()
    ]


def documents_on_time(engine: Engine, filters: Filters, today: date) -> list[DocumentsOnTime]:
    """For each exercise whose documents fell due: received on time, late, or still missing."""
    query = select(
        col(AgendaRecord.exercise), col(AgendaRecord.day), col(AgendaRecord.done_on)
    ).where(
        col(AgendaRecord.kind) == MilestoneKind.ANNUAL_DOCUMENTS_DUE.value,
        col(AgendaRecord.day) < today,
        col(AgendaRecord.reference).in_(_references(filters, today)),
    )
    with Session(engine) as session:
        rows = session.exec(query).all()
    by_exercise: dict[int, DocumentsOnTime] = {}
    for exercise, due, done_on in rows:
        stats = by_exercise.setdefault(exercise or 0, DocumentsOnTime(exercise or 0, 0, 0, 0))
        if done_on is None:
            stats.missing += 1
        elif done_on <= due:
            stats.on_time += 1
        else:
            stats.late += 1
    return [by_exercise[e] for e in sorted(by_exercise)][-6:]

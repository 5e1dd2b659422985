"""Bulk import of contracts in force from a spreadsheet: one row, one contract.

A workbook may also give each contract its perimeter and its co-signing authorities, on sheets
of their own (`cpom.import_perimeter`). Every row is checked before anything is created, and
every problem is reported with its sheet, row and column; nothing is created unless every row is
valid. Creating is idempotent on the reference: an interrupted import is simply run again.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from cpom.db.models import ContractRecord
from cpom.domain.date_law import echeance_after
from cpom.domain.identifiers import REFERENCE_RULE
from cpom.domain.terms_input import terms_from_mapping
from cpom.domain.terms_validation import MAX_INITIAL_YEARS, MIN_YEARS, InvalidTerms
from cpom.import_perimeter import (
    CO_SIGNATORIES_SHEET,
    CO_SIGNATORY_COLUMNS,
    ESTABLISHMENT_COLUMNS,
    ESTABLISHMENTS_SHEET,
    authority_key,
    co_signatory,
    establishment,
)
from cpom.import_sheet import Column, Report, RowProblem, Sheet, SheetRow, read_sheet
from cpom.service import ContractService, ReferenceTaken
from cpom.spreadsheet import SpreadsheetError, Table, Tables, read_tables

__all__ = ["COLUMNS", "Column", "ImportPlan", "ImportRow", "RowProblem", "Tally"]

COLUMNS = (
    Column(
        "reference",
        "Référence",
        "reference",
        True,
        f"Identifiant unique du contrat : {REFERENCE_RULE}. Un contrat dont la référence existe "
        "déjà n'est pas créé une seconde fois.",
    ),
    Column(
        "preset",
        "Préréglage",
        "preset",
        True,
        "Famille de contrat : sad (services autonomie à domicile, Département), esms-ars "
        "(établissements et services médico-sociaux, ARS) ou ahi-etat (accueil, hébergement, "
        "insertion, État).",
    ),
    Column(
        "effet",
        "Date d'effet",
        "date",
        True,
        "Premier jour d'application du contrat (JJ/MM/AAAA ou AAAA-MM-JJ). Le contrat doit être "
        "en cours : son échéance n'est pas encore passée.",
    ),
    Column("duration_years", "Durée (années)", "years", True, "Durée initiale : 2 à 5 ans."),
    Column(
        "signed_on",
        "Date de signature",
        "date",
        False,
        "Facultative : date de signature du contrat, au plus tard aujourd'hui.",
    ),
    Column(
        "territory",
        "Territoire",
        "territory",
        True,
        "Numéro du département de l'autorité (01 à 95, 2A, 2B, 971 à 978) : il fixe les jours "
        "fériés qui reportent les délais.",
    ),
    Column(
        "authority_kind",
        "Type d'autorité",
        "authority",
        True,
        "Département, ARS ou État.",
    ),
    Column("authority_name", "Autorité", "text", True, "Nom de l'autorité signataire."),
    Column(
        "authority_email",
        "Courriel de l'autorité",
        "text",
        True,
        "Adresse de l'autorité qui reçoit les avis du contrat.",
    ),
    Column(
        "supervisor_email",
        "Courriel du superviseur",
        "text",
        False,
        "Facultatif : adresse de la direction, en copie des avis.",
    ),
    Column(
        "gestionnaire", "Gestionnaire", "text", True, "Raison sociale de l'organisme gestionnaire."
    ),
    Column("siren", "SIREN", "code", True, "SIREN du gestionnaire : 9 chiffres."),
    Column("finess", "FINESS", "code", False, "Facultatif : FINESS juridique, 9 caractères."),
    Column(
        "gestionnaire_email",
        "Courriel du gestionnaire",
        "text",
        True,
        "Adresse du gestionnaire qui reçoit les avis du contrat.",
    ),
    Column(
        "up_to_date_on",
        "À jour au",
        "date",
        False,
        "Facultative : date jusqu'à laquelle les obligations passées du contrat (documents "
        "annuels, dialogues de gestion) sont déclarées faites avant l'import ; entre la date "
        "d'effet et aujourd'hui.",
    ),
    Column(
        "authority_id",
        "Identifiant de l'autorité",
        "text",
        False,
        "Facultatif : nom court de l'autorité (ars-bretagne, cd35…), que cite la colonne "
        f"« Financé par » de la feuille « {ESTABLISHMENTS_SHEET} » du classeur XLSX ; à "
        "défaut, son type (departement, ars ou etat).",
    ),
)
BY_KEY = {column.key: column for column in COLUMNS}

# Where each field of the terms comes from, to point a validation problem at its column.
FIELD_COLUMNS = {
    "reference": "reference",
    "preset": "preset",
    "effet": "effet",
    "duration_years": "duration_years",
    "echeance": "duration_years",
    "signed_on": "signed_on",
    "authority.id": "authority_id",
    "authority.kind": "authority_kind",
    "authority.name": "authority_name",
    "authority.territory": "territory",
    "authority.email": "authority_email",
    "authority.supervisor_email": "supervisor_email",
    "gestionnaire.raison_sociale": "gestionnaire",
    "gestionnaire.siren": "siren",
    "gestionnaire.finess": "finess",
    "gestionnaire.email": "gestionnaire_email",
}
# Stand-ins for missing or wrong values, so that the terms' own checks still run on the rest of
# the row and report every other problem at once; a row with a stand-in is never created.
_STAND_INS: dict[str, object] = {
    "reference": "LIGNE",
    "effet": date(2000, 1, 1),
    "duration_years": 5,
    "territory": "75",
    "authority_name": "-",
    "gestionnaire": "-",
}
# The other sheets a workbook may have, in their order in the report after the contracts.
PERIMETER_SHEETS = (ESTABLISHMENTS_SHEET, CO_SIGNATORIES_SHEET)
# A problem the terms find in one of their lists: `authorities[1].email`, `establishments[0]`.
_ITEM_FIELD = re.compile(r"(authorities|establishments)\[([0-9]+)\](?:\.(.+))?")


@dataclass(frozen=True)
class ImportRow:
    """A valid row: the terms of one contract in force."""

    row: int
    reference: str
    gestionnaire: str
    terms: dict[str, Any]
    declared_up_to_date_on: date | None


@dataclass(frozen=True)
class ImportPlan:
    rows: list[ImportRow]
    problems: list[RowProblem]
    lines: int  # rows of contracts in the file, valid or not

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def names_sheets(self) -> bool:
        """Whether problems name their sheet (a workbook with perimeter sheets)."""
        return any(problem.sheet is not None for problem in self.problems)


@dataclass
class Tally:
    total: int
    done: int = 0
    created: int = 0
    already_present: int = 0


@dataclass
class _Contract:
    """A row of the contracts sheet with the rows of the other sheets that name it."""

    row: SheetRow
    co_signatories: list[SheetRow] = field(default_factory=list)
    establishments: list[SheetRow] = field(default_factory=list)


@dataclass(frozen=True)
class _Sheets:
    contracts: Sheet
    establishments: Sheet | None
    co_signatories: Sheet | None

    def others(self) -> list[Sheet]:
        return [sheet for sheet in (self.establishments, self.co_signatories) if sheet]


def plan_import(filename: str, content: bytes, today: date) -> ImportPlan:
    """Read and check every row; raises SpreadsheetError when the file cannot be read."""
    return plan_tables(read_tables(filename, content, PERIMETER_SHEETS), today)


def plan_table(table: Table, today: date) -> ImportPlan:
    return plan_tables(Tables(table, {}), today)


def plan_tables(tables: Tables, today: date) -> ImportPlan:
    lines = len(tables.main.rows) - 1
    if not lines:
        raise SpreadsheetError("aucun contrat sous la ligne d'en-tête")
    sheets = _read(tables)
    report = Report()
    for sheet in (sheets.contracts, *sheets.others()):
        report.header(sheet)
    # Without its required columns, the contracts sheet has no rows to read: every one would
    # repeat the header's problem, and the other sheets' rows cannot be matched to them.
    usable = sheets.contracts.usable
    contracts = _attached(sheets, tables.main.title or "Contrats") if usable else []
    for sheet in sheets.others():
        for extra in sheet.rows:
            report.row(sheet, extra)
    if not usable:
        return ImportPlan([], report.problems(), lines)
    # Funders are checked against the co-signatories, unless their sheet could not be read.
    funders = sheets.co_signatories is None or sheets.co_signatories.usable
    rows: list[ImportRow] = []
    first_row: dict[str, int] = {}
    for contract in contracts:
        row = _check_contract(contract, sheets, report, funders, today)
        reference: str | None = contract.row.values.get("reference")
        if reference in first_row:
            first = first_row[reference]
            message = f"référence « {reference} » déjà employée à la ligne {first}"
            report.add(sheets.contracts, contract.row.number, "reference", message)
        elif reference:
            first_row[reference] = contract.row.number
            if row is not None:
                rows.append(row)
    return ImportPlan(rows, report.problems(), lines)


def _read(tables: Tables) -> _Sheets:
    # The contracts' problems name their sheet when the workbook has others to read.
    named = tables.main.title if tables.others else None
    contracts = read_sheet(tables.main, COLUMNS, index=0, name=named)
    others: list[Sheet | None] = []
    for index, (name, columns) in enumerate(
        (
            (ESTABLISHMENTS_SHEET, ESTABLISHMENT_COLUMNS),
            (CO_SIGNATORIES_SHEET, CO_SIGNATORY_COLUMNS),
        ),
        start=1,
    ):
        table = tables.others.get(name)
        # A blank sheet is as good as none.
        others.append(
            read_sheet(table, columns, index=index, name=table.title)
            if table and table.rows
            else None
        )
    return _Sheets(contracts, *others)


def _attached(sheets: _Sheets, title: str) -> list[_Contract]:
    """Each contract row with the rows naming it; a row naming no contract is a problem."""
    contracts = [_Contract(row) for row in sheets.contracts.rows]
    by_reference: dict[str, _Contract] = {}
    for contract in contracts:
        reference = contract.row.values.get("reference")
        if isinstance(reference, str):
            # Matched as the other sheets read it, spaces trimmed; the first row of a reference
            # written twice takes them, the second is refused.
            by_reference.setdefault(reference.strip(), contract)
    for sheet in sheets.others():
        for extra in sheet.rows:
            reference = extra.values.get("reference")
            if reference is None:
                continue  # missing or refused: already a problem of its own
            owner = by_reference.get(reference)
            if owner is None:
                message = f"le contrat « {reference} » ne figure pas dans la feuille « {title} »"
                extra.problems.append(("reference", message))
            elif sheet is sheets.establishments:
                owner.establishments.append(extra)
            else:
                owner.co_signatories.append(extra)
    return contracts


def _check_contract(
    contract: _Contract, sheets: _Sheets, report: Report, funders: bool, today: date
) -> ImportRow | None:
    """The contract of a row and of the rows naming it, checked through the terms as the API
    checks them; None when something is wrong, each problem then in the report."""
    row = contract.row
    values = {**_STAND_INS, **row.values}
    co_signatories = [co_signatory(extra) for extra in contract.co_signatories]
    keys = [authority_key(row.values, "authority_id", "authority_kind")]
    keys += [authority_key(extra.values, "id", "kind") for extra in contract.co_signatories]
    # Funders are checked against known keys only: an authority without an identifier is
    # known by its type, and a missing or refused type leaves its key unknown.
    known = [key for key in keys if key is not None]
    checked = funders and len(known) == len(keys)
    perimeter = [establishment(extra, known, funders=checked) for extra in contract.establishments]
    mapping = _terms(values, co_signatories, perimeter)
    extras = (*contract.co_signatories, *contract.establishments)
    valid = not row.problems and not any(extra.problems for extra in extras)
    report.row(sheets.contracts, row)
    try:
        terms = terms_from_mapping(mapping)
    except InvalidTerms as error:
        valid = False
        for problem in error.problems:
            sheet, target, key = _place(problem.field, contract, sheets)
            if key is None:
                report.add(sheet, target.number, None, str(problem))
            elif key not in target.flagged:
                report.add(sheet, target.number, key, problem.message)
    for key, message in _date_problems(row.values, today):
        valid = False
        report.add(sheets.contracts, row.number, key, message)
    if not valid:
        return None
    # Every required cell is there: no stand-in is left in the mapping.
    return ImportRow(
        row.number,
        terms.reference,
        terms.gestionnaire.raison_sociale,
        mapping,
        row.values.get("up_to_date_on"),
    )


def _place(
    field_path: str, contract: _Contract, sheets: _Sheets
) -> tuple[Sheet, SheetRow, str | None]:
    """The sheet, row and column key of a field of the terms (no key: the message names it)."""
    item = _ITEM_FIELD.fullmatch(field_path)
    if item is None:
        return sheets.contracts, contract.row, FIELD_COLUMNS.get(field_path)
    kind, index, name = item[1], int(item[2]), item[3]
    if kind == "authorities" and index == 0:  # the lead authority: the contract's own row
        return sheets.contracts, contract.row, FIELD_COLUMNS.get(f"authority.{name}")
    if kind == "authorities":
        rows, sheet, index = contract.co_signatories, sheets.co_signatories, index - 1
    else:
        rows, sheet = contract.establishments, sheets.establishments
    if sheet is None or not 0 <= index < len(rows):
        return sheets.contracts, contract.row, None
    return sheet, rows[index], name if name in {c.key for c in sheet.columns} else None


def _date_problems(values: Mapping[str, Any], today: date) -> list[tuple[str | None, str]]:
    """What keeps valid terms from being imported as a contract in force today."""
    problems: list[tuple[str | None, str]] = []
    effet: date | None = values.get("effet")
    years: int | None = values.get("duration_years")
    if effet is not None and years is not None and MIN_YEARS <= years <= MAX_INITIAL_YEARS:
        echeance = echeance_after(effet, years)
        if echeance < today:
            problems.append(
                (
                    "effet",
                    f"le contrat a pris fin le {echeance:%d/%m/%Y} (date d'effet et durée) : "
                    "seuls les contrats en cours s'importent",
                )
            )
    up_to_date: date | None = values.get("up_to_date_on")
    if effet is not None and up_to_date is not None and up_to_date < effet:
        problems.append(
            (
                "up_to_date_on",
                f"le {up_to_date:%d/%m/%Y} précède la date d'effet du contrat ({effet:%d/%m/%Y})",
            )
        )
    for key, what in (("signed_on", "la date de signature"), ("up_to_date_on", "cette date")):
        day = values.get(key)
        if day is not None and day > today:
            problems.append(
                (key, f"{what} ne peut pas être postérieure à aujourd'hui ({today:%d/%m/%Y})")
            )
    return problems


def _terms(
    values: Mapping[str, Any],
    co_signatories: Sequence[Mapping[str, Any]] = (),
    establishments: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The terms mapping `ContractService.create` takes, from a row's converted values and
    those of the rows naming it: `authorities` when others sign beside the lead one."""
    authority = {
        "id": values.get("authority_id"),
        "kind": values.get("authority_kind"),
        "name": values.get("authority_name"),
        "territory": values.get("territory"),
        "email": values.get("authority_email"),
        "supervisor_email": values.get("supervisor_email"),
    }
    gestionnaire = {
        "raison_sociale": values.get("gestionnaire"),
        "siren": values.get("siren"),
        "finess": values.get("finess"),
        "email": values.get("gestionnaire_email"),
    }
    lead = {k: v for k, v in authority.items() if v is not None}
    terms: dict[str, Any] = {
        "reference": values.get("reference"),
        "preset": values.get("preset"),
        "effet": values.get("effet"),
        "duration_years": values.get("duration_years"),
        "signed_on": values.get("signed_on"),
        "gestionnaire": {k: v for k, v in gestionnaire.items() if v is not None},
    }
    if co_signatories:
        terms["authorities"] = [{**lead, "role": "tarification"}, *map(dict, co_signatories)]
    else:
        terms["authority"] = lead
    if establishments:
        terms["establishments"] = [dict(item) for item in establishments]
    return {
        k: v.isoformat() if isinstance(v, date) else v for k, v in terms.items() if v is not None
    }


def within_authority(plan: ImportPlan, authority: str) -> ImportPlan:
    """The plan of an agent scoped to `authority`: a problem for each contract it does not sign,
    so that none of the file is created."""
    outside = []
    for row in plan.rows:
        keys = [a.key for a in terms_from_mapping(row.terms).authorities]
        if authority not in keys:
            outside.append(
                RowProblem(
                    row.row,
                    None,
                    f"contrat signé par {', '.join(keys)} : un agent de l'autorité "
                    f"« {authority} » n'importe que les contrats qu'elle signe",
                )
            )
    return replace(plan, problems=[*plan.problems, *outside]) if outside else plan


def present_references(engine: Engine, references: Sequence[str]) -> set[str]:
    """The references among these that the projection already holds."""
    found: set[str] = set()
    with Session(engine) as session:
        for start in range(0, len(references), 500):
            chunk = list(references[start : start + 500])
            query = select(ContractRecord.reference).where(col(ContractRecord.reference).in_(chunk))
            found.update(session.exec(query).all())
    return found


async def create_contracts(
    service: ContractService,
    rows: Sequence[ImportRow],
    on_progress: Callable[[Tally], Awaitable[None]] | None = None,
    authority: str | None = None,
) -> Tally:
    """Create the contracts of a valid plan, one by one; those already present are counted.
    An agent scoped to an `authority` creates only contracts that authority signs."""
    tally = Tally(len(rows))
    for row in rows:
        try:
            created = await service.create(
                row.terms,
                imported=True,
                declared_up_to_date_on=row.declared_up_to_date_on,
                authority=authority,
            )
            fresh = created.created
        except ReferenceTaken:
            # Created earlier with other terms: as the file's notes say, a contract whose
            # reference exists is not created a second time.
            fresh = False
        tally.done += 1
        if fresh:
            tally.created += 1
        else:
            tally.already_present += 1
        if on_progress is not None:
            await on_progress(tally)
    return tally


def count(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number < 2 else plural}"


def problems_summary(filename: str, plan: ImportPlan) -> str:
    return (
        f"« {filename} » : {count(len(plan.problems), 'problème', 'problèmes')} sur "
        f"{count(plan.lines, 'ligne', 'lignes')} ; aucun contrat n'a été créé."
    )


@dataclass
class DryRun:
    """What an import would do: each valid row, and whether its contract is already present."""

    rows: list[tuple[ImportRow, bool]] = field(default_factory=list)

    @property
    def to_create(self) -> int:
        return sum(1 for _, present in self.rows if not present)

    @property
    def already_present(self) -> int:
        return len(self.rows) - self.to_create


def dry_run(engine: Engine, plan: ImportPlan) -> DryRun:
    present = present_references(engine, [row.reference for row in plan.rows])
    return DryRun([(row, row.reference in present) for row in plan.rows])

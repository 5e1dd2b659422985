"""Bulk import of contracts in force from a spreadsheet: one row, one contract.

Every row is checked before anything is created, and every problem is reported with its row and
column; nothing is created unless every row is valid. Creating is idempotent on the reference:
an interrupted import is simply run again.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl.utils import get_column_letter
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from cpom.db.models import ContractRecord
from cpom.domain.date_law import echeance_after
from cpom.domain.identifiers import REFERENCE_RULE
from cpom.domain.terms import AuthorityKind, Sector
from cpom.domain.terms_input import MAX_YEAR, MIN_YEAR, terms_from_mapping
from cpom.domain.terms_validation import MAX_INITIAL_YEARS, MIN_YEARS, InvalidTerms
from cpom.domain.territory import normalize_territory
from cpom.service import ContractService
from cpom.spreadsheet import SpreadsheetError, Table, blank, normalized, read_table

# [0-9], not \d: \d also matches the digits of other scripts, which int() would then accept.
_FRENCH_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    # reference, text, code (digits, zeros kept), date, years, preset, authority, territory
    kind: str
    required: bool
    help: str


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
_AUTHORITY_LABELS = {"departement": "Département", "ars": "ARS", "etat": "État"}


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str | None  # the header as written in the file
    message: str

    def __str__(self) -> str:
        where = f"ligne {self.row}" + (f", colonne « {self.column} »" if self.column else "")
        return f"{where} : {self.message}"


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


@dataclass
class Tally:
    total: int
    done: int = 0
    created: int = 0
    already_present: int = 0


def plan_import(filename: str, content: bytes, today: date) -> ImportPlan:
    """Read and check every row; raises SpreadsheetError when the file cannot be read."""
    return plan_table(read_table(filename, content), today)


def plan_table(table: Table, today: date) -> ImportPlan:
    (header_row, header), *data = table.rows
    if not data:
        raise SpreadsheetError("aucun contrat sous la ligne d'en-tête")
    positions, written, problems = _header(header_row, header, data)
    if any(c.required and c.key not in positions for c in COLUMNS):
        return ImportPlan([], problems, len(data))  # every row would repeat the header's problem
    order = {written[key]: index for key, index in positions.items()}
    rows: list[ImportRow] = []
    first_row: dict[str, int] = {}
    for number, cells in data:
        values = {key: cells[index] for key, index in positions.items() if index < len(cells)}
        row, found, reference = _check_row(number, values, written, today)
        if reference in first_row:
            first = first_row[reference]
            message = f"référence « {reference} » déjà employée à la ligne {first}"
            found.append(RowProblem(number, written["reference"], message))
        elif reference:
            first_row[reference] = number
        # A row's problems in the order of the file's columns, those of no column last.
        problems.extend(sorted(found, key=lambda p: order.get(p.column or "", len(order))))
        if row is not None and not found:
            rows.append(row)
    return ImportPlan(rows, problems, len(data))


def _header(
    row: int, cells: tuple[object, ...], data: list[tuple[int, tuple[object, ...]]]
) -> tuple[dict[str, int], dict[str, str], list[RowProblem]]:
    known = {normalized(column.header): column for column in COLUMNS}
    positions: dict[str, int] = {}
    written: dict[str, str] = {}
    problems: list[RowProblem] = []
    for index, cell in enumerate(cells):
        if blank(cell):
            continue
        text = str(cell).strip()
        column = known.get(normalized(text))
        if column is None:
            expected = ", ".join(c.header for c in COLUMNS)
            problems.append(
                RowProblem(row, text, f"colonne inconnue ; colonnes possibles : {expected}")
            )
        elif column.key in positions:
            first = get_column_letter(positions[column.key] + 1)
            problems.append(RowProblem(row, text, f"colonne en double (déjà en colonne {first})"))
        else:
            positions[column.key] = index
            written[column.key] = text
    headless = sorted(
        {
            index
            for _, values in data
            for index, value in enumerate(values)
            if not blank(value) and (index >= len(cells) or blank(cells[index]))
        }
    )
    for index in headless:
        problems.append(
            RowProblem(
                row,
                None,
                f"la colonne {get_column_letter(index + 1)} n'a pas d'en-tête mais contient des "
                "valeurs",
            )
        )
    missing = [c.header for c in COLUMNS if c.required and c.key not in positions]
    if missing:
        names = ", ".join(f"« {header} »" for header in missing)
        plural = "s" if len(missing) > 1 else ""
        problems.append(
            RowProblem(
                row, None, f"colonne{plural} obligatoire{plural} manquante{plural} : {names}"
            )
        )
    return positions, written, problems


def _check_row(
    number: int, cells: Mapping[str, object], written: Mapping[str, str], today: date
) -> tuple[ImportRow | None, list[RowProblem], str | None]:
    """The row's contract, or its problems; and its reference, if it could be read."""
    problems: list[tuple[str | None, str]] = []
    values: dict[str, Any] = {}
    for column in COLUMNS:
        raw = cells.get(column.key)
        if blank(raw):
            if column.required:
                problems.append((column.key, "valeur obligatoire manquante"))
            continue
        try:
            values[column.key] = _CONVERT[column.kind](raw)
        except ValueError as error:
            problems.append((column.key, str(error)))
    flagged = {key for key, _ in problems}
    try:
        terms = terms_from_mapping(_terms({**_STAND_INS, **values}))
    except InvalidTerms as error:
        terms = None
        for problem in error.problems:
            key = FIELD_COLUMNS.get(problem.field)
            if key is None:
                problems.append((None, str(problem)))
            elif key not in flagged:
                problems.append((key, problem.message))
    problems.extend(_date_problems(values, today))
    found = [RowProblem(number, written.get(key) if key else None, text) for key, text in problems]
    reference: str | None = values.get("reference")
    if terms is None or found:
        return None, found, reference
    row = ImportRow(
        number,
        terms.reference,
        terms.gestionnaire.raison_sociale,
        _terms(values),
        values.get("up_to_date_on"),
    )
    return row, [], reference


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


def _terms(values: Mapping[str, Any]) -> dict[str, Any]:
    """The terms mapping `ContractService.create` takes, from a row's converted values."""
    authority = {
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
    terms: dict[str, Any] = {
        "reference": values.get("reference"),
        "preset": values.get("preset"),
        "effet": values.get("effet"),
        "duration_years": values.get("duration_years"),
        "signed_on": values.get("signed_on"),
        "authority": {k: v for k, v in authority.items() if v is not None},
        "gestionnaire": {k: v for k, v in gestionnaire.items() if v is not None},
    }
    return {
        k: v.isoformat() if isinstance(v, date) else v for k, v in terms.items() if v is not None
    }


def _text(value: object) -> str:
    return _cell_text(value).strip()


def _cell_text(value: object) -> str:
    if isinstance(value, datetime | date):
        raise ValueError("une date figure là où un texte est attendu")
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number typed in a cell comes back as a float
    # A NUL character is refused with the terms (CSV files holding one are refused whole).
    return str(value)


def _reference(value: object) -> str:
    # The contract's key is checked as written: a stray space is refused, not trimmed away.
    return _cell_text(value)


def _code(value: object) -> str:
    text = _text(value)
    # A number cell drops leading zeros (FINESS of départements 01 to 09): put them back.
    return text.zfill(9) if isinstance(value, int | float) else text


def _date(value: object) -> date:
    if isinstance(value, datetime):  # an XLSX date cell
        day = value.date()
    else:
        text = str(value).strip()
        if french := _FRENCH_DATE.fullmatch(text):
            parts = (int(french[3]), int(french[2]), int(french[1]))
        elif iso := _ISO_DATE.fullmatch(text):
            parts = (int(iso[1]), int(iso[2]), int(iso[3]))
        else:
            raise ValueError(f"« {text} » n'est pas une date (attendu JJ/MM/AAAA ou AAAA-MM-JJ)")
        try:
            day = date(*parts)
        except ValueError:
            raise ValueError(f"la date « {text} » n'existe pas") from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValueError(f"année {day.year} hors de la plage {MIN_YEAR}–{MAX_YEAR}")
    return day


def _years(value: object) -> int:
    text = _text(value)
    if not _DIGITS.fullmatch(text):
        raise ValueError(f"« {text} » n'est pas un nombre entier d'années")
    return int(text)


def _preset(value: object) -> str:
    code = normalized(_text(value))
    if code not in {sector.value for sector in Sector}:
        allowed = ", ".join(sector.value for sector in Sector)
        raise ValueError(f"« {_text(value)} » inconnu ; valeurs possibles : {allowed}")
    return code


def _authority(value: object) -> str:
    code = normalized(_text(value))
    if code not in {kind.value for kind in AuthorityKind}:
        allowed = ", ".join(_AUTHORITY_LABELS.values())
        raise ValueError(f"« {_text(value)} » inconnu ; valeurs possibles : {allowed}")
    return code


_CONVERT: dict[str, Callable[[object], Any]] = {
    "reference": _reference,
    "text": _text,
    "code": _code,
    "date": _date,
    "years": _years,
    "preset": _preset,
    "authority": _authority,
    "territory": lambda value: normalize_territory(_text(value)),
}


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
) -> Tally:
    """Create the contracts of a valid plan, one by one; those already present are counted."""
    tally = Tally(len(rows))
    for row in rows:
        created = await service.create(
            row.terms, imported=True, declared_up_to_date_on=row.declared_up_to_date_on
        )
        tally.done += 1
        if created.created:
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

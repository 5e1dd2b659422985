"""One sheet of the bulk import: its columns, the headers matched, each cell converted, and every
problem placed at its sheet, row and column.

The contracts sheet and the sheets of their perimeter and co-signatories are read the same way;
what the cells mean together is checked by `cpom.bulk_import`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl.utils import get_column_letter

from cpom.domain.terms import AuthorityKind, AuthorityRole, Sector
from cpom.domain.terms_input import MAX_YEAR, MIN_YEAR
from cpom.domain.territory import normalize_territory
from cpom.spreadsheet import Table, UncomputedFormula, blank, normalized

# [0-9], not \d: \d also matches the digits of other scripts, which int() would then accept.
_FRENCH_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_DIGITS = re.compile(r"[0-9]+")
AUTHORITY_LABELS = {"departement": "Département", "ars": "ARS", "etat": "État"}
ROLE_LABELS = {AuthorityRole.CO_SIGNING.value: "cosignataire", AuthorityRole.PREFET.value: "préfet"}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    # reference, text, code (digits, zeros kept), date, years, preset, authority, territory,
    # role (of a co-signing authority), keys (a list separated by « ; »)
    kind: str
    required: bool
    help: str


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str | None  # the header as written in the file
    message: str
    # The sheet as the workbook names it; None when the file has only one table to read.
    sheet: str | None = None

    def __str__(self) -> str:
        where = f"ligne {self.row}" + (f", colonne « {self.column} »" if self.column else "")
        if self.sheet is not None:
            where = f"feuille « {self.sheet} », {where}"
        return f"{where} : {self.message}"


@dataclass
class SheetRow:
    """One data row: its cells converted by column key, and the problems of its cells."""

    number: int
    values: dict[str, Any]
    problems: list[tuple[str | None, str]] = field(default_factory=list)

    @property
    def flagged(self) -> set[str]:
        """The columns whose cell is missing or refused: other checks on them say nothing."""
        return {key for key, _ in self.problems if key is not None}


@dataclass
class Sheet:
    """A sheet read against its columns."""

    index: int  # its place in the report: the contracts first
    name: str | None  # how problems name it; None: not named
    columns: Sequence[Column]
    written: dict[str, str]  # column key: the header as the file writes it
    positions: dict[str, int]  # column key: its index in the file
    header_problems: list[RowProblem]
    rows: list[SheetRow]

    @property
    def usable(self) -> bool:
        """Every required column is there: its rows can be read."""
        return all(c.key in self.positions for c in self.columns if c.required)

    def problem(self, row: int, key: str | None, message: str) -> RowProblem:
        column = self.written.get(key) if key is not None else None
        return RowProblem(row, column, message, self.name)


class Report:
    """Every problem of every sheet, given back in reading order: sheet by sheet, its header's
    problems first, then row by row in the order of the file's columns (no column: last)."""

    def __init__(self) -> None:
        self._found: list[tuple[tuple[int, int, int, int], RowProblem]] = []

    def header(self, sheet: Sheet) -> None:
        for problem in sheet.header_problems:
            self._found.append(((sheet.index, 0, 0, 0), problem))

    def add(self, sheet: Sheet, row: int, key: str | None, message: str) -> None:
        last = len(sheet.positions)
        column = last if key is None else sheet.positions.get(key, last)
        self._found.append(((sheet.index, 1, row, column), sheet.problem(row, key, message)))

    def row(self, sheet: Sheet, row: SheetRow) -> None:
        for key, message in row.problems:
            self.add(sheet, row.number, key, message)

    def problems(self) -> list[RowProblem]:
        # A stable sort: a cell's problems keep the order they were found in.
        return [problem for _, problem in sorted(self._found, key=lambda found: found[0])]


def read_sheet(
    table: Table, columns: Sequence[Column], *, index: int = 0, name: str | None = None
) -> Sheet:
    """The sheet's header matched to `columns` and, if every required one is there, each row's
    cells converted; a table without data rows gives a sheet without rows."""
    (header_row, header), *data = table.rows
    positions, written, problems = _header(header_row, header, data, columns, name)
    sheet = Sheet(index, name, columns, written, positions, problems, [])
    if sheet.usable:
        for number, cells in data:
            values = {key: cells[at] for key, at in positions.items() if at < len(cells)}
            sheet.rows.append(_converted(number, values, columns))
    return sheet


def _header(
    row: int,
    cells: tuple[object, ...],
    data: list[tuple[int, tuple[object, ...]]],
    columns: Sequence[Column],
    sheet: str | None,
) -> tuple[dict[str, int], dict[str, str], list[RowProblem]]:
    known = {normalized(column.header): column for column in columns}
    positions: dict[str, int] = {}
    written: dict[str, str] = {}
    problems: list[RowProblem] = []
    for index, cell in enumerate(cells):
        if blank(cell):
            continue
        text = str(cell).strip()
        column = known.get(normalized(text))
        if column is None:
            expected = ", ".join(c.header for c in columns)
            problems.append(
                RowProblem(row, text, f"colonne inconnue ; colonnes possibles : {expected}", sheet)
            )
        elif column.key in positions:
            first = get_column_letter(positions[column.key] + 1)
            message = f"colonne en double (déjà en colonne {first})"
            problems.append(RowProblem(row, text, message, sheet))
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
                sheet,
            )
        )
    missing = [c.header for c in columns if c.required and c.key not in positions]
    if missing:
        names = ", ".join(f"« {header} »" for header in missing)
        plural = "s" if len(missing) > 1 else ""
        problems.append(
            RowProblem(
                row, None, f"colonne{plural} obligatoire{plural} manquante{plural} : {names}", sheet
            )
        )
    return positions, written, problems


# What a spreadsheet program writes in a cell whose formula failed: never a value to import
# (found by probing: « #N/A » became a reference, « #REF! » an authority's name).
FORMULA_ERRORS = frozenset(
    {
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#UNKNOWN!",
        "#BUSY!",
    }
)


def _converted(number: int, cells: Mapping[str, object], columns: Sequence[Column]) -> SheetRow:
    row = SheetRow(number, {})
    for column in columns:
        raw = cells.get(column.key)
        if isinstance(raw, UncomputedFormula):
            row.problems.append(
                (
                    column.key,
                    f"la cellule contient une formule dont le fichier n'a pas la valeur "
                    f"({raw.formula}) : ouvrir le fichier dans un tableur et l'enregistrer, ou "
                    "saisir la valeur elle-même",
                )
            )
            continue
        if blank(raw):
            if column.required:
                row.problems.append((column.key, "valeur obligatoire manquante"))
            continue
        if isinstance(raw, str) and raw.strip().upper() in FORMULA_ERRORS:
            row.problems.append(
                (
                    column.key,
                    f"la cellule contient une erreur de formule ({raw.strip()}) : la corriger "
                    "dans le tableur",
                )
            )
            continue
        try:
            row.values[column.key] = CONVERT[column.kind](raw)
        except ValueError as error:
            row.problems.append((column.key, str(error)))
    return row


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
        allowed = ", ".join(AUTHORITY_LABELS.values())
        raise ValueError(f"« {_text(value)} » inconnu ; valeurs possibles : {allowed}")
    return code


def _role(value: object) -> str:
    code = normalized(_text(value))
    allowed = ", ".join(ROLE_LABELS.values())
    if code == AuthorityRole.TARIFICATION.value:
        # The lead authority is the contract's own row: a co-signatory cannot take its place.
        raise ValueError(
            "l'autorité de tarification qui conduit le contrat est celle de la feuille "
            f"« Contrats » ; valeurs possibles ici : {allowed}"
        )
    if code not in ROLE_LABELS:
        raise ValueError(f"« {_text(value)} » inconnu ; valeurs possibles : {allowed}")
    return code


def _keys(value: object) -> list[str]:
    return [key for part in _text(value).split(";") if (key := part.strip())]


CONVERT: dict[str, Callable[[object], Any]] = {
    "reference": _reference,
    "text": _text,
    "code": _code,
    "date": _date,
    "years": _years,
    "preset": _preset,
    "authority": _authority,
    "territory": lambda value: normalize_territory(_text(value)),
    "role": _role,
    "keys": _keys,
}

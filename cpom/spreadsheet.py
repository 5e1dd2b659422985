"""Read the tables of a spreadsheet agents keep their contracts in: CSV or XLSX.

A CSV file is one table; a workbook has its main sheet (« Contrats », or its first sheet) and may
have others, found by their names. Rows keep the spreadsheet's own numbers (the first row is 1)
so that a report can point at the very row a person sees in their spreadsheet program.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, cast

from openpyxl import load_workbook

MAX_ROWS = 10_000
# A workbook's sheets are read within these bounds, whatever the file declares (found by
# probing: a 10 KB workbook that declared 16,384 columns and a cell at row 20,000 took 20 s to
# read, one of 110 KB that held 100 MB of text took 300 MB): the columns an import reads, the
# lines a person may leave blank between its rows, the bytes its parts hold once inflated.
MAX_COLUMNS = 64
MAX_LINES = 50_000
MAX_INFLATED_BYTES = 64 * 1024 * 1024
DELIMITERS = (";", ",", "\t")


class SpreadsheetError(ValueError):
    """The file cannot be read as a table; the message says why, in French."""


@dataclass(frozen=True)
class UncomputedFormula:
    """A cell that holds a formula without its value: the file was written by a program that
    does not compute formulas (a spreadsheet program computes it on opening, and saves it).
    Read as empty, such a cell was reported « valeur obligatoire manquante », or an optional
    one silently left out (found by probing)."""

    formula: str

    def __str__(self) -> str:
        return self.formula


@dataclass(frozen=True)
class Table:
    """The non-blank rows of a sheet, each with its row number."""

    rows: list[tuple[int, tuple[object, ...]]]
    # The sheet's name as the workbook writes it; None for a CSV file.
    title: str | None = None


@dataclass(frozen=True)
class Tables:
    main: Table
    # The other sheets asked for that the workbook has, by the name asked for.
    others: dict[str, Table]


def read_table(filename: str, content: bytes) -> Table:
    return read_tables(filename, content).main


def read_tables(filename: str, content: bytes, others: Sequence[str] = ()) -> Tables:
    """The main table, and the sheets named `others` (compared as `normalized`) if present."""
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".csv":
        return Tables(_read_csv(content), {})
    if suffix == ".xlsx":
        return _read_xlsx(content, others)
    shown = f"« {suffix} »" if suffix else "sans extension"
    raise SpreadsheetError(
        f"fichier {shown} non pris en charge : enregistrer le tableau au format XLSX ou CSV"
    )


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def normalized(text: str) -> str:
    """Text compared ignoring case, accents, typographic apostrophes and extra spaces."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())


def _numbered(
    rows: Iterable[tuple[object, ...]], title: str | None = None, *, main: bool = True
) -> Table:
    """The non-blank rows; the main table must have some, another sheet may be left empty."""
    kept: list[tuple[int, tuple[object, ...]]] = []
    for number, cells in enumerate(rows, start=1):
        if number > MAX_LINES:
            limit = f"{MAX_LINES:,}".replace(",", "\u202f")
            where = "le fichier" if main else f"la feuille « {title} »"
            raise SpreadsheetError(
                f"plus de {limit} lignes dans {where}, vides comprises : supprimer les lignes "
                "vides sous le tableau, ou le découper en plusieurs fichiers"
            )
        if all(blank(cell) for cell in cells):
            continue
        if len(kept) > MAX_ROWS:  # the header and MAX_ROWS contracts
            limit = f"{MAX_ROWS:,}".replace(",", "\u202f")
            what = "contrats dans le fichier" if main else f"lignes dans la feuille « {title} »"
            raise SpreadsheetError(f"plus de {limit} {what} : le découper en plusieurs fichiers")
        kept.append((number, cells))
    if not kept and main:
        raise SpreadsheetError("le fichier est vide")
    return Table(kept, title)


def _decode(content: bytes) -> str:
    # Spreadsheet programs write UTF-8, often with a byte order mark; FINESS extracts and older
    # Excel versions write Windows-1252.
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError:
        raise SpreadsheetError(
            "encodage des caractères non reconnu : enregistrer le fichier en « CSV UTF-8 »"
        ) from None


def _read_csv(content: bytes) -> Table:
    if b"\x00" in content:  # a workbook under a .csv name, or UTF-16 text
        raise SpreadsheetError(
            "ce fichier n'est pas un CSV (contenu binaire ou UTF-16) : enregistrer le tableau au "
            "format « CSV UTF-8 » ou XLSX"
        )
    text = _decode(content)
    header = next((line for line in text.splitlines() if line.strip()), "")
    # The header line has no quoted separators: the most frequent candidate is the delimiter.
    delimiter = max(DELIMITERS, key=header.count)
    try:
        # Universal newlines: a file from an old Mac ends its lines with CR alone (found by
        # probing: read as one line, it was refused for an unclosed quote it did not have).
        lines = io.StringIO(text, newline=None)
        return _numbered(tuple(row) for row in csv.reader(lines, delimiter=delimiter))
    except csv.Error:  # in practice a cell beyond the module's limit: an unclosed quote
        raise SpreadsheetError(
            "CSV illisible : une cellule dépasse la taille permise, sans doute à cause d'un "
            "guillemet jamais refermé"
        ) from None


def _inflated_size(content: bytes) -> int:
    """The bytes the workbook's parts hold once inflated, as its zip says (and reading stops
    there); 0 for a file that is no zip, which `load_workbook` refuses."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return 0


def _rows(sheet: Any) -> Iterable[tuple[object, ...]]:
    """A sheet's rows, its first `MAX_COLUMNS` cells each, whatever size the sheet declares
    (openpyxl fills every row out to the declared width)."""
    sheet.reset_dimensions()
    return cast(
        Iterable[tuple[object, ...]],
        sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True),
    )


def _read_xlsx(content: bytes, others: Sequence[str]) -> Tables:
    if _inflated_size(content) > MAX_INFLATED_BYTES:
        raise SpreadsheetError(
            f"classeur de plus de {MAX_INFLATED_BYTES // (1024 * 1024)} Mo une fois décompressé : "
            "le découper en plusieurs fichiers"
        )
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # a corrupt or foreign file fails in many ways inside the zip and XML
        raise SpreadsheetError(
            "ce fichier n'est pas un classeur XLSX lisible : l'ouvrir et l'enregistrer à "
            "nouveau au format « Classeur Excel (.xlsx) »"
        ) from None
    wanted = {normalized(name): name for name in others}
    formulas: Any = None
    try:
        # The formulas themselves, read only when the file holds some, to tell a formula whose
        # value the file lacks from an empty cell.
        if _has_formulas(content):
            formulas = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
        sheets = workbook.worksheets
        main = next(
            (s for s in sheets if normalized(s.title) == "contrats"),
            next((s for s in sheets if normalized(s.title) not in wanted), sheets[0]),
        )

        def rows(sheet: Any) -> Iterable[tuple[object, ...]]:
            if formulas is None:
                return _rows(sheet)
            return _with_uncomputed(_rows(sheet), _rows(formulas[sheet.title]))

        table = _numbered(rows(main), main.title)
        found: dict[str, Table] = {}
        for sheet in sheets:
            name = wanted.get(normalized(sheet.title))
            if sheet is main or name is None or name in found:
                continue
            found[name] = _numbered(rows(sheet), sheet.title, main=False)
        return Tables(table, found)
    except SpreadsheetError:
        raise
    except Exception:
        raise SpreadsheetError("la feuille du classeur XLSX est illisible") from None
    finally:
        workbook.close()
        if formulas is not None:
            formulas.close()


_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _has_formulas(content: bytes) -> bool:
    """Whether a worksheet of the workbook holds a formula (an `<f>` element)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return any(
            _FORMULA.search(archive.read(member))
            for member in archive.infolist()
            if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml")
        )


def _with_uncomputed(
    values: Iterable[tuple[object, ...]], formulas: Iterable[tuple[object, ...]]
) -> Iterable[tuple[object, ...]]:
    """The rows of `values`, each cell without a value that holds a formula in `formulas` (the
    same sheet read for its formulas) an `UncomputedFormula`."""
    for cells, written in zip(values, formulas, strict=False):
        if any(cell is None and _formula_text(w) for cell, w in zip(cells, written, strict=False)):
            cells = tuple(
                UncomputedFormula(text) if cell is None and (text := _formula_text(w)) else cell
                for cell, w in zip(cells, written, strict=False)
            )
        yield cells


def _formula_text(written: object) -> str:
    """The formula of a cell read with its formulas ('' if it holds none)."""
    if isinstance(written, str):
        return written if written.startswith("=") else ""
    text = getattr(written, "text", None)  # an array formula
    return text if isinstance(text, str) else ""

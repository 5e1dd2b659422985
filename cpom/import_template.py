"""The spreadsheet template of the bulk import, as CSV and XLSX.

`cpom import --template FILE` writes it empty; `examples/import-contrats.csv` and `.xlsx` are the
same template with example rows (`--examples`), checked against this code by the tests. The
workbook has the perimeter and co-signatories sheets; a CSV file, one table, has contracts alone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cpom.bulk_import import COLUMNS
from cpom.import_perimeter import (
    CO_SIGNATORIES_SHEET,
    CO_SIGNATORY_COLUMNS,
    ESTABLISHMENT_COLUMNS,
    ESTABLISHMENTS_SHEET,
)
from cpom.import_sheet import Column
from cpom.spreadsheet import SpreadsheetError

CONTRACTS_SHEET = "Contrats"
EXAMPLES: list[dict[str, object]] = [
    {
        "reference": "CPOM-35-SAD-2024",
        "preset": "sad",
        "effet": date(2024, 1, 1),
        "duration_years": 5,
        "signed_on": date(2023, 12, 15),
        "territory": "35",
        "authority_kind": "Département",
        "authority_name": "Département d'Ille-et-Vilaine",
        "authority_email": "cpom@ille-et-vilaine.example",
        "supervisor_email": "direction-autonomie@ille-et-vilaine.example",
        "gestionnaire": "SAD Exemple",
        "siren": "732829320",
        "finess": "350000014",
        "gestionnaire_email": "direction@sad-exemple.example",
        "up_to_date_on": date(2024, 12, 31),
    },
    {
        "reference": "CPOM-44-ESMS-2025",
        "preset": "esms-ars",
        "effet": date(2025, 1, 1),
        "duration_years": 5,
        "territory": "44",
        "authority_kind": "ARS",
        "authority_name": "ARS Pays de la Loire",
        "authority_email": "cpom@ars-pdl.example",
        "gestionnaire": "Association Handicap Loire-Atlantique",
        "siren": "552100554",
        "gestionnaire_email": "siege@ahla.example",
    },
    # A joint CPOM: the ARS leads, the Département co-signs, both fund its two EHPADs.
    {
        "reference": "CPOM-35-EHPAD-2025",
        "preset": "esms-ars",
        "effet": date(2025, 1, 1),
        "duration_years": 5,
        "signed_on": date(2024, 12, 16),
        "territory": "35",
        "authority_kind": "ARS",
        "authority_name": "ARS Bretagne",
        "authority_email": "cpom@ars-bretagne.example",
        "gestionnaire": "Association Résidences Exemple",
        "siren": "775531148",
        "gestionnaire_email": "direction@residences-exemple.example",
        "authority_id": "ars-bretagne",
    },
]
EXAMPLE_ESTABLISHMENTS: list[dict[str, object]] = [
    {
        "reference": "CPOM-35-EHPAD-2025",
        "finess": "350004214",
        "name": "EHPAD Les Genêts",
        "category": "EHPAD",
        "authorisation": "arrêté conjoint du 12/03/2019, 15 ans",
        "funded_by": "ars-bretagne ; cd35",
    },
    {
        "reference": "CPOM-35-EHPAD-2025",
        "finess": "350004222",
        "name": "EHPAD Le Clos des Pommiers",
        "category": "EHPAD",
        "authorisation": "arrêté conjoint du 12/03/2019, 15 ans",
        "funded_by": "ars-bretagne ; cd35",
    },
]
EXAMPLE_CO_SIGNATORIES: list[dict[str, object]] = [
    {
        "reference": "CPOM-35-EHPAD-2025",
        "id": "cd35",
        "kind": "Département",
        "name": "Département d'Ille-et-Vilaine",
        "territory": "35",
        "role": "cosignataire",
        "email": "cpom@ille-et-vilaine.example",
        "siren": "223500018",
    },
]
HELP = [
    "Une ligne par contrat en cours ; la première ligne de la feuille « Contrats » porte les "
    "en-têtes (l'ordre des colonnes est libre, les colonnes facultatives peuvent être omises).",
    f"Facultatives, les feuilles « {ESTABLISHMENTS_SHEET} » (une ligne par établissement ou "
    f"service du périmètre) et « {CO_SIGNATORIES_SHEET} » (une ligne par autorité qui signe aux "
    "côtés de celle de la feuille « Contrats », qui conduit le contrat) se rattachent à leur "
    "contrat par la colonne « Référence du contrat » ; elles peuvent rester vides.",
    "Un fichier CSV ne contient qu'un tableau : une ligne par contrat, sans périmètre ni autorité "
    "cosignataire. Pour les décrire, employer le classeur XLSX.",
    "Dates : JJ/MM/AAAA, AAAA-MM-JJ ou cellules de type date.",
    "Rien n'est créé tant qu'une ligne comporte une erreur : le rapport indique la feuille, la "
    "ligne et la colonne de chacune.",
    "Un contrat dont la référence existe déjà n'est pas recréé : un import interrompu se relance "
    "avec le même fichier.",
    "Commande : cpom import FICHIER (--dry-run pour vérifier seulement) ; tableau de bord : "
    "Importer.",
]
# Each sheet of the workbook with its columns and its example rows.
SHEETS: tuple[tuple[str, Sequence[Column], list[dict[str, object]]], ...] = (
    (CONTRACTS_SHEET, COLUMNS, EXAMPLES),
    (ESTABLISHMENTS_SHEET, ESTABLISHMENT_COLUMNS, EXAMPLE_ESTABLISHMENTS),
    (CO_SIGNATORIES_SHEET, CO_SIGNATORY_COLUMNS, EXAMPLE_CO_SIGNATORIES),
)


def _cell_text(value: object) -> str:
    return f"{value:%d/%m/%Y}" if isinstance(value, date) else str(value)


def template_csv(*, examples: bool = False) -> bytes:
    """UTF-8 with a byte order mark and « ; »: what a French Excel opens as columns. The
    examples are the contracts without perimeter or co-signatories, which a CSV cannot hold."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([column.header for column in COLUMNS])
    for example in _contracts_alone() if examples else []:
        writer.writerow([_cell_text(example.get(column.key, "")) for column in COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def _contracts_alone() -> list[dict[str, object]]:
    named = {row["reference"] for _, _, rows in SHEETS[1:] for row in rows}
    return [example for example in EXAMPLES if example["reference"] not in named]


def template_xlsx(*, examples: bool = False) -> bytes:
    workbook = Workbook()
    first = workbook.active
    assert first is not None  # a new workbook has its sheet
    workbook.remove(first)
    for title, columns, rows in SHEETS:
        _table(workbook.create_sheet(title), columns, rows if examples else [])
    aide = workbook.create_sheet("Aide")
    aide.append(["Feuille", "Colonne", "Obligatoire", "Contenu", "Exemple"])
    described = 0
    for title, columns, rows in SHEETS:
        for column in columns:
            sample = _sample(rows, column.key)
            aide.append(
                [
                    title,
                    column.header,
                    "oui" if column.required else "non",
                    column.help,
                    "" if sample is None else _cell_text(sample),
                ]
            )
            described += 1
    aide.append([])
    for line in HELP:
        aide.append([line])
    for cell in aide[1]:
        cell.font = Font(bold=True)
    for letter, width in (("A", 22), ("B", 26), ("C", 12), ("D", 90), ("E", 40)):
        aide.column_dimensions[letter].width = width
    for row in aide.iter_rows(min_row=2, max_row=described + 1, min_col=4, max_col=4):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _table(sheet: Worksheet, columns: Sequence[Column], rows: list[dict[str, object]]) -> None:
    sheet.append([column.header for column in columns])
    for example in rows:
        sheet.append([example.get(column.key) for column in columns])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet[f"{letter}1"].font = Font(bold=True)
        sheet.column_dimensions[letter].width = max(14, len(column.header) + 4)
        for cell in sheet[letter][1:]:
            # Text cells keep the zeros of SIREN, FINESS and territory codes.
            cell.number_format = "DD/MM/YYYY" if column.kind == "date" else "@"


def _sample(rows: Sequence[Mapping[str, object]], key: str) -> object | None:
    """The first example of a column, shown on the help sheet."""
    return next((row[key] for row in rows if row.get(key) is not None), None)


def write_template(path: Path, *, examples: bool = False) -> None:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        path.write_bytes(template_csv(examples=examples))
    elif suffix == ".xlsx":
        path.write_bytes(template_xlsx(examples=examples))
    else:
        raise SpreadsheetError(
            f"modèle « {path.name} » : choisir un nom de fichier en .xlsx ou en .csv"
        )

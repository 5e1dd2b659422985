"""The spreadsheet template of the bulk import, as CSV and XLSX.

`cpom import --template FILE` writes it empty; `examples/import-contrats.csv` and `.xlsx` are the
same template with two example rows (`--examples`), checked against this code by the tests.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from cpom.bulk_import import COLUMNS
from cpom.spreadsheet import SpreadsheetError

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
]
HELP = [
    "Une ligne par contrat en cours ; la première ligne de la feuille « Contrats » porte les "
    "en-têtes (l'ordre des colonnes est libre, les colonnes facultatives peuvent être omises).",
    "Dates : JJ/MM/AAAA, AAAA-MM-JJ ou cellules de type date.",
    "Rien n'est créé tant qu'une ligne comporte une erreur : le rapport indique la ligne et la "
    "colonne de chacune.",
    "Un contrat dont la référence existe déjà n'est pas recréé : un import interrompu se relance "
    "avec le même fichier.",
    "Commande : cpom import FICHIER (--dry-run pour vérifier seulement) ; tableau de bord : "
    "Importer.",
]


def _cell_text(value: object) -> str:
    return f"{value:%d/%m/%Y}" if isinstance(value, date) else str(value)


def template_csv(*, examples: bool = False) -> bytes:
    """UTF-8 with a byte order mark and « ; »: what a French Excel opens as columns."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([column.header for column in COLUMNS])
    for example in EXAMPLES if examples else []:
        writer.writerow([_cell_text(example.get(column.key, "")) for column in COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def template_xlsx(*, examples: bool = False) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has its sheet
    sheet.title = "Contrats"
    sheet.append([column.header for column in COLUMNS])
    for example in EXAMPLES if examples else []:
        sheet.append([example.get(column.key) for column in COLUMNS])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet[f"{letter}1"].font = Font(bold=True)
        sheet.column_dimensions[letter].width = max(14, len(column.header) + 4)
        for cell in sheet[letter][1:]:
            # Text cells keep the zeros of SIREN, FINESS and territory codes.
            cell.number_format = "DD/MM/YYYY" if column.kind == "date" else "@"
    aide = workbook.create_sheet("Aide")
    aide.append(["Colonne", "Obligatoire", "Contenu", "Exemple"])
    for column in COLUMNS:
        sample = EXAMPLES[0].get(column.key)
        aide.append(
            [
                column.header,
                "oui" if column.required else "non",
                column.help,
                "" if sample is None else _cell_text(sample),
            ]
        )
    aide.append([])
    for line in HELP:
        aide.append([line])
    for cell in aide[1]:
        cell.font = Font(bold=True)
    for letter, width in (("A", 26), ("B", 12), ("C", 90), ("D", 40)):
        aide.column_dimensions[letter].width = width
    for row in aide.iter_rows(min_row=2, max_row=len(COLUMNS) + 1, min_col=3, max_col=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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

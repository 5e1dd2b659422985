"""Spreadsheets of contracts in force for the bulk import tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date

from openpyxl import Workbook
from stdnum import luhn

from cpom.bulk_import import COLUMNS

HEADERS = [column.header for column in COLUMNS]
PRESETS = (
    ("sad", "Département", "35", "Département d'Ille-et-Vilaine"),
    ("esms-ars", "ARS", "44", "ARS Pays de la Loire"),
    ("ahi-etat", "État", "974", "Préfecture de La Réunion"),
)


def siren(number: int) -> str:
    """A valid SIREN (Luhn key) built on `number`."""
    base = f"{number % 10**8:08d}"
    return base + luhn.calc_check_digit(base)


def contract_row(index: int, changes: Mapping[str, object] | None = None) -> dict[str, object]:
    """A valid row, by header, of a contract in force from 2024 to 2028 (or as changed)."""
    preset, kind, territory, authority = PRESETS[index % len(PRESETS)]
    row: dict[str, object] = {
        "Référence": f"CPOM-IMPORT-{index:04d}",
        "Préréglage": preset,
        "Date d'effet": "01/01/2024",
        "Durée (années)": "5",
        "Date de signature": "15/12/2023",
        "Territoire": territory,
        "Type d'autorité": kind,
        "Autorité": authority,
        "Courriel de l'autorité": "cpom@autorite.example",
        "Courriel du superviseur": "",
        "Gestionnaire": f"Association numéro {index}",
        "SIREN": siren(index + 1),
        "FINESS": "",
        "Courriel du gestionnaire": f"direction{index}@gestionnaire.example",
        "À jour au": "",
    }
    row.update(changes or {})
    return row


def as_csv(
    rows: Sequence[dict[str, object]],
    *,
    headers: Sequence[str] = HEADERS,
    delimiter: str = ";",
    encoding: str = "utf-8",
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_text(row.get(header, "")) for header in headers])
    return buffer.getvalue().encode(encoding)


def as_xlsx(rows: Sequence[dict[str, object]], *, headers: Sequence[str] = HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(headers))
    for row in rows:
        sheet.append([row.get(header) for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text(value: object) -> str:
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return "" if value is None else str(value)

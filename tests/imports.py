"""Spreadsheets of contracts in force for the bulk import tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date

from openpyxl import Workbook
from stdnum import luhn

from cpom.bulk_import import COLUMNS
from cpom.import_perimeter import CO_SIGNATORY_COLUMNS, ESTABLISHMENT_COLUMNS

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
        "Identifiant de l'autorité": "",
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


ESTABLISHMENT_HEADERS = [column.header for column in ESTABLISHMENT_COLUMNS]
CO_SIGNATORY_HEADERS = [column.header for column in CO_SIGNATORY_COLUMNS]


def establishment_row(
    reference: str, finess: object, changes: Mapping[str, object] | None = None
) -> dict[str, object]:
    """A row of the « Établissements » sheet, by header."""
    row: dict[str, object] = {
        "Référence du contrat": reference,
        "FINESS": finess,
        "Nom": f"EHPAD {finess}",
        "Catégorie": "EHPAD",
        "Autorisation": "arrêté conjoint du 12/03/2019, 15 ans",
        "Financé par": "",
    }
    row.update(changes or {})
    return row


def co_signatory_row(
    reference: str, changes: Mapping[str, object] | None = None
) -> dict[str, object]:
    """A row of the « Autorités cosignataires » sheet, by header: the Département of
    Ille-et-Vilaine co-signing."""
    row: dict[str, object] = {
        "Référence du contrat": reference,
        "Identifiant": "cd35",
        "Type": "Département",
        "Nom": "Département d'Ille-et-Vilaine",
        "Territoire": "35",
        "Rôle": "cosignataire",
        "Courriel": "cpom@ille-et-vilaine.example",
        "SIREN": "223500018",
    }
    row.update(changes or {})
    return row


def as_workbook(
    contracts: Sequence[dict[str, object]],
    establishments: Sequence[dict[str, object]] = (),
    co_signatories: Sequence[dict[str, object]] = (),
    *,
    titles: Sequence[str] = ("Contrats", "Établissements", "Autorités cosignataires"),
) -> bytes:
    """A workbook of the three sheets of the template, each with its headers."""
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    for title, headers, rows in zip(
        titles,
        (HEADERS, ESTABLISHMENT_HEADERS, CO_SIGNATORY_HEADERS),
        (contracts, establishments, co_signatories),
        strict=True,
    ):
        sheet = workbook.create_sheet(title)
        sheet.append(list(headers))
        for row in rows:
            sheet.append([row.get(header) for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

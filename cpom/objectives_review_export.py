"""The yearly review of a CPOM's objectives, exported for the dialogue de gestion.

An XLSX workbook and a PDF, each with the whole perimeter first and then one part per
establishment: the objectives that concern it plus the common ones. The numbers come from
`cpom.domain.objectives.review`; this module only lays them out. Whatever people typed (titles,
owners, names) goes out as plain text: never read as a formula, and wrapped or clipped rather
than breaking a sheet or a page.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from fpdf import FPDF, FontFace
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from cpom.domain.objectives import (
    ACTION_STATUS_LABELS,
    ATTAINMENT_LABELS,
    ActionStatus,
    Objective,
    ObjectiveReview,
    YearlyReport,
    review,
)
from cpom.domain.terms import Establishment
from cpom.french_numbers import french_number, french_percent
from cpom.spreadsheet_cells import plain

NO_OBJECTIVE = "Aucun objectif n'est inscrit au contrat."
NO_OBJECTIVE_HERE = "Aucun objectif du contrat ne concerne cet établissement."
NO_ITEM = "Cet objectif n'a ni indicateur ni action."
NOT_REPORTED = "non renseigné"
COMMON = "tous (objectif commun)"
SYNTHESIS = "Synthèse"
# The table's header row on every sheet, below the title, the contract and the part.
HEADER_ROW = 4

NBSP = "\u00a0"


@dataclass(frozen=True)
class ReviewInput:
    reference: str
    gestionnaire: str
    authorities: tuple[str, ...]
    establishments: tuple[Establishment, ...]
    objectives: tuple[Objective, ...]
    reports: tuple[YearlyReport, ...]
    year: int
    first_year: int
    last_year: int

    @property
    def title(self) -> str:
        return f"Revue annuelle des objectifs — exercice {self.year}"

    @property
    def contract_lines(self) -> list[tuple[str, str]]:
        lines = [
            ("Contrat", f"{self.reference} (exercices {self.first_year} à {self.last_year})"),
            ("Gestionnaire", self.gestionnaire),
        ]
        if self.authorities:
            label = "Autorités signataires" if len(self.authorities) > 1 else "Autorité signataire"
            lines.append((label, ", ".join(self.authorities)))
        return lines


@dataclass(frozen=True)
class _Part:
    """The whole perimeter, or one establishment: a sheet of the workbook, a section of the PDF."""

    heading: str
    sheet_name: str
    reviews: tuple[ObjectiveReview, ...]
    empty_message: str


def _parts(data: ReviewInput) -> list[_Part]:
    reviews = tuple(review(data.objectives, list(data.reports), data.year, data.last_year))
    parts = [_Part("Ensemble du périmètre", SYNTHESIS, reviews, NO_OBJECTIVE)]
    names = sheet_names(data.establishments)
    for establishment, sheet_name in zip(data.establishments, names, strict=True):
        finess = establishment.finess
        concerned = tuple(
            item
            for item in reviews
            if not item.objective.establishments or finess in item.objective.establishments
        )
        heading = f"Établissement{NBSP}: {establishment.name or finess} — FINESS {finess}"
        empty = NO_OBJECTIVE_HERE if data.objectives else NO_OBJECTIVE
        parts.append(_Part(heading, sheet_name, concerned, empty))
    return parts


# Excel refuses these in a sheet name, and names longer than 31 UTF-16 units.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_SHEET_MAX = 31


def sheet_names(establishments: tuple[Establishment, ...]) -> list[str]:
    """One valid, distinct sheet name per establishment, after « Synthèse »: Excel compares
    names ignoring case, and refuses an apostrophe at either end and the name « History »."""
    taken = {SYNTHESIS.casefold()}
    names: list[str] = []
    for establishment in establishments:
        base = " ".join(_SHEET_FORBIDDEN.sub("", plain(establishment.name)).split()).strip(" '")
        if not base or base.casefold() == "history":
            base = establishment.finess or "Établissement"
        name = _cut(base, _SHEET_MAX)
        number = 2
        while name.casefold() in taken:
            suffix = f" ({number})"
            name = _cut(base, _SHEET_MAX - len(suffix)) + suffix
            number += 1
        taken.add(name.casefold())
        names.append(name)
    return names


def _cut(text: str, limit: int) -> str:
    """`text` within `limit` UTF-16 units, as Excel counts, without a dangling space or quote."""
    while len(text.encode("utf-16-le")) // 2 > limit:
        text = text[:-1]
    return text.rstrip(" '")


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _status_label(status: ActionStatus | None) -> str:
    return ACTION_STATUS_LABELS[status] if status is not None else NOT_REPORTED


def _scope(objective: Objective, names: dict[str, str]) -> str:
    if not objective.establishments:
        return COMMON
    return ", ".join(names.get(finess, finess) for finess in objective.establishments)


def _establishment_names(data: ReviewInput) -> dict[str, str]:
    return {item.finess: item.name or item.finess for item in data.establishments}


# --- XLSX ------------------------------------------------------------------------------------

_TEXT, _NUMBER, _YEAR, _PERCENT, _DATE = "text", "number", "year", "percent", "date"
# Number formats are stored in Excel's neutral syntax: a French spreadsheet program shows
# « 1 234,5 ». A year has no thousands separator; dates are day first whatever the locale.
_INTEGER_FORMAT = "#,##0"
_DECIMAL_FORMAT = "#,##0.0#"
# Before « % », a no-break space, as babel writes it in the PDF.
_PERCENT_FORMAT = f'0"{NBSP}"%'
_DATE_FORMAT = "DD/MM/YYYY"
_EXCEL_CELL_MAX = 32_767
_HEADER_FILL = PatternFill("solid", fgColor="DDDDDD")
# The workbook's default font: a styled cell names it too, or it would fall back to another.
_FONT_NAME = "Calibri"


@dataclass(frozen=True)
class _Column:
    key: str
    header: str
    width: float
    kind: str


def _columns(year: int) -> tuple[_Column, ...]:
    return (
        _Column("objective", "Objectif", 40, _TEXT),
        _Column("axis", "Axe", 18, _TEXT),
        _Column("scope", "Établissements concernés", 24, _TEXT),
        _Column("kind", "Type", 11, _TEXT),
        _Column("label", "Indicateur ou action", 45, _TEXT),
        _Column("definition", "Définition", 40, _TEXT),
        _Column("unit", "Unité", 9, _TEXT),
        _Column("baseline", "Valeur d'entrée", 12, _NUMBER),
        _Column("baseline_year", "Année de la valeur d'entrée", 12, _YEAR),
        _Column("target", f"Cible {year}", 12, _NUMBER),
        _Column("value", f"Valeur {year}", 12, _NUMBER),
        _Column("attainment", "Atteinte", 15, _TEXT),
        _Column("progress", "Progression", 12, _PERCENT),
        _Column("final_target", "Cible finale", 12, _NUMBER),
        _Column("tdb_code", "Code tableau de bord", 14, _TEXT),
        _Column("owner", "Porteur", 22, _TEXT),
        _Column("due", "Échéance", 12, _DATE),
        _Column("status", "Statut", 15, _TEXT),
    )


def _sheet_rows(
    reviews: tuple[ObjectiveReview, ...], names: dict[str, str]
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for item in reviews:
        objective = item.objective
        lead: dict[str, object] = {
            "objective": objective.title,
            "axis": objective.axis,
            "scope": _scope(objective, names),
        }
        for measured in item.indicators:
            indicator = measured.indicator
            rows.append(
                lead
                | {
                    "kind": "Indicateur",
                    "label": indicator.label,
                    "definition": indicator.definition,
                    "unit": indicator.unit,
                    "baseline": indicator.baseline,
                    "baseline_year": indicator.baseline_year,
                    "target": measured.target,
                    "value": measured.value,
                    "attainment": ATTAINMENT_LABELS[measured.attainment],
                    "progress": measured.progress,
                    "final_target": indicator.final_target,
                    "tdb_code": indicator.tdb_code,
                }
            )
        for action, status in item.actions:
            rows.append(
                lead
                | {
                    "kind": "Action",
                    "label": action.title,
                    "owner": action.owner,
                    "due": action.due,
                    "status": _status_label(status),
                }
            )
        if not item.indicators and not item.actions:
            rows.append(lead | {"label": NO_ITEM})
    return rows


def _put(sheet: Worksheet, row: int, column: int, value: object, kind: str = _TEXT) -> None:
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        if not value:
            return
        cell.value = plain(value)[:_EXCEL_CELL_MAX]
        # A title such as « =SOMME(…) » is text typed by someone, never a formula to run.
        cell.data_type = "s"
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = _DATE_FORMAT
    elif isinstance(value, int | float):
        number = _finite(float(value))
        if number is None:
            return
        cell.value = value
        if kind == _PERCENT:
            cell.number_format = _PERCENT_FORMAT
        elif kind == _YEAR:
            cell.number_format = "0"
        else:
            cell.number_format = _INTEGER_FORMAT if number.is_integer() else _DECIMAL_FORMAT


def _row_height(texts: list[tuple[str, float]]) -> float:
    """The height, in points, of a row whose cells wrap these texts in columns of these widths.
    Spreadsheet programs do not all fit a row to its wrapped text when they open a file
    (LibreOffice does not), so the height is written: about one character a unit of width,
    15 points a line, within Excel's maximum of 409 points."""
    lines = 1
    for text, width in texts:
        per_line = max(1, int(width))
        wrapped = sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))
        lines = max(lines, wrapped)
    return min(409.0, 15.0 * lines)


def _fill_sheet(sheet: Worksheet, data: ReviewInput, part: _Part) -> None:
    columns = _columns(data.year)
    _put(sheet, 1, 1, data.title)
    sheet.cell(row=1, column=1).font = Font(name=_FONT_NAME, bold=True, size=14)
    contract = " — ".join(f"{label}{NBSP}: {value}" for label, value in data.contract_lines)
    _put(sheet, 2, 1, contract)
    _put(sheet, 3, 1, part.heading)
    sheet.cell(row=3, column=1).font = Font(name=_FONT_NAME, bold=True, size=12)

    top_wrapped = Alignment(wrap_text=True, vertical="top")
    for number, column in enumerate(columns, start=1):
        _put(sheet, HEADER_ROW, number, column.header)
        header = sheet.cell(row=HEADER_ROW, column=number)
        header.font = Font(name=_FONT_NAME, bold=True)
        header.fill = _HEADER_FILL
        header.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    sheet.row_dimensions[HEADER_ROW].height = _row_height(
        [(column.header, column.width) for column in columns]
    )
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)

    rows = _sheet_rows(part.reviews, _establishment_names(data))
    if not rows:
        _put(sheet, HEADER_ROW + 1, 1, part.empty_message)
        sheet.cell(row=HEADER_ROW + 1, column=1).font = Font(name=_FONT_NAME, italic=True)
        return
    for offset, values in enumerate(rows, start=1):
        for number, column in enumerate(columns, start=1):
            _put(sheet, HEADER_ROW + offset, number, values.get(column.key), column.kind)
            sheet.cell(row=HEADER_ROW + offset, column=number).alignment = top_wrapped
        texts = [(value, c.width) for c in columns if isinstance(value := values.get(c.key), str)]
        sheet.row_dimensions[HEADER_ROW + offset].height = _row_height(texts)
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + len(rows)}"


def review_xlsx(data: ReviewInput) -> bytes:
    """The workbook: « Synthèse » with every objective, then a sheet per establishment."""
    workbook = Workbook()
    default = workbook.active
    if default is not None:
        workbook.remove(default)
    for part in _parts(data):
        _fill_sheet(workbook.create_sheet(part.sheet_name), data, part)
    workbook.properties.title = plain(f"{data.title} — {data.reference}")
    workbook.properties.creator = "cpom"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


# --- PDF -------------------------------------------------------------------------------------

_FONT_DIR = Path(__file__).with_name("fonts")
_FONT = "DejaVuSansCondensed"
_MARGIN = 12.0
# Landscape A4 less the margins (273 mm): the label wide, the figures narrow.
_WIDTHS = (113.0, 28.0, 22.0, 22.0, 24.0, 22.0, 22.0, 20.0)
# Characters kept in a cell per millimetre of its width: a line holds about 0.65 a millimetre,
# so a dozen lines at most, and a row always fits on a page (fpdf2 refuses a row taller than a
# page) whatever was typed.
_CHARS_PER_MM = 8
_OBJECTIVE_STYLE = FontFace(emphasis="BOLD", fill_color=(235, 241, 250))
_SUBHEADER_STYLE = FontFace(emphasis="BOLD", fill_color=(245, 245, 245))
_HEADINGS_STYLE = FontFace(emphasis="BOLD", fill_color=(221, 221, 221))
_MISSING = "—"
# The contract's lines and the section headings: a few lines at most; the footer: one.
_HEADING_MAX = 320
_FOOTER_MAX = 150


class _ReviewDocument(FPDF):
    def __init__(self, footer: str) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self._footer = footer
        for style, suffix in (("", ""), ("B", "-Bold")):
            self.add_font(_FONT, style, str(_FONT_DIR / f"{_FONT}{suffix}.ttf"))
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.set_auto_page_break(auto=True, margin=15)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(_FONT, size=7.5)
        self.cell(0, 4, self._footer, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 4, f"page {self.page_no()} / {{nb}}", align="R")


def _clip(text: str, limit: int) -> str:
    """User text on one line of words, `limit` characters at most."""
    words = " ".join(plain(text).split())
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"


def _text(text: str, width: float) -> str:
    """User text clipped to what a table cell `width` mm wide holds."""
    return _clip(text, int(width * _CHARS_PER_MM))


def _figure(value: float | None) -> str:
    value = _finite(value)
    return french_number(value) if value is not None else _MISSING


def _entry(value: float | None, year: int | None) -> str:
    if _finite(value) is None:
        return _MISSING
    return _figure(value) + (f"{NBSP}({year})" if year is not None else "")


def _plural(count: int, word: str) -> str:
    """`word` agreeing with `count`: in French, 0 and 1 take the singular."""
    return word if count <= 1 else f"{word}s"


def _tally(item: ObjectiveReview) -> list[str]:
    """How far the objective has gone: indicators reached, actions done."""
    tally = []
    if item.indicators:
        reached = item.reached
        words = f"{_plural(reached, 'indicateur')} {_plural(reached, 'atteint')}"
        tally.append(f"{reached} {words} sur {len(item.indicators)}")
    if item.actions:
        done = item.actions_done
        words = f"{_plural(done, 'action')} {_plural(done, 'réalisée')}"
        tally.append(f"{done} {words} sur {len(item.actions)}")
    return tally


def _objective_heading(item: ObjectiveReview, names: dict[str, str]) -> str:
    objective = item.objective
    width = sum(_WIDTHS)
    details = [f"Établissements concernés{NBSP}: {_scope(objective, names)}", *_tally(item)]
    if objective.axis.strip():
        details.insert(0, f"Axe{NBSP}: {objective.axis}")
    return "\n".join([_text(objective.title, width), _text(" — ".join(details), width)])


def _pdf_table(document: _ReviewDocument, data: ReviewInput, part: _Part) -> None:
    names = _establishment_names(data)
    w = _WIDTHS
    with document.table(
        col_widths=w,
        width=sum(w),
        line_height=4,
        padding=1,
        text_align="LEFT",
        v_align="TOP",
        headings_style=_HEADINGS_STYLE,
        repeat_headings=1,
    ) as table:
        headings = table.row()
        for heading in (
            "Indicateur",
            "Valeur d'entrée (année)",
            f"Cible {data.year}",
            f"Valeur {data.year}",
            "Atteinte",
            "Progression",
            "Cible finale",
            "Code tableau de bord",
        ):
            headings.cell(heading)
        for item in part.reviews:
            table.row().cell(_objective_heading(item, names), colspan=8, style=_OBJECTIVE_STYLE)
            for measured in item.indicators:
                indicator = measured.indicator
                label = indicator.label + (f" ({indicator.unit})" if indicator.unit else "")
                progress = measured.progress
                row = table.row()
                row.cell(_text(label, w[0]))
                row.cell(_entry(indicator.baseline, indicator.baseline_year), align="R")
                row.cell(_figure(measured.target), align="R")
                row.cell(_figure(measured.value), align="R")
                row.cell(ATTAINMENT_LABELS[measured.attainment])
                row.cell(french_percent(progress) if progress is not None else _MISSING, align="R")
                row.cell(_figure(indicator.final_target), align="R")
                row.cell(_text(indicator.tdb_code, w[7]) or _MISSING)
            if item.actions:
                subheader = table.row()
                subheader.cell("Action", style=_SUBHEADER_STYLE)
                subheader.cell("Porteur", colspan=3, style=_SUBHEADER_STYLE)
                subheader.cell("Échéance", colspan=2, style=_SUBHEADER_STYLE)
                subheader.cell("Statut", colspan=2, style=_SUBHEADER_STYLE)
            for action, status in item.actions:
                row = table.row()
                row.cell(_text(action.title, w[0]))
                row.cell(_text(action.owner, sum(w[1:4])) or _MISSING, colspan=3)
                row.cell(f"{action.due:%d/%m/%Y}" if action.due else _MISSING, colspan=2)
                row.cell(_status_label(status), colspan=2)
            if not item.indicators and not item.actions:
                table.row().cell(NO_ITEM, colspan=8)


def review_pdf(data: ReviewInput) -> bytes:
    """The PDF: the contract, the table of every objective, then a section per establishment."""
    footer = _clip(f"{data.reference} — {data.title}", _FOOTER_MAX)
    document = _ReviewDocument(footer)
    document.set_title(plain(f"{data.title} — {data.reference}"))
    document.set_creator("cpom")
    document.add_page()
    document.set_font(_FONT, "B", 15)
    document.multi_cell(0, 8, data.title, align="L", new_x="LMARGIN", new_y="NEXT")
    document.set_font(_FONT, size=10)
    for label, value in data.contract_lines:
        line = f"{label}{NBSP}: {_clip(value, _HEADING_MAX)}"
        document.multi_cell(0, 5, line, align="L", new_x="LMARGIN", new_y="NEXT")
    parts = _parts(data)
    if not data.objectives:
        # One message says it all: an establishment section would only repeat it.
        parts = parts[:1]
    for number, part in enumerate(parts):
        if number:
            document.add_page()
        else:
            document.ln(4)
        document.set_font(_FONT, "B", 12)
        heading = _clip(part.heading, _HEADING_MAX)
        document.multi_cell(0, 7, heading, align="L", new_x="LMARGIN", new_y="NEXT")
        document.ln(1)
        document.set_font(_FONT, size=8)
        if part.reviews:
            _pdf_table(document, data, part)
        else:
            document.set_font(_FONT, size=10)
            document.multi_cell(0, 5, part.empty_message, align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(document.output())

"""Text people typed, written into the spreadsheets cpom exports (CSV, XLSX): as text.

A name such as « =HYPERLINK(…) » or « @SOMME(…) » is what someone typed, never a formula for
the reader's spreadsheet program to run; and no file may hold the control codes a name may
carry (openpyxl refuses them: the whole export failed).
"""

from __future__ import annotations

import re

from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# Characters no XML file may hold (openpyxl would refuse them), C1 controls included.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# What a spreadsheet program reads as the start of a formula in a CSV cell (OWASP's list).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def plain(text: str) -> str:
    """`text` without what cannot be written to a file: lone surrogates and control codes."""
    return _UNPRINTABLE.sub("", text.encode("utf-8", "replace").decode("utf-8"))


def csv_text(text: str) -> str:
    """`text` for a CSV cell: printable, and read as text (a leading apostrophe) where it
    would be read as a formula."""
    text = plain(text)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def xlsx_text(sheet: WriteOnlyWorksheet, text: str) -> Cell:
    """`text` as a text cell of a write-only sheet: printable, never a formula."""
    cell = WriteOnlyCell(sheet, value=plain(text))
    cell.data_type = "s"
    return cell

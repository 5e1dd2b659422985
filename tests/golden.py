"""Expected texts kept in files beside the tests, and pictures of pages for people to look at.

`CPOM_REGENERATE_GOLDEN=1 pytest tests/test_documents.py tests/test_template_output.py` writes
the expected texts again from what cpom renders now; `git diff tests/documents tests/notices`
then shows what a change did to the letters, to review before committing them.
"""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

from pypdf import PdfReader

from cpom.settings import ROOT

# Where the pictures of pages go, ignored by git: a reviewer opens them after a run.
PICTURES = ROOT / "tests-output"
# The folders this run drew into, said at the end of the run (tests/conftest.py).
_drawn: set[Path] = set()


def drawn() -> list[Path]:
    return sorted(_drawn)


def also_drawn(folders: list[str]) -> None:
    """Folders another process of a parallel run drew into, said with this one's."""
    _drawn.update(Path(folder) for folder in folders)


def matches_golden(expected: Path, text: str) -> bool:
    """Whether `text` is the expected one; with CPOM_REGENERATE_GOLDEN set, it becomes it."""
    if os.environ.get("CPOM_REGENERATE_GOLDEN"):
        expected.parent.mkdir(parents=True, exist_ok=True)
        expected.write_text(text, encoding="utf-8")
    return expected.read_text(encoding="utf-8") == text


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF as pypdf reads it back, one line a line, spaces collapsed."""
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    lines = "\n".join(pages).splitlines()
    return "\n".join(" ".join(line.split()) for line in lines if line.strip()) + "\n"


def draw(pdf: bytes, folder: Path, name: str) -> list[Path]:
    """Each page of the PDF as a PNG in `folder` (`<name>-1.png`, …), with pdftoppm."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"{name}-*.png"):
        old.unlink()
    source = folder / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "80", str(source), str(folder / name)], check=True)
    _drawn.add(folder)
    return sorted(folder.glob(f"{name}-*.png"))

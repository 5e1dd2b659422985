"""Every template as people read it, rendered through `cpom templates preview` for one contract
(the joint ARS and Département example, with the example identities): every notice kind for
each party it words differently, both mail parts, and every document kind.

- French typography is checked on what is rendered, so the words that come from Python (names,
  clauses, facts, the recours) are checked with the templates' own.
- Each text is compared with its expected file: tests/notices/<kind>[-<party>].txt (the text
  part, then the HTML part as text) and tests/documents/apercu-<kind>.txt (the PDF's text).
  `CPOM_REGENERATE_GOLDEN=1` writes them again (see tests/golden.py).
- Each document's pages are drawn into tests-output/apercu/ for people to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cpom.cli.input_files import read_document
from cpom.domain.agenda import DocumentKind, NoticeKind
from cpom.domain.terms_input import contract_from_mapping
from cpom.identities import load
from cpom.rendering import Renderer
from cpom.settings import ROOT
from cpom.template_preview import every_kind
from tests.french_text import typography_faults, visible_text
from tests.golden import PICTURES, draw, matches_golden, pdf_text

TESTS = Path(__file__).parent
EXAMPLE = ROOT / "examples" / "ars-departement-esms-2025.toml"


@pytest.fixture(scope="module")
def rendered() -> dict[str, str | bytes]:
    """Every file the preview writes, by name."""
    terms, objectives = contract_from_mapping(read_document(EXAMPLE))
    renderer = Renderer(
        ROOT / "templates",
        load(ROOT / "examples" / "autorites.toml"),
        public_url="https://cpom.example",
    )
    return {name: content for name, content, _ in every_kind(renderer, terms, objectives)}


def _readable(rendered: dict[str, str | bytes]) -> dict[str, str]:
    """What a reader sees of each text file: a text part as it is, an HTML page as text."""
    texts = {}
    for name, content in rendered.items():
        if isinstance(content, str):
            texts[name] = visible_text(content) if name.endswith(".html") else content
    return texts


def test_every_kind_is_rendered(rendered: dict[str, str | bytes]) -> None:
    names = set(rendered)
    for notice in NoticeKind:
        assert (
            f"avis-{notice.value}.txt" in names or f"avis-{notice.value}-gestionnaire.txt" in names
        )
    for document in DocumentKind:
        assert f"document-{document.value}.pdf" in names
    # The request that one party must answer is worded for each.
    assert {
        "avis-demande_de_prorogation_recue-gestionnaire.txt",
        "avis-demande_de_prorogation_recue-autorite.txt",
        "avis-demande_de_prorogation_recue-superviseur.txt",
    } <= names


def test_every_template_follows_french_typography(rendered: dict[str, str | bytes]) -> None:
    faults = {
        name: found
        for name, text in _readable(rendered).items()
        if (found := typography_faults(text))
    }
    assert faults == {}


def _notices(rendered: dict[str, str | bytes]) -> list[str]:
    return sorted(
        n.removesuffix(".txt") for n in rendered if n.startswith("avis-") and n.endswith(".txt")
    )


def test_each_notice_reads_as_expected(rendered: dict[str, str | bytes]) -> None:
    differing = []
    for name in _notices(rendered):
        text, html = rendered[f"{name}.txt"], rendered[f"{name}.html"]
        assert isinstance(text, str)
        assert isinstance(html, str)
        both = (
            f"{text.rstrip()}\n\n===== partie HTML, lue comme texte =====\n\n{visible_text(html)}"
        )
        if not matches_golden(TESTS / "notices" / f"{name.removeprefix('avis-')}.txt", both):
            differing.append(name)
    assert differing == []


def test_each_document_reads_as_expected(rendered: dict[str, str | bytes]) -> None:
    differing = []
    for document in DocumentKind:
        pdf = rendered[f"document-{document.value}.pdf"]
        assert isinstance(pdf, bytes)
        if not matches_golden(TESTS / "documents" / f"apercu-{document.value}.txt", pdf_text(pdf)):
            differing.append(document.value)
    assert differing == []


def test_each_document_is_drawn_for_review(rendered: dict[str, str | bytes]) -> None:
    folder = PICTURES / "apercu"
    for document in DocumentKind:
        pdf = rendered[f"document-{document.value}.pdf"]
        assert isinstance(pdf, bytes)
        pictures = draw(pdf, folder, document.value)
        assert pictures, document.value
        assert all(p.stat().st_size > 10_000 for p in pictures)

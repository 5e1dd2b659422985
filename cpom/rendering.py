"""French notices and documents from Jinja2 templates, as text, HTML and PDF.

A notice template (`templates/notices/<kind>.txt.j2`) is plain text: its first line is the
subject, blank lines separate paragraphs. The same text gives the email's text part and, through
an autoescaping layout, its HTML part, so the two never disagree. Documents are HTML templates
(`templates/documents/<kind>.html.j2`) printed to PDF with fpdf2.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from fpdf import FPDF
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from cpom.domain import legal_basis
from cpom.domain.agenda import DocumentKind, NoticeKind
from cpom.domain.lifecycle import PHASE_LABELS, Phase
from cpom.domain.terms import ContractTerms
from cpom.french_numbers import french_number

_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_AUTHORITY_LABELS = {
    "departement": "Département",
    "ars": "Agence régionale de santé",
    "etat": "Préfecture (État)",
}


@dataclass
class RenderedNotice:
    subject: str
    text: str
    html: str


@dataclass
class RenderedDocument:
    title: str
    html: str
    pdf: bytes
    sha256: str


def authority_name(terms: ContractTerms) -> str:
    return terms.authority.name or _AUTHORITY_LABELS[terms.authority.kind.value]


def french_date(day: date) -> str:
    return f"{day:%d/%m/%Y}"


class Renderer:
    def __init__(self, templates_dir: Path) -> None:
        loader = FileSystemLoader(templates_dir)
        self.text = Environment(
            loader=loader, undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True
        )
        self.html = Environment(
            loader=loader, undefined=StrictUndefined, autoescape=select_autoescape(["html", "j2"])
        )
        for env in (self.text, self.html):
            env.filters["fr"] = french_date
            env.globals["authority"] = authority_name
            env.globals["phase_label"] = lambda value: PHASE_LABELS[Phase(value)]
            # Clauses and texts of law, for letters that state the rule they apply.
            env.globals["legal"] = legal_basis
            env.globals["number"] = french_number

    def notice(
        self,
        kind: NoticeKind,
        terms: ContractTerms,
        facts: dict[str, str],
        notice_date: date,
        extra: Mapping[str, Any] | None = None,
    ) -> RenderedNotice:
        context = {"terms": terms, "facts": facts, "today": notice_date, **(extra or {})}
        source = self.text.get_template(f"notices/{kind.value}.txt.j2").render(context)
        subject, _, body = source.strip().partition("\n")
        subject = subject.removeprefix("Objet :").strip()
        paragraphs = [p.strip() for p in body.strip().split("\n\n") if p.strip()]
        layout = {"subject": subject, "paragraphs": paragraphs, **context}
        text = self.text.get_template("notices/layout.txt.j2").render(layout)
        html = self.html.get_template("notices/layout.html.j2").render(layout)
        return RenderedNotice(subject, text, html)

    def document(
        self,
        kind: DocumentKind,
        terms: ContractTerms,
        facts: dict[str, str],
        document_date: date,
        extra: Mapping[str, Any] | None = None,
    ) -> RenderedDocument:
        context = {"terms": terms, "facts": facts, "today": document_date, **(extra or {})}
        fragment = self.html.get_template(f"documents/{kind.value}.html.j2").render(context)
        title = f"{DOCUMENT_TITLES[kind]} — CPOM {terms.reference}"
        html = self.html.get_template("documents/page.html.j2").render(
            title=title, content=Markup(fragment), **context
        )
        pdf = print_pdf(title, fragment)
        return RenderedDocument(title, html, pdf, hashlib.sha256(pdf).hexdigest())


DOCUMENT_TITLES = {
    DocumentKind.RELEVE_DE_DECISIONS: "Relevé de décisions du dialogue de gestion",
    DocumentKind.AVENANT_PROROGATION: "Avenant de prorogation",
    DocumentKind.ATTESTATION_ACCEPTATION_TACITE: "Attestation d'acceptation tacite de la "
    "prorogation",
}


def print_pdf(title: str, fragment: str) -> bytes:
    """An A4 PDF of a document's HTML fragment, with a Unicode font when the system has one."""
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_creator("cpom")
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    if (_FONT_DIR / "DejaVuSans.ttf").exists():
        for style, suffix in (("", ""), ("B", "-Bold"), ("I", "-Oblique"), ("BI", "-BoldOblique")):
            pdf.add_font("DejaVu", style, str(_FONT_DIR / f"DejaVuSans{suffix}.ttf"))
        pdf.set_font("DejaVu", size=10)
    else:  # pragma: no cover - Debian images ship DejaVu; keep a printable fallback
        pdf.set_font("Helvetica", size=10)
        fragment = fragment.encode("latin-1", "replace").decode("latin-1")
    pdf.write_html(fragment)
    return bytes(pdf.output())

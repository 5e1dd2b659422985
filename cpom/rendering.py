"""French notices and documents from Jinja2 templates, as text, HTML and PDF.

A notice template (`templates/notices/<kind>.txt.j2`) is plain text: its first line is the
subject, blank lines separate paragraphs. The same text gives the email's text part and, through
an autoescaping layout, its HTML part, so the two never disagree. Documents are HTML pages
(`templates/documents/<kind>.html.j2`, each extending `page.html.j2`, its print layout in CSS)
printed as PDF/A-3b by WeasyPrint (`cpom.printing`), their data attached as JSON, with a
signature field over each party's room to sign, the authority's signed when cpom holds its
certificate (`cpom.signature_fields`). Whatever they render is spaced as French prints it
(`cpom.french_typography`): templates, the authorities' own included, are written with plain
spaces.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    select_autoescape,
)

from cpom import document_parts
from cpom.document_data import document_data, encoded
from cpom.domain import legal_basis
from cpom.domain.agenda import DocumentKind, NoticeKind
from cpom.domain.clock import fr
from cpom.domain.lifecycle import PHASE_LABELS, Phase, items_in_words
from cpom.domain.terms import ContractTerms
from cpom.french_articles import capitalized
from cpom.french_dates import fact_date, long_date
from cpom.french_numbers import french_number
from cpom.french_typography import typeset, typeset_html
from cpom.identities import Identities
from cpom.printing import print_pdf
from cpom.signature_fields import ready_to_sign
from cpom.template_cache import compiled_templates

if TYPE_CHECKING:
    from cpom.printing_process import PrintingProcess
    from cpom.signing import AuthoritySigner


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


def days_left_when_sent(facts: dict[str, str], notice_date: date) -> dict[str, str]:
    """A reminder's days left until its deadline (`due`), counted from the day it goes when it
    goes later than planned (its worker was down): it said « soit dans 30 jours » of a deadline
    nearer, or past (found by probing). Sent on its day or before, as planned."""
    if "days" not in facts or "due" not in facts:
        return facts
    due = fact_date(facts["due"])
    left = (due - notice_date).days
    return {**facts, "days": str(left)} if left < int(facts["days"]) else facts


def long_french_date(day: date | str) -> str:
    """« 1er novembre 2026 », from a day or a fact's JJ/MM/AAAA."""
    return long_date(day if isinstance(day, date) else fact_date(day))


@dataclass(frozen=True)
class _Environments:
    """The Jinja2 environments of one set of templates: plain text (notices), autoescaped HTML
    (the notices' HTML part) and documents (HTML, with long dates and enumerations)."""

    text: Environment
    html: Environment
    documents: Environment


def _environments(loader: BaseLoader, identities: Identities) -> _Environments:
    text = Environment(
        loader=loader,
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        bytecode_cache=compiled_templates("text"),
    )
    html = Environment(
        loader=loader,
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html", "j2"]),
        bytecode_cache=compiled_templates("html"),
    )
    documents = Environment(
        loader=loader,
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html", "j2"]),
        bytecode_cache=compiled_templates("documents"),
    )
    documents.filters["long"] = long_french_date
    documents.filters["enumeration"] = document_parts.enumeration
    for env in (text, html, documents):
        env.filters["fr"] = fr
        env.filters["capfirst"] = capitalized
        # The lead authority's name: `{{ authority(terms) }}` bare, `.the`, `.of`, `.to` with
        # its article (« le Département… », « du Département… », « au Département… »).
        env.globals["authority"] = lambda terms: document_parts.named_authority(
            terms.authority, identities
        )
        env.globals["phase_label"] = lambda value: PHASE_LABELS[Phase(value)]
        # Clauses and texts of law, for letters that state the rule they apply.
        env.globals["legal"] = legal_basis
        env.globals["number"] = french_number
    return _Environments(text, html, documents)


class Renderer:
    """Notices and documents of a contract, in the templates of its lead authority.

    `overrides`: a folder with a subfolder per authority (its `Authority.key`) holding the
    templates it words its own way, laid out as `templates/` (`notices/<kind>.txt.j2`,
    `documents/<kind>.html.j2`, the layouts); any other template is the default one.
    `signer`: signs the documents of the authority it signs for, in its field.
    `printer`: prints the documents in a process of its own (`cpom simulate`); they are printed
    in this one otherwise.
    """

    def __init__(
        self,
        templates_dir: Path,
        identities: Identities | None = None,
        overrides: Path | None = None,
        public_url: str = "",
        signer: AuthoritySigner | None = None,
        printer: PrintingProcess | None = None,
    ) -> None:
        self.templates_dir = templates_dir
        self.signer = signer
        self.printer = printer
        self.identities = identities or Identities()
        self.overrides = overrides
        # Where people open a contract's page: notices link to it.
        self.public_url = public_url.rstrip("/")
        self._default = _environments(FileSystemLoader(templates_dir), self.identities)
        self._by_authority: dict[str, _Environments] = {}

    def templates_of(self, terms: ContractTerms) -> _Environments:
        """The environments of the contract's lead authority: its own templates first."""
        key = terms.authority.key
        folder = self.overrides / key if self.overrides else None
        if folder is None or not folder.is_dir():
            return self._default
        if key not in self._by_authority:
            loader = ChoiceLoader([FileSystemLoader(folder), FileSystemLoader(self.templates_dir)])
            self._by_authority[key] = _environments(loader, self.identities)
        return self._by_authority[key]

    def notice(
        self,
        kind: NoticeKind,
        terms: ContractTerms,
        facts: dict[str, str],
        notice_date: date,
        extra: Mapping[str, Any] | None = None,
    ) -> RenderedNotice:
        if "missing" in facts:
            # The documents still awaited, as people write them, whatever the template.
            facts = {**facts, "missing": items_in_words(facts["missing"])}
        facts = days_left_when_sent(facts, notice_date)
        # Each authority's identity read once for the whole of it (`Identities.reading`).
        with self.identities.reading():
            context = {
                "terms": terms,
                "facts": facts,
                "today": notice_date,
                # Whom this message goes to (`cpom.notice_parties`; "" when not known) and the
                # titles of the documents it carries.
                "party": "",
                "attached": [],
                # How a decision of the lead authority is contested.
                "appeal": document_parts.appeal(
                    document_parts.parties(terms, self.identities)[:1],
                    self.identities.authority(terms.authority.key).court,
                ),
                **(extra or {}),
            }
            templates = self.templates_of(terms)
            source = typeset(
                templates.text.get_template(f"notices/{kind.value}.txt.j2").render(context)
            )
            subject, _, body = source.strip().partition("\n")
            subject = subject.removeprefix("Objet\u00a0:").strip()
            paragraphs = [p.strip() for p in body.strip().split("\n\n") if p.strip()]
            # Signed by the lead authority's service and contact, when its identity says them.
            identity = self.identities.authority(terms.authority.key)
            page = (
                f"{self.public_url}/tableau/contrats/{quote(terms.reference)}"
                if self.public_url
                else ""
            )
            layout = {
                "subject": subject,
                "paragraphs": paragraphs,
                "identity": identity,
                "contract_page": page,
                **context,
            }
            text = typeset(templates.text.get_template("notices/layout.txt.j2").render(layout))
            html = typeset_html(
                templates.html.get_template("notices/layout.html.j2").render(layout)
            )
            return RenderedNotice(subject, text, html)

    def document(
        self,
        kind: DocumentKind,
        terms: ContractTerms,
        facts: dict[str, str],
        document_date: date,
        extra: Mapping[str, Any] | None = None,
    ) -> RenderedDocument:
        # Each authority's identity read once for the whole of it (`Identities.reading`).
        with self.identities.reading():
            title = f"{DOCUMENT_TITLES[kind]} — CPOM {terms.reference}"
            parts = document_parts.document_context(kind, terms, facts, self.identities)
            context = {
                **parts,
                "terms": terms,
                "facts": facts,
                "today": document_date,
                "title": title,
                **(extra or {}),
            }
            documents = self.templates_of(terms).documents
            html = typeset_html(
                documents.get_template(f"documents/{kind.value}.html.j2").render(context)
            )
            data = document_data(kind, title, terms, facts, document_date)
            names = {party.key: party.the for party in parts["parties"]}
            pdf = self._print(html, encoded(data), names)
            return RenderedDocument(title, html, pdf, hashlib.sha256(pdf).hexdigest())

    def _print(self, html: str, data: bytes, names: Mapping[str, str]) -> bytes:
        base_url, location = self.templates_dir / "documents", self._signing_city()
        if self.printer is not None:
            return self.printer.print(html, data, base_url, names, location)
        return ready_to_sign(print_pdf(html, data, base_url), names, self.signer, location)

    def _signing_city(self) -> str:
        """Where the authority signs, as its identity says: the signature's location."""
        return self.identities.authority(self.signer.authority).city if self.signer else ""


DOCUMENT_TITLES = {
    DocumentKind.RELEVE_DE_DECISIONS: "Relevé de décisions du dialogue de gestion",
    DocumentKind.AVENANT_PROROGATION: "Avenant de prorogation",
    DocumentKind.ATTESTATION_ACCEPTATION_TACITE: "Attestation d'acceptation tacite de la "
    "prorogation",
}

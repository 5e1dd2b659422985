"""Documents ready to sign: an empty signature field over each signatory's room to sign, the PDF/A
identification and the attached data read back after them."""

from __future__ import annotations

import io
import itertools
import json
from dataclasses import dataclass
from datetime import date

import pytest
from pypdf import PdfReader

from cpom.domain.agenda import DocumentKind
from cpom.rendering import Renderer
from cpom.settings import ROOT
from tests.test_documents import (
    IDENTITIES,
    PROROGATION,
    RELEVE,
    joint_contract,
    pdfa_identification,
)

# The joint contract: the ARS leads, the Département co-signs, then the gestionnaire.
SIGNATORIES = {
    "ars": "ARS Bretagne",
    "cd35": "Département d'Ille-et-Vilaine",
    "gestionnaire": "Association Aide à domicile 35",
}
ROOM_HEIGHT = 28 / 25.4 * 72  # the template's 28 mm, in points


@dataclass(frozen=True)
class Field:
    name: str
    page: int
    rect: tuple[float, float, float, float]
    signed: bool


def signature_fields(pdf: bytes) -> dict[str, Field]:
    fields = {}
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages):
        for annotation in page.get("/Annots") or []:
            widget = annotation.get_object()
            if widget.get("/FT") == "/Sig":
                left, bottom, right, top = (float(v) for v in widget["/Rect"])
                name = str(widget["/T"])
                fields[name] = Field(name, number, (left, bottom, right, top), "/V" in widget)
    return fields


def block_headings(pdf: bytes) -> dict[str, tuple[int, float, float]]:
    """Where each block's « Pour <partie>, » is printed: page, left and baseline, in points."""
    found = {}
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages):

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: object) -> None:
            line = text.strip()
            if line.startswith("Pour ") and line.endswith(","):
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                found[line.removeprefix("Pour ").removesuffix(",")] = (number, x, y)  # noqa: B023

        page.extract_text(visitor_text=visit)
    return found


def document(kind: DocumentKind) -> bytes:
    facts = RELEVE if kind is DocumentKind.RELEVE_DE_DECISIONS else PROROGATION
    renderer = Renderer(ROOT / "templates", IDENTITIES)
    extra: dict[str, list[str]] = {"objective_decisions": []}
    return renderer.document(kind, joint_contract(), facts, date(2028, 7, 4), extra).pdf


def test_each_signatory_has_an_empty_field_in_its_signature_block() -> None:
    pdf = document(DocumentKind.AVENANT_PROROGATION)
    fields = signature_fields(pdf)
    headings = block_headings(pdf)
    assert set(fields) == {f"signature-{key}" for key in SIGNATORIES}
    for key, name in SIGNATORIES.items():
        field = fields[f"signature-{key}"]
        assert not field.signed
        page, left, baseline = headings[name]
        assert field.page == page
        # Under its « Pour … » and its signatory's title, the block's width and room's height.
        assert field.rect[0] == pytest.approx(left, abs=1)
        assert baseline - 40 < field.rect[3] < baseline
        assert field.rect[2] - field.rect[0] > 200
        assert field.rect[3] - field.rect[1] == pytest.approx(ROOM_HEIGHT, abs=1)
    # Side by side or one under the other: never on each other.
    rects = sorted(f.rect for f in fields.values())
    for a, b in itertools.pairwise(rects):
        assert a[2] <= b[0] or a[3] <= b[1] or b[3] <= a[1]


def test_the_releve_has_a_field_per_signatory_and_the_attestation_per_authority() -> None:
    releve = signature_fields(document(DocumentKind.RELEVE_DE_DECISIONS))
    assert set(releve) == {f"signature-{key}" for key in SIGNATORIES}
    attestation = signature_fields(document(DocumentKind.ATTESTATION_ACCEPTATION_TACITE))
    assert set(attestation) == {"signature-ars", "signature-cd35"}


def test_the_fields_leave_the_pdf_a_identification_and_the_data() -> None:
    pdf = document(DocumentKind.AVENANT_PROROGATION)
    assert pdfa_identification(pdf) == [("3", "B")]
    [attached] = PdfReader(io.BytesIO(pdf)).attachments["donnees.json"]
    assert json.loads(attached)["document"]["kind"] == "avenant_de_prorogation"

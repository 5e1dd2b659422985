"""Documents ready to sign: an empty signature field over each signatory's room to sign, and the
authority's PAdES signature in its own field when cpom holds its certificate, checked by pyHanko's
validation against the test's certificate authority; the PDF/A identification and the attached
data read back after both."""

from __future__ import annotations

import io
import itertools
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from cpom.domain.agenda import DocumentKind
from cpom.rendering import Renderer
from cpom.settings import ROOT
from cpom.signature_fields import signature_of
from cpom.signing import AuthoritySigner, load_signer
from tests.signing_certificates import PASSWORD, SigningAuthority
from tests.test_documents import (
    IDENTITIES,
    PROROGATION,
    RELEVE,
    joint_contract,
    pdfa_identification,
)

# The joint contract: the ARS leads, the Département co-signs, then the gestionnaire.
SIGNATORIES = {
    "ars": "l'ARS Bretagne",
    "cd35": "le Département d'Ille-et-Vilaine",
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


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> SigningAuthority:
    return SigningAuthority.create()


@pytest.fixture(scope="module")
def ars_signer(
    authority: SigningAuthority, tmp_path_factory: pytest.TempPathFactory
) -> AuthoritySigner:
    p12 = authority.issue(tmp_path_factory.mktemp("certificats") / "ars.p12")
    return load_signer(p12, PASSWORD, "ars", datetime.now(UTC))


def document(kind: DocumentKind, signer: AuthoritySigner | None = None) -> bytes:
    facts = RELEVE if kind is DocumentKind.RELEVE_DE_DECISIONS else PROROGATION
    renderer = Renderer(ROOT / "templates", IDENTITIES, signer=signer)
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


def validate(pdf: bytes, authority: SigningAuthority) -> list[tuple[str, bool, bool, bool]]:
    reader = PdfFileReader(io.BytesIO(pdf))
    context = ValidationContext(trust_roots=[authority.trust_root])
    results = []
    for signature in reader.embedded_signatures:
        status = validate_pdf_signature(signature, context)
        results.append((signature.field_name, status.intact, status.valid, status.trusted))
    return results


def test_the_authoritys_field_carries_its_valid_pades_signature(
    authority: SigningAuthority, ars_signer: AuthoritySigner
) -> None:
    pdf = document(DocumentKind.AVENANT_PROROGATION, ars_signer)
    assert validate(pdf, authority) == [("signature-ars", True, True, True)]
    [signature] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert signature.sig_object["/Reason"] == "Signature de l'ARS Bretagne"
    assert signature.sig_object["/Name"] == "Mme Claire Martin"
    assert signature.sig_object["/Location"] == "Rennes"
    fields = signature_fields(pdf)
    assert fields["signature-ars"].signed
    assert not fields["signature-cd35"].signed
    assert not fields["signature-gestionnaire"].signed


@pytest.mark.parametrize("signed", [False, True])
def test_fields_and_signature_leave_the_pdf_a_identification_and_the_data(
    ars_signer: AuthoritySigner, signed: bool
) -> None:
    pdf = document(DocumentKind.AVENANT_PROROGATION, ars_signer if signed else None)
    assert pdfa_identification(pdf) == [("3", "B")]
    [attached] = PdfReader(io.BytesIO(pdf)).attachments["donnees.json"]
    assert json.loads(attached)["document"]["kind"] == "avenant_de_prorogation"


def test_the_attestation_is_signed_for_the_authority(
    authority: SigningAuthority, ars_signer: AuthoritySigner
) -> None:
    pdf = document(DocumentKind.ATTESTATION_ACCEPTATION_TACITE, ars_signer)
    assert validate(pdf, authority) == [("signature-ars", True, True, True)]
    assert pdfa_identification(pdf) == [("3", "B")]


def test_another_signatory_signs_its_field_after_the_authority(
    authority: SigningAuthority, ars_signer: AuthoritySigner, tmp_path: Path
) -> None:
    pdf = document(DocumentKind.RELEVE_DE_DECISIONS, ars_signer)
    gestionnaire = load_signer(
        authority.issue(tmp_path / "gestionnaire.p12", "Mme Sophie Bernard"),
        PASSWORD,
        "gestionnaire",
        datetime.now(UTC),
    )
    countersigned = gestionnaire.sign(
        IncrementalPdfFileWriter(io.BytesIO(pdf)),
        "signature-gestionnaire",
        signature_of(SIGNATORIES["gestionnaire"]),
    )
    # The authority's signature still holds: filling another signature field is allowed.
    assert validate(countersigned, authority) == [
        ("signature-ars", True, True, True),
        ("signature-gestionnaire", True, True, True),
    ]


def test_a_contract_the_authority_does_not_sign_gets_its_fields_only(
    authority: SigningAuthority, tmp_path: Path
) -> None:
    other = load_signer(authority.issue(tmp_path / "cd13.p12"), PASSWORD, "cd13", datetime.now(UTC))
    pdf = document(DocumentKind.AVENANT_PROROGATION, other)
    assert validate(pdf, authority) == []
    assert len(signature_fields(pdf)) == 3


def test_the_reason_names_the_authority_in_french() -> None:
    assert signature_of("ARS Bretagne") == "Signature d'ARS Bretagne"
    assert signature_of("le Département du Gard") == "Signature du Département du Gard"
    assert signature_of("Département d'Ille-et-Vilaine") == (
        "Signature de Département d'Ille-et-Vilaine"
    )

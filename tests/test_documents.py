"""The three documents as an authority sends them, in the cases that word them differently: their
text read back from the PDF against the expected French (tests/documents/*.txt;
`CPOM_REGENERATE_GOLDEN=1` writes it again after a change to review, see tests/golden.py), the
PDF/A-3b identification, fonts and attached data read back, the French typography of what they
print, the recours each authority opens, and a picture of each page in tests-output/documents/.

veraPDF, the reference PDF/A validator, runs on Java, which this project does not install:
`test_documents_are_pdf_a_3b` reads back what it can check without it."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, StreamObject

from cpom.domain.agenda import DocumentKind
from cpom.domain.terms import ContractTerms, Establishment, Sector
from cpom.identities import AuthorityIdentity, Identities, Signatory
from cpom.rendering import RenderedDocument, Renderer
from cpom.settings import ROOT
from tests.domain.test_signatories import ARS, CD35
from tests.french_text import typography_faults, visible_text
from tests.golden import PICTURES, draw, matches_golden, pdf_text
from tests.workflows.helpers import contract

EXPECTED = Path(__file__).with_name("documents")
PROROGATION = {
    "previous_echeance": "31/12/2028",
    "new_echeance": "31/12/2029",
    "notice_received_on": "02/05/2028",
    "accepted_on": "04/07/2028",
    "tacit": "oui",
    "requested_by": "gestionnaire",
    "reply_deadline": "03/07/2028",
}
RELEVE = {
    "contract_year": "3",
    "held_on": "15/10/2026",
    "participants": "Mme Durand (Département)\nM. Martin (SAD)",
    "decisions": "Avenant sur l'objectif 2\nSuivi trimestriel des heures : bilan en octobre",
    "approvals": "autorite=20/10/2026\ngestionnaire=02/11/2026",
}
IDENTITIES = Identities(
    {
        "ars": AuthorityIdentity(
            Signatory("M. Jean Dupont", "Directeur général de l'ARS Bretagne"),
            city="Rennes",
            service="Direction de l'offre médico-sociale",
            court="le tribunal administratif de Rennes",
        )
    },
    {"732829320": Signatory("Mme Sophie Bernard", "Présidente")},
)


def joint_contract() -> ContractTerms:
    return replace(
        contract(sector=Sector.ESMS_ARS),
        authority=replace(ARS, siren="130007149"),
        co_signatories=(replace(CD35, siren="223500018"),),
        establishments=(
            Establishment("350002424", "EHPAD Les Tilleuls", "EHPAD"),
            Establishment("350005179", "Foyer de vie Le Clos", "Foyer de vie"),
        ),
    )


@dataclass(frozen=True)
class Case:
    name: str
    kind: DocumentKind
    facts: dict[str, str]
    joint: bool = False


CASES = [
    Case("avenant_de_prorogation", DocumentKind.AVENANT_PROROGATION, PROROGATION),
    Case(
        "attestation_acceptation_tacite", DocumentKind.ATTESTATION_ACCEPTATION_TACITE, PROROGATION
    ),
    Case("releve_de_decisions", DocumentKind.RELEVE_DE_DECISIONS, RELEVE),
    # An ARS and a Département sign: the Département accepted, the ARS's silence counted.
    Case(
        "attestation_deux_autorites",
        DocumentKind.ATTESTATION_ACCEPTATION_TACITE,
        {**PROROGATION, "accepted_by": "cd35=20/06/2028"},
        joint=True,
    ),
    # The ARS gave notice: the gestionnaire accepted, the Département's silence counted.
    Case(
        "attestation_demande_de_l_ars",
        DocumentKind.ATTESTATION_ACCEPTATION_TACITE,
        {**PROROGATION, "requested_by": "ars", "accepted_by": "gestionnaire=12/06/2028"},
        joint=True,
    ),
    Case(
        "avenant_signe",
        DocumentKind.AVENANT_PROROGATION,
        {
            **PROROGATION,
            "tacit": "non",
            "signed_on": "02/05/2028",
            "summary": "prorogation d'un an pour achever la restructuration du foyer",
        },
        joint=True,
    ),
    Case(
        "releve_trois_signataires",
        DocumentKind.RELEVE_DE_DECISIONS,
        {**RELEVE, "approvals": "autorite=20/10/2026\ncd35=24/10/2026\ngestionnaire=02/11/2026"},
        joint=True,
    ),
]


@pytest.fixture(scope="module")
def documents() -> dict[str, RenderedDocument]:
    plain = Renderer(ROOT / "templates")
    known = Renderer(ROOT / "templates", IDENTITIES)
    extra = {
        "objective_decisions": [{"objective": "Objectif 2", "decision": "maintenu", "reasons": ""}]
    }
    return {
        case.name: (known if case.joint else plain).document(
            case.kind,
            joint_contract() if case.joint else contract(),
            case.facts,
            date(2028, 7, 4),
            extra,
        )
        for case in CASES
    }


@pytest.mark.parametrize("name", [case.name for case in CASES])
def test_each_document_reads_as_expected(documents: dict[str, RenderedDocument], name: str) -> None:
    assert matches_golden(EXPECTED / f"{name}.txt", pdf_text(documents[name].pdf))


def test_the_attestation_is_the_authoritys_and_names_whose_silence_counted(
    documents: dict[str, RenderedDocument],
) -> None:
    text = " ".join(pdf_text(documents["attestation_deux_autorites"].pdf).split())
    assert "attestent que" in text
    assert "Département d'Ille-et-Vilaine y a donné son accord exprès le 20 juin 2028" in text
    assert "ARS Bretagne n'a pas répondu dans ce délai" in text
    assert "aucune réponse" not in text
    assert "cpom" not in text.lower().replace("cpom-35", "")


def test_one_authoritys_notice_is_answered_by_every_other_signatory(
    documents: dict[str, RenderedDocument],
) -> None:
    text = " ".join(pdf_text(documents["attestation_demande_de_l_ars"].pdf).split())
    assert "présentée par l'ARS Bretagne" in text
    assert "accord exprès le 12 juin 2028" in text
    assert "Département d'Ille-et-Vilaine n'a pas répondu dans ce délai" in text
    assert "ARS Bretagne n'a pas répondu" not in text


def pdfa_identification(pdf: bytes) -> list[tuple[str | None, str | None]]:
    """The PDF/A part and conformance its XMP metadata declare; the PDF/A's output intent."""
    catalog = PdfReader(io.BytesIO(pdf)).root_object
    stream = catalog["/Metadata"].get_object()
    assert isinstance(stream, StreamObject)
    assert "/OutputIntents" in catalog
    # The XMP packet, between its processing instructions.
    packet = stream.get_data().decode().split("?>", 1)[1].rsplit("<?", 1)[0]
    pdfaid = "{http://www.aiim.org/pdfa/ns/id/}"
    return [
        (node.get(f"{pdfaid}part"), node.get(f"{pdfaid}conformance"))
        for node in ET.fromstring(packet).iter()
        if node.get(f"{pdfaid}part")
    ]


def fonts_not_embedded(reader: PdfReader) -> list[str]:
    """The fonts of the pages that the file does not carry (PDF/A wants every one embedded)."""
    missing = []
    for page in reader.pages:
        resources: Any = page["/Resources"].get_object()
        fonts: Any = resources.get("/Font", DictionaryObject()).get_object()
        for reference in fonts.values():
            font = reference.get_object()
            described = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            descriptor = described["/FontDescriptor"].get_object()
            if not {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor):
                missing.append(str(font["/BaseFont"]))
    return missing


def test_documents_are_pdf_a_3b(documents: dict[str, RenderedDocument]) -> None:
    for document in documents.values():
        assert pdfa_identification(document.pdf) == [("3", "B")]
        reader = PdfReader(io.BytesIO(document.pdf))
        catalog: Any = reader.root_object
        [intent] = [i.get_object() for i in catalog["/OutputIntents"]]
        assert intent["/S"] == "/GTS_PDFA1"
        assert isinstance(intent["/DestOutputProfile"].get_object(), StreamObject)
        assert not reader.is_encrypted
        assert fonts_not_embedded(reader) == []
        # The data travels as an associated file of the document (PDF/A-3), said to be its data.
        # (WeasyPrint 70 lists it twice in /AF, the same object both times.)
        [number] = {f.idnum for f in catalog["/AF"]}
        spec: Any = reader.get_object(number)
        assert (spec["/F"], spec["/AFRelationship"]) == ("donnees.json", "/Data")
        assert isinstance(spec["/EF"]["/F"].get_object(), StreamObject)


def test_documents_carry_their_data_as_json(documents: dict[str, RenderedDocument]) -> None:
    reader = PdfReader(io.BytesIO(documents["attestation_deux_autorites"].pdf))
    [attached] = reader.attachments["donnees.json"]
    data = json.loads(attached)
    assert data["schema"] == "cpom-document/1"
    assert data["document"] == {
        "kind": "attestation_acceptation_tacite",
        "title": "Attestation d'acceptation tacite de la prorogation — CPOM CPOM-35-SAD-2024",
        "date": "2028-07-04",
    }
    assert data["contract"]["reference"] == "CPOM-35-SAD-2024"
    assert [a["siren"] for a in data["parties"]["authorities"]] == ["130007149", "223500018"]
    assert data["parties"]["gestionnaire"]["siren"] == "732829320"
    assert [e["finess"] for e in data["parties"]["establishments"]] == ["350002424", "350005179"]
    assert data["facts"]["accepted_on"] == "2028-07-04"
    assert data["facts"]["reply_deadline"] == "2028-07-03"
    assert data["facts"]["accepted_by"] == [{"by": "cd35", "on": "2028-06-20"}]
    assert data["legal_bases"] == [
        "CASF art. L. 313-11",
        "CASF art. L. 313-12-2",
        "CPOM, clause de prorogation",
        "CPC art. 641 et 642",
    ]
    releve = PdfReader(io.BytesIO(documents["releve_de_decisions"].pdf)).attachments
    facts = json.loads(releve["donnees.json"][0])["facts"]
    assert facts["participants"] == ["Mme Durand (Département)", "M. Martin (SAD)"]
    assert facts["approvals"][0] == {"by": "autorite", "on": "2026-10-20"}


@pytest.mark.parametrize("name", [case.name for case in CASES])
def test_what_documents_print_follows_french_typography(
    documents: dict[str, RenderedDocument], name: str
) -> None:
    assert typography_faults(visible_text(documents[name].html)) == []


def test_what_people_typed_is_spaced_the_same_way(documents: dict[str, RenderedDocument]) -> None:
    text = visible_text(documents["releve_de_decisions"].html)
    assert "Suivi trimestriel des heures\u00a0: bilan" in text


def test_the_typography_check_finds_what_it_looks_for() -> None:
    # « : » after a plain space, « ; » after a narrow one (not the convention), « ? » glued,
    # guillemets without spaces inside, two ASCII quotes, an unaccented « À ».
    assert len(typography_faults('Objet : avenant\u202f; ok? «fin» "x" A défaut')) == 8
    assert typography_faults("Objet\u00a0: à 10:30, www.telerecours.fr https://x/?a=b a@b.fr") == []
    assert typography_faults("Etat") == ["Etat"]


def test_each_page_is_drawn_for_review(documents: dict[str, RenderedDocument]) -> None:
    folder = PICTURES / "documents"
    for name, document in documents.items():
        pictures = draw(document.pdf, folder, name)
        assert pictures, name
        assert all(p.stat().st_size > 10_000 for p in pictures)


def test_the_recours_names_each_authority_and_its_hierarchical_superior(
    documents: dict[str, RenderedDocument],
) -> None:
    # A Département alone: its president has no hierarchical superior.
    alone = " ".join(pdf_text(documents["avenant_de_prorogation"].pdf).split())
    assert (
        "par un recours gracieux auprès du Département d'Ille-et-Vilaine ou par un recours "
        "contentieux devant le tribunal administratif territorialement compétent" in alone
    )
    assert "hiérarchique" not in alone
    assert "Le recours gracieux, formé dans ce délai, le proroge" in alone
    # With an ARS: the minister in charge of health reviews the ARS's part.
    joint = " ".join(pdf_text(documents["avenant_signe"].pdf).split())
    assert (
        "par un recours gracieux auprès de l'ARS Bretagne ou du Département d'Ille-et-Vilaine, "
        "par un recours hiérarchique auprès du ministre chargé de la santé (pour ce qui relève de "
        "l'ARS Bretagne) ou par un recours contentieux devant le tribunal administratif de Rennes"
        in joint
    )
    assert "Pour l'ARS Bretagne, Directeur général" in joint

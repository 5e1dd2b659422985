"""Documents printed in a process of their own (`cpom simulate`) are those printed in the
worker's: the same pages, fields, data and signature; a process that cannot print says so."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr
from pypdf import PdfReader

from cpom.domain.agenda import DocumentKind
from cpom.printing_process import PrintingFailed, PrintingProcess
from cpom.rendering import Renderer
from cpom.settings import ROOT, Settings
from cpom.signing import AuthoritySigner, load_signer
from tests.signing_certificates import PASSWORD, SigningAuthority
from tests.test_documents import IDENTITIES, PROROGATION, joint_contract, pdfa_identification
from tests.test_signature_fields import signature_fields, validate


def text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def avenant(renderer: Renderer) -> bytes:
    terms, day = joint_contract(), date(2028, 7, 4)
    return renderer.document(DocumentKind.AVENANT_PROROGATION, terms, PROROGATION, day).pdf


def ars_signer(p12: Path) -> AuthoritySigner:
    return load_signer(p12, PASSWORD, "ars", datetime.now(UTC))


def test_a_document_printed_apart_is_the_one_printed_here(tmp_path: Path) -> None:
    authority = SigningAuthority.create()
    p12 = authority.issue(tmp_path / "ars.p12")
    settings = Settings(
        signing_certificate=p12, signing_password=SecretStr(PASSWORD), signing_authority="ars"
    )
    here = avenant(Renderer(ROOT / "templates", IDENTITIES, signer=ars_signer(p12)))
    with PrintingProcess(settings) as printer:
        apart = avenant(
            Renderer(ROOT / "templates", IDENTITIES, signer=ars_signer(p12), printer=printer)
        )
    assert text(apart) == text(here)
    assert signature_fields(apart) == signature_fields(here)
    assert validate(apart, authority) == [("signature-ars", True, True, True)]
    assert pdfa_identification(apart) == [("3", "B")]
    [data] = PdfReader(io.BytesIO(apart)).attachments["donnees.json"]
    [expected] = PdfReader(io.BytesIO(here)).attachments["donnees.json"]
    assert json.loads(data) == json.loads(expected)


def test_a_document_it_cannot_print_is_refused_with_the_reason() -> None:
    with PrintingProcess() as printer, pytest.raises(PrintingFailed, match="TypeError"):
        printer.print(None, b"{}", ROOT / "templates", {}, "")  # type: ignore[arg-type]


def test_a_process_that_could_not_start_says_why(tmp_path: Path) -> None:
    # A certificate that cannot be read: the process prints nothing, and answers why.
    settings = Settings(signing_certificate=tmp_path / "absent.p12", signing_authority="ars")
    with PrintingProcess(settings) as printer:
        for _ in range(2):
            with pytest.raises(PrintingFailed, match=r"n'a pas pu démarrer.*absent\.p12"):
                printer.print("<p>x</p>", b"{}", ROOT / "templates", {}, "")


def test_a_process_gone_is_said_gone() -> None:
    with PrintingProcess() as printer:
        assert printer._process is not None
        printer._process.kill()
        printer._process.wait()
        with pytest.raises(PrintingFailed, match="s'est arrêté"):
            printer.print("<p>x</p>", b"{}", ROOT / "templates", {}, "")

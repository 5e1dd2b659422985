"""Uploaded files: judged by content, kept byte for byte with their SHA-256, listed with the
generated documents; a refusal keeps nothing (SQLite and PostgreSQL)."""

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from cpom.attachments import (
    DECISION_LABELS,
    KINDS,
    REFUSAL_CODES,
    AttachmentNotFound,
    AttachmentRefused,
    Attachments,
    clean_filename,
    detect_type,
    human_size,
    refusal_message,
)
from cpom.db import projection
from cpom.db.models import AttachmentRecord, DocumentRecord
from cpom.domain.lifecycle import Phase
from cpom.messages import DECISIONS, ProjectionUpdate
from cpom.service import ContractNotFound
from tests import sample_files
from tests.factories import make_terms

REFERENCE = "CPOM-35-SAD-2024"
LIMIT = 64 * 1024
TODAY = date(2026, 3, 2)


@pytest.fixture
def attachments(engine: Engine) -> Attachments:
    projection.record(engine, ProjectionUpdate(make_terms(), Phase.EXECUTION, TODAY, 0, []))
    return Attachments(engine, LIMIT)


def stored_count(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(AttachmentRecord)).one()


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (sample_files.pdf(), "application/pdf"),
        (sample_files.image("PNG"), "image/png"),
        (sample_files.image("JPEG"), "image/jpeg"),
        (sample_files.image("TIFF"), "image/tiff"),
        (sample_files.image("WEBP"), "image/webp"),
        (
            sample_files.xlsx(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            sample_files.office_open_xml("word"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            sample_files.office_open_xml("ppt"),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        *[
            (sample_files.open_document(mime), mime)
            for mime in (
                "application/vnd.oasis.opendocument.text",
                "application/vnd.oasis.opendocument.spreadsheet",
                "application/vnd.oasis.opendocument.presentation",
            )
        ],
        (sample_files.ole(b"\xec\xa5\xc1\x00"), "application/msword"),
        (sample_files.ole(b"\x09\x08\x10\x00\x00\x06\x05\x00"), "application/vnd.ms-excel"),
    ],
)
def test_accepted_types_are_recognised_by_content(data: bytes, mime: str) -> None:
    assert detect_type(data) == mime


@pytest.mark.parametrize(
    "data",
    [
        sample_files.HTML,
        sample_files.TEXT,
        sample_files.EXECUTABLE,
        b"\x7fELF\x02\x01\x01" + b"\0" * 100,
        sample_files.zip_archive(),
        sample_files.image("GIF"),
        sample_files.image("BMP"),
        b"%PD",
    ],
)
def test_other_contents_are_not_accepted(data: bytes) -> None:
    assert detect_type(data) is None


def test_a_file_is_kept_byte_for_byte_with_its_checksum(
    attachments: Attachments, engine: Engine
) -> None:
    data = sample_files.pdf()
    info = attachments.store(
        REFERENCE,
        "C:\\Users\\agent\\Scans\\AR lettre recommandée.pdf",
        data,
        kind="avis_de_reception",
        actor="Marie Dupont (agent)",
        description="  AR de la demande de prorogation\x00  ",
        decision="request_prorogation",
    )
    assert info.filename == "AR lettre recommandée.pdf"
    assert info.content_type == "application/pdf"
    assert info.size == len(data)
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert info.description == "AR de la demande de prorogation"
    assert info.kind_label == "Avis de réception"
    assert info.uploaded_by == "Marie Dupont (agent)"
    assert info.uploaded_at.tzinfo is not None
    stored = attachments.get(REFERENCE, info.id)
    assert stored.data == data
    assert stored.info == info
    assert [a.id for a in attachments.list(REFERENCE)] == [info.id]


@pytest.mark.parametrize(
    ("filename", "data", "fields", "code"),
    [
        ("lettre.pdf", sample_files.HTML, {}, "type"),
        ("lettre.pdf", sample_files.TEXT, {}, "type"),
        ("setup.pdf", sample_files.EXECUTABLE, {}, "type"),
        ("vide.pdf", b"", {}, "vide"),
        ("gros.pdf", sample_files.pdf().ljust(LIMIT + 1, b"\n"), {}, "taille"),
        ("ar.pdf", sample_files.pdf(), {"kind": "facture"}, "nature"),
        ("ar.pdf", sample_files.pdf(), {"decision": "proroger"}, "decision"),
        ("ar.pdf", sample_files.pdf(), {"description": "x" * 1001}, "description"),
    ],
)
def test_a_refused_file_keeps_nothing(
    attachments: Attachments,
    engine: Engine,
    filename: str,
    data: bytes,
    fields: dict[str, str],
    code: str,
) -> None:
    arguments = {"kind": "autre", **fields}
    with pytest.raises(AttachmentRefused) as refused:
        attachments.store(REFERENCE, filename, data, actor="agent:a", **arguments)
    assert refused.value.code == code
    assert str(refused.value) == refusal_message(code, LIMIT)
    assert stored_count(engine) == 0


def test_a_file_at_the_limit_is_kept(attachments: Attachments) -> None:
    data = sample_files.pdf().ljust(LIMIT, b"\n")
    assert attachments.store(REFERENCE, "a.pdf", data, kind="autre", actor="a").size == LIMIT


def test_an_unknown_contract_keeps_nothing(attachments: Attachments, engine: Engine) -> None:
    with pytest.raises(ContractNotFound):
        attachments.store("INCONNU", "a.pdf", sample_files.pdf(), kind="autre", actor="a")
    assert stored_count(engine) == 0


@pytest.mark.parametrize("attachment_id", [0, -1, 2**31, 10**30])
def test_impossible_ids_are_not_found(attachments: Attachments, attachment_id: int) -> None:
    with pytest.raises(AttachmentNotFound):
        attachments.get(REFERENCE, attachment_id)


def test_a_file_is_only_found_under_its_own_contract(
    attachments: Attachments, engine: Engine
) -> None:
    projection.record(
        engine,
        ProjectionUpdate(
            replace(make_terms(), reference="CPOM-35-SAD-2025"),
            Phase.EXECUTION,
            TODAY,
            0,
            [],
        ),
    )
    info = attachments.store(REFERENCE, "a.png", sample_files.image("PNG"), kind="autre", actor="a")
    with pytest.raises(AttachmentNotFound, match=r"pièce \d+ inconnue pour le contrat"):
        attachments.get("CPOM-35-SAD-2025", info.id)
    assert attachments.list("CPOM-35-SAD-2025") == []


def test_documents_list_generated_and_uploaded_files_newest_first(
    attachments: Attachments, engine: Engine
) -> None:
    pdf = sample_files.pdf("Avenant")
    with Session(engine) as session:
        session.add(
            DocumentRecord(
                key="avenant-1",
                reference=REFERENCE,
                kind="avenant_de_prorogation",
                title="Avenant de prorogation — CPOM CPOM-35-SAD-2024",
                document_date=date(2028, 7, 4),
                html="<p>Avenant</p>",
                pdf=pdf,
                sha256=hashlib.sha256(pdf).hexdigest(),
                created_at=datetime.now(UTC) - timedelta(days=1),
            )
        )
        session.commit()
    first = attachments.store(
        REFERENCE, "avenant signé.pdf", sample_files.pdf(), kind="avenant_signe", actor="a"
    )
    second = attachments.store(
        REFERENCE, "ar.jpg", sample_files.image("JPEG"), kind="avis_de_reception", actor="b"
    )
    entries = attachments.documents(REFERENCE)
    assert [(e.source, e.id) for e in entries][:2] == [("depose", second.id), ("depose", first.id)]
    generated = entries[2]
    assert generated.source == "genere"
    assert generated.kind_label == "Avenant de prorogation"
    assert generated.size == len(pdf)
    assert generated.sha256 == hashlib.sha256(pdf).hexdigest()
    assert generated.uploaded_by is None
    assert entries[1].title == "avenant signé.pdf"
    assert entries[1].kind_label == "Avenant signé"


def test_file_names_lose_folders_and_control_characters_but_keep_their_extension() -> None:
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename("a\r\nb\x00.pdf") == "ab.pdf"
    assert clean_filename("  .  ") == "piece"
    assert clean_filename(None) == "piece"
    long = clean_filename("é" * 400 + ".docx")
    assert len(long) == 255
    assert long.endswith("é.docx")


def test_sizes_and_messages_read_as_french() -> None:
    assert human_size(1) == "1 octet"
    assert human_size(512) == "512 octets"
    assert human_size(1536) == "1,5 Kio"
    assert human_size(20 * 1024 * 1024) == "20 Mio"
    assert refusal_message("taille", 20 * 1024 * 1024) == "fichier trop volumineux : 20 Mio au plus"
    assert "PDF, images PNG, JPEG, TIFF ou WebP" in refusal_message("type", 1)
    assert refusal_message("n'importe quoi", 1) == "pièce refusée"
    assert all(refusal_message(code, 1) != "pièce refusée" for code in REFUSAL_CODES)
    assert set(DECISION_LABELS) == set(DECISIONS)
    assert set(KINDS) == {"avis_de_reception", "avenant_signe", "documents_annuels", "autre"}


def test_a_file_can_be_checked_before_a_decision_without_being_kept(
    attachments: Attachments, engine: Engine
) -> None:
    pdf = sample_files.pdf()
    assert attachments.check(pdf, kind="avenant_signe", decision="sign_avenant") == (
        "application/pdf"
    )
    with pytest.raises(AttachmentRefused, match="type de fichier refusé"):
        attachments.check(sample_files.HTML, kind="avenant_signe")
    assert stored_count(engine) == 0

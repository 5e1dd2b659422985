"""Files uploaded for a contract: proofs of receipt, signed avenants, annual documents.

A file is judged by its content (its magic bytes, read by `filetype`), never by its name or the
type its sender declares, and is kept with its SHA-256 in the application database. Generated
documents stay in their own table; `Attachments.documents` lists both, newest first.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import filetype  # type: ignore[import-untyped]
from sqlalchemy import Engine, func
from sqlalchemy.orm import QueryableAttribute, defer
from sqlmodel import Session, col, select

from cpom.access import Principal, Role
from cpom.db.models import MAX_ROW_ID, AttachmentRecord, ContractRecord, DocumentRecord
from cpom.domain.agenda import DocumentKind
from cpom.messages import DECISIONS
from cpom.rendering import DOCUMENT_TITLES
from cpom.service import ContractNotFound

KINDS = {
    "avis_de_reception": "Avis de réception",
    "avenant_signe": "Avenant signé",
    "documents_annuels": "Documents annuels",
    "autre": "Autre pièce",
}
# What each decision of `cpom.messages.DECISIONS` is called on a page.
DECISION_LABELS = {
    "validate_cadrage": "validation du cadrage",
    "validate_diagnostic": "validation du diagnostic",
    "sign": "signature du contrat",
    "submit_documents": "dépôt des documents annuels",
    "review_documents": "examen des documents annuels",
    "record_tarification": "arrêté de tarification",
    "record_dialogue": "dialogue de gestion",
    "approve_releve": "approbation du relevé de décisions",
    "request_prorogation": "demande de prorogation",
    "answer_prorogation": "réponse à la demande de prorogation",
    "sign_avenant": "signature de l'avenant",
    "open_renegotiation": "ouverture de la négociation d'un nouveau CPOM",
    "denounce": "dénonciation",
    "answer_denonciation": "réponse à la proposition de dénonciation",
    "terminate": "résiliation",
    "request_authorisation": "demande d'autorisation",
    "answer_authorisation": "décision sur la demande d'autorisation",
}

# Detected MIME type → what users call it. `filetype` reads a PNG with an animation chunk as
# image/apng: it is still a PNG.
ACCEPTED_TYPES = {
    "application/pdf": "PDF",
    "image/png": "PNG",
    "image/apng": "PNG",
    "image/jpeg": "JPEG",
    "image/tiff": "TIFF",
    "image/webp": "WebP",
    "application/msword": "Word (doc)",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word (docx)",
    "application/vnd.ms-excel": "Excel (xls)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel (xlsx)",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        "PowerPoint (pptx)"
    ),
    "application/vnd.oasis.opendocument.text": "OpenDocument texte (odt)",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument tableur (ods)",
    "application/vnd.oasis.opendocument.presentation": "OpenDocument présentation (odp)",
}
ACCEPTED_LABEL = (
    "PDF, images PNG, JPEG, TIFF ou WebP, documents Word (doc, docx), Excel (xls, xlsx), "
    "PowerPoint (pptx) ou OpenDocument (odt, ods, odp)"
)
# What the dashboard's file input proposes; the server still judges by content.
ACCEPT_ATTRIBUTE = (
    ".pdf,.png,.jpg,.jpeg,.tif,.tiff,.webp,.doc,.docx,.xls,.xlsx,.pptx,.odt,.ods,.odp"
)
MAX_DESCRIPTION = 1000
MAX_FILENAME = 255

REFUSAL_CODES = ("absent", "vide", "taille", "type", "nature", "decision", "description")


def refusal_message(code: str, max_bytes: int) -> str:
    """The French explanation of a refusal code (the dashboard shows it from the code alone)."""
    if code == "taille":
        return f"fichier trop volumineux : {human_size(max_bytes)} au plus"
    if code == "nature":
        possible = ", ".join(f"{key} ({label})" for key, label in KINDS.items())
        return f"nature de pièce inconnue ; possibles : {possible}"
    if code == "decision":
        return f"décision inconnue ; possibles : {', '.join(DECISIONS)}"
    return {
        "absent": "aucun fichier choisi",
        "vide": "le fichier est vide",
        "type": f"type de fichier refusé : sont acceptés les fichiers {ACCEPTED_LABEL}, "
        "reconnus par leur contenu et non par leur nom",
        "description": f"description trop longue ({MAX_DESCRIPTION} caractères au plus)",
    }.get(code, "pièce refusée")


class AttachmentRefused(ValueError):
    """The file or its fields cannot be kept: `code` names the rule, the message explains it."""

    def __init__(self, code: str, max_bytes: int) -> None:
        super().__init__(refusal_message(code, max_bytes))
        self.code = code


class AttachmentNotFound(LookupError):
    def __init__(self, reference: str, attachment_id: int) -> None:
        super().__init__(f"pièce {attachment_id} inconnue pour le contrat « {reference} »")


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    reference: str
    filename: str
    content_type: str
    size: int
    sha256: str
    kind: str
    description: str | None
    decision: str | None
    uploaded_at: datetime
    uploaded_by: str

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @classmethod
    def of(cls, record: AttachmentRecord) -> AttachmentInfo:
        assert record.id is not None
        return cls(
            record.id,
            record.reference,
            record.filename,
            record.content_type,
            record.size,
            record.sha256,
            record.kind,
            record.description,
            record.decision,
            record.uploaded_at,
            record.uploaded_by,
        )


@dataclass(frozen=True)
class StoredAttachment:
    info: AttachmentInfo
    data: bytes


@dataclass(frozen=True)
class DocumentEntry:
    """A generated document (`genere`) or an uploaded file (`depose`) of a contract."""

    source: str
    id: int
    kind: str
    kind_label: str
    title: str
    content_type: str
    created_at: datetime
    size: int
    sha256: str
    uploaded_by: str | None


def may_upload(principal: Principal, contract_siren: str | None) -> bool:
    """Agents on every contract, a gestionnaire on its own; supervisors only read."""
    if principal.role is Role.AGENT:
        return True
    return principal.role is Role.GESTIONNAIRE and contract_siren == principal.siren


def detect_type(data: bytes) -> str | None:
    """The accepted MIME type the content shows, or None."""
    guessed = filetype.guess(data)
    return guessed.mime if guessed is not None and guessed.mime in ACCEPTED_TYPES else None


def clean_filename(name: str | None) -> str:
    """The file's own name, without the client's folders or control characters."""
    # Some browsers send the whole client path; keep only its last part.
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name or ""))[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip(" .")
    if len(base) > MAX_FILENAME:
        stem, dot, suffix = base.rpartition(".")
        keep = suffix if dot and len(suffix) <= 10 else ""
        base = (stem if keep else base)[: MAX_FILENAME - len(keep) - 1].rstrip(" .")
        base = f"{base}.{keep}" if keep else base
    return base or "piece"


def human_size(size: int) -> str:
    """1536 → « 1,5 Kio », in binary units as the 256 Kio limit of the API is stated."""
    if size < 1024:
        return f"{size} octet{'s' if size > 1 else ''}"
    value, unit = size / 1024, "Kio"
    for bigger in ("Mio", "Gio"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{value:.1f}".replace(".", ",").removesuffix(",0") + f" {unit}"


class Attachments:
    """Upload, list and read a contract's files; `max_bytes` is `Settings.max_upload_bytes`."""

    def __init__(self, engine: Engine, max_bytes: int) -> None:
        self.engine = engine
        self.max_bytes = max_bytes

    def check(
        self,
        data: bytes,
        *,
        kind: str,
        description: str | None = None,
        decision: str | None = None,
    ) -> str:
        """The detected content type if `store` would keep this file, else `AttachmentRefused`:
        a form that takes a decision and a file checks the file before the decision."""
        if kind not in KINDS:
            raise AttachmentRefused("nature", self.max_bytes)
        if decision is not None and decision not in DECISIONS:
            raise AttachmentRefused("decision", self.max_bytes)
        cleaned = _clean_text(description)
        if cleaned is not None and len(cleaned) > MAX_DESCRIPTION:
            raise AttachmentRefused("description", self.max_bytes)
        if not data:
            raise AttachmentRefused("vide", self.max_bytes)
        if len(data) > self.max_bytes:
            raise AttachmentRefused("taille", self.max_bytes)
        content_type = detect_type(data)
        if content_type is None:
            raise AttachmentRefused("type", self.max_bytes)
        return content_type

    def store(
        self,
        reference: str,
        filename: str | None,
        data: bytes,
        *,
        kind: str,
        actor: str,
        description: str | None = None,
        decision: str | None = None,
    ) -> AttachmentInfo:
        """Keep `data` for the contract, or raise `AttachmentRefused` and keep nothing.

        `decision` names the decision the file goes with (a key of `cpom.messages.DECISIONS`),
        `actor` who uploads it (`Principal.actor`).
        """
        content_type = self.check(data, kind=kind, description=description, decision=decision)
        description = _clean_text(description)
        record = AttachmentRecord(
            reference=reference,
            filename=clean_filename(filename),
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            data=data,
            kind=kind,
            description=description,
            decision=decision,
            uploaded_at=datetime.now(UTC),
            uploaded_by=actor,
        )
        with Session(self.engine) as session:
            if session.get(ContractRecord, reference) is None:
                raise ContractNotFound(reference)
            session.add(record)
            session.commit()
            session.refresh(record)
            return AttachmentInfo.of(record)

    def list(self, reference: str) -> Sequence[AttachmentInfo]:
        """The contract's files, newest first, without their bytes."""
        with Session(self.engine) as session:
            rows = session.exec(
                select(AttachmentRecord)
                .options(defer(_column(AttachmentRecord.data)))
                .where(AttachmentRecord.reference == reference)
                .order_by(col(AttachmentRecord.uploaded_at).desc(), col(AttachmentRecord.id).desc())
            ).all()
            return [AttachmentInfo.of(row) for row in rows]

    def get(self, reference: str, attachment_id: int) -> StoredAttachment:
        if not 1 <= attachment_id <= MAX_ROW_ID:
            raise AttachmentNotFound(reference, attachment_id)
        with Session(self.engine) as session:
            record = session.get(AttachmentRecord, attachment_id)
        if record is None or record.reference != reference:
            raise AttachmentNotFound(reference, attachment_id)
        return StoredAttachment(AttachmentInfo.of(record), record.data)

    def documents(self, reference: str) -> Sequence[DocumentEntry]:
        """Generated documents and uploaded files together, newest first."""
        with Session(self.engine) as session:
            # The PDF and its HTML stay in the database: only their length is read.
            generated = [
                DocumentEntry(
                    "genere",
                    document.id or 0,
                    document.kind,
                    _document_label(document.kind, document.title),
                    document.title,
                    "application/pdf",
                    document.created_at,
                    size,
                    document.sha256,
                    None,
                )
                for document, size in session.exec(
                    select(DocumentRecord, func.length(DocumentRecord.pdf))
                    .options(
                        defer(_column(DocumentRecord.pdf)), defer(_column(DocumentRecord.html))
                    )
                    .where(DocumentRecord.reference == reference)
                ).all()
            ]
        entries = generated + [
            DocumentEntry(
                "depose",
                a.id,
                a.kind,
                a.kind_label,
                a.filename,
                a.content_type,
                a.uploaded_at,
                a.size,
                a.sha256,
                a.uploaded_by,
            )
            for a in self.list(reference)
        ]
        return sorted(entries, key=lambda e: (e.created_at, e.source, e.id), reverse=True)


def _clean_text(text: str | None) -> str | None:
    # Control characters (NUL above all, which PostgreSQL refuses in text) are dropped.
    kept = "".join(c for c in text or "" if c in "\n\t" or unicodedata.category(c)[0] != "C")
    return kept.strip() or None


def _document_label(kind: str, title: str) -> str:
    try:
        return DOCUMENT_TITLES[DocumentKind(kind)]
    except (ValueError, KeyError):
        return title


def _column(attribute: object) -> QueryableAttribute[Any]:
    # SQLModel types a model's class attributes as their values; they are mapped columns.
    assert isinstance(attribute, QueryableAttribute)
    return attribute

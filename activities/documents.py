"""Documents (relevé de décisions, avenant, attestation): HTML and PDF, stored with a checksum."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio import activity

from cpom.db.models import DocumentRecord
from cpom.messages import DocumentRequest, DocumentResult
from cpom.rendering import Renderer
from cpom.substance_context import document_context


class DocumentActivities:
    def __init__(self, engine: Engine, renderer: Renderer) -> None:
        self.engine = engine
        self.renderer = renderer

    @activity.defn(name="generate_document")
    async def generate_document(self, request: DocumentRequest) -> DocumentResult:
        """Generate a document once per business key and keep it for printing and archiving."""
        return await asyncio.to_thread(self.generate, request)

    def generate(self, request: DocumentRequest) -> DocumentResult:
        """The document of `request.key`, rendered and stored unless it is stored already."""
        with Session(self.engine) as session:
            record = session.exec(
                select(DocumentRecord).where(DocumentRecord.key == request.key)
            ).first()
            if record is None:
                rendered = self.renderer.document(
                    request.kind,
                    request.terms,
                    request.facts,
                    request.document_date,
                    document_context(self.engine, request.kind, request.terms, request.facts),
                )
                record = DocumentRecord(
                    key=request.key,
                    reference=request.terms.reference,
                    kind=request.kind.value,
                    title=rendered.title,
                    document_date=request.document_date,
                    html=rendered.html,
                    pdf=rendered.pdf,
                    sha256=rendered.sha256,
                    created_at=datetime.now(UTC),
                )
                session.add(record)
                session.commit()
                session.refresh(record)
            assert record.id is not None
            return DocumentResult(record.key, record.id, record.sha256, record.title)

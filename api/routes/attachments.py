"""Uploaded files of a contract (pièces) and the list of all its documents."""

import asyncio
import re
import unicodedata
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile, status

from api.deps import PrincipalDep, ServiceDep
from api.routes.contracts import readable
from api.schemas import AttachmentItem, DocumentListItem, Problem, ReferencePath
from cpom.access import Principal
from cpom.attachments import (
    KINDS,
    AttachmentInfo,
    Attachments,
    DocumentEntry,
    StoredAttachment,
    may_upload,
)
from cpom.db.models import ContractRecord
from cpom.messages import DECISIONS
from cpom.service import ContractService, Forbidden

router = APIRouter(prefix="/contracts", tags=["pièces"])
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "Contrat ou pièce inconnus."},
    422: {"model": Problem, "description": "Données invalides (message en français)."},
}


def get_attachments(request: Request, service: ServiceDep) -> Attachments:
    return Attachments(service.engine, request.app.state.settings.max_upload_bytes)


AttachmentsDep = Annotated[Attachments, Depends(get_attachments)]


@router.post(
    "/{reference}/attachments",
    response_model=AttachmentItem,
    status_code=status.HTTP_201_CREATED,
    summary="Déposer une pièce",
    responses={
        **ERRORS,
        403: {"model": Problem, "description": "Rôle sans droit de dépôt (superviseur)."},
        413: {"model": Problem, "description": "Fichier trop volumineux."},
        422: {"model": Problem, "description": "Fichier vide, de type refusé, ou champ invalide."},
    },
)
async def upload(
    reference: ReferencePath,
    service: ServiceDep,
    principal: PrincipalDep,
    attachments: AttachmentsDep,
    file: Annotated[
        UploadFile,
        File(
            description="PDF, image (PNG, JPEG, TIFF, WebP) ou document bureautique (doc, "
            "docx, xls, xlsx, pptx, odt, ods, odp), reconnu d'après son contenu."
        ),
    ],
    kind: Annotated[str, Form(description=f"Nature de la pièce : {', '.join(KINDS)}.")],
    description: Annotated[str | None, Form(description="Description libre.")] = None,
    decision: Annotated[
        str | None,
        Form(description=f"Décision à laquelle la pièce se rapporte : {', '.join(DECISIONS)}."),
    ] = None,
) -> AttachmentItem:
    """Dépose une preuve ou un document (avis de réception, avenant signé, documents annuels…).
    Le fichier est conservé avec son SHA-256. Agents sur tout contrat, gestionnaire sur les
    siens."""
    await uploadable(service, principal, reference)
    data = await file.read()
    info = await asyncio.to_thread(
        attachments.store,
        reference,
        file.filename,
        data,
        kind=kind,
        actor=principal.actor,
        description=description,
        decision=decision or None,
    )
    return attachment_item(info)


@router.get(
    "/{reference}/attachments/{attachment_id}",
    summary="Télécharger une pièce",
    response_class=Response,
    responses={**ERRORS, 200: {"content": {"application/octet-stream": {}}}},
)
async def download(
    reference: ReferencePath,
    attachment_id: int,
    service: ServiceDep,
    principal: PrincipalDep,
    attachments: AttachmentsDep,
) -> Response:
    """Le fichier tel qu'il a été déposé ; son SHA-256 dans `X-Checksum-Sha256`."""
    await readable(service, principal, reference)
    stored = await asyncio.to_thread(attachments.get, reference, attachment_id)
    return file_response(stored)


@router.get(
    "/{reference}/documents",
    response_model=list[DocumentListItem],
    summary="Documents générés et pièces déposées",
    responses=ERRORS,
)
async def documents(
    reference: ReferencePath,
    service: ServiceDep,
    principal: PrincipalDep,
    attachments: AttachmentsDep,
) -> list[DocumentListItem]:
    """Les documents produits par cpom (`genere`) et les pièces déposées (`depose`), les plus
    récents d'abord, avec leur adresse de téléchargement."""
    await readable(service, principal, reference)
    entries = await asyncio.to_thread(attachments.documents, reference)
    return [document_item(reference, entry) for entry in entries]


async def uploadable(
    service: ContractService, principal: Principal, reference: str
) -> ContractRecord:
    """The contract if the caller may add files to it (404 for others' contracts, 403 for a
    role that only reads)."""
    record = await readable(service, principal, reference)
    if not may_upload(principal, record.gestionnaire_siren):
        raise Forbidden(f"le rôle {principal.role.label} ne permet pas de déposer une pièce")
    return record


def attachment_item(info: AttachmentInfo) -> AttachmentItem:
    return AttachmentItem(
        id=info.id,
        reference=info.reference,
        filename=info.filename,
        content_type=info.content_type,
        size=info.size,
        sha256=info.sha256,
        kind=info.kind,
        kind_label=info.kind_label,
        description=info.description,
        decision=info.decision,
        uploaded_at=info.uploaded_at,
        uploaded_by=info.uploaded_by,
        url=api_url(info.reference, "depose", info.id),
    )


def document_item(reference: str, entry: DocumentEntry) -> DocumentListItem:
    return DocumentListItem(
        id=entry.id,
        source=entry.source,
        kind=entry.kind,
        kind_label=entry.kind_label,
        title=entry.title,
        content_type=entry.content_type,
        date=entry.created_at,
        size=entry.size,
        sha256=entry.sha256,
        uploaded_by=entry.uploaded_by,
        url=api_url(reference, entry.source, entry.id),
    )


def api_url(reference: str, source: str, item_id: int) -> str:
    collection = "attachments" if source == "depose" else "documents"
    return f"/contracts/{quote(reference, safe='')}/{collection}/{item_id}"


def file_response(stored: StoredAttachment) -> Response:
    """The file as a download under its own name, never interpreted by the browser."""
    info: AttachmentInfo = stored.info
    return Response(
        stored.data,
        media_type=info.content_type,
        headers={
            "Content-Disposition": content_disposition(info.filename),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "X-Checksum-Sha256": info.sha256,
        },
    )


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII name for old clients and the exact one in RFC 5987 form."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^A-Za-z0-9 ._()+,-]", "_", ascii_name).strip() or "piece"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"

"""The dashboard's side of uploaded files: the upload form's handler, downloads, and the context
of the partial `templates/dashboard/_attachments.html.j2` shown on a contract's page."""

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Cookie, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import UploadFile

from api.csrf import check_csrf
from api.deps import ServiceDep
from api.routes.attachments import AttachmentsDep, file_response, uploadable
from api.routes.contracts import readable
from api.routes.dashboard import LOGIN, signed_in
from cpom.access import Principal
from cpom.attachments import (
    ACCEPT_ATTRIBUTE,
    ACCEPTED_LABEL,
    DECISION_LABELS,
    KINDS,
    REFUSAL_CODES,
    AttachmentInfo,
    AttachmentRefused,
    Attachments,
    human_size,
    may_upload,
    refusal_message,
)
from cpom.db.models import ContractRecord
from cpom.domain.clock import PARIS

router = APIRouter(prefix="/tableau", include_in_schema=False)


def contract_page(reference: str) -> str:
    return f"/tableau/contrats/{quote(reference, safe='')}"


@router.post("/contrats/{reference}/pieces", response_model=None)
async def upload(
    reference: str,
    request: Request,
    service: ServiceDep,
    attachments: AttachmentsDep,
    cpom_jeton: Annotated[str | None, Cookie()] = None,
) -> Response:
    session = signed_in(service, cpom_jeton)
    if session is None:
        return LOGIN
    async with request.form() as form:
        check_csrf(session.token, _text(form.get("csrf")))
        await uploadable(service, session.principal, reference)
        try:
            stored = await store_form_file(
                attachments,
                reference,
                form.get("file"),
                kind=_text(form.get("kind")) or "",
                actor=session.principal.actor,
                description=_text(form.get("description")),
            )
            if stored is None:
                raise AttachmentRefused("absent", attachments.max_bytes)
        except AttachmentRefused as refused:
            where = f"{contract_page(reference)}?piece_refusee={refused.code}#pieces"
            return RedirectResponse(where, status_code=303)
    return RedirectResponse(f"{contract_page(reference)}?piece=deposee#pieces", status_code=303)


async def store_form_file(
    attachments: Attachments,
    reference: str,
    file: object,
    *,
    kind: str,
    actor: str,
    description: str | None = None,
    decision: str | None = None,
) -> AttachmentInfo | None:
    """Keep the file of a dashboard form's file field (`form.get("file")`) for the contract.

    None when the form came without a chosen file (a browser then sends an empty part with no
    name); `AttachmentRefused` (its `code` for the redirect) when the file cannot be kept.
    """
    if not isinstance(file, UploadFile) or not (file.filename or file.size):
        return None
    data = await file.read()
    return await asyncio.to_thread(
        attachments.store,
        reference,
        file.filename,
        data,
        kind=kind,
        actor=actor,
        description=description,
        decision=decision,
    )


@router.get("/contrats/{reference}/pieces/{attachment_id}", response_model=None)
async def download(
    reference: str,
    attachment_id: int,
    service: ServiceDep,
    attachments: AttachmentsDep,
    cpom_jeton: Annotated[str | None, Cookie()] = None,
) -> Response:
    session = signed_in(service, cpom_jeton)
    if session is None:
        return LOGIN
    await readable(service, session.principal, reference)
    stored = await asyncio.to_thread(attachments.get, reference, attachment_id)
    return file_response(stored)


@dataclass(frozen=True)
class AttachmentRow:
    """One uploaded file as the partial shows it."""

    info: AttachmentInfo
    url: str
    size_label: str
    uploaded_label: str
    decision_label: str | None


@dataclass(frozen=True)
class AttachmentsView:
    items: list[AttachmentRow]
    may_upload: bool
    upload_url: str
    kinds: dict[str, str]
    accept: str
    accepted_label: str
    max_size_label: str
    deposited: bool
    refusal: str | None


def attachments_context(
    attachments: Attachments,
    principal: Principal,
    contract: ContractRecord,
    query_params: Mapping[str, str],
) -> dict[str, Any]:
    """What `_attachments.html.j2` needs, as keyword arguments for `page()` (blocking: run it
    in a thread). The outcome of an upload comes back in the query string as a code
    (`?piece=deposee` or `?piece_refusee=type`), never as text to show."""
    reference = contract.reference
    code = query_params.get("piece_refusee")
    refusal = None
    if code is not None:
        # Only known codes become their message: the query string is anyone's to write.
        refusal = refusal_message(code if code in REFUSAL_CODES else "", attachments.max_bytes)
    rows = [
        AttachmentRow(
            info,
            f"{contract_page(reference)}/pieces/{info.id}",
            human_size(info.size),
            info.uploaded_at.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M"),
            DECISION_LABELS.get(info.decision) if info.decision else None,
        )
        for info in attachments.list(reference)
    ]
    view = AttachmentsView(
        items=rows,
        may_upload=may_upload(principal, contract.gestionnaire_siren),
        upload_url=f"{contract_page(reference)}/pieces",
        kinds=KINDS,
        accept=ACCEPT_ATTRIBUTE,
        accepted_label=ACCEPTED_LABEL,
        max_size_label=human_size(attachments.max_bytes),
        deposited=query_params.get("piece") == "deposee",
        refusal=refusal,
    )
    return {"attachments": view}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None

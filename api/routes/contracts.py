"""Contracts: create or import, list, read, act, notices, documents, calendars."""

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Query, Response, status
from pydantic_core import to_json

from api.deps import CredentialsDep, PrincipalDep, ServiceDep, get_principal
from api.filters import ListFilters
from api.schemas import (
    ActionResult,
    ContractCreate,
    ContractCreated,
    ContractDetail,
    ContractPage,
    ContractSummary,
    NoticeItem,
    Problem,
    detail_payload,
)
from cpom.access import Principal, Role
from cpom.db.models import ContractRecord
from cpom.notice_status import notice_status
from cpom.portfolio import Sort
from cpom.portfolio import list_contracts as list_contracts_of
from cpom.service import ContractNotFound, ContractService, Forbidden, today

router = APIRouter(prefix="/contracts", tags=["contrats"])
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "Contrat inconnu."},
    422: {"model": Problem, "description": "Données invalides (message en français)."},
}


@router.post(
    "",
    response_model=ContractCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Créer ou importer un contrat",
    responses=ERRORS,
)
async def create_contract(
    body: ContractCreate, service: ServiceDep, principal: PrincipalDep, response: Response
) -> ContractCreated:
    """Démarre le workflow du contrat. Idempotent sur la référence : un second appel ne change
    rien et répond 200. Réservé aux agents."""
    if principal.role is not Role.AGENT:
        raise Forbidden("seuls les agents créent ou importent des contrats")
    created = await service.create(
        body.terms, imported=body.imported, declared_up_to_date_on=body.declared_up_to_date_on
    )
    if not created.created:
        response.status_code = status.HTTP_200_OK
    return ContractCreated(
        reference=created.reference, created=created.created, phase=created.phase
    )


@router.get("", response_model=ContractPage, summary="Lister les contrats")
def list_contracts(
    service: ServiceDep,
    principal: PrincipalDep,
    filters: Annotated[ListFilters, Depends()],
    page: Annotated[int, Query(ge=1, le=100_000, description="Page, à partir de 1.")] = 1,
    per_page: Annotated[int, Query(ge=1, le=200, description="Contrats par page.")] = 50,
    sort: Annotated[
        Sort,
        Query(
            description="Tri : delai (prochain délai légal), retard (contrats en retard "
            "d'abord, les plus anciens en tête), reference, echeance, gestionnaire ou phase."
        ),
    ] = Sort.DEADLINE,
    desc: Annotated[bool, Query(description="Ordre décroissant.")] = False,
) -> ContractPage:
    """Contrats de la base de projection, lue telle que les workflows la tiennent."""
    found = list_contracts_of(
        service.engine,
        filters.for_(principal),
        today(),
        page=page,
        per_page=per_page,
        sort=sort,
        descending=desc,
    )
    return ContractPage(
        total=found.total,
        page=page,
        per_page=per_page,
        pages=found.pages,
        items=[ContractSummary.model_validate(r, from_attributes=True) for r in found.rows],
    )


@router.get(
    "/{reference}", response_model=ContractDetail, summary="Lire un contrat", responses=ERRORS
)
async def get_contract(
    reference: str, service: ServiceDep, credentials: CredentialsDep
) -> Response:
    """Termes, phase, agenda vivant (chaque étape avec son fondement, son état, qui est
    attendu et ce que vaut le silence) et événements, lus dans la base de projection."""
    # The most read answer of the service: who asks and what they read in one trip to the
    # thread pool rather than one for each.
    return await asyncio.to_thread(_contract_detail, reference, service, credentials)


def _contract_detail(
    reference: str, service: ContractService, credentials: CredentialsDep
) -> Response:
    principal = get_principal(service, credentials)
    rows = service.detail(reference)
    if not principal.may_read(rows.contract["gestionnaire_siren"]):
        raise ContractNotFound(reference)
    return Response(to_json(detail_payload(rows, today())), media_type="application/json")


@router.post(
    "/{reference}/actions/{action}",
    response_model=ActionResult,
    summary="Enregistrer une décision",
    responses={**ERRORS, 409: {"model": Problem, "description": "Décision refusée."}},
)
async def act(
    reference: str,
    action: str,
    service: ServiceDep,
    principal: PrincipalDep,
    fields: Annotated[
        dict[str, Any],
        Body(
            description="Champs de la décision, par exemple pour `request_prorogation` : "
            "`requested_by`, `received_on`, `requested_echeance`.",
            examples=[{"requested_by": "gestionnaire", "received_on": "2028-05-02"}],
        ),
    ],
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=200,
            description="Clé d'idempotence : une même clé n'applique la décision qu'une fois.",
        ),
    ] = None,
) -> ActionResult:
    """Actions : validate_cadrage, validate_diagnostic, sign, submit_documents,
    review_documents, record_dialogue, approve_releve, request_prorogation,
    answer_prorogation, sign_avenant, open_renegotiation, denounce, terminate. Un refus répond
    409 avec la raison du workflow ; l'auteur de la décision est celui du jeton."""
    record = await readable(service, principal, reference)
    if not principal.may_act(action, record.gestionnaire_siren):
        raise Forbidden(f"le rôle {principal.role.value} ne permet pas l'action « {action} »")
    if principal.role is Role.GESTIONNAIRE and action == "approve_releve":
        fields = {**fields, "party": "gestionnaire"}
    result = await service.act(
        reference, action, fields, actor=principal.actor, idempotency_key=idempotency_key
    )
    return ActionResult(phase=result.phase.value, message=result.message)


@router.get(
    "/{reference}/notices",
    response_model=list[NoticeItem],
    summary="Avis envoyés",
    responses=ERRORS,
)
async def notices(reference: str, service: ServiceDep, principal: PrincipalDep) -> list[NoticeItem]:
    """Ce qui a été envoyé, à qui, quand, avec la réponse du serveur SMTP qui l'a accepté ; pour
    un avis pas encore envoyé, où en est l'envoi et quand vient le prochain essai."""
    await readable(service, principal, reference)
    rows = await asyncio.to_thread(service.notices, reference)
    now = datetime.now(UTC)
    return [
        NoticeItem(
            id=n.id or 0,
            kind=n.kind,
            recipients=[r for r in n.recipients.split(",") if r],
            subject=n.subject,
            status=n.status,
            status_label=notice_status(n, now),
            smtp_response=n.smtp_response if n.status == "sent" else None,
            message_id=n.message_id,
            notice_date=n.notice_date,
            sent_at=n.sent_at,
            attempts=n.attempts,
            next_attempt_at=n.next_attempt_at if n.status == "failed_attempt" else None,
        )
        for n in rows
    ]


@router.get(
    "/{reference}/documents/{document_id}",
    summary="Télécharger un document (PDF)",
    response_class=Response,
    responses={**ERRORS, 200: {"content": {"application/pdf": {}}}},
)
async def document(
    reference: str, document_id: int, service: ServiceDep, principal: PrincipalDep
) -> Response:
    await readable(service, principal, reference)
    record = await asyncio.to_thread(service.document, reference, document_id)
    return Response(
        record.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{reference}-{record.kind}.pdf"',
            "X-Checksum-Sha256": record.sha256,
        },
    )


@router.get(
    "/{reference}/calendar.ics",
    summary="Calendrier du contrat (iCalendar)",
    response_class=Response,
    responses={**ERRORS, 200: {"content": {"text/calendar": {}}}},
)
async def contract_calendar(
    reference: str, service: ServiceDep, principal: PrincipalDep
) -> Response:
    await readable(service, principal, reference)
    body = await asyncio.to_thread(service.calendar_ics, reference)
    return Response(body, media_type="text/calendar; charset=utf-8")


def readable_record(
    service: ContractService, principal: Principal, reference: str
) -> ContractRecord:
    """The contract if the caller may read it; others' contracts do not exist for a gestionnaire."""
    record = service.record(reference)
    if not principal.may_read(record.gestionnaire_siren):
        raise ContractNotFound(reference)
    return record


async def readable(
    service: ContractService, principal: Principal, reference: str
) -> ContractRecord:
    return await asyncio.to_thread(readable_record, service, principal, reference)

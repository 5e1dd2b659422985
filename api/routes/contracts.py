"""Contracts: create or import, list, read, act, notices, documents, calendars."""

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Query, Response, status
from pydantic_core import to_json

from api.deps import CredentialsDep, PrincipalDep, ServiceDep, principal_in
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
    ReferencePath,
    detail_payload,
)
from cpom import idempotency, tenancy
from cpom.access import Principal, Role
from cpom.db.models import ContractRecord
from cpom.notice_status import notice_status
from cpom.objectives_service import ObjectivesService
from cpom.portfolio import Sort
from cpom.portfolio import list_contracts as list_contracts_of
from cpom.service import ContractNotFound, ContractService, Forbidden, today

router = APIRouter(prefix="/contracts", tags=["contrats"])
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "Contrat inconnu."},
    422: {"model": Problem, "description": "Données invalides (message en français)."},
}
UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {
        "model": Problem,
        "description": "Temporal n'a pas répondu à temps : renvoyer la même requête après "
        "le délai de l'en-tête `Retry-After`.",
    }
}
KEY_HOURS = int(idempotency.KEY_LIFETIME.total_seconds() // 3600)


@router.post(
    "",
    response_model=ContractCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Créer ou importer un contrat",
    responses={
        **ERRORS,
        409: {
            "model": Problem,
            "description": "Référence déjà prise par un contrat créé avec d'autres termes.",
        },
        **UNAVAILABLE,
    },
)
async def create_contract(
    body: ContractCreate, service: ServiceDep, principal: PrincipalDep, response: Response
) -> ContractCreated:
    """Démarre le workflow du contrat. Idempotent sur la référence : la même requête renvoyée
    ne change rien et répond 200, y compris pendant que la première crée le contrat ou après
    que le contrat a été signé ou modifié ; une autre requête sous une référence déjà prise
    répond 409 sans rien changer. Réservé aux agents ;
    un agent rattaché à une autorité ne crée que des contrats qu'elle signe (422 sinon). Si
    Temporal ne répond pas à temps : 503 avec `Retry-After`, et la même requête renvoyée plus
    tard ne crée pas le contrat deux fois."""
    if principal.role is not Role.AGENT:
        raise Forbidden("seuls les agents créent ou importent des contrats")
    created = await service.create(
        body.terms,
        imported=body.imported,
        declared_up_to_date_on=body.declared_up_to_date_on,
        authority=principal.authority_scope,
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
    reference: ReferencePath, service: ServiceDep, credentials: CredentialsDep
) -> Response:
    """Termes, phase, agenda vivant (chaque étape avec son fondement, son état, qui est
    attendu et ce que vaut le silence) et événements, lus dans la base de projection."""
    # The most read answer of the service: who asks and what they read in one trip to the
    # thread pool rather than one for each, on one connection.
    return await asyncio.to_thread(_contract_detail, reference, service, credentials)


def _contract_detail(
    reference: str, service: ContractService, credentials: CredentialsDep
) -> Response:
    with service.engine.connect() as connection:
        principal = principal_in(connection, credentials)
        rows = service.detail(reference, connection)
        if not principal.may_read(rows.contract["gestionnaire_siren"]) or not tenancy.in_scope(
            connection, principal, reference
        ):
            raise ContractNotFound(reference)
    return Response(to_json(detail_payload(rows, today())), media_type="application/json")


@router.post(
    "/{reference}/actions/{action}",
    response_model=ActionResult,
    summary="Enregistrer une décision",
    responses={
        **ERRORS,
        409: {"model": Problem, "description": "Décision refusée."},
        422: {
            "model": Problem,
            "description": "Données invalides, ou clé d'idempotence déjà employée pour une "
            "autre requête (message en français) ; rien n'est fait.",
        },
        503: {
            "model": Problem,
            "description": "Aucun worker n'a pris la décision en charge à temps (ou Temporal "
            "ne répond pas) : elle n'est pas enregistrée mais peut encore être appliquée au "
            "retour d'un worker. Renvoyer la même requête avec la clé de l'en-tête "
            "`Idempotency-Key` de la réponse, après `Retry-After` : elle donne son issue et "
            "ne l'applique jamais deux fois.",
        },
    },
)
async def act(
    reference: ReferencePath,
    action: str,
    service: ServiceDep,
    principal: PrincipalDep,
    response: Response,
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
            max_length=idempotency.MAX_KEY_LENGTH,
            description="Clé d'idempotence, propre à l'appelant : la même requête renvoyée "
            "avec la même clé reçoit la première réponse (même statut, même corps) et "
            "n'applique la décision qu'une fois ; la même clé avec un autre contrat, une "
            f"autre action ou d'autres champs est refusée (422). Une clé vaut {KEY_HOURS} "
            "heures à compter de sa première requête, et tant que sa décision attend un "
            "worker. Sans clé, l'API en crée une et la renvoie dans l'en-tête "
            "`Idempotency-Key` de la réponse.",
        ),
    ] = None,
) -> ActionResult:
    """Actions : validate_cadrage, validate_diagnostic, sign, submit_documents,
    review_documents, record_tarification, record_dialogue, approve_releve, request_prorogation,
    answer_prorogation, sign_avenant, open_renegotiation, denounce, answer_denonciation,
    terminate, request_authorisation, answer_authorisation. Un refus répond 409 avec la raison
    du workflow ; l'auteur de la décision est celui du jeton.

    Une demande ne reçoit de réponse que de l'autre partie : `answered_by` (`autorite` ou
    `gestionnaire`) dit qui répond ; omis, c'est l'autre partie de la demande. Une dénonciation
    d'un commun accord (`denounce`, `mode` `mutuelle`, `notified_by` : qui la propose, l'autorité
    par défaut) n'est qu'une proposition : elle ne prend effet qu'acceptée par l'autre partie
    (`answer_denonciation`, `accept`), le préavis courant de l'acceptation ; sans réponse, le
    contrat continue. Une demande d'autorisation du gestionnaire (`request_authorisation` :
    `subject`, `received_on`, jour de sa réception prouvée ; contrats qui la prévoient, État
    AHI) ouvre à l'autorité un délai de décision (deux mois, loi ELAN art. 125 IV) : son silence
    vaut rejet. Seule l'autorité y répond (`answer_authorisation` : `request_id`, `accept`,
    `received_on`, `reasons`, obligatoires pour un refus) ; une réponse après le dernier jour du
    délai est refusée (409). Un gestionnaire ne décide qu'en son propre nom (403 sinon) ; un agent
    enregistre aussi les courriers reçus du gestionnaire en le nommant.

    Les objectifs négociés se joignent à la signature (`sign`, `objectives` : la liste complète,
    au format des termes) ; un avenant qui les modifie les joint de même (`sign_avenant`,
    `objectives`) : ils deviennent la version suivante, la précédente restant consultable. Un
    dialogue de gestion peut consigner la décision prise sur chaque objectif (`record_dialogue`,
    `objective_decisions` : `objective_id`, `decision` maintenu, ajuste ou abandonne, `reasons`,
    obligatoires sauf pour un objectif maintenu).

    Un contrat signé par plusieurs autorités (`authorities` dans ses termes) les fait toutes
    compter : chacune approuve le relevé (`approve_releve`, `party` autorite, `authority` :
    son identifiant) ; la demande de prorogation du gestionnaire attend l'accord de chacune
    (`answer_prorogation`, `authority`), le silence de chacune valant accord et le refus de
    l'une ouvrant la négociation pour toutes ; la demande d'une autorité (`request_prorogation`,
    `requested_by` autorite, `authority`) attend de même l'accord du gestionnaire et de chacune des
    autres autorités ; la signature du contrat (`sign`) et un avenant nomment tous leurs signataires
    (`signed_by` : les identifiants des autorités et `gestionnaire`)."""
    record = await readable(service, principal, reference)
    if not principal.may_act(action, record.gestionnaire_siren):
        raise Forbidden(f"le rôle {principal.role.label} ne permet pas l'action « {action} »")
    key = idempotency_key or idempotency.new_key()
    response.headers["Idempotency-Key"] = key
    result = await ObjectivesService(service).act(
        reference,
        action,
        principal.decision_fields(action, fields, record.authority_key),
        actor=principal.actor,
        caller=idempotency.caller_of(principal),
        idempotency_key=key,
    )
    return ActionResult(phase=result.phase.value, message=result.message)


@router.get(
    "/{reference}/notices",
    response_model=list[NoticeItem],
    summary="Avis envoyés",
    responses=ERRORS,
)
async def notices(
    reference: ReferencePath, service: ServiceDep, principal: PrincipalDep
) -> list[NoticeItem]:
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
    reference: ReferencePath, document_id: int, service: ServiceDep, principal: PrincipalDep
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
    reference: ReferencePath, service: ServiceDep, principal: PrincipalDep
) -> Response:
    await readable(service, principal, reference)
    body = await asyncio.to_thread(service.calendar_ics, reference)
    return Response(body, media_type="text/calendar; charset=utf-8")


def readable_record(
    service: ContractService, principal: Principal, reference: str
) -> ContractRecord:
    """The contract if the caller may read it: others' contracts do not exist for a gestionnaire,
    nor other authorities' for a person scoped to an authority."""
    record = service.record(reference)
    if not principal.may_read(record.gestionnaire_siren) or not tenancy.in_scope(
        service.engine, principal, reference
    ):
        raise ContractNotFound(reference)
    return record


async def readable(
    service: ContractService, principal: Principal, reference: str
) -> ContractRecord:
    return await asyncio.to_thread(readable_record, service, principal, reference)

"""A contract's objectives: read them with their history, and the yearly report on them."""

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Header, Path, Response

from api.deps import PrincipalDep, ServiceDep
from api.routes.contracts import ERRORS, UNAVAILABLE, readable
from api.schemas import ReferencePath
from cpom import idempotency
from cpom.objectives_review_export import review_pdf, review_xlsx
from cpom.objectives_service import ObjectivesService
from cpom.service import ContractService, Forbidden

router = APIRouter(prefix="/contracts", tags=["objectifs"])
Exercise = Annotated[int, Path(ge=1950, le=2100, description="Exercice (année).")]


@router.get(
    "/{reference}/objectives",
    summary="Objectifs, leur historique, les déclarations annuelles et les décisions",
    responses=ERRORS,
)
async def objectives(
    reference: ReferencePath, service: ServiceDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Les objectifs en vigueur (trajectoire et atteinte de chaque indicateur), chaque version
    adoptée (à la signature, puis par avenant), les déclarations annuelles du gestionnaire et
    la décision de chaque dialogue de gestion sur chaque objectif."""
    await readable(service, principal, reference)
    return await asyncio.to_thread(ObjectivesService(service).view, reference)


@router.put(
    "/{reference}/objectives/reports/{exercise}",
    summary="Déclarer les valeurs des indicateurs et l'état des actions d'un exercice",
    responses={**ERRORS, **UNAVAILABLE},
)
async def submit_report(
    reference: ReferencePath,
    exercise: Exercise,
    service: ServiceDep,
    principal: PrincipalDep,
    response: Response,
    body: Annotated[
        dict[str, Any],
        Body(
            examples=[
                {
                    "values": [{"indicator_id": "1.1", "value": 9.5, "comment": ""}],
                    "actions": [{"action_id": "1.1", "status": "en_cours"}],
                }
            ]
        ),
    ],
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", max_length=idempotency.MAX_KEY_LENGTH)
    ] = None,
) -> dict[str, Any]:
    """`values` : valeur de chaque indicateur (`indicator_id`, `value`, `comment`) ; `actions` :
    état de chaque action (`action_id`, `status` : non_engagee, en_cours, realisee,
    abandonnee). Une nouvelle déclaration du même exercice remplace la précédente. Quand le
    contrat compte cette déclaration parmi ses documents annuels (synthèse des fiches
    objectifs, indicateurs, bilan d'étape), elle vaut transmission de ce document : ses
    rappels cessent. Le gestionnaire déclare pour son propre contrat ; un agent peut
    l'enregistrer pour lui."""
    record = await readable(service, principal, reference)
    if not principal.may_act("submit_documents", record.gestionnaire_siren):
        raise Forbidden(f"le rôle {principal.role.label} ne permet pas de déclarer les valeurs")
    key = idempotency_key or idempotency.new_key()
    response.headers["Idempotency-Key"] = key
    report = await ObjectivesService(service).submit_report(
        reference,
        exercise,
        body,
        actor=principal.actor,
        caller=idempotency.caller_of(principal),
        idempotency_key=key,
    )
    return {
        "exercise": report.exercise,
        "message": f"déclaration de l'exercice {exercise} enregistrée",
    }


REVIEW_FORMATS = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", review_xlsx),
    "pdf": ("application/pdf", review_pdf),
}


@router.get(
    "/{reference}/objectives/review/{year}.{extension}",
    summary="Revue annuelle des objectifs (PDF ou XLSX), d'ensemble et par établissement",
    response_class=Response,
    responses=ERRORS,
)
async def review(
    reference: ReferencePath,
    year: Exercise,
    extension: Literal["xlsx", "pdf"],
    service: ServiceDep,
    principal: PrincipalDep,
) -> Response:
    """Pour la réunion du dialogue de gestion : chaque objectif, ses indicateurs (valeur
    d'entrée, cible et valeur de l'exercice, atteinte, progression) et ses actions, pour
    l'ensemble du contrat puis pour chaque établissement."""
    await readable(service, principal, reference)
    return await asyncio.to_thread(review_file, service, reference, year, extension)


def review_file(service: ContractService, reference: str, year: int, extension: str) -> Response:
    media_type, render = REVIEW_FORMATS[extension]
    data = ObjectivesService(service).review_input(reference, year)
    name = f"{reference}-revue-objectifs-{year}.{extension}"
    return Response(
        render(data),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )

"""The portfolio as a whole: the inbox, exports, the calendar feed and the health check."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from api.deps import PrincipalDep, ServiceDep
from api.filters import ListFilters
from api.schemas import HealthReport, TaskItem, TaskPage
from cpom import portfolio
from cpom.inbox import list_tasks
from cpom.portfolio import Filters
from cpom.service import ContractService, today

router = APIRouter()


@router.get("/tasks", response_model=TaskPage, summary="Ce qui attend l'appelant", tags=["tâches"])
def tasks(
    service: ServiceDep,
    principal: PrincipalDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> TaskPage:
    """Les étapes des agendas vivants qui attendent l'appelant, par date limite : pour un agent,
    celles de l'autorité ; pour un gestionnaire, les siennes sur ses contrats ; pour un
    superviseur, celles des deux parties. Chacune dit la décision à prendre, sa date limite et
    ce qu'il advient si rien n'est fait."""
    total, found = list_tasks(service.engine, principal, today(), page=page, per_page=per_page)
    return TaskPage(
        total=total,
        page=page,
        per_page=per_page,
        items=[
            TaskItem(
                reference=t.reference,
                gestionnaire=t.gestionnaire,
                key=t.key,
                action=t.action,
                title=t.title,
                detail=t.detail,
                deadline=t.deadline,
                status=t.status.value,
                waiting_for=t.waiting_for.value,
                consequence=t.consequence,
                silence_on=t.silence_on,
                risk=t.risk,
            )
            for t in found
        ],
    )


def export(service: ContractService, filters: Filters, extension: str) -> Response:
    """The filtered list as a file to download: `csv` or `xlsx`."""
    write, media_type = EXPORTS[extension]
    return Response(
        write(service.engine, filters, today()),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="cpom-{today()}.{extension}"'},
    )


EXPORTS = {
    "csv": (portfolio.export_csv, "text/csv; charset=utf-8"),
    "xlsx": (portfolio.export_xlsx, portfolio.XLSX),
}


@router.get(
    "/contracts.csv",
    summary="Exporter la liste filtrée (CSV)",
    tags=["contrats"],
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def export_csv(
    service: ServiceDep, principal: PrincipalDep, filters: Annotated[ListFilters, Depends()]
) -> Response:
    """Les contrats répondant aux filtres de `GET /contracts`, avec leur prochain délai légal,
    leur retard et leur risque : séparateur « ; », dates JJ/MM/AAAA, UTF-8."""
    return export(service, filters.for_(principal), "csv")


@router.get(
    "/contracts.xlsx",
    summary="Exporter la liste filtrée (Excel)",
    tags=["contrats"],
    response_class=Response,
    responses={200: {"content": {portfolio.XLSX: {}}}},
)
def export_xlsx(
    service: ServiceDep, principal: PrincipalDep, filters: Annotated[ListFilters, Depends()]
) -> Response:
    """Les contrats répondant aux filtres de `GET /contracts`, dates en vraies dates Excel."""
    return export(service, filters.for_(principal), "xlsx")


@router.get(
    "/calendar.ics",
    summary="Agenda de tout ce que l'appelant suit (iCalendar)",
    tags=["contrats"],
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
def portfolio_calendar(service: ServiceDep, principal: PrincipalDep) -> Response:
    """Les étapes ouvertes et les dates légales à venir des contrats que l'appelant peut lire,
    tirées des agendas vivants (des trois mois passés aux deux ans à venir)."""
    body = service.person_calendar_ics(principal)
    return Response(body, media_type="text/calendar; charset=utf-8")


@router.get("/healthz", response_model=HealthReport, summary="État du service", tags=["service"])
async def healthz(service: ServiceDep) -> HealthReport:
    """Répond 200 tant que l'API sert (les lectures ne demandent que la base) ; dit si Temporal
    répond et si un worker écoute la file de tâches (sans worker, une décision répond 503). Le
    contrôle attend Temporal 2 s au plus ; un worker arrêté depuis moins de deux minutes compte
    encore."""
    health = await service.health()
    return HealthReport(
        status="ok" if health.ok else "dégradé",
        temporal="joignable" if health.temporal else "injoignable",
        worker=health.worker,
        workers=health.workers,
        detail=health.detail,
    )

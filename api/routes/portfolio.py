"""The portfolio calendar feed and the health check."""

import asyncio

from fastapi import APIRouter, Response

from api.deps import PrincipalDep, ServiceDep
from cpom.access import Role

router = APIRouter()


@router.get(
    "/calendar.ics",
    summary="Calendrier de tout le portefeuille (iCalendar)",
    tags=["contrats"],
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
async def portfolio_calendar(service: ServiceDep, principal: PrincipalDep) -> Response:
    owner = principal.siren if principal.role is Role.GESTIONNAIRE else None
    body = await asyncio.to_thread(service.portfolio_ics, owner)
    return Response(body, media_type="text/calendar; charset=utf-8")


@router.get("/healthz", summary="État du service", tags=["service"])
async def healthz() -> dict[str, str]:
    return {"status": "ok"}

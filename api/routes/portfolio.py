"""The portfolio calendar feed and the health check."""

import asyncio

from fastapi import APIRouter, Response

from api.deps import ServiceDep

router = APIRouter()


@router.get(
    "/calendar.ics",
    summary="Calendrier de tout le portefeuille (iCalendar)",
    tags=["contrats"],
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
async def portfolio_calendar(service: ServiceDep) -> Response:
    body = await asyncio.to_thread(service.portfolio_ics)
    return Response(body, media_type="text/calendar; charset=utf-8")


@router.get("/healthz", summary="État du service", tags=["service"])
async def healthz() -> dict[str, str]:
    return {"status": "ok"}

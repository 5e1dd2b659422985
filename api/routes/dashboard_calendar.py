"""Dashboard page « Mon calendrier »: the person's secret calendar feed address; and each
contract's agenda as a file, for the person signed in."""

import asyncio
from typing import Annotated

from fastapi import APIRouter, Cookie, Request, Response

from api.csrf import check_csrf
from api.deps import ServiceDep
from api.routes.contracts import readable_record
from api.routes.dashboard import LOGIN, DashboardSession, page, signed_in
from api.routes.people import feed_url
from cpom import calendar_feeds
from cpom.domain.clock import PARIS
from cpom.service import ContractService

router = APIRouter(prefix="/tableau", include_in_schema=False)
PAGE = "calendar.html.j2"


async def _render(
    service: ContractService,
    session: DashboardSession,
    *,
    url: str | None = None,
    replaced: bool = False,
    revoked: bool | None = None,
) -> Response:
    since = await asyncio.to_thread(calendar_feeds.active_since, service.engine, session.principal)
    return page(
        PAGE,
        session=session,
        since=since.astimezone(PARIS) if since else None,
        url=url,
        replaced=replaced,
        revoked=revoked,
    )


@router.get("/calendrier", response_model=None)
async def my_calendar(
    service: ServiceDep, cpom_jeton: Annotated[str | None, Cookie()] = None
) -> Response:
    session = signed_in(service, cpom_jeton)
    if session is None:
        return LOGIN
    return await _render(service, session)


@router.get("/contrats/{reference}/agenda.ics", response_model=None)
async def contract_agenda(
    reference: str, service: ServiceDep, cpom_jeton: Annotated[str | None, Cookie()] = None
) -> Response:
    """The contract's agenda as an iCalendar file, for the person signed in (the API's own
    route takes a bearer token, which a browser following the page's link has not: found by
    probing, the link answered 401 to everyone)."""
    session = signed_in(service, cpom_jeton)
    if session is None:
        return LOGIN
    record = await asyncio.to_thread(readable_record, service, session.principal, reference)
    body = await asyncio.to_thread(service.calendar_ics, record.reference)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{_file_name(reference)}.ics"'},
    )


def _file_name(reference: str) -> str:
    # References are letters, digits and a few signs; anything else is left out of the header.
    return "".join(char for char in reference if char.isalnum() or char in "-_.") or "agenda"


@router.post("/calendrier/adresse", response_model=None)
async def new_address(
    request: Request, service: ServiceDep, cpom_jeton: Annotated[str | None, Cookie()] = None
) -> Response:
    session = signed_in(service, cpom_jeton)
    if session is None:
        return LOGIN
    form = await request.form()
    check_csrf(session.token, _text(form.get("csrf")))
    engine, principal = service.engine, session.principal
    had_one = await asyncio.to_thread(calendar_feeds.active_since, engine, principal) is not None
    secret = await asyncio.to_thread(calendar_feeds.rotate, engine, principal)
    # Shown on this answer only: the address is not stored in clear, a reload cannot show it.
    return await _render(service, session, url=feed_url(request, secret), replaced=had_one)


@router.post("/calendrier/revocation", response_model=None)
async def revoke_address(
    request: Request, service: ServiceDep, cpom_jeton: Annotated[str | None, Cookie()] = None
) -> Response:
    session = signed_in(service, cpom_jeton)
    if session is None:
        return LOGIN
    form = await request.form()
    check_csrf(session.token, _text(form.get("csrf")))
    revoked = await asyncio.to_thread(calendar_feeds.revoke, service.engine, session.principal)
    return await _render(service, session, revoked=revoked)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None

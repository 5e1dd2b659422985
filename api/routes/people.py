"""The caller's identity and the secret address of their calendar feed."""

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response, status

from api.deps import PrincipalDep, ServiceDep
from api.schemas import CalendarFeedAddress, Me, Problem
from cpom import calendar_feeds

router = APIRouter()
FEED_ROUTE = "calendar_feed"
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "Adresse inconnue, révoquée ou remplacée."}
}


@router.get("/me", response_model=Me, summary="Qui suis-je ?", tags=["personnes"])
async def me(principal: PrincipalDep) -> Me:
    """Le titulaire du jeton : nom, adresse électronique, rôle, SIREN pour un gestionnaire,
    autorité pour un agent ou un superviseur qui y est rattaché (absente : national), dernier
    jour de validité, et le nom inscrit au journal de ses décisions."""
    return Me(
        name=principal.name,
        email=principal.email,
        role=principal.role.value,
        role_label=principal.role.label,
        siren=principal.siren,
        authority=principal.authority_scope,
        expires_on=principal.expires_on,
        actor=principal.actor,
    )


def feed_url(request: Request, secret: str) -> str:
    return str(request.url_for(FEED_ROUTE, secret=secret))


@router.post(
    "/me/calendar-feed",
    response_model=CalendarFeedAddress,
    status_code=status.HTTP_201_CREATED,
    summary="Créer ou remplacer mon adresse d'abonnement au calendrier",
    tags=["personnes"],
)
async def create_feed(
    request: Request, service: ServiceDep, principal: PrincipalDep
) -> CalendarFeedAddress:
    """Crée une adresse secrète à laquelle Outlook ou Thunderbird s'abonnent sans jeton, et la
    renvoie une seule fois. L'adresse précédente, s'il y en avait une, cesse aussitôt de
    fonctionner."""
    secret = await asyncio.to_thread(calendar_feeds.rotate, service.engine, principal)
    return CalendarFeedAddress(url=feed_url(request, secret))


@router.delete(
    "/me/calendar-feed",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Révoquer mon adresse d'abonnement au calendrier",
    tags=["personnes"],
)
async def revoke_feed(service: ServiceDep, principal: PrincipalDep) -> Response:
    """L'adresse cesse de fonctionner ; sans adresse active, rien ne change."""
    await asyncio.to_thread(calendar_feeds.revoke, service.engine, principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/feeds/{secret}.ics",
    name=FEED_ROUTE,
    summary="Calendrier d'une personne, par son adresse secrète (iCalendar)",
    tags=["calendriers"],
    response_class=Response,
    responses={**NOT_FOUND, 200: {"content": {"text/calendar": {}}}},
)
async def feed(secret: str, service: ServiceDep) -> Response:
    """Sans en-tête d'authentification : le secret de l'adresse tient lieu de jeton. Les
    échéances des contrats que la personne peut lire ; 404 si l'adresse a été révoquée ou
    remplacée, ou si le jeton de la personne est révoqué ou expiré."""
    principal = await asyncio.to_thread(calendar_feeds.holder, service.engine, secret)
    body = await asyncio.to_thread(service.person_calendar_ics, principal)
    # Calendar applications poll the address: let them, but keep shared caches out.
    return Response(
        body, media_type="text/calendar; charset=utf-8", headers={"Cache-Control": "private"}
    )

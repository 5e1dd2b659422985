"""The supervisors' dashboard: server-rendered pages over the same service as the API."""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Cookie, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from api.csrf import csrf_token
from api.deps import ServiceDep
from api.routes.contracts import readable
from api.sign_in_limit import SignInLimiter
from cpom.access import Principal, Role, authenticate
from cpom.dashboard_sessions import SESSION_LIFETIME, close_session, open_session, session_holder
from cpom.domain.clock import fr, fr_moment
from cpom.domain.lifecycle import PHASE_LABELS, Phase
from cpom.domain.live_agenda import KIND_LABELS, SILENCE_MEANS
from cpom.french_articles import capitalized
from cpom.french_numbers import french_number
from cpom.french_typography import typeset_html
from cpom.inbox import count_tasks
from cpom.notice_status import notice_status
from cpom.service import ContractService, today
from cpom.settings import ROOT

# Where the dashboard's pages are: their errors are pages too (`error_page`).
DASHBOARD = "/tableau/"
router = APIRouter(prefix=DASHBOARD.rstrip("/"), include_in_schema=False)
# The session's secret, never the bearer token (the name stays, so routes keep reading it).
COOKIE = "cpom_jeton"

templates = Environment(
    loader=FileSystemLoader(ROOT / "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    undefined=StrictUndefined,
)
templates.filters["fr"] = fr
templates.filters["moment"] = fr_moment
templates.filters["capitalized"] = capitalized
templates.globals["phase_label"] = lambda value: PHASE_LABELS[Phase(value)]
templates.globals["silence_means"] = SILENCE_MEANS
templates.globals["kind_label"] = lambda value: KIND_LABELS.get(value, value) if value else ""
templates.globals["notice_status"] = lambda record: notice_status(record, datetime.now(UTC))
templates.globals["number"] = french_number
# « 42 000 € », the euro sign after a no-break space.
templates.globals["euros"] = lambda value: f"{french_number(value)}\u00a0€"


@dataclass(frozen=True)
class DashboardSession:
    """Who is signed in to the dashboard, and their session's secret (the cookie), which their
    forms' CSRF tokens are bound to."""

    principal: Principal
    token: str
    # What waits for them, counted in the header of every page.
    task_count: int = 0

    @property
    def csrf(self) -> str:
        return csrf_token(self.token)


def page(
    name: str,
    status_code: int = 200,
    *,
    session: DashboardSession | None = None,
    **context: Any,
) -> HTMLResponse:
    context["principal"] = session.principal if session else None
    context["csrf"] = session.csrf if session else ""
    context["task_count"] = session.task_count if session else 0
    # Spaced as French prints it, as letters are (`cpom.french_typography`).
    html = typeset_html(templates.get_template(f"dashboard/{name}").render(context))
    return HTMLResponse(html, status_code=status_code)


def error_page(status_code: int, heading: str, message: str, path: str) -> HTMLResponse:
    """A dashboard page's error, said to the person who reads it: what happened, and the way
    back (to the import's page from there, else to the portfolio)."""
    importing = path.startswith(f"{DASHBOARD}import")
    return page(
        "error.html.j2",
        status_code,
        heading=heading,
        message=capitalized(message.rstrip(".")) + ".",
        back=f"{DASHBOARD}import" if importing else DASHBOARD,
        back_label="Retour à l'import" if importing else "Retour au portefeuille",
    )


def signed_in(service: ContractService, cookie: str | None) -> DashboardSession | None:
    """The session of this cookie while it lasts and its token works; None otherwise."""
    principal = session_holder(service.engine, cookie) if cookie else None
    if principal is None or cookie is None:
        return None
    return DashboardSession(principal, cookie, count_tasks(service.engine, principal, today()))


LOGIN = RedirectResponse("/tableau/connexion", status_code=303)


@router.get("/connexion", response_class=HTMLResponse)
async def login_form() -> HTMLResponse:
    return page("login.html.j2", error=None)


@router.post("/connexion", response_model=None)
async def login(request: Request, service: ServiceDep) -> Response:
    limiter: SignInLimiter = request.app.state.sign_in_limiter
    wait = limiter.attempt(request.client.host if request.client else "")
    if wait is not None:
        refused = page(
            "login.html.j2",
            429,
            error=f"trop de tentatives de connexion depuis cette adresse : réessayer dans "
            f"{wait} seconde{'s' if wait > 1 else ''}",
        )
        refused.headers["Retry-After"] = str(wait)
        return refused
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    token = (form.get("token") or [""])[0].strip()
    principal = await asyncio.to_thread(authenticate, service.engine, token) if token else None
    if principal is None:
        return page("login.html.j2", 401, error="jeton inconnu, révoqué ou expiré")
    secret = await asyncio.to_thread(open_session, service.engine, principal)
    response = RedirectResponse("/tableau/", status_code=303)
    response.set_cookie(
        COOKIE,
        secret,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.secure_cookies or request.url.scheme == "https",
    )
    return response


@router.get("/deconnexion")
async def logout(
    service: ServiceDep, cpom_jeton: Annotated[str | None, Cookie()] = None
) -> RedirectResponse:
    if cpom_jeton:
        await asyncio.to_thread(close_session, service.engine, cpom_jeton)
    response = RedirectResponse("/tableau/connexion", status_code=303)
    response.delete_cookie(COOKIE, httponly=True, samesite="strict")
    return response


@router.get("/contrats/{reference}/documents/{document_id}", response_model=None)
async def document(
    reference: str,
    document_id: int,
    service: ServiceDep,
    cpom_jeton: Annotated[str | None, Cookie()] = None,
) -> Response:
    session = signed_in(service, cpom_jeton)
    if session is None:
        return LOGIN
    principal = session.principal
    await readable(service, principal, reference)
    record = await asyncio.to_thread(service.document, reference, document_id)
    return Response(
        record.pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{reference}-{record.kind}.pdf"'},
    )


@router.get("/courrier", response_model=None)
async def mail(service: ServiceDep, cpom_jeton: Annotated[str | None, Cookie()] = None) -> Response:
    session = signed_in(service, cpom_jeton)
    if session is None:
        return LOGIN
    principal = session.principal
    if principal.role is Role.GESTIONNAIRE:
        return page("mail.html.j2", session=session, mails=[])
    mails = await asyncio.to_thread(service.caught_mail, authority=principal.authority_scope)
    return page("mail.html.j2", session=session, mails=mails)

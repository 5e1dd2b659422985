"""The dashboard's bulk import: upload a spreadsheet of contracts in force, follow the import.

Agents only. The file is checked in full first (a report of every problem, nothing created);
a valid file is imported in the background of this API process while the browser follows a
progress page that refreshes itself, without JavaScript.
"""

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Cookie, Query, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from api.csrf import CsrfRejected, check_csrf
from api.deps import ServiceDep
from api.routes.dashboard import LOGIN, DashboardSession, page, signed_in
from cpom.access import Role
from cpom.bulk_import import (
    ImportPlan,
    count,
    dry_run,
    plan_import,
    problems_summary,
    within_authority,
)
from cpom.domain.clock import PARIS
from cpom.import_jobs import RUNNING, STATUS_LABELS, ImportJobs
from cpom.import_template import template_csv, template_xlsx
from cpom.portfolio import XLSX
from cpom.service import ContractService, today
from cpom.spreadsheet import SpreadsheetError

router = APIRouter(prefix="/tableau/import", include_in_schema=False)
UPLOAD_PATH = "/tableau/import"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
REFRESH_SECONDS = 2


def jobs_of(request: Request) -> ImportJobs:
    jobs: ImportJobs = request.app.state.imports
    return jobs


def agent(service: ContractService, token: str | None) -> DashboardSession | Response:
    """The signed-in agent, or the response for anyone else."""
    session = signed_in(service, token)
    if session is None:
        return LOGIN
    if session.principal.role is not Role.AGENT:
        return page("import.html.j2", 403, session=session, forbidden=True)
    return session


def form_page(
    request: Request,
    session: DashboardSession,
    status_code: int = 200,
    **context: object,
) -> Response:
    context.setdefault("error", None)
    context.setdefault("plan", None)
    context.setdefault("dry", None)
    context.setdefault("summary", None)
    context.setdefault("checked", False)
    recent = [
        {**job.model_dump(), "started": when(job.started_at), "label": STATUS_LABELS[job.status]}
        for job in jobs_of(request).recent(authority=session.principal.authority_scope)
    ]
    return page(
        "import.html.j2",
        status_code,
        session=session,
        forbidden=False,
        recent=recent,
        limit_mib=MAX_UPLOAD_BYTES // (1024 * 1024),
        **context,
    )


def when(instant: datetime) -> str:
    return f"{instant.astimezone(PARIS):%d/%m/%Y à %H:%M}"


@router.get("", response_model=None)
async def import_form(
    request: Request, service: ServiceDep, cpom_jeton: Annotated[str | None, Cookie()] = None
) -> Response:
    session = agent(service, cpom_jeton)
    if not isinstance(session, DashboardSession):
        return session
    return await asyncio.to_thread(form_page, request, session)


@router.get("/modele.xlsx", response_model=None)
async def template_workbook(
    service: ServiceDep, cpom_jeton: Annotated[str | None, Cookie()] = None
) -> Response:
    session = agent(service, cpom_jeton)
    if not isinstance(session, DashboardSession):
        return session
    return Response(
        await asyncio.to_thread(template_xlsx),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="import-contrats.xlsx"'},
    )


@router.get("/modele.csv", response_model=None)
async def template_table(
    service: ServiceDep, cpom_jeton: Annotated[str | None, Cookie()] = None
) -> Response:
    session = agent(service, cpom_jeton)
    if not isinstance(session, DashboardSession):
        return session
    return Response(
        template_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="import-contrats.csv"'},
    )


@router.post("", response_model=None)
async def upload(
    request: Request, service: ServiceDep, cpom_jeton: Annotated[str | None, Cookie()] = None
) -> Response:
    session = agent(service, cpom_jeton)
    if not isinstance(session, DashboardSession):
        return session
    too_large = f"fichier trop volumineux : {MAX_UPLOAD_BYTES // (1024 * 1024)} Mio au plus"
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_UPLOAD_BYTES + 64 * 1024:
        return await asyncio.to_thread(form_page, request, session, 413, error=too_large)
    try:
        form = await submitted(request)
    except HTTPException as error:  # a malformed multipart body
        return await asyncio.to_thread(form_page, request, session, 400, error=str(error.detail))
    try:
        check_csrf(session.token, form.csrf)
    except CsrfRejected as error:
        return await asyncio.to_thread(form_page, request, session, 403, error=str(error))
    checked, filename, content = form.check_only, form.filename, form.content
    if not filename:
        missing = "choisir le fichier à importer (XLSX ou CSV)"
        return await asyncio.to_thread(form_page, request, session, 422, error=missing)
    if len(content) > MAX_UPLOAD_BYTES:
        return await asyncio.to_thread(form_page, request, session, 413, error=too_large)
    try:
        plan: ImportPlan = await asyncio.to_thread(plan_import, filename, content, today())
    except SpreadsheetError as error:
        message = f"« {filename} » : {error}"
        return await asyncio.to_thread(form_page, request, session, 422, error=message)
    if (scope := session.principal.authority_scope) is not None:
        plan = await asyncio.to_thread(within_authority, plan, scope)
    if not plan.valid:
        summary = problems_summary(filename, plan)
        return await asyncio.to_thread(
            form_page, request, session, 422, plan=plan, summary=summary, checked=checked
        )
    if checked:
        result = await asyncio.to_thread(dry_run, service.engine, plan)
        outcome = (
            f"{count(result.to_create, 'contrat serait créé', 'contrats seraient créés')}, "
            f"{count(result.already_present, 'est déjà présent', 'sont déjà présents')}."
        )
        return await asyncio.to_thread(
            form_page,
            request,
            session,
            plan=plan,
            dry=result,
            outcome=outcome,
            filename=filename,
            checked=True,
        )
    job_id = await jobs_of(request).start(filename, session.principal.actor, plan.rows, scope)
    return RedirectResponse(f"{UPLOAD_PATH}/{job_id}", status_code=303)


@dataclass(frozen=True)
class Submitted:
    csrf: str
    check_only: bool
    filename: str
    content: bytes  # up to one byte more than allowed, to tell a file too large


async def submitted(request: Request) -> Submitted:
    form = await request.form(max_files=1, max_fields=5)
    try:
        upload = form.get("fichier")
        if isinstance(upload, UploadFile) and upload.filename:
            filename, content = upload.filename, await upload.read(MAX_UPLOAD_BYTES + 1)
        else:
            filename, content = "", b""
        return Submitted(
            str(form.get("csrf") or ""), form.get("verifier") == "1", filename, content
        )
    finally:
        await form.close()  # the upload's temporary file


@router.get("/{job_id}", response_model=None)
async def job_page(
    job_id: str,
    request: Request,
    service: ServiceDep,
    cpom_jeton: Annotated[str | None, Cookie()] = None,
    auto: Annotated[bool, Query()] = True,
) -> Response:
    session = agent(service, cpom_jeton)
    if not isinstance(session, DashboardSession):
        return session
    job = await asyncio.to_thread(jobs_of(request).get, job_id)
    scope = session.principal.authority_scope
    if job is None or (scope is not None and job.authority_key != scope):
        return page("import_job.html.j2", 404, session=session, job=None)
    running = job.status == RUNNING
    return page(
        "import_job.html.j2",
        session=session,
        job=job,
        running=running,
        refresh=REFRESH_SECONDS if running and auto else None,
        started=when(job.started_at),
        label=STATUS_LABELS[job.status],
    )

"""The contract page's objectives: the gestionnaire's yearly report typed in its form, and the
yearly review downloaded for the dialogue de gestion."""

import asyncio
from typing import Literal

from fastapi import APIRouter, Request, Response

from api.deps import ServiceDep
from api.routes.attachments import AttachmentsDep
from api.routes.contracts import readable_record
from api.routes.dashboard import LOGIN, signed_in
from api.routes.objectives import review_file
from api.routes.workbench import (
    KEY,
    Token,
    back_to_contract,
    form_posted,
    form_text,
    render_contract_page,
)
from cpom import idempotency
from cpom.idempotency import KeyReused
from cpom.objectives_service import ObjectivesService
from cpom.report_form import ReportForm, ReportRefused, report_from_form
from cpom.service import ActionRefused, InvalidAction, ServiceUnavailable

router = APIRouter(prefix="/tableau", include_in_schema=False)


@router.post("/contrats/{reference}/objectifs", response_model=None)
async def report_on_objectives(
    reference: str,
    request: Request,
    service: ServiceDep,
    attachments: AttachmentsDep,
    cpom_jeton: Token = None,
) -> Response:
    """The gestionnaire's yearly report on the objectives, typed in the contract page's form."""
    posted_form = await form_posted(request, service, cpom_jeton, reference)
    if posted_form is None:
        return LOGIN
    session, form, record = posted_form
    principal = session.principal
    posted = {name: form_text(form.get(name)) for name in form if name != "csrf"}
    state = ReportForm(typed=posted)
    if not principal.may_act("submit_documents", record.gestionnaire_siren):
        state.error = "Votre rôle ne permet pas de déclarer les valeurs des indicateurs."
        return await asyncio.to_thread(
            render_contract_page,
            service,
            attachments,
            session,
            reference,
            {},
            status_code=403,
            report=state,
        )
    key = posted.get(KEY) or idempotency.new_key()
    try:
        exercise, report = report_from_form(posted)
        state.exercise = exercise
        await ObjectivesService(service).submit_report(
            reference,
            exercise,
            report,
            actor=principal.actor,
            caller=idempotency.caller_of(principal),
            idempotency_key=key,
        )
    except (ReportRefused, InvalidAction) as error:
        state.error = error.problems
    except (ActionRefused, ServiceUnavailable, KeyReused) as error:
        state.error = str(error)
    else:
        message = f"Déclaration de l'exercice {exercise} enregistrée."
        return back_to_contract(reference, "objectifs", message)
    return await asyncio.to_thread(
        render_contract_page,
        service,
        attachments,
        session,
        reference,
        {},
        status_code=422,
        report=state,
    )


@router.get("/contrats/{reference}/objectifs/revue-{year}.{extension}", response_model=None)
async def review_download(
    reference: str,
    year: int,
    extension: Literal["xlsx", "pdf"],
    service: ServiceDep,
    cpom_jeton: Token = None,
) -> Response:
    session = signed_in(service, cpom_jeton)
    if session is None:
        return LOGIN
    await asyncio.to_thread(readable_record, service, session.principal, reference)
    return await asyncio.to_thread(review_file, service, reference, year, extension)

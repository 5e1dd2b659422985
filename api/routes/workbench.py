"""The back office's workbench: the portfolio, the inbox, each contract's page and its
decisions taken through plain forms.

Every page reads the projection of the workflows' live agendas; every decision goes through the
same service as the API, so the workflow checks it and its refusal is shown beside the form.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import asdict
from datetime import date, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import quote, unquote, urlencode

from fastapi import APIRouter, Cookie, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData, UploadFile

from api.csrf import check_csrf
from api.decision_forms import (
    DECISION_CHOICES,
    FORMS,
    FormRefused,
    FormState,
    Input,
    allowed_forms,
    choices_for,
    decision_fields,
    defaults,
    fields_for,
)
from api.deps import ServiceDep
from api.filters import ListFilters
from api.routes.attachments import AttachmentsDep
from api.routes.contracts import readable_record
from api.routes.dashboard import LOGIN, DashboardSession, page, signed_in
from api.routes.dashboard_attachments import attachments_context, store_form_file
from api.routes.portfolio import export
from cpom import idempotency, portfolio
from cpom.access import PartyRefused, Role
from cpom.attachments import AttachmentRefused, Attachments
from cpom.calendar_export import ROUTINE_VALUES
from cpom.db import objectives_store
from cpom.db.models import ContractRecord
from cpom.domain.agenda_items import AgendaKind
from cpom.domain.lifecycle import PARTY_OF, Phase
from cpom.domain.live_agenda import (
    PARTY_LABELS,
    STATUS_LABELS,
    AgendaItem,
    Status,
    nature,
    status_on,
)
from cpom.idempotency import KeyReused
from cpom.inbox import list_tasks, parties_of
from cpom.objectives_service import ObjectivesService
from cpom.objectives_view import page_context
from cpom.report_form import ReportForm, report_form_context
from cpom.service import (
    ActionRefused,
    ContractService,
    DecisionPending,
    InvalidAction,
    ServiceUnavailable,
    today,
)

router = APIRouter(prefix="/tableau", include_in_schema=False)
FLASH = "cpom_message"
PROOF = "piece"  # the file field of a decision form
KEY = "idempotency_key"  # the hidden field of a decision form, new for each form shown
Token = Annotated[str | None, Cookie(alias="cpom_jeton")]
PER_PAGE = 50


# Portfolio ----------------------------------------------------------------------------------------


@router.get("/", response_model=None)
def portfolio_page(
    service: ServiceDep,
    filters: Annotated[ListFilters, Depends()],
    cpom_jeton: Token = None,
    page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
    sort: portfolio.Sort = portfolio.Sort.DEADLINE,
    desc: bool = False,
) -> Response:
    session = signed_in(service, cpom_jeton)
    if session is None:
        return LOGIN
    day = today()
    applied = filters.for_(session.principal)
    found = portfolio.list_contracts(
        service.engine,
        applied,
        day,
        page=page_number,
        per_page=PER_PAGE,
        sort=sort,
        descending=desc,
    )
    kept = applied.query_string()
    sorting = {"sort": sort.value, **({"desc": "true"} if desc else {})}
    return page(
        "portfolio.html.j2",
        session=session,
        found=found,
        filters=applied,
        sort=sort,
        desc=desc,
        sorts=portfolio.SORT_LABELS,
        today=day,
        all_phases=[p.value for p in Phase],
        query=urlencode({**kept, **sorting}),
        filter_query=urlencode(kept),
        page_link=lambda number: "?" + urlencode({**kept, **sorting, "page": number}),
        phases=portfolio.phase_counts(service.engine, applied, day),
        months=portfolio.deadlines_by_month(service.engine, applied, day),
        documents=portfolio.documents_on_time(service.engine, applied, day),
    )


@router.get("/export.{extension}", response_model=None)
def export_list(
    extension: Literal["csv", "xlsx"],
    service: ServiceDep,
    filters: Annotated[ListFilters, Depends()],
    cpom_jeton: Token = None,
) -> Response:
    session = signed_in(service, cpom_jeton)
    if session is None:
        return LOGIN
    return export(service, filters.for_(session.principal), extension)


# Inbox --------------------------------------------------------------------------------------------


@router.get("/a-traiter", response_model=None)
def inbox_page(
    service: ServiceDep,
    cpom_jeton: Token = None,
    page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> Response:
    session = signed_in(service, cpom_jeton)
    if session is None:
        return LOGIN
    day = today()
    total, tasks = list_tasks(
        service.engine, session.principal, day, page=page_number, per_page=PER_PAGE
    )
    return page(
        "inbox.html.j2",
        session=session,
        tasks=tasks,
        total=total,
        page_number=page_number,
        pages=max(1, -(-total // PER_PAGE)),
        today=day,
        parties=[PARTY_LABELS[p] for p in parties_of(session.principal)],
    )


# Contract page ------------------------------------------------------------------------------------


@router.get("/contrats/{reference}", response_model=None)
def contract_page(
    reference: str,
    request: Request,
    service: ServiceDep,
    attachments: AttachmentsDep,
    cpom_jeton: Token = None,
    decision: str | None = None,
) -> Response:
    session = signed_in(service, cpom_jeton)
    if session is None:
        return LOGIN
    states = {decision: FormState(open=True)} if decision in FORMS else {}
    flash = request.cookies.get(FLASH)
    response = render_contract_page(
        service,
        attachments,
        session,
        reference,
        states,
        query=request.query_params,
        flash=unquote(flash or ""),
    )
    if flash:
        response.delete_cookie(FLASH, path="/tableau")
    return response


@router.post("/contrats/{reference}/decisions/{action}", response_model=None)
async def take_decision(
    reference: str,
    action: str,
    request: Request,
    service: ServiceDep,
    attachments: AttachmentsDep,
    cpom_jeton: Token = None,
) -> Response:
    posted_form = await form_posted(request, service, cpom_jeton, reference)
    if posted_form is None:
        return LOGIN
    session, form, record = posted_form
    principal = session.principal
    decision_form = FORMS.get(action)
    if decision_form is None or not principal.may_act(action, record.gestionnaire_siren):
        return await asyncio.to_thread(
            render_contract_page,
            service,
            attachments,
            session,
            reference,
            {},
            status_code=403,
            flash=f"Vous ne pouvez pas prendre la décision « {action} ».",
        )
    posted = {name: [form_text(v) for v in form.getlist(name)] for name in form if name != PROOF}
    proof = form.get(PROOF)
    key = form_text(form.get(KEY)) or idempotency.new_key()
    pending = False
    try:
        terms = await asyncio.to_thread(service.terms, reference)
        fields = principal.decision_fields(
            action, decision_fields(principal, decision_form, posted, terms), record.authority_key
        )
        kind = decision_form.attachment_kind
        if kind and isinstance(proof, UploadFile) and (proof.filename or proof.size):
            # A file that would be refused is refused first: the decision is then not taken.
            attachments.check(await proof.read(), kind=kind, decision=action)
            await proof.seek(0)
        # Through the objectives' service: a dialogue's decisions on objectives are kept.
        result = await ObjectivesService(service).act(
            reference,
            action,
            fields,
            actor=principal.actor,
            caller=idempotency.caller_of(principal),
            idempotency_key=key,
        )
    except (FormRefused, InvalidAction) as error:
        problem: str | list[str] = error.problems
    except DecisionPending as error:
        problem, pending = str(error), True
    except (ActionRefused, ServiceUnavailable, AttachmentRefused, KeyReused, PartyRefused) as error:
        problem = str(error)
    else:
        message = f"{decision_form.title} : {result.message}."
        if kind:
            kept = await store_form_file(
                attachments, reference, proof, kind=kind, actor=principal.actor, decision=action
            )
            if kept is not None:
                message += f" Pièce jointe : {kept.filename}."
        return back_to_contract(reference, "agenda", message)
    # A refused form comes back with a new key; a pending one keeps its key, so that sending it
    # again gets the decision's outcome and never takes it twice.
    posted[KEY] = [key] if pending else []
    state = FormState(values=_values(posted), error=problem, open=True)
    return await asyncio.to_thread(
        render_contract_page,
        service,
        attachments,
        session,
        reference,
        {action: state},
        status_code=503 if pending else 409,
    )


async def form_posted(
    request: Request, service: ContractService, cookie: str | None, reference: str
) -> tuple[DashboardSession, FormData, ContractRecord] | None:
    """A form posted on a contract's page: who sent it (None when not signed in), checked
    against forgery, and the contract if they may read it."""
    session = signed_in(service, cookie)
    if session is None:
        return None
    form = await request.form()
    check_csrf(session.token, form_text(form.get("csrf")))
    record = await asyncio.to_thread(readable_record, service, session.principal, reference)
    return session, form, record


def back_to_contract(reference: str, anchor: str, message: str) -> RedirectResponse:
    """To the contract's page, at `anchor`, with `message` shown once (a short-lived cookie)."""
    response = RedirectResponse(f"/tableau/contrats/{quote(reference)}#{anchor}", 303)
    response.set_cookie(
        FLASH, quote(message), max_age=60, path="/tableau", httponly=True, samesite="strict"
    )
    return response


def form_text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _values(posted: dict[str, list[str]]) -> dict[str, Any]:
    """What the person typed, shown again beside the refusal."""
    return {
        key: values if len(values) > 1 else values[0] for key, values in posted.items() if values
    }


def render_contract_page(
    service: ContractService,
    attachments: Attachments,
    session: DashboardSession,
    reference: str,
    states: dict[str, FormState],
    *,
    query: Mapping[str, str] | None = None,
    status_code: int = 200,
    flash: str = "",
    report: ReportForm | None = None,
) -> HTMLResponse:
    principal = session.principal
    record = readable_record(service, principal, reference)
    day = today()
    terms = service.terms(reference)
    agenda = service.agenda(reference)
    mine = set(parties_of(principal)) if principal.role is not Role.SUPERVISOR else set()
    todo = [
        item
        for item in agenda
        if item.action
        and item.waiting_for in mine
        and status_on(item, day) in (Status.PENDING, Status.MISSED)
    ]
    forms = []
    offered: set[str] = set()
    current = objectives_store.current(service.engine, reference)
    reports = objectives_store.reports(service.engine, reference)
    objectives = tuple((o.id, o.title) for o in current.objectives) if current else ()
    for form in allowed_forms(
        principal, record.gestionnaire_siren, Phase(record.phase), agenda, terms
    ):
        offered.add(form.action)
        state = states.get(form.action) or FormState()
        values = {**defaults(form, terms, agenda, day), **state.values}
        forms.append(
            {
                "form": form,
                "fields": [
                    {
                        **asdict(f),
                        "choices": objectives
                        if f.input is Input.OBJECTIVE_DECISIONS
                        else choices_for(f, terms, agenda),
                        "decisions": DECISION_CHOICES,
                    }
                    for f in fields_for(principal, form, terms)
                    if f.input is not Input.OBJECTIVE_DECISIONS or objectives
                ],
                "values": values,
                "error": state.error,
                "open": state.open,
                "key": state.values.get(KEY) or idempotency.new_key(),
                "pending": KEY in state.values,
                "suggested": any(item.action == form.action for item in todo),
            }
        )
    # A refusal of a decision whose form the page no longer offers (another person took it,
    # the phase moved on) is said at the top: it had nowhere to show (found by probing).
    refusals = [
        f"{FORMS[action].title} : {_in_one(state.error)}"
        for action, state in states.items()
        if state.error and action not in offered and action in FORMS
    ]
    return page(
        "contract.html.j2",
        status_code,
        session=session,
        contract=record,
        refusals=refusals,
        # A dénonciation or résiliation notified ends the contract before its échéance.
        early_end=next((item for item in agenda if item.kind == AgendaKind.EARLY_END), None),
        today=day,
        agenda=[_row(item, day) for item in agenda if item.kind not in ROUTINE_VALUES],
        money=[
            _row(item, day)
            for item in agenda
            if item.kind in ROUTINE_VALUES and day - MONEY_PAST <= item.day <= day + MONEY_AHEAD
        ],
        todo=[_row(item, day) for item in todo],
        forms=forms,
        flash=flash,
        documents=service.documents(reference),
        notices=service.notices(reference),
        events=service.events(reference),
        overdue=record.overdue_since is not None and record.overdue_since < day,
        **attachments_context(attachments, principal, record, query or {}),
        **page_context(terms, current, reports, day),
        report=report_form_context(
            report,
            principal.may_act("submit_documents", record.gestionnaire_siren),
            terms,
            day,
            reports,
        ),
    )


def _in_one(error: str | list[str]) -> str:
    return error if isinstance(error, str) else " ; ".join(error)


# Payments and monthly reports shown on a contract's page: the last month and the next three;
# the others are in its calendar (ICS).
MONEY_PAST = timedelta(days=31)
MONEY_AHEAD = timedelta(days=92)


def _row(item: AgendaItem, day: date) -> dict[str, Any]:
    status = status_on(item, day)
    return {
        "item": item,
        "status": status.value,
        "status_label": STATUS_LABELS[status],
        "nature": nature(item),
        # « en attente du gestionnaire », « attendu de l'autorité »
        "waiting": PARTY_OF[item.waiting_for] if item.waiting_for else "de l'une ou l'autre partie",
        "late": status is Status.MISSED and item.obligation,
        "soon": status is Status.PENDING and item.day <= day + timedelta(days=14),
    }

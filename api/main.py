"""Composition root of the HTTP API: `create_app()`; `uvicorn api.main:app` in production."""

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.client import Client

from api.body_limit import BodyLimit, RouteLimit

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
from api.codec_cors import CodecCors
from api.csrf import CsrfRejected
from api.nul_refusal import RefuseNul
from api.routes import (
    attachments,
    authorities,
    codec,
    contracts,
    dashboard,
    dashboard_attachments,
    dashboard_calendar,
    dashboard_objectives,
    imports,
    objectives,
    people,
    portfolio,
    readiness,
    workbench,
)
from api.routes.dashboard import DASHBOARD, error_page
from api.security_headers import SecurityHeaders
from api.sign_in_limit import SignInLimiter
from cpom import identities, metrics, telemetry
from cpom.access import PartyRefused
from cpom.attachments import AttachmentNotFound, AttachmentRefused, refusal_message
from cpom.calendar_feeds import FeedNotFound
from cpom.db.engine import engine_from
from cpom.domain.terms_validation import InvalidTerms
from cpom.idempotency import KeyReused
from cpom.identities import InvalidAuthorityIdentity
from cpom.import_jobs import ImportJobs
from cpom.json_logs import configure_logging
from cpom.service import (
    ActionRefused,
    ContractNotFound,
    ContractService,
    DocumentNotFound,
    Forbidden,
    InvalidAction,
    ReferenceTaken,
    ServiceUnavailable,
    UnknownAction,
)
from cpom.settings import ROOT, Settings, get_settings
from cpom.temporal_connection import connect
from cpom.validation_messages import french_message

ROUTERS = (
    contracts.router,
    authorities.router,
    portfolio.router,
    readiness.router,
    objectives.router,
    people.router,
    attachments.router,
    dashboard.router,
    workbench.router,
    dashboard_attachments.router,
    dashboard_calendar.router,
    dashboard_objectives.router,
    imports.router,
    codec.router,
)
MAX_BODY_BYTES = 256 * 1024
# Room for the multipart boundaries, part headers and the small fields beside an upload.
MULTIPART_OVERHEAD = 64 * 1024


def create_app(
    settings: Settings | None = None,
    *,
    client: Client | None = None,
    engine: Engine | None = None,
    tracer_provider: "TracerProvider | None" = None,
) -> FastAPI:
    """The application; with `client`, its caller connected it (with the interceptors of
    `tracer_provider`, when traces are wanted). Without `tracer_provider`, traces follow the
    settings (cpom/telemetry.py)."""
    settings = settings or get_settings()
    # A provider made here is this application's to shut down; a caller's stays the caller's.
    own_provider = None if tracer_provider else telemetry.tracer_provider_for(settings, "cpom-api")
    tracer_provider = tracer_provider or own_provider

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as running:
            if not hasattr(app.state, "service"):
                temporal = client or await connect(
                    settings,
                    runtime=telemetry.runtime_for(settings),
                    interceptors=telemetry.client_interceptors(tracer_provider),
                )
                database = engine or engine_from(settings)
                install_service(app, ContractService.configured(temporal, database, settings))
            if settings.metrics_port is not None:
                service: ContractService = app.state.service
                refreshing = metrics.refresh_gauges(service.meter, service.engine)
                running.push_async_callback(cancelled, asyncio.create_task(refreshing))
            if own_provider is not None:
                running.callback(own_provider.shutdown)  # the spans still batched, sent
            yield
            await app.state.imports.close()

    # The documentation pages load Swagger UI and ReDoc from the package, not from a CDN: they
    # work on a machine without Internet access.
    app = FastAPIOffline(
        title="cpom",
        description="Suivi des CPOM (contrats pluriannuels d'objectifs et de moyens), de la "
        "cadrage au renouvellement : contrats, décisions, avis envoyés, documents, calendriers.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    # Read once at start: a file that cannot be used stops the API with every problem named.
    app.state.identities = identities.load(settings.authorities_file)
    app.state.sign_in_limiter = SignInLimiter()
    if client is not None and engine is not None:
        install_service(app, ContractService.configured(client, engine, settings))
    for router in ROUTERS:
        app.include_router(router)

    app.mount(
        "/tableau/static",
        StaticFiles(directory=ROOT / "templates" / "dashboard" / "static"),
        name="dashboard-static",
    )

    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse("/tableau/", status_code=307)

    install_error_handlers(app)
    if tracer_provider is not None:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        # Each request's span is the parent of the Temporal calls made while serving it.
        # The probes, every few seconds, would bury the requests.
        FastAPIInstrumentor.instrument_app(
            app,
            tracer_provider=tracer_provider,
            excluded_urls="/healthz,/readyz",
            exclude_spans=["receive", "send"],  # one span per request, not one per message
        )

    # The last added runs first: security headers on every answer, the 413 included.
    app.add_middleware(RefuseNul)
    app.add_middleware(
        BodyLimit,
        max_bytes=MAX_BODY_BYTES,
        message=f"corps de requête trop volumineux (plus de {MAX_BODY_BYTES // 1024} Kio)",
        routes=upload_limits(settings.max_upload_bytes),
    )
    # Outside the body limit: a payload too large is refused with headers the UI may read.
    app.add_middleware(CodecCors, origin=settings.codec_allowed_origin, prefix=codec.PATH_PREFIX)
    # The pages FastAPIOffline serves (its defaults).
    app.add_middleware(
        SecurityHeaders, docs_paths=frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})
    )
    return app


def upload_limits(max_upload_bytes: int) -> list[RouteLimit]:
    """The upload routes take a file of up to `max_upload_bytes` and its multipart wrapping."""
    limit = max_upload_bytes + MULTIPART_OVERHEAD
    message = refusal_message("taille", max_upload_bytes)
    return [
        RouteLimit("POST", re.compile(r"/contracts/[^/]+/attachments"), limit, message),
        RouteLimit("POST", re.compile(r"/tableau/contrats/[^/]+/pieces"), limit, message),
        # A decision taken from the dashboard may come with its proof.
        RouteLimit("POST", re.compile(r"/tableau/contrats/[^/]+/decisions/[^/]+"), limit, message),
        # The import page checks its own limit and shows it beside its form.
        RouteLimit(
            "POST",
            re.compile(re.escape(imports.UPLOAD_PATH)),
            imports.MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD,
            f"fichier trop volumineux : {imports.MAX_UPLOAD_BYTES // (1024 * 1024)} Mio au plus",
        ),
        # The Temporal UI sends a workflow's payloads, which may be larger than a decision.
        RouteLimit(
            "POST",
            re.compile(re.escape(codec.PATH_PREFIX) + "(decode|encode)"),
            codec.MAX_BODY_BYTES,
            f"données trop volumineuses : {codec.MAX_BODY_BYTES // (1024 * 1024)} Mio au plus",
        ),
    ]


def install_service(app: FastAPI, service: ContractService) -> None:
    """The service of the routes; at start-up, imports cut short by a stop are marked so."""
    app.state.service = service
    app.state.imports = ImportJobs(service)
    app.state.imports.recover()


def install_error_handlers(app: FastAPI) -> None:
    def handler(code: int) -> Callable[[Request, Exception], Awaitable[Response]]:
        async def respond(request: Request, error: Exception) -> Response:
            if code == 404 and request.url.path.startswith(DASHBOARD):
                # A page of the dashboard, read by a person: a page, not JSON.
                return error_page(404, "Introuvable", str(error), request.url.path)
            if isinstance(error, InvalidTerms):
                return JSONResponse({"detail": [str(p) for p in error.problems]}, code)
            if isinstance(error, AttachmentRefused) and error.code == "taille":
                return JSONResponse({"detail": str(error)}, 413)
            if isinstance(error, InvalidAction | InvalidAuthorityIdentity):
                return JSONResponse({"detail": error.problems}, code)
            if isinstance(error, OperationalError):
                # Never the driver's text: it names hosts and ports, and is in English.
                return JSONResponse(
                    {"detail": "la base de données est indisponible, réessayer plus tard"},
                    code,
                    headers=RETRY_LATER,
                )
            if isinstance(error, ServiceUnavailable):  # Retry-After, and the key to send again
                return JSONResponse({"detail": str(error)}, code, headers=error.headers)
            return JSONResponse({"detail": str(error)}, code)

        return respond

    for error_type, code in (
        (ContractNotFound, 404),
        (DocumentNotFound, 404),
        (FeedNotFound, 404),
        (AttachmentNotFound, 404),
        (AttachmentRefused, 422),
        (UnknownAction, 404),
        (InvalidTerms, 422),
        (InvalidAction, 422),
        (InvalidAuthorityIdentity, 422),
        (KeyReused, 422),
        (ActionRefused, 409),
        (ReferenceTaken, 409),
        (Forbidden, 403),
        (PartyRefused, 403),
        (CsrfRejected, 403),
        (ServiceUnavailable, 503),
        (OperationalError, 503),
    ):
        app.add_exception_handler(error_type, handler(code))

    async def invalid_request(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        problems = []
        for item in error.errors():
            location = list(item["loc"])
            message = french_message(item)
            if item["type"] == "json_invalid" and location[1:] and isinstance(location[1], int):
                # Where the JSON breaks, not a field: the position of the character.
                message += f" (au caractère {location.pop(1)})"
            if item["type"] == "string_pattern_mismatch":
                message = f"ne respecte pas la forme attendue {item['ctx']['pattern']}"
            if "Expected UploadFile" in item["msg"]:  # FastAPI's own check of a File() field
                message = "fichier attendu (envoi multipart/form-data)"
            problems.append(f"{'.'.join(str(p) for p in location)} : {message}")
        return JSONResponse({"detail": problems}, 422)

    async def http_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        detail = (
            str(error.detail)
            if error.status_code in KEEP_DETAIL
            else FRENCH_HTTP.get(error.status_code, str(error.detail))
        )
        return JSONResponse({"detail": detail}, error.status_code, headers=error.headers)

    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(StarletteHTTPException, http_error)


# A database or Temporal outage is short: clients may come back with the same Idempotency-Key.
RETRY_LATER = {"Retry-After": "5"}
FRENCH_HTTP = {
    400: "corps de requête illisible (JSON ou formulaire mal formé)",
    404: "ressource inconnue",
    405: "méthode non permise sur cette adresse",
}
KEEP_DETAIL = {401}


async def cancelled(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def app_factory() -> FastAPI:
    """`uvicorn --factory api.main:app_factory`: the log in the configured format first."""
    configure_logging(get_settings())
    return create_app()

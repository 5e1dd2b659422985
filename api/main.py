"""Composition root of the HTTP API: `create_app()`; `uvicorn api.main:app` in production."""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.client import Client

from api.csrf import CsrfRejected
from api.routes import contracts, dashboard, imports, portfolio
from cpom.db.engine import engine_from
from cpom.domain.terms_validation import InvalidTerms
from cpom.import_jobs import ImportJobs
from cpom.service import (
    ActionRefused,
    ContractNotFound,
    ContractService,
    DocumentNotFound,
    Forbidden,
    InvalidAction,
    ServiceUnavailable,
    UnknownAction,
)
from cpom.settings import Settings, get_settings
from cpom.worker import connect

MAX_BODY_BYTES = 256 * 1024


def create_app(
    settings: Settings | None = None,
    *,
    client: Client | None = None,
    engine: Engine | None = None,
) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not hasattr(app.state, "service"):
            temporal = client or await connect(settings)
            database = engine or engine_from(settings)
            install_service(app, ContractService(temporal, database, settings.task_queue))
        yield
        await app.state.imports.close()

    app = FastAPI(
        title="cpom",
        description="Suivi des CPOM (contrats pluriannuels d'objectifs et de moyens), de la "
        "cadrage au renouvellement : contrats, décisions, avis envoyés, documents, calendriers.",
        version="0.1.0",
        lifespan=lifespan,
    )
    if client is not None and engine is not None:
        install_service(app, ContractService(client, engine, settings.task_queue))
    app.include_router(contracts.router)
    app.include_router(portfolio.router)
    app.include_router(dashboard.router)
    app.include_router(imports.router)
    install_error_handlers(app)

    @app.middleware("http")
    async def limit_body(
        request: Request, call_next: Callable[[Request], Awaitable[object]]
    ) -> object:
        if request.url.path == imports.UPLOAD_PATH:
            return await call_next(request)  # the upload page checks its own, larger, limit
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return JSONResponse(
                {
                    "detail": f"corps de requête trop volumineux (plus de "
                    f"{MAX_BODY_BYTES // 1024} Kio)"
                },
                status_code=413,
            )
        return await call_next(request)

    return app


def install_service(app: FastAPI, service: ContractService) -> None:
    """The service of the routes; at start-up, imports cut short by a stop are marked so."""
    app.state.service = service
    app.state.imports = ImportJobs(service)
    app.state.imports.recover()


def install_error_handlers(app: FastAPI) -> None:
    def handler(code: int) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
        async def respond(_: Request, error: Exception) -> JSONResponse:
            if isinstance(error, InvalidTerms):
                return JSONResponse({"detail": [str(p) for p in error.problems]}, code)
            if isinstance(error, InvalidAction):
                return JSONResponse({"detail": error.problems}, code)
            return JSONResponse({"detail": str(error)}, code)

        return respond

    for error_type, code in (
        (ContractNotFound, 404),
        (DocumentNotFound, 404),
        (UnknownAction, 404),
        (InvalidTerms, 422),
        (InvalidAction, 422),
        (ActionRefused, 409),
        (Forbidden, 403),
        (CsrfRejected, 403),
        (ServiceUnavailable, 503),
    ):
        app.add_exception_handler(error_type, handler(code))

    async def invalid_request(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        problems = []
        for item in error.errors():
            where = ".".join(str(p) for p in item["loc"])
            problems.append(f"{where} : {FRENCH.get(item['type'], item['msg'])}")
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


FRENCH = {
    "missing": "champ obligatoire manquant",
    "json_invalid": "JSON invalide",
    "dict_type": "objet attendu",
    "model_attributes_type": "objet attendu",
    "bool_parsing": "true ou false attendu",
    "int_parsing": "nombre entier attendu",
    "date_from_datetime_parsing": "date attendue au format AAAA-MM-JJ",
    "date_parsing": "date attendue au format AAAA-MM-JJ",
    "greater_than_equal": "valeur trop petite",
    "less_than_equal": "valeur trop grande",
    "string_too_long": "texte trop long",
}
FRENCH_HTTP = {404: "ressource inconnue", 405: "méthode non permise sur cette adresse"}
KEEP_DETAIL = {401}


def app_factory() -> FastAPI:
    return create_app()

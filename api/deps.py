"""Dependencies of the routes: the service, and who is calling (bearer token)."""

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection

from cpom.access import Principal, authenticate_in
from cpom.service import ContractService

_bearer = HTTPBearer(auto_error=False, description="Jeton créé par `cpom token create`.")


async def get_service(request: Request) -> ContractService:
    # Asynchronous although it waits for nothing: FastAPI runs a plain function dependency in
    # its thread pool, a hop every request would pay for nothing.
    service: ContractService = request.app.state.service
    return service


ServiceDep = Annotated[ContractService, Depends(get_service)]


CredentialsDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def get_principal(service: ServiceDep, credentials: CredentialsDep) -> Principal:
    with service.engine.connect() as connection:
        return principal_in(connection, credentials)


def principal_in(connection: Connection, credentials: CredentialsDep) -> Principal:
    """The caller, read on `connection` (a route reading its answer on the same one); 401
    without a valid token."""
    principal = authenticate_in(connection, credentials.credentials) if credentials else None
    if principal is None:
        raise HTTPException(
            401,
            "jeton d'accès manquant, inconnu, révoqué ou expiré",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]

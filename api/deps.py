"""Dependencies of the routes: the service, built once per application."""

from typing import Annotated

from fastapi import Depends, Request

from cpom.service import ContractService


def get_service(request: Request) -> ContractService:
    service: ContractService = request.app.state.service
    return service


ServiceDep = Annotated[ContractService, Depends(get_service)]

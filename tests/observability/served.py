"""The API and a worker of a simulated life, on a Temporal client of the test's own (a metrics
runtime, tracing interceptors), with an agent's HTTP client."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from temporalio.client import Client

from cpom.access import Role, create_token
from cpom.simulation import LifeSimulator
from cpom.worker import build_worker


@asynccontextmanager
async def served(
    life: LifeSimulator, client: Client, app: FastAPI
) -> AsyncIterator[httpx.AsyncClient]:
    """`app` started and a worker polling through `client`; the HTTP client of an agent."""
    token = create_token(life.engine, Role.AGENT, "Marie Dupont", None, email="m@d.example")
    async with (
        build_worker(
            client, life.settings, life.engine, workflow_failure_exception_types=[Exception]
        ),
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://cpom",
            headers={"Authorization": f"Bearer {token}"},
        ) as http,
    ):
        yield http

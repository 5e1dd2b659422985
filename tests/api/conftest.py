from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest_asyncio

from api.main import create_app
from cpom.simulation import LifeSimulator


@dataclass
class Stack:
    life: LifeSimulator
    http: httpx.AsyncClient


@pytest_asyncio.fixture
async def stack() -> AsyncIterator[Stack]:
    """The API over the real workflow, worker, database and SMTP server (time-skipping)."""
    async with LifeSimulator() as life:
        app = create_app(life.settings, client=life.env.client, engine=life.engine)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://cpom") as http:
                yield Stack(life, http)

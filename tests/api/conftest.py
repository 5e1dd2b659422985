from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest_asyncio
from fastapi import FastAPI

from api.main import create_app
from cpom.access import Role, create_token
from cpom.simulation import LifeSimulator


@dataclass
class Stack:
    life: LifeSimulator
    http: httpx.AsyncClient
    tokens: dict[str, str]
    app: FastAPI

    def as_(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest_asyncio.fixture
async def stack() -> AsyncIterator[Stack]:
    """The API over the real workflow, worker, database and SMTP server (time-skipping)."""
    async with LifeSimulator() as life:
        app = create_app(life.settings, client=life.env.client, engine=life.engine)
        async with app.router.lifespan_context(app):
            tokens = {
                "agent": create_token(life.engine, Role.AGENT, "agent-35"),
                "superviseur": create_token(life.engine, Role.SUPERVISOR, "direction"),
                "sad": create_token(life.engine, Role.GESTIONNAIRE, "sad", "732829320"),
                "autre": create_token(life.engine, Role.GESTIONNAIRE, "autre", "552100554"),
            }
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport,
                base_url="http://cpom",
                headers={"Authorization": f"Bearer {tokens['agent']}"},
            ) as http:
                yield Stack(life, http, tokens, app)

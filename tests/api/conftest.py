import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI

from api.main import create_app
from cpom.access import Role, authenticate, create_token
from cpom.dashboard_sessions import open_session
from cpom.simulation import LifeSimulator

PEOPLE = [
    ("agent", Role.AGENT, "Marie Dupont", None, "marie.dupont@ille-et-vilaine.example"),
    ("superviseur", Role.SUPERVISOR, "Paul Martin", None, "paul.martin@ille-et-vilaine.example"),
    ("sad", Role.GESTIONNAIRE, "Sophie Bernard", "732829320", "direction@sad-exemple.example"),
    ("autre", Role.GESTIONNAIRE, "Luc Petit", "552100554", "direction@autre.example"),
]


@dataclass
class Stack:
    life: LifeSimulator
    http: httpx.AsyncClient
    tokens: dict[str, str]
    app: FastAPI
    sessions: dict[str, str] = field(default_factory=dict)

    def as_(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def session(self, who: str) -> str:
        """The secret of a dashboard session opened with `who`'s token (one per person)."""
        if who not in self.sessions:
            principal = authenticate(self.life.engine, self.tokens[who])
            assert principal is not None
            self.sessions[who] = open_session(self.life.engine, principal)
        return self.sessions[who]

    def signed_in(self, who: str) -> dict[str, str]:
        """The headers of a browser signed in to the dashboard: its cookie, no bearer token."""
        return {"Cookie": f"cpom_jeton={self.session(who)}", "Authorization": ""}

    async def imported(self, terms: Mapping[str, Any]) -> dict[str, Any]:
        """`terms` created as a contract in force (imported), once its workflow projected it."""
        created = await self.http.post("/contracts", json={"terms": terms, "imported": True})
        assert created.status_code == 201, created.text
        return await self.projected(terms["reference"])

    async def projected(self, reference: str, kind: str = "imported") -> dict[str, Any]:
        """The contract's detail once its workflow has projected an event of `kind`."""
        for _ in range(250):  # polling the projection, not waiting for time
            detail: dict[str, Any] = (await self.http.get(f"/contracts/{reference}")).json()
            if any(e["kind"] == kind for e in detail.get("events", [])):
                return detail
            await asyncio.sleep(0.02)
        raise AssertionError(f"{reference} : aucun événement {kind} projeté")


@asynccontextmanager
async def stack_over(life: LifeSimulator) -> AsyncIterator[Stack]:
    """The API, with a token for each of PEOPLE, over a simulator already entered."""
    app = create_app(life.settings, client=life.env.client, engine=life.engine)
    async with app.router.lifespan_context(app):
        tokens = {
            who: create_token(life.engine, role, name, siren, email=email)
            for who, role, name, siren, email in PEOPLE
        }
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://cpom",
            headers={"Authorization": f"Bearer {tokens['agent']}"},
        ) as http:
            yield Stack(life, http, tokens, app)


@pytest_asyncio.fixture
async def stack() -> AsyncIterator[Stack]:
    """The API over the real workflow, worker, database and SMTP server (time-skipping)."""
    async with open_stack() as running:
        yield running


@asynccontextmanager
async def open_stack() -> AsyncIterator[Stack]:
    """The stack of the `stack` fixture, for fixtures of a wider scope."""
    async with LifeSimulator() as life, stack_over(life) as served:
        yield served

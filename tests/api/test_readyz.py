"""`/readyz`: 200 when the database, Temporal and a worker are there; 503 naming, in French, what
is missing, within its deadline whatever is down. `/healthz` stays the cheap liveness check."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest_asyncio
from sqlalchemy import create_engine

from api.main import create_app
from cpom import readiness
from cpom.settings import Settings
from cpom.simulation import LifeSimulator
from tests.api.conftest import Stack, stack_over

BOUND_SECONDS = 10


@pytest_asyncio.fixture
async def real_stack() -> AsyncIterator[Stack]:
    """The API on the dev server, which tells the pollers of a task queue."""
    async with LifeSimulator(Settings(), real_server=True) as life, stack_over(life) as served:
        yield served


async def test_ready_with_database_temporal_and_a_polling_worker(real_stack: Stack) -> None:
    stack = real_stack
    async with asyncio.timeout(BOUND_SECONDS):
        # The worker just started: polling until it has asked for work once.
        while (ready := await stack.http.get("/readyz")).status_code != 200:
            assert ready.json()["manque"] == ["worker"], ready.text
            await asyncio.sleep(0.05)
    assert ready.json() == {
        "status": "prêt",
        "manque": [],
        "workers": 1,
        "detail": [f"1 worker à l'écoute de la file « {stack.life.settings.task_queue} »"],
    }


async def test_not_ready_without_a_worker_polling(real_stack: Stack) -> None:
    life = real_stack.life
    lonely = life.settings.model_copy(update={"task_queue": "personne"})
    app = create_app(lonely, client=life.env.client, engine=life.engine)
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as http,
        asyncio.timeout(BOUND_SECONDS),
    ):
        answer = await http.get("/readyz")
        alive = await http.get("/healthz")
    assert answer.status_code == 503
    assert answer.json() == {
        "status": "pas prêt",
        "manque": ["worker"],
        "workers": 0,
        "detail": [
            "aucun worker n'écoute la file « personne » : les décisions attendent "
            "(503 au-delà du délai), les lectures fonctionnent"
        ],
    }
    assert alive.status_code == 200  # alive all the same


async def test_a_database_away_is_named_first(real_stack: Stack) -> None:
    life = real_stack.life
    unreachable = create_engine(f"sqlite:///{life.workdir}/absent/cpom.db")
    try:
        async with asyncio.timeout(BOUND_SECONDS):
            found = await readiness.check(life.env.client, unreachable, "personne")
    finally:
        unreachable.dispose()
    assert not found.ready
    assert found.missing == ["base de données", "worker"]
    assert found.details[0] == "la base de données est injoignable (OperationalError)"


async def test_a_silent_database_is_given_up_on_in_time(real_stack: Stack) -> None:
    """A server that accepts the connection and never answers: the check stops at its deadline."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    silent = create_engine(f"postgresql+psycopg://cpom:cpom@127.0.0.1:{port}/cpom")
    try:
        async with asyncio.timeout(BOUND_SECONDS):
            problem = await readiness.database_problem(silent, 0.5)
    finally:
        for writer in held:
            writer.close()
        server.close()
        silent.dispose()
    assert problem == "la base de données n'a pas répondu en 0.5 s"

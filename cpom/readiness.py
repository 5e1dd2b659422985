"""Whether an API process is ready to serve everything (`/readyz`): its database answers,
Temporal answers, and at least one worker polls the task queue. The checks run side by side,
each within its deadline, so that the answer comes in `DEADLINE_SECONDS` at most whatever is
down. `/healthz` stays the cheap liveness check: it never reads the database.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from temporalio.client import Client

from cpom import health

DEADLINE_SECONDS = health.DEADLINE_SECONDS


@dataclass(frozen=True)
class Readiness:
    database: str | None  # what is wrong with the database, in French; None when it answers
    temporal: health.Health

    @property
    def missing(self) -> list[str]:
        """What the process is waiting for, in French."""
        missing = []
        if self.database is not None:
            missing.append("base de données")
        if not self.temporal.temporal:
            missing.append("Temporal")
        elif self.temporal.workers == 0:
            missing.append("worker")
        return missing

    @property
    def ready(self) -> bool:
        return not self.missing

    @property
    def details(self) -> list[str]:
        shown = [self.database] if self.database is not None else []
        return [*shown, self.temporal.detail]


def _select_one(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


async def database_problem(engine: Engine, deadline: float) -> str | None:
    try:
        async with asyncio.timeout(deadline):
            await asyncio.to_thread(_select_one, engine)
    except TimeoutError:
        return f"la base de données n'a pas répondu en {deadline:g} s"
    except SQLAlchemyError as error:
        # Never the driver's text: it names hosts and ports, and is in English.
        return f"la base de données est injoignable ({type(error).__name__})"
    return None


async def check(
    client: Client, engine: Engine, task_queue: str, deadline: float = DEADLINE_SECONDS
) -> Readiness:
    database, temporal = await asyncio.gather(
        database_problem(engine, deadline), health.check(client, task_queue, deadline)
    )
    return Readiness(database, temporal)

"""`python -m cpom.worker_health`: the healthcheck of a worker container (docker-compose.yml).

Status 0 when a worker of this host polled the task queue within `health.POLLER_SEEN`; 1
otherwise, with the reason in French. The SDK names each worker `pid@hostname`, and a
container's host name is its own: a worker that stopped polling (lost connection, stuck
process) turns its own container unhealthy, not its neighbours'.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from datetime import UTC, datetime

from temporalio.service import RPCError

from cpom import health
from cpom.settings import Settings, get_settings
from cpom.temporal_connection import connect


def polls_from(identities: set[str], hostname: str) -> bool:
    return any(identity.rpartition("@")[2] == hostname for identity in identities)


async def problem(settings: Settings, hostname: str) -> str | None:
    """Why no worker of `hostname` polls the task queue; None when one does."""
    try:
        client = await connect(settings)
        described = await health.describe(client, settings.task_queue, health.DEADLINE_SECONDS)
    except TimeoutError:
        return f"Temporal n'a pas répondu en {health.DEADLINE_SECONDS:g} s"
    except (RuntimeError, RPCError) as error:
        return f"Temporal injoignable : {error}"
    if polls_from(health.recent_pollers(described, datetime.now(UTC)), hostname):
        return None
    return (
        f"aucun worker de {hostname} n'a interrogé la file « {settings.task_queue} » "
        f"depuis {health.POLLER_SEEN.seconds // 60} minutes"
    )


def main() -> int:
    found = asyncio.run(problem(get_settings(), socket.gethostname()))
    if found is not None:
        sys.stderr.write(f"cpom : {found}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Whether the service can take decisions: Temporal answers, and a worker polls the task queue.

Temporal lists the pollers of a task queue with the time each last asked for work; a worker
idle for a minute asks again, while a stopped worker stays listed for a few minutes with its old
time. A worker counts as present when it asked within `POLLER_SEEN`: one stopped less than that
ago still counts.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import (
    DescribeTaskQueueRequest,
    DescribeTaskQueueResponse,
)
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

# A health check answers quickly, whatever Temporal does.
DEADLINE_SECONDS = 2.0
POLLER_SEEN = timedelta(minutes=2)


@dataclass(frozen=True)
class Health:
    temporal: bool
    # Workers polling the task queue; None when the server cannot tell.
    workers: int | None
    detail: str

    @property
    def ok(self) -> bool:
        return self.temporal and self.workers != 0

    @property
    def worker(self) -> str:
        if self.workers is None:
            return "inconnu"
        return "présent" if self.workers else "absent"


async def describe(client: Client, task_queue: str, deadline: float) -> DescribeTaskQueueResponse:
    """The workflow pollers of `task_queue`; TimeoutError past `deadline` seconds."""
    request = DescribeTaskQueueRequest(
        namespace=client.namespace,
        task_queue=TaskQueue(name=task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    async with asyncio.timeout(deadline):
        return await client.workflow_service.describe_task_queue(
            request, timeout=timedelta(seconds=deadline)
        )


def recent_pollers(described: DescribeTaskQueueResponse, now: datetime) -> set[str]:
    """The identities (`pid@host`) of the workers that asked for work within POLLER_SEEN."""
    return {
        poller.identity
        for poller in described.pollers
        if now - poller.last_access_time.ToDatetime(tzinfo=UTC) <= POLLER_SEEN
    }


async def check(client: Client, task_queue: str, deadline: float) -> Health:
    try:
        described = await describe(client, task_queue, deadline)
    except TimeoutError:
        return Health(False, None, f"Temporal n'a pas répondu en {deadline:g} s")
    except RPCError as error:
        if error.status == RPCStatusCode.UNIMPLEMENTED:  # the time-skipping test server
            return Health(True, None, "Temporal joignable ; ce serveur ne dit pas ses workers")
        return Health(False, None, f"Temporal injoignable : {error.message}")
    workers = len(recent_pollers(described, datetime.now(UTC)))
    if workers == 0:
        return Health(
            True,
            0,
            f"aucun worker n'écoute la file « {task_queue} » : les décisions attendent "
            "(503 au-delà du délai), les lectures fonctionnent",
        )
    plural = "s" if workers > 1 else ""
    return Health(True, workers, f"{workers} worker{plural} à l'écoute de la file « {task_queue} »")

"""The yardstick of the benchmarks: a bare workflow that sleeps, then runs one empty activity;
and the same with one empty local activity first (`bench wave --floor`).

    python -m benchmarks.bare_worker ADDRESS TASK_QUEUE

Run as a worker process of its own, with the same converter, cache size and concurrency as the
cpom worker it is compared with (read from the same CPOM_ settings).
"""

import asyncio
import os
import sys
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker

with workflow.unsafe.imports_passed_through():
    from cpom import heap
    from cpom.converter import data_converter
    from cpom.settings import get_settings
    from cpom.worker import WORKFLOW_RUNNER, serve_until_stopped


@activity.defn(name="bare_activity")
async def bare_activity() -> None:
    """Does nothing: the cost measured is Temporal's own."""


@workflow.defn(name="Bare")
class BareWorkflow:
    @workflow.run
    async def run(self, seconds: float) -> None:
        await workflow.sleep(seconds)
        await workflow.execute_activity(
            "bare_activity", start_to_close_timeout=timedelta(seconds=30)
        )


@workflow.defn(name="BareLocal")
class BareLocalWorkflow:
    """The bare workflow, with one empty local activity as it starts: what Temporal itself
    costs for a start that writes anything, as cpom's writes its first projection (a local
    activity), with nothing written."""

    @workflow.run
    async def run(self, seconds: float) -> None:
        await workflow.execute_local_activity(
            "bare_activity", start_to_close_timeout=timedelta(seconds=30)
        )
        await workflow.sleep(seconds)
        await workflow.execute_activity(
            "bare_activity", start_to_close_timeout=timedelta(seconds=30)
        )


async def serve(address: str, task_queue: str) -> None:
    settings = get_settings()
    client = await Client.connect(address, data_converter=data_converter)
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[BareWorkflow, BareLocalWorkflow],
        workflow_runner=WORKFLOW_RUNNER,
        activities=[bare_activity],
        max_cached_workflows=settings.max_cached_workflows,
        max_concurrent_workflow_tasks=settings.max_concurrent_workflow_tasks,
        max_concurrent_activities=settings.max_concurrent_activities,
    )
    heap.settle(settings.gc_young_threshold)  # as the cpom worker does
    await serve_until_stopped(worker)


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], sys.argv[2]))
    os._exit(0)  # the SDK's runtime threads can abort the interpreter's teardown

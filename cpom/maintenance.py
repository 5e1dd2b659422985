"""Operations on every running contract at once, for upgrades."""

from collections.abc import Callable
from datetime import timedelta

from temporalio.client import Client

RUNNING_CONTRACTS = "WorkflowType = 'Cpom' AND ExecutionStatus = 'Running'"


async def refresh_projections(
    client: Client,
    on_progress: Callable[[int], None] | None = None,
    *,
    rpc_timeout: timedelta = timedelta(seconds=10),
) -> int:
    """Ask every running contract to project its whole agenda again; how many were asked.

    A contract projects its agenda whenever it changes; after a change of the projection's
    schema (`cpom db upgrade`), this brings every one of them up to date at once instead of at
    its next event. Idempotent: a contract asked twice projects the same agenda twice.
    """
    count = 0
    # Each call has its deadline: a silent server fails the command instead of holding it.
    async for execution in client.list_workflows(RUNNING_CONTRACTS, rpc_timeout=rpc_timeout):
        await client.get_workflow_handle(execution.id).signal(
            "refresh_projection", rpc_timeout=rpc_timeout
        )
        count += 1
        if on_progress:
            on_progress(count)
    return count

"""The worker's capacity comes from the settings (CPOM_MAX_CACHED_WORKFLOWS and the concurrency
limits), so that one machine can be tuned without touching code."""

from cpom.settings import Settings
from cpom.simulation import LifeSimulator
from cpom.worker import build_worker


async def test_the_worker_takes_its_capacity_from_the_settings(simulator: LifeSimulator) -> None:
    # A task queue of its own: the simulator's worker already polls the default one.
    settings = Settings(
        task_queue="capacity",
        max_cached_workflows=5000,
        max_concurrent_workflow_tasks=40,
        max_concurrent_activities=20,
    )
    config = build_worker(simulator.env.client, settings, simulator.engine).config()
    assert config.get("max_cached_workflows") == 5000
    assert config.get("max_concurrent_workflow_tasks") == 40
    assert config.get("max_concurrent_activities") == 20
    # A test may still ask for no cache at all, to replay at every wake.
    uncached = build_worker(
        simulator.env.client,
        Settings(task_queue="capacity-uncached"),
        simulator.engine,
        max_cached_workflows=0,
    )
    assert uncached.config().get("max_cached_workflows") == 0

"""The `record_contract` activity: the workflow's state projected into the database."""

import asyncio
from datetime import UTC, datetime

from sqlalchemy import Engine
from temporalio import activity

from cpom import metrics
from cpom.db import projection
from cpom.messages import ProjectionUpdate


class RecordActivities:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @activity.defn(name="record_contract")
    async def record_contract(self, update: ProjectionUpdate) -> None:
        """Upsert the contract, replace its milestones, append its new events (idempotent)."""
        await asyncio.to_thread(projection.record, self.engine, update)
        metrics.projection_lagged(datetime.now(UTC))

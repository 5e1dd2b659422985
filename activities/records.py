"""The `record_contract` activity: the workflow's state projected into the database."""

from datetime import UTC, datetime

from sqlalchemy import Engine
from temporalio import activity

from cpom import metrics
from cpom.db.projection_writer import ProjectionWriter
from cpom.messages import ProjectionUpdate


class RecordActivities:
    def __init__(self, engine: Engine, writer: ProjectionWriter | None = None) -> None:
        self.engine = engine
        # The worker's one writer, shared with the notices' projections (see its module).
        self.writer = writer or ProjectionWriter(engine)

    @activity.defn(name="record_contract")
    async def record_contract(self, update: ProjectionUpdate) -> None:
        """Upsert the contract, replace its milestones, append its new events (idempotent)."""
        await self.writer.record(update)
        metrics.projection_lagged(datetime.now(UTC))

"""A decision taken while the workflow's last projection runs is projected before the workflow
ends (patch `project-before-end`): here the last document of an ended contract, received while
the projection of the one before it waits on the database."""

import asyncio
import sqlite3
import threading
from datetime import date
from typing import Any

import pytest
from sqlmodel import Session, col, select

from cpom.db import projection
from cpom.db.models import EventRecord
from cpom.messages import SubmitDocuments
from cpom.simulation import LifeSimulator
from tests.factories import SAD_ITEMS
from tests.workflows.helpers import contract

REFERENCE = "CPOM-35-SAD-2024"


class ProjectionWatch:
    """Tells when the projection, local activity or not, has begun writing once armed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.armed = False
        self.writing = threading.Event()
        record = projection.record

        def watched(*args: Any) -> None:
            if self.armed:
                self.writing.set()
            record(*args)

        monkeypatch.setattr(projection, "record", watched)

    async def running(self) -> None:
        """Until a projection is under way (polling, not waiting for time)."""
        async with asyncio.timeout(20):
            while not self.writing.is_set():
                await asyncio.sleep(0.02)


def submitted(simulator: LifeSimulator) -> list[str]:
    with Session(simulator.engine) as session:
        events = session.exec(
            select(EventRecord)
            .where(EventRecord.reference == REFERENCE, EventRecord.kind == "documents_submitted")
            .order_by(col(EventRecord.sequence))
        ).all()
    return [event.summary for event in events]


async def test_the_last_decision_is_projected_before_the_end(
    simulator: LifeSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    watch = ProjectionWatch(monkeypatch)
    # Ended on 31/12/2028; the documents of 2028 are due on 30/04/2029.
    handle = await simulator.start(contract(), date(2029, 4, 10), imported=True)
    await simulator.projected(REFERENCE)
    first, last = list(SAD_ITEMS[:-1]), [SAD_ITEMS[-1]]
    database = simulator.settings.effective_database_url().removeprefix("sqlite:///")
    lock = sqlite3.connect(database, timeout=30)
    lock.execute("BEGIN IMMEDIATE")  # the projection's write waits for it
    watch.armed = True
    try:
        # A decision's answer may wait for the projection it causes (a local activity): both
        # are sent at once, the second once the first one's projection is waiting.
        decisions = [
            asyncio.create_task(
                simulator.decide(handle, "submit_documents", SubmitDocuments("g", 2028, first))
            )
        ]
        await watch.running()
        decisions.append(
            asyncio.create_task(
                simulator.decide(handle, "submit_documents", SubmitDocuments("g", 2028, last))
            )
        )
        # Time for the second decision to reach the server while the projection waits (were it
        # later, the test would prove less, not fail): no Temporal time is waited for.
        await asyncio.sleep(0.5)
    finally:
        lock.rollback()
        lock.close()
    await asyncio.gather(*decisions)
    assert await handle.result() == "echue"
    assert submitted(simulator)[-1] == (
        "documents de l'exercice 2028 reçus : tableau des dépenses et des recettes"
    )

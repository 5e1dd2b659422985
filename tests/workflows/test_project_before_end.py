"""A decision taken while the workflow's last projection runs is projected before the workflow
ends (patch `project-before-end`): here the last document of an ended contract, received while
the projection of the one before it waits on the database."""

import asyncio
import sqlite3
from datetime import date

from sqlmodel import Session, col, select

from cpom.db.models import EventRecord
from cpom.messages import SubmitDocuments
from cpom.simulation import LifeSimulator
from tests.factories import SAD_ITEMS
from tests.workflows.helpers import contract

REFERENCE = "CPOM-35-SAD-2024"


async def projection_running(simulator: LifeSimulator) -> None:
    """Until the workflow's projection activity is under way (polling, not waiting for time)."""
    handle = simulator.handle(REFERENCE)
    async with asyncio.timeout(20):
        while True:
            description = await handle.describe()
            pending = description.raw_description.pending_activities
            if any(a.activity_type.name == "record_contract" for a in pending):
                return
            await asyncio.sleep(0.02)


def submitted(simulator: LifeSimulator) -> list[str]:
    with Session(simulator.engine) as session:
        events = session.exec(
            select(EventRecord)
            .where(EventRecord.reference == REFERENCE, EventRecord.kind == "documents_submitted")
            .order_by(col(EventRecord.sequence))
        ).all()
    return [event.summary for event in events]


async def test_the_last_decision_is_projected_before_the_end(simulator: LifeSimulator) -> None:
    # Ended on 31/12/2028; the documents of 2028 are due on 30/04/2029.
    handle = await simulator.start(contract(), date(2029, 4, 10), imported=True)
    await simulator.projected(REFERENCE)
    first, last = list(SAD_ITEMS[:-1]), [SAD_ITEMS[-1]]
    database = simulator.settings.effective_database_url().removeprefix("sqlite:///")
    lock = sqlite3.connect(database, timeout=30)
    lock.execute("BEGIN IMMEDIATE")  # the projection's write waits for it
    try:
        await simulator.decide(handle, "submit_documents", SubmitDocuments("g", 2028, first))
        await projection_running(simulator)
        await simulator.decide(handle, "submit_documents", SubmitDocuments("g", 2028, last))
    finally:
        lock.rollback()
        lock.close()
    assert await handle.result() == "echue"
    assert (
        submitted(simulator)[-1] == "documents de l'exercice 2028 reçus : tableau_depenses_recettes"
    )

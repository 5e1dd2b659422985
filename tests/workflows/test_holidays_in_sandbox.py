"""Public holidays are computed year by year when first asked for (`cpom.domain.working_days`),
so a year's first use may come from workflow code, in the sandbox that forbids `locale`."""

import uuid
from datetime import date

import pytest
from holidays.countries.france import France
from temporalio.worker import Worker

from cpom.domain import working_days
from cpom.domain.territory import HolidayRegime
from cpom.simulation import LifeSimulator
from cpom.worker import WORKFLOW_RUNNER
from tests.workflows.holiday_probe import HolidayProbe


async def test_a_year_first_asked_for_inside_a_workflow(
    simulator: LifeSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fresh calendar of Mayotte, made here as at import: 2087 is computed inside the workflow
    # whatever other tests asked for before.
    fresh = France(subdiv="976", years=(), language="fr")  # type: ignore[no-untyped-call]
    monkeypatch.setitem(working_days._CALENDARS, HolidayRegime.MAYOTTE, fresh)
    working_days._table.cache_clear()
    client = simulator.env.client
    async with Worker(
        client,
        task_queue=(queue := f"probe-{uuid.uuid4()}"),
        workflows=[HolidayProbe],
        workflow_runner=WORKFLOW_RUNNER,
    ):
        reason = await client.execute_workflow(
            HolidayProbe.run,
            args=["976", date(2087, 4, 27)],
            id=f"probe-{uuid.uuid4()}",
            task_queue=queue,
        )
    assert reason == "jour férié : Abolition de l'esclavage"
    assert 2087 in fresh.years

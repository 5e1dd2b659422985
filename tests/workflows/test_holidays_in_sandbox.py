"""Public holidays are computed year by year when first asked for (`cpom.domain.working_days`),
so a year's first use may come from workflow code, in the sandbox that forbids `locale`."""

import uuid
from datetime import date

from temporalio.worker import Worker

from cpom.domain import working_days
from cpom.domain.territory import HolidayRegime
from cpom.simulation import LifeSimulator
from cpom.worker import WORKFLOW_RUNNER
from tests.workflows.holiday_probe import HolidayProbe


async def test_a_year_first_asked_for_inside_a_workflow(simulator: LifeSimulator) -> None:
    # Mayotte in 2087: asked for by no other test, so computed here for the first time.
    assert 2087 not in working_days._CALENDARS[HolidayRegime.MAYOTTE].years
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

"""A workflow that asks for public holidays, for the test that a regime's first use may happen
inside the workflow sandbox."""

from datetime import date

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from cpom.domain import working_days


@workflow.defn(name="HolidayProbe")
class HolidayProbe:
    @workflow.run
    async def run(self, territory: str, day: date) -> str | None:
        return working_days.non_working_reason(territory, day)

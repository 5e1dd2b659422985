"""Contracts begun on the previous release continue on this one: started by the workflow as it
was before issue 12 (commit 05b2124), switched mid-life to today's, they live to their end with
the notices and the outcome of a contract lived on today's release alone."""

import asyncio
from datetime import date
from typing import Any

from cpom.simulation import LifeSimulator
from tests.workflows.helpers import contract, notices
from tests.workflows.previous_release.contract_05b2124 import CpomWorkflow as PreviousRelease
from workflows.contract import CpomWorkflow

START = date(2024, 1, 1)
# Past the échéance (31/12/2028) and the last exercise's documents, due by 30/04/2029.
END = date(2029, 9, 1)


async def live(switch_on: date | None) -> tuple[list[tuple[str, str]], str, int]:
    """The contract's notices and outcome, begun on the previous release until `switch_on`."""
    life = LifeSimulator(real_server=True)  # the dev server: a restarted worker is served
    if switch_on is not None:
        life.workflow_class = PreviousRelease
    async with life:
        terms = contract()
        handle = await life.start(terms, START)
        if switch_on is not None:
            await life.advance_to(switch_on)
            await life.stop_worker()
            life.workflow_class = CpomWorkflow
            await life.start_worker()
        await life.advance_to(END)
        outcome: str = await handle.query("phase")
        log: list[dict[str, Any]] = life.log(terms.reference)
        return notices(log), outcome, len(life.catcher.caught)


async def test_a_contract_switched_mid_life_lives_as_if_begun_on_this_release() -> None:
    # In its second year: one continue-as-new behind it on the previous release, the 2024
    # documents reminded and chased, the first dialogue de gestion to come.
    switched, today = await asyncio.gather(live(date(2025, 5, 20)), live(None))
    assert switched == today
    sent, outcome, mails = switched
    # No notice of prorogation was given: the renegotiation opened, a new CPOM followed.
    assert outcome == "renouvelee", outcome
    assert len(sent) > 20
    assert mails >= len(sent)

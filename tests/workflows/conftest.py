from collections.abc import AsyncIterator

import pytest_asyncio

from cpom.simulation import LifeSimulator


@pytest_asyncio.fixture
async def simulator() -> AsyncIterator[LifeSimulator]:
    # One time-skipping server per test: its clock jumps years when a workflow completes.
    async with LifeSimulator() as life:
        yield life

"""`bench wave` reads both sides under the same load: each starts its contracts in parts, in
turns with the other side, never at the same time, and every contract once, in order
(`Turns`)."""

import asyncio
from typing import Any

from benchmarks.wave_bench import Turns, Workers


async def test_the_sides_start_their_parts_in_turns_and_every_contract_once() -> None:
    turns = Turns()
    steps: list[tuple[str, str]] = []
    parts: dict[str, list[range]] = {"cpom": [], "bare": []}

    async def side(name: str) -> list[Any]:
        workers = Workers("none", [], {}, 0)  # no process: only the turns are under test

        async def start(part: range) -> list[Any]:
            steps.append(("begins", name))
            parts[name].append(part)
            for _ in range(3):  # the other side runs meanwhile, if it may
                await asyncio.sleep(0)
            steps.append(("ends", name))
            return list(part)

        await turns.both_ready(workers)
        started, _, _ = await workers.cost_per_contract(10, start, turns, 4)
        return started

    cpom, bare = await asyncio.gather(side("cpom"), side("bare"))
    assert cpom == bare == list(range(10))
    assert parts["cpom"] == [range(0, 2), range(2, 5), range(5, 7), range(7, 10)]
    # Each part ends before the next begins, and the sides alternate, whichever goes first.
    first, second = steps[0][1], steps[2][1]
    assert first != second
    assert steps == [(step, side) for side in [first, second] * 4 for step in ("begins", "ends")]

"""`bench wave` reads both sides under the same load: each starts its contracts in parts, in
turns with the other side, never at the same time, and every contract once, in order
(`Turns`)."""

import asyncio
from typing import Any

from benchmarks.wave_bench import FLOOR, Side, Turns, Workers, floor_line


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


async def test_three_sides_take_their_turns_once_all_are_ready() -> None:
    """`--floor` adds a third side: none is measured before all three are ready, and each
    part of one side comes after a part of each other side."""
    turns = Turns(sides=3)
    steps: list[str] = []

    async def side(name: str) -> list[Any]:
        workers = Workers("none", [], {}, 0)

        async def start(part: range) -> list[Any]:
            steps.append(name)
            await asyncio.sleep(0)
            return list(part)

        await turns.both_ready(workers)
        started, _, _ = await workers.cost_per_contract(6, start, turns, 3)
        return started

    results = await asyncio.gather(side("cpom"), side("nu"), side("plancher"))
    assert list(results) == [list(range(6))] * 3
    assert sorted(steps[:3]) == ["cpom", "nu", "plancher"]
    assert steps == steps[:3] * 3


def test_the_floor_line_says_how_much_of_cpom_start_is_its_own_work() -> None:
    def side(name: str, cpu_ms: float) -> Side:
        return Side(name, 200, cpu_ms, 100.0, 40.0, 5.0, 0)

    line = floor_line(side("cpom", 12.0), side("nu", 5.0), side(FLOOR.name, 6.5))
    assert line == (
        "plancher (nu + activité locale au démarrage) : CPU par contrat démarré 6.50 ms, "
        "1.30× le nu ; cpom 1.85× ce plancher, 5.50 ms de travail propre (agenda, projection "
        "écrite)"
    )

"""Benchmark: whole lives of generated contracts on the dev server with per-workflow time skipping.

    python3 dev.py bench lifecycle [--contracts N]

Prints simulated contracts per second, workflow history events per contract-year (over a
sample, every run followed across continue-as-new) and the worker process's peak memory.
"""

import argparse
import asyncio
import os
import random
import resource
import statistics
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from temporalio.client import WorkflowHandle

from cpom.domain.calendar_law import CALENDAR_LAW
from cpom.domain.clock import local_date
from cpom.domain.date_law import echeance_after
from cpom.domain.lifecycle import ContractState, initial_phase
from cpom.domain.presets import PRESETS
from cpom.domain.terms import Authority, ContractTerms, Gestionnaire, Sector
from cpom.messages import ContractInput, workflow_id
from cpom.simulation import LifeSimulator
from tests.workflows.record_histories import run_histories

# Issue 12's targets: a contract year's history (median) and the largest run's.
YEAR_TARGET = 60
RUN_TARGET = 150

TERRITORIES = ["35", "44", "57", "67", "69", "75", "971", "974"]


def contracts(count: int, seed: int) -> list[ContractTerms]:
    rng = random.Random(seed)
    generated = []
    for index in range(count):
        sector = rng.choice(list(Sector))
        preset = PRESETS[sector]
        effet = date(2024, 1, 1) + timedelta(days=rng.randrange(365))
        years = rng.randint(2, 5)
        generated.append(
            ContractTerms(
                reference=f"BENCH-{index:05d}",
                sector=sector,
                authority=Authority(
                    preset.authority_kind,
                    "Autorité",
                    rng.choice(TERRITORIES),
                    "autorite@bench.example",
                    "superviseur@bench.example",
                ),
                gestionnaire=Gestionnaire(f"Gestionnaire {index}", f"g{index}@bench.example"),
                effet=effet,
                duration_years=years,
                echeance=echeance_after(effet, years),
                rules=replace(preset.rules),
            )
        )
    return generated


async def run(count: int, sample: int, seed: int, concurrency: int) -> None:
    terms_list = contracts(count, seed)
    # The dev server with per-workflow virtual clocks: each contract's life runs on its own clock,
    # as fast as the worker goes, with no global clock to move by hand.
    async with LifeSimulator(real_server=True) as life:
        today = local_date(datetime.now(UTC))
        lives = asyncio.Semaphore(concurrency)  # contracts alive at once: bounds the memory

        async def live(terms: ContractTerms) -> tuple[WorkflowHandle[Any, str], str]:
            async with lives:
                state = ContractState(
                    terms, initial_phase(terms, terms.effet), calendar_law=CALENDAR_LAW
                )
                handle: WorkflowHandle[Any, str] = await life.env.client.start_workflow(
                    "Cpom",
                    ContractInput(state, (terms.effet - today).days),
                    id=workflow_id(terms.reference),
                    task_queue=life.settings.task_queue,
                    result_type=str,
                )
                await life.env.fast_forward(handle, None)
                return handle, await handle.result()

        started = time.perf_counter()
        done = 0

        async def counted(terms: ContractTerms) -> tuple[WorkflowHandle[Any, str], str]:
            nonlocal done
            lived = await live(terms)
            done += 1
            if done % 50 == 0:
                rate = done / (time.perf_counter() - started)
                print(f"  {done}/{count} vies simulées ({rate:.2f}/s)", file=sys.stderr, flush=True)
            return lived

        lived = await asyncio.gather(*(counted(terms) for terms in terms_list))
        elapsed = time.perf_counter() - started
        handles = [handle for handle, _ in lived]
        results = [result for _, result in lived]
        per_year: list[float] = []
        largest = 0
        for handle, terms in list(zip(handles, terms_list, strict=True))[:sample]:
            runs = await run_histories(life.env.client, handle)
            sizes = [len(history.split('"eventId"')) - 1 for _, history in runs]
            largest = max(largest, *sizes)
            years = (terms.echeance - terms.effet).days / 365.25 + 0.5  # documents after end
            per_year.append(sum(sizes) / years)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"contracts simulated:     {count} whole lives ({statistics.mode(results)} at the end)")
    print(f"mails caught:            {len(life.catcher.caught):,}")
    print(f"wall time:               {elapsed:.1f} s")
    print(f"contracts per second:    {count / elapsed:.2f}")
    median = statistics.median(per_year)
    print(
        f"history events per contract-year: median {median:.0f}, "
        f"max {max(per_year):.0f} (sample of {len(per_year)}); "
        f"target ≤ {YEAR_TARGET}: {'met' if median <= YEAR_TARGET else 'MISSED'}"
    )
    print(
        f"largest single run history: {largest} events (continue-as-new each contract year); "
        f"target ≤ {RUN_TARGET}: {'met' if largest <= RUN_TARGET else 'MISSED'}"
    )
    print(f"worker peak memory (RSS): {peak:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contracts", type=int, default=1000)
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=100, help="contracts alive at once")
    args = parser.parse_args()
    asyncio.run(run(args.contracts, args.sample, args.seed, args.concurrency))
    os._exit(0)


if __name__ == "__main__":
    main()

"""Benchmark: whole lives of generated contracts on the time-skipping server.

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
import time
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError

from cpom.db.models import ContractRecord
from cpom.domain.clock import local_date
from cpom.domain.date_law import echeance_after
from cpom.domain.lifecycle import ENDED, ContractState, Phase, initial_phase
from cpom.domain.presets import PRESETS
from cpom.domain.terms import Authority, ContractTerms, Gestionnaire, Sector
from cpom.messages import ContractInput, workflow_id
from cpom.simulation import LifeSimulator
from tests.workflows.record_histories import run_histories

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


async def run(count: int, sample: int, seed: int) -> None:
    terms_list = contracts(count, seed)
    async with LifeSimulator() as life:
        server_today = local_date(await life.env.get_current_time())
        started = time.perf_counter()
        handles: list[WorkflowHandle[Any, str]] = []
        for terms in terms_list:
            offset = (terms.effet - server_today).days
            state = ContractState(terms, initial_phase(terms, terms.effet))
            handles.append(
                await life.env.client.start_workflow(
                    "Cpom",
                    ContractInput(state, offset),
                    id=workflow_id(terms.reference),
                    task_queue=life.settings.task_queue,
                    result_type=str,
                )
            )
        # Awaiting many results at once would stall the time-skipping clock (each result()
        # locks it again when it returns), so the clock is moved by hand, a day at a time: a
        # longer step can outlast the server's deadline for one call.
        for day in range(366 * 8):
            try:
                await life.env.sleep(timedelta(days=1))
            except RPCError:  # the server is still busy with that day: look again
                continue
            if day % 30 == 29:
                phases = await _phases(life)
                if len(phases) == count and all(Phase(r.phase) in ENDED for r in phases):
                    break
        results = [await h.result() for h in handles]
        elapsed = time.perf_counter() - started
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
    print(f"contracts per second:    {count / elapsed:.1f}")
    print(
        f"history events per contract-year: median {statistics.median(per_year):.0f}, "
        f"max {max(per_year):.0f} (sample of {len(per_year)})"
    )
    print(f"largest single run history: {largest} events (continue-as-new each contract year)")
    print(f"worker peak memory (RSS): {peak:.0f} MiB")


async def _phases(life: LifeSimulator) -> list[ContractRecord]:
    with Session(life.engine) as session:
        return list(
            session.exec(
                select(ContractRecord).where(
                    col(ContractRecord.reference).startswith("BENCH-"),
                    col(ContractRecord.reference).not_like("%-R"),
                )
            ).all()
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contracts", type=int, default=1000)
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(run(args.contracts, args.sample, args.seed))
    os._exit(0)


if __name__ == "__main__":
    main()

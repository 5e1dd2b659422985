"""Benchmark: contracts created through the API on the embedded stack (`cpom up`), against the
rate at which the same Temporal server starts an empty workflow, then the readers' latency on a
portfolio of 10,000 contracts.

    python3 dev.py bench api [--contracts N] [--portfolio M]

N contracts (1,000 by default) are created through the API and projected by their workflows; the
projection is then brought to M contracts (10,000 by default) by copying their rows under new
references, as a portfolio that size holds them, without starting M workflows.

Targets (issue 4): at least half the empty-workflow rate; p95 of filtered lists under 50 ms.
Issues 8 and 12: p95 of GET /contracts/{ref} (read from the projection) at most 3× the p95 of
GET /healthz measured in the same run, side by side, at 10,000 contracts; the whole portfolio
exported as XLSX in under 5 s.
"""

import argparse
import asyncio
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import Client

from tests.e2e.stack import AGENT, cpom, cpom_up, isolated_env

SECTORS = [("sad", "departement", "35"), ("esms-ars", "ars", "44"), ("ahi-etat", "etat", "69")]


def terms(index: int) -> dict[str, Any]:
    preset, kind, territory = SECTORS[index % 3]
    return {
        "reference": f"BENCH-{index:06d}",
        "preset": preset,
        "effet": f"{2022 + index % 4}-{1 + index % 12:02d}-01",
        "duration_years": 5,
        "authority": {"kind": kind, "name": f"Autorité {territory}", "territory": territory},
        "gestionnaire": {"raison_sociale": f"Gestionnaire {index % 500}"},
    }


async def timed_many(count: int, concurrency: int, call: Any) -> float:
    queue = iter(range(count))

    async def worker() -> None:
        for index in queue:
            await call(index)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return count / (time.perf_counter() - started)


# The projection of one contract, as its workflow writes it (parents first, for the foreign keys).
CONTRACT_TABLES = (
    "contract",
    "contract_terms",
    "contract_authority",
    "agenda_item",
    "contract_event",
)


def filled(database: Path, created: int, portfolio: int) -> float:
    """Bring the projection to `portfolio` contracts: contract number i beyond the `created`
    ones is a copy of the rows the worker wrote for contract i % created, under its own
    reference. Seconds taken."""
    started = time.perf_counter()
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TEMP TABLE copied (target TEXT PRIMARY KEY, source TEXT)")
        connection.executemany(
            "INSERT INTO copied VALUES (?, ?)",
            [
                (terms(index)["reference"], terms(index % created)["reference"])
                for index in range(created, portfolio)
            ],
        )
        for table in CONTRACT_TABLES:
            names = [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
            columns = [name for name in names if name != "id"]
            values = [
                "copied.target"
                if name == "reference"
                else "replace(t.terms_json, copied.source, copied.target)"
                if name == "terms_json"
                else f't."{name}"'
                for name in columns
            ]
            quoted = ", ".join(f'"{name}"' for name in columns)
            connection.execute(
                f"INSERT INTO {table} ({quoted}) SELECT {', '.join(values)} FROM {table} AS t "
                "JOIN copied ON t.reference = copied.source"
            )
    return time.perf_counter() - started


async def settled(database: Path, count: int) -> float:
    """Seconds until the worker has taken up every imported contract (its first projection
    written): latencies are then measured on a quiet server, not behind a backlog."""
    started = time.perf_counter()
    while True:
        with sqlite3.connect(database) as connection:
            (done,) = connection.execute(
                "SELECT count(*) FROM contract_event WHERE kind = 'imported'"
            ).fetchone()
        if done >= count:
            return time.perf_counter() - started
        await asyncio.sleep(0.5)


async def run(
    api: str,
    token: str,
    temporal: str,
    count: int,
    portfolio: int,
    concurrency: int,
    database: Path,
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=api, headers=headers, timeout=60) as http:

        async def create(index: int) -> None:
            response = await http.post("/contracts", json={"terms": terms(index), "imported": True})
            assert response.status_code == 201, response.text

        created_rate = await timed_many(count, concurrency, create)
        backlog = await settled(database, count)
        copying = await asyncio.to_thread(filled, database, count, portfolio)
        client = await Client.connect(temporal)
        run_id = uuid.uuid4().hex[:8]

        async def start_empty(index: int) -> None:
            await client.start_workflow(
                "Empty", id=f"empty-{run_id}-{index}", task_queue="bench-empty"
            )

        empty_rate = await timed_many(min(count, 2000), concurrency, start_empty)
        latencies = []
        queries: list[dict[str, str | int]] = [
            {"phase": "execution"},
            {"sector": "sad", "per_page": 50},
            {"deadline_before": "2027-06-30"},
            {"gestionnaire": "Gestionnaire 42"},
            {"overdue": "true"},
            {"authority": "Autorité 44", "page": 3},
        ]
        for index in range(300):
            started = time.perf_counter()
            response = await http.get("/contracts", params=queries[index % len(queries)])
            latencies.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        total = (await http.get("/contracts", params={"per_page": 1})).json()["total"]
        # One contract's page against the health check, interleaved so that both meet the same
        # load; a pass first warms both paths.
        detail_ms: list[float] = []
        health_ms: list[float] = []
        for index in range(1100):
            reference = terms((index * 7919) % portfolio)["reference"]
            for path, kept in ((f"/contracts/{reference}", detail_ms), ("/healthz", health_ms)):
                started = time.perf_counter()
                response = await http.get(path)
                kept.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.text
        detail_ms, health_ms = sorted(detail_ms[100:]), sorted(health_ms[100:])
        started = time.perf_counter()
        exported = await http.get("/contracts.xlsx")
        export_seconds = time.perf_counter() - started
        assert exported.status_code == 200
    latencies.sort()
    print(f"contracts created via the API: {count:,} ({total:,} listed)")
    print(f"worker caught up:              {backlog:.0f} s after the last creation")
    print(f"projection filled:             {copying:.1f} s to copy them up to {total:,}")
    print(f"created per second:            {created_rate:.0f} (concurrency {concurrency})")
    print(f"empty workflows started/s:     {empty_rate:.0f} on the same server")
    print(f"ratio:                         {created_rate / empty_rate:.2f} (target ≥ 0.5)")
    print(
        f"GET /contracts with filters:   p50 {statistics.median(latencies):.1f} ms, "
        f"p95 {latencies[int(len(latencies) * 0.95)]:.1f} ms (target p95 < 50 ms)"
    )
    detail_p95 = detail_ms[int(len(detail_ms) * 0.95)]
    health_p95 = health_ms[int(len(health_ms) * 0.95)]
    print(
        f"GET /contracts/{{ref}}:         p50 {statistics.median(detail_ms):.1f} ms, "
        f"p95 {detail_p95:.1f} ms, max {detail_ms[-1]:.1f} ms ({len(detail_ms)} requests)"
    )
    print(
        f"GET /healthz (same run):       p50 {statistics.median(health_ms):.1f} ms, "
        f"p95 {health_p95:.1f} ms, max {health_ms[-1]:.1f} ms"
    )
    print(
        f"ratio of p95:                  {detail_p95 / health_p95:.2f} "
        f"(target ≤ 3 at 10,000 contracts; {total:,} here)"
    )
    print(
        f"GET /contracts.xlsx:           {export_seconds:.2f} s for {total:,} contracts, "
        f"{len(exported.content) / 1024:.0f} KiB (target < 5 s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--contracts", type=int, default=1_000, help="contracts created through the API"
    )
    parser.add_argument(
        "--portfolio", type=int, default=10_000, help="contracts in the projection, copies included"
    )
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="cpom-api-bench-"))
    env = isolated_env(data)
    temporal = env["CPOM_TEMPORAL_ADDRESS"]
    with cpom_up(env, data / "up.log") as api:
        token = cpom(env, *AGENT)
        asyncio.run(
            run(
                api,
                token,
                temporal,
                args.contracts,
                max(args.portfolio, args.contracts),
                args.concurrency,
                data / "cpom.db",
            )
        )
    # The stack is stopped: its data (some 400 MB for 10,000 contracts) goes with it.
    shutil.rmtree(data, ignore_errors=True)
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()

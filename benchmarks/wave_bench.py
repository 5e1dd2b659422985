"""Benchmark: a wave of contracts woken by the same legal date, beside a bare workflow.

    python3 dev.py bench wave [--contracts 200 2000] [--cache N] [--workers K] [--rounds R]
                              [--database sqlite|postgresql] [--floor]

Thousands of contracts share their dates: the yearly documents are due on 30 April, so every
contract is reminded on 31 March. For each N, N contracts are imported on 25 March 2025; all sleep
until that reminder. Each is then moved forward on the dev server's per-workflow clock, all at
once, and the benchmark counts the mails reaching a local SMTP server: exactly N, none before
the wave. Beside them, on the same server and in the same run, N bare workflows sleep and then run
one empty activity. Each side has its own worker process (`python -m cpom.worker`, or
`benchmarks.bare_worker`) with the same converter, cache size and concurrency, so that its CPU
and memory are its own. Printed for each side: worker CPU per contract started, worker memory per
cached contract, notices (or activities) per second in the wave, and the sticky-queue timeouts
found in the histories; then the ratios to bare, with the targets of issue 12.

The two sides take turns on the machine, whose load (other work on a shared host) moves while
the benchmark runs: each starts its N contracts in R parts (4 by default), the other side's
workers idle between them, and its CPU per contract started is the sum over its parts, each read
once its workers have settled; the next batch (for memory, below) is started in the same parts.
Every other step (the warm-up, the wave) runs alone too. The spread from one run to the next
is still wide: one side after the other, the same code gave 1.81 to 3.32 times the bare
workflow's CPU per start; in turns, 2.30 to 3.13 over twelve runs.

Memory is read twice. Over the contracts of the wave, started first, it includes what a worker
process grows by once whatever the number of contracts it holds (its database connections'
page caches, the threads its activities run in, the allocator's pools): about 30 KiB of each
cpom contract's figure at N = 200, and nothing of the bare workflow's, which runs no activity
when it starts. So as many contracts again are then started on each side, which sleep through
the wave as the warm-up ones do: what the workers grow by then, per contract, is what each more
cached contract costs, the figure the README's capacity section multiplies and the one the
target is read on. It is read only when the caches hold every contract started (the warm-up
ones and 2 N, with a quarter to spare), before the wave (the bare workflows end with it, and
leave their memory to the next ones).

The application database is SQLite (the embedded default), or with `--database postgresql` a
PostgreSQL server of its own (Debian's binaries, as the tests start it; the production
topology's): the worker's CPU is then its own, the server's is printed beside it.

With `--floor`, a third side takes its turns with them: the bare workflow with one empty local
activity as it starts (`BareLocal`), what Temporal itself costs for a start that writes
anything, as cpom's start writes its first projection by a local activity. Its CPU per contract
started is printed beside the other two: the part of cpom's start that is Temporal's, and the
part that is cpom's own work (its agenda planned, its rows written).

On the standard error, each side's CPU per contract started, and cpom's in the wave, are shared
out among the kinds of threads of its workers, as py-spy names them: the event loop (workflow
and activity tasks, payloads), the workflows' activations, the threads of `asyncio.to_thread`
(the database, the messages), and the native threads of the Temporal core.

With CPOM_BENCH_PROFILE=DIR (an existing directory), py-spy samples each worker into DIR; with
CPOM_BENCH_PROFILE_STARTS=1 too, only while the contracts start; with CPOM_BENCH_PROFILE_WAVE=1,
only through the wave; with CPOM_BENCH_PROFILE_GIL=1, only the thread running Python code;
CPOM_BENCH_PROFILE_RATE sets the samples per second (100).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import func
from sqlmodel import Session, select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from cpom.db.engine import make_engine
from cpom.db.models import ContractRecord
from cpom.domain.agenda import Notify, Planned, plan
from cpom.domain.calendar_law import CALENDAR_LAW
from cpom.domain.clock import local_instant
from cpom.domain.date_law import echeance_after
from cpom.domain.lifecycle import ContractState, initial_phase
from cpom.domain.presets import PRESETS
from cpom.domain.terms import Authority, ContractTerms, Gestionnaire, Sector
from cpom.mail_catcher import MailCatcher
from cpom.messages import ContractInput, workflow_id
from cpom.simulation import clock_offset, start_dev_server_time_skipping

ROOT = Path(__file__).resolve().parent.parent
EFFET = date(2025, 1, 1) - timedelta(days=366)  # 1 January 2024: the 2024 documents are due
IMPORTED_ON = date(2025, 3, 25)
REMINDER = date(2025, 3, 31)  # 30 days before 30 April 2025
REMINDER_NOTICE = "rappel_documents_annuels"
# After the reminder and well before the next one (23 April): one mail per contract.
BEYOND = timedelta(hours=1)
# Warm-up workflows, started before the baseline is read, so that what is loaded once per process
# (modules, templates, schemas) is not counted per contract; they sleep through the wave.
WARM_UP = 20
# The references of the next batch's contracts are numbered from here, apart from the wave's.
NEXT_BATCH_BEGINS = 100_000
FAST_FORWARDS_AT_ONCE = 64
TARGETS = {"cpu": 2.0, "memory": 2.0}
# py-spy's dump: `Thread 0x7F… (idle): "asyncio_3"` or `Thread 1234 (active): "MainThread"`.
THREAD_LINE = re.compile(r'^Thread (?P<id>0x[0-9A-Fa-f]+|\d+) \(\w+\): "(?P<name>[^"]*)"', re.M)
POOL_NUMBER = re.compile(r"_\d+$")
# What each kind of thread does in a worker, for the CPU each takes per contract started.
THREAD_ROLES = {
    "MainThread": "boucle (tâches, charges utiles)",
    "asyncio": "asyncio.to_thread (base de données, messages)",
    "temporal_workflow_": "activations des workflows",
}
# With CPOM_BENCH_PROFILE: the workers sampled only while the contracts start (what the CPU per
# contract started measures), or only through the wave.
PROFILE_STARTS_ONLY = bool(os.environ.get("CPOM_BENCH_PROFILE_STARTS"))
PROFILE_WAVE_ONLY = bool(os.environ.get("CPOM_BENCH_PROFILE_WAVE"))
# Only the thread that holds the interpreter's lock: the worker's Python CPU, without its waits.
PROFILE_GIL = bool(os.environ.get("CPOM_BENCH_PROFILE_GIL"))
WAVE_TARGET = {200: 0.8, 2000: 0.6}
# The ratios measured when issue 12 was filed, printed beside today's.
WHEN_FILED = {"cpu": "5–7", "memory": "≈ 5"}
WAVE_WHEN_FILED = {200: "0.46", 2000: "0.23"}
# Each side starts its contracts in this many parts, in turns with the other (see `run`).
ROUNDS = 4


def terms_of(index: int, *, effet: date = EFFET) -> ContractTerms:
    preset = PRESETS[Sector.SAD]
    return ContractTerms(
        reference=f"WAVE-{index:05d}",
        sector=Sector.SAD,
        authority=Authority(
            preset.authority_kind, "Département d'Ille-et-Vilaine", "35", "autorite@bench.example"
        ),
        gestionnaire=Gestionnaire(f"Gestionnaire {index}", f"g{index}@bench.example"),
        effet=effet,
        duration_years=5,
        echeance=echeance_after(effet, 5),
        rules=replace(preset.rules),
    )


def reminder_of(state: ContractState) -> Planned:
    """The reminder of 31 March in the contract's own agenda."""
    due = [
        p
        for p in plan(state)
        if p.day == REMINDER and isinstance(p.action, Notify) and p.action.kind == REMINDER_NOTICE
    ]
    assert len(due) == 1, due
    return due[0]


def wave_instant() -> datetime:
    """When the reminder of 31 March is due, as the contract's own agenda plans it."""
    terms = terms_of(0)
    reminder = reminder_of(ContractState(terms, initial_phase(terms, IMPORTED_ON), imported=True))
    return local_instant(reminder.day, reminder.hour)


# Worker processes -----------------------------------------------------------------------------


class WorkerProcess:
    """A worker in a process of its own, so that its CPU time and memory are read alone."""

    def __init__(self, module: str, args: list[str], env: dict[str, str]) -> None:
        self.popen = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            cwd=ROOT,
            env={**os.environ, **env},
        )
        self.process = psutil.Process(self.popen.pid)
        self.module = module
        self.profiler: subprocess.Popen[bytes] | None = None
        if not (PROFILE_STARTS_ONLY or PROFILE_WAVE_ONLY):
            self.start_profiling()

    def start_profiling(self, phase: str = "") -> None:
        """CPOM_BENCH_PROFILE=DIR: py-spy samples the worker (DIR/<module><phase>-<pid>.txt), for
        its whole life, while contracts start (CPOM_BENCH_PROFILE_STARTS=1) or through the wave
        (CPOM_BENCH_PROFILE_WAVE=1)."""
        if profile := os.environ.get("CPOM_BENCH_PROFILE"):
            module = self.module + phase
            self.profiler = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("py-spy")),
                    "record",
                    "--pid",
                    str(self.popen.pid),
                    "--format",
                    "raw",
                    "--nonblocking",
                    "--rate",
                    os.environ.get("CPOM_BENCH_PROFILE_RATE", "100"),
                    *(["--gil"] if PROFILE_GIL else []),
                    "-o",
                    str(Path(profile) / f"{module}-{self.popen.pid}.txt"),
                ],
                stdout=subprocess.DEVNULL,
            )

    def cpu_seconds(self) -> float:
        times = self.process.cpu_times()
        return float(times.user + times.system)

    def thread_cpu_seconds(self) -> dict[int, float]:
        """CPU seconds of each thread alive, by its id."""
        return {t.id: t.user_time + t.system_time for t in self.process.threads()}

    def thread_kinds(self) -> dict[int, str]:
        """The kind of each Python thread, by its id, as py-spy names it (its name without the
        number of the pool's thread); the threads it does not list run native code only (the
        Temporal core's). Empty when py-spy cannot read the process."""
        dump = subprocess.run(
            [str(Path(sys.executable).with_name("py-spy")), "dump", "--pid", str(self.popen.pid)],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        kinds = {}
        for found in THREAD_LINE.finditer(dump):
            kinds[int(found["id"], 0)] = POOL_NUMBER.sub("", found["name"])
        return kinds

    def rss_bytes(self) -> int:
        return int(self.process.memory_info().rss)

    async def settled(self, window: float = 0.5, idle: float = 0.02) -> None:
        """Wait until the worker has been nearly idle for two windows in a row: its work is done."""
        calm = 0
        while calm < 2:
            before = self.cpu_seconds()
            await asyncio.sleep(window)
            calm = calm + 1 if self.cpu_seconds() - before < idle * window else 0

    def stop_profiling(self) -> None:
        if self.profiler is not None:
            self.profiler.send_signal(signal.SIGINT)  # py-spy writes its samples and ends
            self.profiler.wait(timeout=30)
            self.profiler = None

    def stop(self) -> None:
        self.stop_profiling()
        self.popen.terminate()
        try:
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.popen.kill()


class Workers:
    """The worker processes of one side, read and stopped together."""

    def __init__(self, module: str, args: list[str], env: dict[str, str], count: int) -> None:
        self.processes = [WorkerProcess(module, args, env) for _ in range(count)]
        # The workers' resident memory before each batch of `cost_per_contract`, and the CPU
        # each kind of thread spent per contract of the batch.
        self.resident_before: list[int] = []
        self.cpu_by_thread: list[dict[str, float]] = []

    def cpu_seconds(self) -> float:
        return sum(p.cpu_seconds() for p in self.processes)

    def rss_bytes(self) -> int:
        return sum(p.rss_bytes() for p in self.processes)

    async def settled(self) -> None:
        for p in self.processes:
            await p.settled()

    async def cost_per_contract(
        self,
        count: int,
        start: Callable[[range], Awaitable[list[Any]]],
        turns: Turns,
        rounds: int,
    ) -> tuple[list[Any], float, float]:
        """What `start` returns for contracts 0 to `count`, started in `rounds` parts, each
        in its turn (the other side's parts come between them: both sides are read
        under the same load of the machine), with the workers' CPU seconds and bytes of memory
        per contract. The CPU of each part is read once the workers have settled before and
        after it; the memory, before the first part and after the last."""
        started: list[Any] = []
        cpu = 0.0
        spent: dict[str, float] = {}
        rss_before = rss_after = 0
        parts = [range(count * k // rounds, count * (k + 1) // rounds) for k in range(rounds)]
        for number, part in enumerate(parts):
            async with turns.lock:
                await self.settled()
                if number == 0:
                    rss_before = self.rss_bytes()
                    self.resident_before.append(rss_before)
                    if PROFILE_STARTS_ONLY:
                        for process in self.processes:
                            process.start_profiling("-starts")
                cpu_before, threads_before = self.cpu_seconds(), self.thread_seconds()
                started += await start(part)
                await self.settled()
                cpu += self.cpu_seconds() - cpu_before
                for role, ms in self.by_thread(
                    threads_before, self.thread_seconds(), count
                ).items():
                    spent[role] = spent.get(role, 0.0) + ms
                if number == len(parts) - 1:
                    rss_after = self.rss_bytes()
                    if PROFILE_STARTS_ONLY:
                        for process in self.processes:
                            process.stop_profiling()
        self.cpu_by_thread.append(spent)
        return started, cpu / count, (rss_after - rss_before) / count

    def thread_seconds(self) -> list[dict[int, float]]:
        """CPU seconds of each thread of each worker, by its id."""
        return [p.thread_cpu_seconds() for p in self.processes]

    def by_thread(
        self, before: list[dict[int, float]], after: list[dict[int, float]], count: int
    ) -> dict[str, float]:
        """Milliseconds of CPU per contract, by kind of thread, from `before` to `after`."""
        spent: dict[str, float] = {}
        for process, seconds_before, seconds_after in zip(
            self.processes, before, after, strict=True
        ):
            kinds = process.thread_kinds()
            for thread, seconds in seconds_after.items():
                kind = kinds.get(thread, "natifs (cœur Temporal)") if kinds else "tous"
                role = THREAD_ROLES.get(kind, kind)
                ms = (seconds - seconds_before.get(thread, 0.0)) / count * 1000
                spent[role] = spent.get(role, 0.0) + ms
        return spent

    def stop(self) -> None:
        for p in self.processes:
            p.stop()


@dataclass
class Turns:
    """How the sides share the machine: one step at a time, each side's parts in turn (the
    lock serves its waiters in order), once every side's workers are up and settled."""

    sides: int = 2
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    ready: asyncio.Barrier = field(init=False)

    def __post_init__(self) -> None:
        self.ready = asyncio.Barrier(self.sides)

    async def both_ready(self, workers: Workers) -> None:
        """Once `workers` have settled, until the other sides' have too: no worker is still
        starting (importing, warming up) while another side is measured."""
        await workers.settled()
        await self.ready.wait()


async def polling(client: Client, task_queue: str, deadline: float = 60) -> None:
    """Wait until a worker polls `task_queue` (it has connected and registered)."""
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

    request = DescribeTaskQueueRequest(
        namespace=client.namespace,
        task_queue=TaskQueue(name=task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    async with asyncio.timeout(deadline):
        while not (await client.workflow_service.describe_task_queue(request)).pollers:
            await asyncio.sleep(0.1)


async def bounded(calls: Iterable[Awaitable[Any]], at_once: int) -> list[Any]:
    gate = asyncio.Semaphore(at_once)

    async def one(call: Awaitable[Any]) -> Any:
        async with gate:
            return await call

    return await asyncio.gather(*(one(call) for call in calls))


async def until(check: Callable[[], bool], deadline: float, what: str) -> None:
    """Wait for `check`, `deadline` seconds at most; past it, stop and say what did not come."""
    try:
        async with asyncio.timeout(deadline):
            while not check():
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise SystemExit(f"délai dépassé ({deadline:g} s) : {what}") from None


async def sticky_timeouts(handles: list[WorkflowHandle[Any, Any]]) -> int:
    """Workflow tasks that timed out (a sticky queue whose worker did not answer in time)."""

    async def count(handle: WorkflowHandle[Any, Any]) -> int:
        found = 0
        async for event in handle.fetch_history_events():
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
                found += 1
        return found

    return sum(await bounded((count(h) for h in handles), 32))


# One side of the comparison ------------------------------------------------------------------


@dataclass
class Side:
    name: str
    contracts: int
    cpu_per_start_ms: float
    memory_per_cached_kib: float
    per_second: float
    wave_seconds: float
    sticky_timeouts: int
    # Per contract of the next batch, started to sleep through the wave (see the module's
    # docstring); None when the cache cannot hold it.
    memory_next_kib: float | None = None

    @classmethod
    def measured(
        cls,
        name: str,
        count: int,
        cpu_per_start: float,
        memory_per_cached: float,
        wave_seconds: float,
        sticky_timeouts: int,
        memory_next: float | None,
    ) -> Side:
        """From seconds and bytes per contract, and the wave's length."""
        return cls(
            name,
            count,
            cpu_per_start * 1000,
            memory_per_cached / 1024,
            count / wave_seconds,
            wave_seconds,
            sticky_timeouts,
            None if memory_next is None else memory_next / 1024,
        )


def print_cpu_by_thread(side: str, what: str, spent: dict[str, float]) -> None:
    """Where the CPU of `what` went, by kind of thread, in milliseconds."""
    parts = " ; ".join(
        f"{role} {ms:.1f}" for role, ms in sorted(spent.items(), key=lambda i: -i[1]) if ms >= 0.05
    )
    print(f"  {side} : CPU {what}, par fil (ms) : {parts}", file=sys.stderr)


def next_batch_fits(count: int, cache: int, workers: int) -> bool:
    """Whether the workers' caches hold the warm-up contracts, the wave's and as many again,
    with a quarter to spare: the server does not share the contracts out evenly."""
    return WARM_UP + 2 * count <= cache * workers * 3 // 4


def worker_env(
    address: str,
    task_queue: str,
    cache: int,
    workdir: Path,
    smtp_port: int,
    database_url: str | None = None,
) -> dict[str, str]:
    return {
        "CPOM_TEMPORAL_ADDRESS": address,
        "CPOM_TASK_QUEUE": task_queue,
        "CPOM_DATA_DIR": str(workdir),
        "CPOM_DATABASE_URL": database_url or f"sqlite:///{workdir / 'cpom.db'}",
        "CPOM_SMTP_HOST": "127.0.0.1",
        "CPOM_SMTP_PORT": str(smtp_port),
        "CPOM_MAX_CACHED_WORKFLOWS": str(cache),
    }


@dataclass
class Database:
    """The application database of cpom's side: its URL, and the CPU seconds its server has
    spent so far (none for SQLite, which runs in the workers)."""

    url: str | None = None
    cpu_seconds: Callable[[], float] | None = None


@dataclass(frozen=True)
class Shared:
    """What both sides of one run share: the server, the number of contracts, the workers'
    cache and count, and their turns (see `Turns`) in `rounds` parts."""

    env: WorkflowEnvironment
    count: int
    cache: int
    workers: int
    turns: Turns
    rounds: int


async def cpom_side(shared: Shared, workdir: Path, database: Database | None = None) -> Side:
    env, count, cache, workers = shared.env, shared.count, shared.cache, shared.workers
    turns, rounds = shared.turns, shared.rounds
    database = database or Database()
    catcher = MailCatcher().start()
    try:
        settings = worker_env(
            env.client.service_client.config.target_host,
            "wave-cpom",
            cache,
            workdir,
            catcher.port,
            database.url,
        )
        engine = make_engine(settings["CPOM_DATABASE_URL"])  # migrated before the workers start
        processes = Workers("cpom.worker", [], settings, workers)
        try:
            await polling(env.client, "wave-cpom")
            began_at = datetime.now(UTC)

            async def start(index: int, on: date) -> WorkflowHandle[Any, str]:
                terms = terms_of(index)
                state = ContractState(
                    terms, initial_phase(terms, on), imported=True, calendar_law=CALENDAR_LAW
                )
                return await env.client.start_workflow(
                    "Cpom",
                    ContractInput(state, clock_offset(on, began_at).days),
                    id=workflow_id(terms.reference),
                    task_queue="wave-cpom",
                    result_type=str,
                )

            def projected() -> int:
                with Session(engine) as session:
                    return int(session.exec(select(func.count()).select_from(ContractRecord)).one())

            # Warm-up contracts start after the reminder: they sleep until 23 April.
            # Started without time skipping: each sleeps on its own clock until moved forward.
            async with turns.lock:
                with env.with_time_skipping_disabled():
                    await bounded(
                        (start(-1 - i, REMINDER + timedelta(days=2)) for i in range(WARM_UP)), 32
                    )
                await until(lambda: projected() == WARM_UP, 120, "contrats d'échauffement projetés")
            await turns.both_ready(processes)

            async def start_part(part: range) -> list[WorkflowHandle[Any, str]]:
                with env.with_time_skipping_disabled():
                    started = await bounded((start(i, IMPORTED_ON) for i in part), 64)
                await until(lambda: projected() == WARM_UP + part.stop, 600, "contrats projetés")
                return started

            server_cpu = database.cpu_seconds() if database.cpu_seconds else 0.0
            handles, cpu_start, memory = await processes.cost_per_contract(
                count, start_part, turns, rounds
            )
            print_cpu_by_thread("cpom", "par contrat démarré", processes.cpu_by_thread[0])
            if database.cpu_seconds:
                server_ms = 1000 * (database.cpu_seconds() - server_cpu) / count
                print(
                    f"  cpom : CPU du serveur PostgreSQL par contrat démarré : {server_ms:.1f} ms",
                    file=sys.stderr,
                )
            memory_next = None
            if next_batch_fits(count, cache, workers):

                async def start_next(part: range) -> list[WorkflowHandle[Any, str]]:
                    asleep = REMINDER + timedelta(days=2)  # until 23 April, as the warm-up
                    with env.with_time_skipping_disabled():
                        started = await bounded(
                            (start(NEXT_BATCH_BEGINS + i, asleep) for i in part), 64
                        )
                    await until(
                        lambda: projected() == WARM_UP + count + part.stop, 600, "lot suivant"
                    )
                    return started

                _, _, memory_next = await processes.cost_per_contract(
                    count, start_next, turns, rounds
                )
            early = len(catcher.caught)

            async with turns.lock:  # nothing of the other side runs meanwhile
                now = datetime.now(UTC)
                skip = wave_instant() - (now + clock_offset(IMPORTED_ON, began_at)) + BEYOND
                if PROFILE_WAVE_ONLY:
                    for process in processes.processes:
                        process.start_profiling("-wave")
                wave_cpu, wave_threads = processes.cpu_seconds(), processes.thread_seconds()
                began = time.perf_counter()
                fast_forwards = asyncio.ensure_future(
                    bounded((env.fast_forward(h, skip) for h in handles), FAST_FORWARDS_AT_ONCE)
                )
                await until(lambda: len(catcher.caught) >= count, 900, "courriels de la vague")
                wave = time.perf_counter() - began
                await fast_forwards
                await processes.settled()
                wave_cpu = processes.cpu_seconds() - wave_cpu
                wave_by_thread = processes.by_thread(
                    wave_threads, processes.thread_seconds(), count
                )
                if PROFILE_WAVE_ONLY:
                    for process in processes.processes:
                        process.stop_profiling()
                timeouts = await sticky_timeouts(handles)
            caught = catcher.caught
            notices = {m.notice for m in caught}
            addressed = {tuple(m.envelope_to) for m in caught}
            if (
                early
                or len(caught) != count
                or notices != {REMINDER_NOTICE}
                or len(addressed) != count
            ):
                raise SystemExit(
                    f"vague fausse : {early} courriels avant la vague, {len(caught)} après "
                    f"(attendu {count}, un par contrat), avis {sorted(notices)}"
                )
            print(
                f"  cpom : {count} courriels, un par contrat, aucun avant la vague "
                f"(CPU de la vague {wave_cpu / count * 1000:.1f} ms par contrat ; mémoire des "
                f"workers avant chaque lot : "
                f"{', '.join(f'{r / 2**20:.0f}' for r in processes.resident_before)} Mio)",
                file=sys.stderr,
            )
            print_cpu_by_thread("cpom", "de la vague par contrat", wave_by_thread)
        finally:
            processes.stop()
            engine.dispose()
    finally:
        catcher.stop()
    return Side.measured("cpom", count, cpu_start, memory, wave, timeouts, memory_next)


@dataclass(frozen=True)
class Yardstick:
    """A workflow of `benchmarks.bare_worker` that cpom is measured against: its name there,
    as the report prints it, and its task queue (also its workflows' ids)."""

    workflow: str
    name: str
    queue: str


BARE = Yardstick("Bare", "nu", "wave-bare")
# `--floor`: the bare workflow with one empty local activity as it starts.
FLOOR = Yardstick("BareLocal", "nu + activité locale", "wave-floor")


async def bare_side(shared: Shared, workdir: Path, yardstick: Yardstick = BARE) -> Side:
    env, count, cache, workers = shared.env, shared.count, shared.cache, shared.workers
    turns, rounds = shared.turns, shared.rounds
    address = env.client.service_client.config.target_host
    queue = yardstick.queue
    settings = worker_env(address, queue, cache, workdir, 25)
    processes = Workers("benchmarks.bare_worker", [address, queue], settings, workers)
    try:
        await polling(env.client, queue)
        sleep = timedelta(days=6)

        async def start(name: str, seconds: float) -> WorkflowHandle[Any, None]:
            return await env.client.start_workflow(
                yardstick.workflow,
                seconds,
                id=f"{queue}-{name}",
                task_queue=queue,
                result_type=type(None),
            )

        async with turns.lock:
            with env.with_time_skipping_disabled():
                await bounded((start(f"warm-{i}", 30 * 86400) for i in range(WARM_UP)), 32)
        await turns.both_ready(processes)

        async def start_part(part: range) -> list[WorkflowHandle[Any, None]]:
            with env.with_time_skipping_disabled():
                return await bounded((start(f"{i}", sleep.total_seconds()) for i in part), 64)

        handles, cpu_start, memory = await processes.cost_per_contract(
            count, start_part, turns, rounds
        )
        print_cpu_by_thread(yardstick.name, "par contrat démarré", processes.cpu_by_thread[0])
        memory_next = None
        if next_batch_fits(count, cache, workers):

            async def start_next(part: range) -> list[WorkflowHandle[Any, None]]:
                with env.with_time_skipping_disabled():
                    return await bounded((start(f"next-{i}", 30 * 86400) for i in part), 64)

            _, _, memory_next = await processes.cost_per_contract(count, start_next, turns, rounds)

        async def woken(handle: WorkflowHandle[Any, None]) -> None:
            await env.fast_forward(handle, sleep + BEYOND)
            await handle.result()

        async with turns.lock:  # nothing of the other side runs meanwhile
            began = time.perf_counter()
            await bounded((woken(h) for h in handles), FAST_FORWARDS_AT_ONCE)
            wave = time.perf_counter() - began
            timeouts = await sticky_timeouts(handles)
    finally:
        processes.stop()
    return Side.measured(yardstick.name, count, cpu_start, memory, wave, timeouts, memory_next)


def verdict(ratio: float, limit: float | None, higher_is_better: bool) -> str:
    if limit is None:
        return ""
    met = ratio >= limit if higher_is_better else ratio <= limit
    return f"{'≥' if higher_is_better else '≤'} {limit:g}× : {'atteinte' if met else 'MANQUÉE'}"


def report(cpom: Side, bare: Side, floor: Side | None = None) -> None:
    n = cpom.contracts
    rows = [
        (
            "CPU du worker par contrat démarré (ms)",
            cpom.cpu_per_start_ms,
            bare.cpu_per_start_ms,
            TARGETS["cpu"],
            WHEN_FILED["cpu"],
            False,
        ),
        (
            "mémoire par contrat, 1er lot (Kio)",
            cpom.memory_per_cached_kib,
            bare.memory_per_cached_kib,
            None if cpom.memory_next_kib is not None else TARGETS["memory"],
            WHEN_FILED["memory"],
            False,
        ),
        *(
            [
                (
                    "mémoire par contrat en cache (Kio)",
                    cpom.memory_next_kib,
                    bare.memory_next_kib,
                    TARGETS["memory"],
                    WHEN_FILED["memory"],
                    False,
                )
            ]
            if cpom.memory_next_kib is not None and bare.memory_next_kib is not None
            else []
        ),
        (
            "vague : avis (activités) par seconde",
            cpom.per_second,
            bare.per_second,
            WAVE_TARGET.get(n),
            WAVE_WHEN_FILED.get(n, ""),
            True,
        ),
    ]
    print(f"\nvague de {n} contrats ({cpom.wave_seconds:.1f} s ; nu : {bare.wave_seconds:.1f} s)")
    print(f"{'mesure':<40} {'cpom':>9} {'nu':>9} {'ratio':>6} {'avant':>6}  cible")
    for label, mine, theirs, limit, before, higher in rows:
        ratio = mine / theirs if theirs else float("inf")
        print(
            f"{label:<40} {mine:>9.2f} {theirs:>9.2f} {ratio:>6.2f} {before:>6}  "
            f"{verdict(ratio, limit, higher)}"
        )
    sticky = "tâches expirées (file collante)"
    print(
        f"{sticky:<40} {cpom.sticky_timeouts:>9} {bare.sticky_timeouts:>9} {'':>6} "
        f"{'oui':>6}  cible : 0"
    )
    print(
        "avant : le ratio à l'ouverture de l'issue 12 (file collante : des tâches expirées, "
        "de 70 à 100 s d'attente chacune)"
    )
    if floor is not None:
        print(floor_line(cpom, bare, floor))


def floor_line(cpom: Side, bare: Side, floor: Side) -> str:
    """CPU per contract started of the bare workflow with one local activity (`--floor`), and
    how much of cpom's lies above it."""
    return (
        f"plancher ({floor.name} au démarrage) : CPU par contrat démarré "
        f"{floor.cpu_per_start_ms:.2f} ms, {floor.cpu_per_start_ms / bare.cpu_per_start_ms:.2f}× "
        f"le nu ; cpom {cpom.cpu_per_start_ms / floor.cpu_per_start_ms:.2f}× ce plancher, "
        f"{cpom.cpu_per_start_ms - floor.cpu_per_start_ms:.2f} ms de travail propre "
        "(agenda, projection écrite)"
    )


async def run(
    counts: list[int],
    cache: int,
    workers: int,
    database: str = "sqlite",
    rounds: int = ROUNDS,
    floor: bool = False,
) -> None:
    for count in counts:
        env = await start_dev_server_time_skipping()
        try:
            with (
                tempfile.TemporaryDirectory(prefix="cpom-wave-") as tmp,
                application_database(database, count) as cpom_database,
            ):
                workdir = Path(tmp)
                print(f"vague de {count} contrats : démarrage …", file=sys.stderr, flush=True)
                # Each side takes its turn to start a part of its contracts, the other's workers
                # idle meanwhile; each wave runs alone.
                turns = Turns(sides=3 if floor else 2)
                shared = Shared(env, count, cache, workers, turns, rounds)
                async with asyncio.TaskGroup() as sides:
                    bare = sides.create_task(bare_side(shared, workdir / "bare"))
                    mine = sides.create_task(cpom_side(shared, workdir / "cpom", cpom_database))
                    lowest = (
                        sides.create_task(bare_side(shared, workdir / "floor", FLOOR))
                        if floor
                        else None
                    )
                report(mine.result(), bare.result(), lowest.result() if lowest else None)
        finally:
            await env.shutdown()


@contextlib.contextmanager
def application_database(kind: str, count: int) -> Iterator[Database]:
    """SQLite in the side's folder, or a PostgreSQL server started for the run."""
    if kind == "sqlite":
        yield Database()
        return
    from tests.postgres import PostgresServer, create_database

    server = PostgresServer()
    server.start()
    try:
        url = create_database(server.url, f"wave_{count}")
        postmaster = psutil.Process(int((server.data / "postmaster.pid").read_text().split()[0]))

        def server_cpu() -> float:
            spent = 0.0
            for process in [postmaster, *postmaster.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    times = process.cpu_times()
                    spent += times.user + times.system
            return spent

        yield Database(url, server_cpu)
    finally:
        server.stop()
        server.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contracts", type=int, nargs="+", default=[2000])
    parser.add_argument("--cache", type=int, default=None, help="CPOM_MAX_CACHED_WORKFLOWS")
    parser.add_argument("--workers", type=int, default=1, help="worker processes per side")
    parser.add_argument(
        "--rounds",
        type=int,
        default=ROUNDS,
        help="parts in which each side starts its contracts, in turns with the other side",
    )
    parser.add_argument(
        "--database",
        choices=["sqlite", "postgresql"],
        default="sqlite",
        help="cpom's application database",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="a third side: the bare workflow with one empty local activity as it starts",
    )
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds : au moins 1")
    from cpom.settings import get_settings

    cache = args.cache if args.cache is not None else get_settings().max_cached_workflows
    asyncio.run(
        run(args.contracts, cache, args.workers, args.database, args.rounds, floor=args.floor)
    )
    os._exit(0)


if __name__ == "__main__":
    main()

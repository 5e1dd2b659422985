"""cpom's processes started one by one, each of which a test can kill with SIGKILL and restart.

The Temporal dev server keeps its history in a SQLite file (with per-workflow time skipping on,
so a test can move a contract's clock), PostgreSQL holds the application's database, the worker
and the API run the commands of docker-compose.yml, and the mail catcher runs in the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client

from cpom.converter import data_converter
from cpom.mail_catcher import MailCatcher, free_port
from cpom.settings import Settings
from cpom.stack import temporal_argv
from tests.postgres import PostgresServer, create_database

BIN = Path(sys.executable).parent


class Process:
    """One process of the stack, with its log; killed and restarted at will."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.command, self.env, self.log = name, command, env, log
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert not self.alive, f"{self.name} already running"
        with self.log.open("ab") as output:
            output.write(f"\n=== start {self.name}\n".encode())
            self.popen = subprocess.Popen(self.command, env=self.env, stdout=output, stderr=output)

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as a crash or an OOM kill."""
        if self.popen is not None:
            self.popen.kill()
            self.popen.wait(timeout=30)

    def stop(self) -> None:
        if self.alive:
            assert self.popen is not None
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=30)


def poll(check: Callable[[], bool], what: str, log: Path | None = None, within: float = 90) -> None:
    """Poll `check` until it holds; fail after `within` seconds (polling, not waiting for time)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {within} s\n{log.read_text()[-4000:] if log else ''}")


@dataclass(frozen=True)
class Counts:
    """What the stack holds: what a fault must neither lose nor double."""

    contracts: int
    workflows: int
    events: Counter[str]
    notices: Counter[str]
    unsent_notices: int
    sent_notices: int
    mails: int
    mails_per_message_id: Counter[str]
    documents: int

    def __str__(self) -> str:
        return (
            f"{self.contracts} contracts, {self.workflows} workflows, "
            f"{sum(self.events.values())} events, {sum(self.notices.values())} notices "
            f"({self.sent_notices} sent, {self.unsent_notices} waiting), {self.mails} mails "
            f"({len(self.mails_per_message_id)} distinct), {self.documents} documents"
        )

    def assert_nothing_doubled(self) -> None:
        doubled = {key: n for key, n in self.mails_per_message_id.items() if n > 1}
        assert not doubled, f"mails delivered more than once: {doubled}"


class FaultStack:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.log = workdir / "stack.log"
        self.postgres = PostgresServer()
        self.postgres.start()
        self.database_url = create_database(self.postgres.url, "cpom")
        self.catcher = MailCatcher().start()
        self.temporal_address = f"127.0.0.1:{free_port()}"
        self.api_port = free_port()
        self.base = f"http://127.0.0.1:{self.api_port}"
        self.env = {
            **os.environ,
            "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
            "CPOM_DATA_DIR": str(workdir),
            "CPOM_DATABASE_URL": self.database_url,
            "CPOM_TEMPORAL_ADDRESS": self.temporal_address,
            "CPOM_SMTP_HOST": self.catcher.host,
            "CPOM_SMTP_PORT": str(self.catcher.port),
            "CPOM_TASK_QUEUE": "faults",
        }
        # The very command `cpom up` runs, with per-workflow time skipping on.
        settings = Settings(
            data_dir=workdir,
            temporal_address=self.temporal_address,
            temporal_ui_port=free_port(),
        )
        self.temporal = Process(
            "temporal",
            [
                *temporal_argv(settings),
                "--dynamic-config-value=frontend.workflowTimeSkippingEnabled=true",
            ],
            self.env,
            self.log,
        )
        self.worker = Process("worker", [sys.executable, "-m", "cpom.worker"], self.env, self.log)
        self.api = Process(
            "api",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "api.main:app_factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.api_port),
                "--log-level",
                "warning",
            ],
            self.env,
            self.log,
        )

    # --- the processes -------------------------------------------------------------------

    def up(self) -> None:
        migrated = self.cpom("db", "upgrade")
        assert migrated is not None
        self.start_temporal()
        self.worker.start()
        self.start_api()

    def start_temporal(self) -> None:
        self.temporal.start()
        poll(self._temporal_answers, "Temporal dev server ready", self.log)

    def _temporal_answers(self) -> bool:
        assert self.temporal.alive, self.log.read_text()[-4000:]

        async def health() -> bool:
            try:
                client = await Client.connect(self.temporal_address)
                await client.workflow_service.get_system_info(
                    GetSystemInfoRequest(), timeout=timedelta(seconds=2)
                )
            except Exception:
                return False
            return True

        return asyncio.run(health())

    def start_api(self) -> None:
        self.api.start()
        poll(self._api_answers, "API ready", self.log)

    def _api_answers(self) -> bool:
        assert self.api.alive, self.log.read_text()[-4000:]
        try:
            return httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def kill_all(self) -> None:
        """A power cut: every process SIGKILLed, PostgreSQL stopped without a checkpoint."""
        for process in (self.api, self.worker, self.temporal):
            process.kill()
        self.postgres.stop(crash=True)

    def down(self) -> None:
        for process in (self.api, self.worker, self.temporal):
            process.stop()
        self.catcher.stop()
        with contextlib.suppress(subprocess.CalledProcessError):  # stopped by the test
            self.postgres.stop()
        self.postgres.remove()

    # --- acting as people do ---------------------------------------------------------------

    def cpom(self, *argv: str) -> str:
        done = subprocess.run(
            [str(BIN / "cpom"), *argv], env=self.env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def agent(self) -> dict[str, str]:
        token = self.cpom(
            "token",
            "create",
            "--role",
            "agent",
            "--name",
            "Claire Accueil",
            "--email",
            "accueil@departement-35.example",
        )
        return {"Authorization": f"Bearer {token}"}

    async def client(self) -> Client:
        return await Client.connect(self.temporal_address, data_converter=data_converter)

    # --- what the stack holds ---------------------------------------------------------------

    def counts(self) -> Counts:
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as connection:

                def scalar(sql: str) -> int:
                    return int(connection.execute(text(sql)).scalar_one())

                def counter(sql: str) -> Counter[str]:
                    return Counter({str(k): int(n) for k, n in connection.execute(text(sql))})

                contracts = scalar("SELECT count(*) FROM contract")
                events = counter("SELECT kind, count(*) FROM contract_event GROUP BY kind")
                # A notice to several parties is a message (a row) per party: counted once.
                rows = connection.execute(text("SELECT kind, key FROM notice"))
                logical = {(str(kind), str(key).partition("|")[0]) for kind, key in rows}
                notices = Counter(kind for kind, _ in logical)
                # A notice without a recipient (no supervisor's address) is not waiting.
                unsent = scalar(
                    "SELECT count(*) FROM notice WHERE status NOT IN ('sent', 'no_recipient')"
                )
                sent = scalar("SELECT count(*) FROM notice WHERE status = 'sent'")
                documents = scalar("SELECT count(*) FROM document")
        finally:
            engine.dispose()
        caught = self.catcher.caught
        return Counts(
            contracts=contracts,
            workflows=asyncio.run(self._workflows()),
            events=events,
            notices=notices,
            unsent_notices=unsent,
            sent_notices=sent,
            mails=len(caught),
            mails_per_message_id=Counter(str(mail.message["Message-ID"]) for mail in caught),
            documents=documents,
        )

    async def _workflows(self) -> int:
        client = await self.client()
        count = await client.count_workflows("WorkflowType = 'Cpom'")
        return count.count


def post(url: str, body: dict[str, Any], headers: dict[str, str], key: str) -> httpx.Response:
    """A decision sent as a careful client does: with an Idempotency-Key, retried with the same
    key while the service cannot answer (worker or Temporal down), until it does."""
    last: httpx.Response | Exception | None = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            answer = httpx.post(
                url, json=body, headers={**headers, "Idempotency-Key": key}, timeout=30
            )
        except httpx.TransportError as error:
            last = error
        else:
            if answer.status_code not in (202, 502, 503, 504):
                return answer
            last = answer
        time.sleep(0.5)
    raise AssertionError(f"no answer to {url}: {last!r}")

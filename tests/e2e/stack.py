"""Run `cpom up` as a newcomer does, on ports and a data folder of its own."""

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from cpom.mail_catcher import free_port

CPOM = str(Path(sys.executable).parent / "cpom")
# The arguments of `cpom` that create an agent's token.
AGENT = (
    "token",
    "create",
    "--role",
    "agent",
    "--name",
    "Marie Dupont",
    "--email",
    "marie.dupont@departement.example",
)


def isolated_env(data_dir: Path, task_queue: str = "cpom") -> dict[str, str]:
    """CPOM_ settings that keep this stack apart from any other on the machine."""
    return {
        **os.environ,
        "CPOM_DATA_DIR": str(data_dir),
        "CPOM_API_PORT": str(free_port()),
        "CPOM_SMTP_PORT": str(free_port()),
        "CPOM_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "CPOM_TEMPORAL_UI_PORT": str(free_port()),
        "CPOM_TASK_QUEUE": task_queue,
    }


def cpom(env: dict[str, str], *argv: str) -> str:
    """Run a `cpom` command against the stack; its standard output."""
    return subprocess.run(
        [CPOM, *argv], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def wait_until_ready(url: str, log: Path, *processes: subprocess.Popen[bytes]) -> None:
    """Poll `url` until it answers 200; fail with the log if a process dies or a minute passes."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # polling for readiness, not waiting for time
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        for started in processes:
            assert started.poll() is None, log.read_text()
        time.sleep(0.2)
    raise AssertionError(log.read_text())


@contextmanager
def up_process(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`cpom up` started and answering on its API; stopped at the end if it still runs."""
    with log.open("ab") as output:
        process = subprocess.Popen([CPOM, "up"], env=env, stdout=output, stderr=output)
    try:
        wait_until_ready(f"http://127.0.0.1:{env['CPOM_API_PORT']}/healthz", log, process)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)


@contextmanager
def cpom_up(env: dict[str, str], log: Path, stop: int = signal.SIGINT) -> Iterator[str]:
    with up_process(env, log) as process:
        yield f"http://127.0.0.1:{env['CPOM_API_PORT']}"
        process.send_signal(stop)
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            # The log says which part was still stopping (seen once in a full run, not since).
            raise AssertionError(
                f"cpom up still running 30 s after the signal:\n{log.read_text()}"
            ) from None
        assert code == 0, log.read_text()


@contextmanager
def process(
    command: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """`command` running, its output added to `log`; interrupted at the end."""
    with log.open("ab") as output:
        started = subprocess.Popen(command, env=env, stdout=output, stderr=output)
    try:
        yield started
    finally:
        started.send_signal(signal.SIGINT)
        try:
            started.wait(timeout=30)
        except subprocess.TimeoutExpired:
            started.kill()


def wait_for(condition: Callable[[], object], log: Path, seconds: float = 30) -> None:
    """Poll `condition` until it holds; fail with the log after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():  # polling for a state, not waiting for time
        if time.monotonic() > deadline:
            raise AssertionError(log.read_text())
        time.sleep(0.05)


def started_pids(log: Path, what: str) -> list[int]:
    """The pids `cpom up` printed for `what` (« worker démarré », « serveur Temporal prêt »)."""
    return [int(pid) for pid in re.findall(rf"{what}.*\(processus (\d+)\)", log.read_text())]


def running(pid: int) -> bool:
    """Whether `pid` still runs (a zombie waiting for its reaper no longer does)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"

"""Run `cpom up` as a newcomer does, on ports and a data folder of its own."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
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
def cpom_up(env: dict[str, str], log: Path) -> Iterator[str]:
    with log.open("ab") as output:
        process = subprocess.Popen([CPOM, "up"], env=env, stdout=output, stderr=output)
    api = f"http://127.0.0.1:{env['CPOM_API_PORT']}"
    try:
        wait_until_ready(f"{api}/healthz", log, process)
        yield api
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0, log.read_text()

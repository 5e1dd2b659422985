"""`cpom up` as a newcomer runs it: everything starts, contracts survive a restart."""

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


@contextmanager
def cpom_up(env: dict[str, str], log: Path) -> Iterator[str]:
    with log.open("ab") as output:
        process = subprocess.Popen([CPOM, "up"], env=env, stdout=output, stderr=output)
    api = f"http://127.0.0.1:{env['CPOM_API_PORT']}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # polling for readiness, not waiting for time
            try:
                if httpx.get(f"{api}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, log.read_text()
            time.sleep(0.2)
        yield api
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0, log.read_text()


def test_up_runs_everything_and_a_second_up_finds_the_contracts(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CPOM_DATA_DIR": str(tmp_path / "data"),
        "CPOM_API_PORT": str(free_port()),
        "CPOM_SMTP_PORT": str(free_port()),
        "CPOM_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "CPOM_TEMPORAL_UI_PORT": str(free_port()),
        "CPOM_TASK_QUEUE": "cpom-e2e",
    }
    log = tmp_path / "up.log"
    with cpom_up(env, log):
        token = subprocess.run(
            [CPOM, "token", "create", "--role", "agent"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        demo = subprocess.run(
            [CPOM, "demo"], env=env, capture_output=True, text=True, check=True
        ).stdout
        assert "DEMO-35-SAD (sad) : créé" in demo
    output = log.read_text()
    assert "cpom est prêt" in output
    assert "▸ serveur Temporal prêt" in output
    assert "▸ arrêté" in output
    with cpom_up(env, log) as api:
        listed = httpx.get(f"{api}/contracts", headers={"Authorization": f"Bearer {token}"})
        assert listed.json()["total"] == 3
        detail = httpx.get(
            f"{api}/contracts/DEMO-44-ESMS", headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert detail["live"] is True  # the workflow answered after the restart
        assert detail["contract"]["phase"] == "execution"

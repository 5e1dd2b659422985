"""The test server cpom starts itself for its simulations (issue 12): found as soon as it answers,
handed over to the environment that stops it, and never left running."""

import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import psutil
import pytest

from cpom import simulation
from cpom.simulation import start_time_skipping
from cpom.time_skipping_server import TimeSkippingServer, server_binary


def test_the_installed_sdk_runs_on_cpom_s_own_server() -> None:
    # A release of the SDK without its private environment class would start the server itself
    # (and find it 100 ms late): this says so.
    assert simulation.SDK_TIME_SKIPPING is not None


async def test_the_environment_runs_on_the_server_handed_over_and_stops_it() -> None:
    server = TimeSkippingServer().start()
    environment = await start_time_skipping(server=server)
    try:
        assert environment.supports_time_skipping
        assert environment.client.service_client.config.target_host == server.target
        before = await environment.get_current_time()
        await environment.sleep(timedelta(days=30))
        assert await environment.get_current_time() - before >= timedelta(days=30)
        process = server._process
        assert process is not None
        assert process.poll() is None
    finally:
        await environment.shutdown()
    assert process.wait(5) is not None


async def test_a_server_that_stops_as_it_starts_fails_the_environment() -> None:
    server = TimeSkippingServer(binary="/bin/false").start()
    with pytest.raises(RuntimeError, match="s'est arrêté au démarrage"):
        await start_time_skipping(server=server)


async def test_a_server_that_never_answers_is_given_up() -> None:
    # `sleep N` takes the port's number for as many seconds, and never listens on it.
    server = TimeSkippingServer(binary="sleep").start()
    process = server._process
    assert process is not None
    with pytest.raises(RuntimeError, match="ne répond pas après 0,2\N{NO-BREAK SPACE}s"):
        await server.ready(0.2)
    await server.shutdown()
    assert process.poll() is not None


def test_a_server_left_running_is_stopped_on_leaving() -> None:
    with TimeSkippingServer() as server:
        process = server._process
        assert process is not None
        assert process.poll() is None
    assert process.poll() is not None


def test_a_simulation_killed_outright_takes_its_server_with_it() -> None:
    # `cpom simulate` starts its server from its main thread; killed with SIGKILL, it cannot
    # stop it: the kernel does (Linux).
    owner = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from cpom.time_skipping_server import TimeSkippingServer; "
            "server = TimeSkippingServer().start(); "
            "print(server._process.pid, flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert owner.stdout is not None
    with owner.stdout:
        server = psutil.Process(int(owner.stdout.readline()))
        owner.kill()
        owner.wait()
    server.wait(10)
    assert not server.is_running()


def test_the_server_beside_the_interpreter_is_found_off_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `.venv/bin/cpom simulate` run without activating the environment: PATH does not have it.
    (tmp_path / "python").touch()
    (tmp_path / "temporal-test-server").touch()
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    assert server_binary() == str(tmp_path / "temporal-test-server")

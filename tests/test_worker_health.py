"""The healthcheck of a worker container: its own worker polls, or it is unhealthy."""

import socket
from pathlib import Path

from cpom.settings import Settings
from cpom.worker_health import polls_from, problem


def test_a_container_is_healthy_when_a_worker_of_its_own_host_polls() -> None:
    pollers = {"1@4f2c9a1b7e3d", "1@9e8d7c6b5a4f"}
    assert polls_from(pollers, "4f2c9a1b7e3d")
    assert not polls_from(pollers, "0a1b2c3d4e5f")
    assert not polls_from(set(), "4f2c9a1b7e3d")
    assert not polls_from({"1@4f2c9a1b7e3d.example"}, "4f2c9a1b7e3d")


async def test_an_unreachable_temporal_is_said_in_french(tmp_path: Path) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    settings = Settings(
        temporal_address=f"127.0.0.1:{port}",
        temporal_timeout_seconds=2,
        data_dir=tmp_path,
    )
    found = await problem(settings, socket.gethostname())
    assert found is not None
    assert found.startswith(("Temporal injoignable", "Temporal n'a pas répondu")), found

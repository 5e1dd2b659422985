"""`cpom up` as a newcomer runs it: everything starts, contracts survive a restart."""

import asyncio
import base64
import os
import random
import re
import signal
import socket
import subprocess
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client

from cpom.child_processes import port_problem
from cpom.domain.clock import local_date
from cpom.settings import Settings
from cpom.stack import temporal_argv
from tests.e2e.raw_history import found_in, raw_history, serialized
from tests.e2e.stack import (
    AGENT,
    CPOM,
    cpom,
    cpom_up,
    isolated_env,
    process,
    running,
    started_pids,
    up_process,
    wait_for,
    wait_until_ready,
)
from tests.tls_proxy import Authority, tls_proxy_in_thread


def test_up_runs_everything_and_a_second_up_finds_the_contracts(tmp_path: Path) -> None:
    env = isolated_env(tmp_path / "data", "cpom-e2e")
    log = tmp_path / "up.log"
    with cpom_up(env, log):
        token = cpom(env, *AGENT)
        demo = cpom(env, "demo")
        assert "DEMO-35-SAD (sad) : créé" in demo
    output = log.read_text()
    assert "cpom est prêt" in output
    assert f"tableau de bord        http://127.0.0.1:{env['CPOM_API_PORT']}/tableau/" in output
    assert "▸ serveur Temporal prêt" in output
    assert "▸ arrêté" in output
    with cpom_up(env, log) as api:
        listed = httpx.get(f"{api}/contracts", headers={"Authorization": f"Bearer {token}"})
        assert listed.json()["total"] == 3
        detail = httpx.get(
            f"{api}/contracts/DEMO-44-ESMS", headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert detail["contract"]["phase"] == "prorogation_en_cours"
        # After an upgrade, every running contract projects its agenda again.
        refreshed = cpom(env, "projection", "refresh")
        assert refreshed == "3 contrats en cours projettent à nouveau leur agenda"


def ports(env: dict[str, str]) -> dict[str, int]:
    """Every port `cpom up` listens on, by the setting that chooses it."""
    return {
        "CPOM_TEMPORAL_ADDRESS": int(env["CPOM_TEMPORAL_ADDRESS"].rpartition(":")[2]),
        "CPOM_TEMPORAL_UI_PORT": int(env["CPOM_TEMPORAL_UI_PORT"]),
        "CPOM_API_PORT": int(env["CPOM_API_PORT"]),
        "CPOM_SMTP_PORT": int(env["CPOM_SMTP_PORT"]),
    }


def test_a_killed_worker_comes_back_and_takes_decisions(tmp_path: Path) -> None:
    env = isolated_env(tmp_path / "data", "cpom-restart")
    log = tmp_path / "up.log"
    with cpom_up(env, log, stop=signal.SIGTERM):
        [worker] = started_pids(log, "worker démarré")
        os.kill(worker, signal.SIGKILL)
        wait_for(lambda: len(started_pids(log, "worker démarré")) == 2, log)
        assert (
            "le worker s'est arrêté (code -9, signal SIGKILL) ; redémarrage dans 1 s"
            in log.read_text()
        )
        assert not running(worker)
        cpom(env, *AGENT)
        # Creating the examples takes decisions (a prorogation asked for): the new worker
        # handles them, or the command would wait for it and fail.
        assert "DEMO-44-ESMS (esms-ars) : créé" in cpom(env, "demo")
    assert "▸ arrêté" in log.read_text()  # SIGTERM stops as Ctrl-C does, with status 0


def test_several_workers_share_the_task_queue(tmp_path: Path) -> None:
    env = {**isolated_env(tmp_path / "data", "cpom-workers"), "CPOM_WORKER_PROCESSES": "2"}
    log = tmp_path / "up.log"
    with cpom_up(env, log):
        first, second = started_pids(log, r"worker \d démarré")
        assert running(first)
        assert running(second)
        # One of them killed, the other takes the decisions meanwhile; the first comes back.
        os.kill(first, signal.SIGKILL)
        cpom(env, *AGENT)
        assert "DEMO-44-ESMS (esms-ars) : créé" in cpom(env, "demo")
        wait_for(lambda: len(started_pids(log, "worker 1 démarré")) == 2, log)
        assert "le worker 1 s'est arrêté (code -9, signal SIGKILL)" in log.read_text()
        assert running(second)


def test_up_killed_leaves_no_process_and_no_port_behind(tmp_path: Path) -> None:
    env = isolated_env(tmp_path / "data", "cpom-orphans")
    log = tmp_path / "up.log"
    with up_process(env, log) as up:
        children = started_pids(log, "serveur Temporal prêt") + started_pids(log, "worker démarré")
        assert len(children) == 2, log.read_text()
        up.kill()
        up.wait(timeout=10)
    wait_for(lambda: not any(running(pid) for pid in children), log, seconds=10)
    wait_for(
        lambda: all(port_problem("127.0.0.1", port) is None for port in ports(env).values()),
        log,
        seconds=10,
    )
    # And the next `cpom up` starts its own Temporal server, on the same ports.
    with cpom_up(env, log):
        assert len(started_pids(log, "serveur Temporal prêt")) == 2


def test_a_dead_temporal_server_stops_everything(tmp_path: Path) -> None:
    env = isolated_env(tmp_path / "data", "cpom-temporal-dies")
    log = tmp_path / "up.log"
    with up_process(env, log) as up:
        [temporal] = started_pids(log, "serveur Temporal prêt")
        [worker] = started_pids(log, "worker démarré")
        os.kill(temporal, signal.SIGKILL)
        assert up.wait(timeout=60) == 1
    output = log.read_text()
    assert (
        "cpom : le serveur Temporal s'est arrêté (code -9, signal SIGKILL ; journal : "
        f"{tmp_path / 'data' / 'temporal.log'}) : arrêt de tout le service" in output
    )
    assert "▸ arrêté" in output
    assert not running(worker)


@pytest.mark.parametrize(
    ("setting", "what"),
    [
        ("CPOM_TEMPORAL_ADDRESS", "serveur Temporal"),
        ("CPOM_TEMPORAL_UI_PORT", "interface web de Temporal"),
        ("CPOM_API_PORT", "API et tableau de bord"),
        ("CPOM_SMTP_PORT", "courrier local (SMTP)"),
    ],
)
def test_a_port_taken_is_named_and_nothing_starts(tmp_path: Path, setting: str, what: str) -> None:
    env = isolated_env(tmp_path / "data")
    port = ports(env)[setting]
    with socket.create_server(("127.0.0.1", port)):  # someone else's server
        done = subprocess.run(
            [CPOM, "up"], env=env, capture_output=True, text=True, timeout=60, check=False
        )
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"cpom : le port {port} ({what}, {setting}) est déjà pris par un autre programme" in (
        done.stderr
    )
    assert "Temporal" not in done.stdout  # nothing was started
    assert not (tmp_path / "data").exists()


def test_the_same_port_twice_is_refused(tmp_path: Path) -> None:
    env = {**isolated_env(tmp_path / "data"), "CPOM_SMTP_PORT": "0"}
    env["CPOM_TEMPORAL_UI_PORT"] = env["CPOM_API_PORT"]
    done = subprocess.run(
        [CPOM, "up"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1
    assert "CPOM_SMTP_PORT) n'est pas un numéro de port (1 à 65535)" in done.stderr
    assert (
        f"le port {env['CPOM_API_PORT']} est demandé deux fois (CPOM_TEMPORAL_UI_PORT et "
        "CPOM_API_PORT)" in done.stderr
    )


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_stopped_while_starting_it_stops_what_it_started(tmp_path: Path, stop: int) -> None:
    env = isolated_env(tmp_path / "data")
    log = tmp_path / "up.log"
    with log.open("wb") as written:
        up = subprocess.Popen([CPOM, "up"], env=env, stdout=written, stderr=written)
    try:
        wait_for(lambda: started_pids(log, "démarrage du serveur Temporal"), log)
        up.send_signal(stop)
        assert up.wait(timeout=30) == 0
    finally:
        if up.poll() is None:
            up.kill()
            up.wait()
    [temporal] = started_pids(log, "démarrage du serveur Temporal")
    assert not running(temporal)
    output = log.read_text()  # the Temporal server may have logged its own interruption
    assert "▸ démarrage interrompu : arrêt …\n" in output
    assert output.endswith("▸ arrêté : les contrats reprendront au prochain « cpom up »\n")


def test_a_temporal_server_that_cannot_start_is_explained(tmp_path: Path) -> None:
    (tmp_path / "data" / "temporal.db").mkdir(parents=True)  # its database cannot be opened
    env = isolated_env(tmp_path / "data")
    done = subprocess.run(
        [CPOM, "up"], env=env, capture_output=True, text=True, timeout=90, check=False
    )
    assert done.returncode == 1
    assert "cpom : le serveur Temporal s'est arrêté au démarrage (code 1) : « Error:" in done.stderr
    assert f"(journal : {tmp_path / 'data' / 'temporal.log'})" in done.stderr


def consecutive_free_ports(count: int) -> int:
    """The first of `count` consecutive free ports on 127.0.0.1, tried from random places: two
    runs of the tests at once (or two tests of one run) seldom try the same ones."""
    for base in random.sample(range(20000, 60000), 200):
        if all(port_problem("127.0.0.1", base + k) is None for k in range(count)):
            return base
    raise AssertionError("aucune suite de ports libres")


SLOTS = "temporal_worker_task_slots_available{"


def test_up_serves_the_metrics_of_its_api_and_of_each_worker(tmp_path: Path) -> None:
    env = isolated_env(tmp_path / "data", "cpom-metrics")
    base = consecutive_free_ports(3)
    env.update({"CPOM_METRICS_PORT": str(base), "CPOM_WORKER_PROCESSES": "2"})
    log = tmp_path / "up.log"
    with cpom_up(env, log):
        cpom(env, "demo")  # contracts started: the workers run workflows and activities

        def scrape() -> list[str]:
            return [httpx.get(f"http://127.0.0.1:{base + k}/metrics").text for k in range(3)]

        # A worker reports its slots once its pollers have run: on a loaded machine, a moment
        # after the demo's contracts are started.
        deadline = time.monotonic() + 30
        scraped = scrape()
        while not all(SLOTS in text for text in scraped[1:]) and time.monotonic() < deadline:
            time.sleep(0.2)
            scraped = scrape()
    output = log.read_text()
    for k, what in enumerate(
        ("métriques de l'API", "métriques du worker 1", "métriques du worker 2")
    ):
        assert f"{what:<23}http://127.0.0.1:{base + k}/metrics" in output
    api, *workers = scraped
    assert "temporal_request{" in api
    assert "cpom_contracts_overdue{" in api
    assert all(SLOTS in text for text in workers)


def answers(address: str) -> bool:
    async def connect() -> None:
        await Client.connect(address)

    try:
        asyncio.run(connect())
    except RuntimeError:
        return False
    return True


# What `cpom demo` says of the ARS contract's people; its agents' names.
DEMO_44_PEOPLE = (
    "Association Handicap Loire-Atlantique",
    "552100554",
    "siege@ahla.example",
    "ARS Pays de la Loire",
    "cpom@ars-pdl.example",
    "Démonstration (agent)",
    "Marie Dupont",
)


def test_up_on_a_secured_temporal_encrypts_and_serves_its_metrics(tmp_path: Path) -> None:
    """The settings of a production deployment at once (issue 14): given a secured Temporal (the
    dev server behind a TLS proxy that requires a client certificate), `cpom up` starts none of
    its own; its API, worker and commands reach that one with the certificate, encrypt what they
    give it, and serve their metrics."""
    env = isolated_env(tmp_path / "data", "cpom-secured")
    log = tmp_path / "up.log"
    # Someone else's Temporal server, with cpom's namespace and search attributes.
    plain = env["CPOM_TEMPORAL_ADDRESS"]
    host, _, port = plain.rpartition(":")
    (tmp_path / "temporal").mkdir()
    server_settings = Settings(
        temporal_address=plain,
        temporal_ui_port=int(env["CPOM_TEMPORAL_UI_PORT"]),
        data_dir=tmp_path / "temporal",
    )
    authority = Authority(tmp_path)
    client_cert = authority.issue("cpom", "cpom", server=False)
    metrics = consecutive_free_ports(2)
    with ExitStack() as stack:
        server = stack.enter_context(
            process([*temporal_argv(server_settings), "--headless"], env, log)
        )
        secured = stack.enter_context(
            tls_proxy_in_thread(
                (host, int(port)),
                authority.issue("temporal", "temporal", server=True),
                authority.path,
            )
        )
        env.update(
            {
                "CPOM_TEMPORAL_ADDRESS": f"{secured[0]}:{secured[1]}",
                "CPOM_TEMPORAL_TLS_CA": str(authority.path),
                "CPOM_TEMPORAL_TLS_CERT": str(client_cert.cert),
                "CPOM_TEMPORAL_TLS_KEY": str(client_cert.key),
                "CPOM_TEMPORAL_TLS_SERVER_NAME": "temporal",
                "CPOM_ENCRYPTION_KEYS": f"cle-2026:{base64.b64encode(os.urandom(32)).decode()}",
                "CPOM_METRICS_PORT": str(metrics),
            }
        )
        wait_for(lambda: answers(plain), log, seconds=60)
        with cpom_up(env, log) as api:
            wait_until_ready(f"{api}/readyz", log)  # the worker polls through the proxy
            agent = {"Authorization": f"Bearer {cpom(env, *AGENT)}"}
            # The command line encrypts too: its contracts are started by its own client.
            assert "DEMO-44-ESMS (esms-ars) : créé" in cpom(env, "demo")
            answered = httpx.post(
                f"{api}/contracts/DEMO-44-ESMS/actions/answer_prorogation",
                json={"accept": True, "received_on": local_date(datetime.now(UTC)).isoformat()},
                headers=agent,
                timeout=30,
            )
            assert answered.status_code == 200, answered.text
            worker = f"http://127.0.0.1:{metrics + 1}/metrics"
            wait_for(lambda: "cpom_notices_sent{" in httpx.get(worker).text, log)
            api_metrics = httpx.get(f"http://127.0.0.1:{metrics}/metrics").text
        assert server.poll() is None  # `cpom up` stops what it started, not this server
        events = raw_history(plain, "DEMO-44-ESMS")
    output = log.read_text()
    assert "▸ serveur Temporal (connexion sécurisée) : " in output
    assert "démarrage du serveur Temporal" not in output
    assert "temporal_request{" in api_metrics
    decisions = re.findall(r"^cpom_decisions\{([^}]*)\} (\S+)$", api_metrics, re.MULTILINE)
    assert [
        float(value)
        for labels, value in decisions
        if 'action="answer_prorogation"' in labels and 'outcome="taken"' in labels
    ] == [1]
    assert b"binary/encrypted" in serialized(events)
    assert found_in(serialized(events), DEMO_44_PEOPLE) == []

"""The production stack of docker-compose.yml, run as plain processes (no Docker engine here).

Each application service runs the very command and `CPOM_` environment the compose file gives
it, with the service host names pointed at local servers: a real PostgreSQL for the application,
the Temporal dev server (the version of the compose file's `temporalio/server` image, as
tests/test_compose.py checks) standing in for that server and its schema jobs, and the aiosmtpd
catcher standing in for Mailpit. What this proves: the one-shot migration, the namespace and
search-attribute job (its shell script, run by the `temporal` CLI as admin-tools runs it), two
workers sharing a task queue, their healthcheck and the API all work together from those
settings.

And with everything a production deployment turns on at once (issue 14): the processes reach
Temporal over TLS with a client certificate (the dev server behind a TLS-terminating proxy that
requires one), encrypt what they give it (CPOM_ENCRYPTION_KEYS) and serve their metrics
(CPOM_METRICS_PORT): the contract's raw history names nobody, the API's codec reads it.
"""

import base64
import os
import re
import subprocess
import sys
import time
from contextlib import ExitStack
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml
from google.protobuf import json_format
from sqlalchemy import create_engine, text

from cpom.access import Role, create_token
from cpom.domain.clock import local_date
from cpom.mail_catcher import MailCatcher, free_port
from cpom.settings import ROOT
from tests.e2e.raw_history import found_in, raw_history, serialized
from tests.e2e.stack import process, wait_until_ready
from tests.postgres import create_database
from tests.tls_proxy import Authority, tls_proxy_in_thread

COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
BIN = Path(sys.executable).parent
# What the contract of the test says about people: none of it may reach Temporal in clear.
PERSONAL = (
    "SAD du Pays de Rennes",
    "732829320",
    "direction@sad-rennes.example",
    "Département d'Ille-et-Vilaine",
    "cpom@departement-35.example",
    "Claire Accueil",
)


def compose_command(service: str, replacements: dict[str, str]) -> list[str]:
    """The service's command, with its published host and port made local."""
    command: list[str] = SERVICES[service]["command"]
    return [replacements.get(part, part) for part in command]


def compose_environment(replacements: dict[str, str]) -> dict[str, str]:
    environment: dict[str, str] = dict(COMPOSE["x-cpom"]["environment"])
    for name, value in environment.items():
        for compose_host, local_host in replacements.items():
            value = value.replace(compose_host, local_host)
        environment[name] = value
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **environment}


def test_compose_services_work_together_secured_encrypted_and_measured(
    tmp_path: Path, postgres_url: str
) -> None:
    create_database(postgres_url, "cpom")  # the compose file's application database
    postgres_host = postgres_url.rsplit("@", 1)[1]
    temporal, api_port = f"127.0.0.1:{free_port()}", free_port()
    catcher = MailCatcher()
    env = compose_environment(
        {"app-db:5432": postgres_host, "temporal:7233": temporal, "mailpit": "127.0.0.1"}
    )
    env["CPOM_SMTP_PORT"] = str(catcher.port)
    # Each container serves its metrics on the same port of its own address; here every
    # process shares one host: a port each.
    assert env["CPOM_METRICS_PORT"]
    env["CPOM_METRICS_HOST"] = "127.0.0.1"
    api_metrics_port, worker_metrics_ports = free_port(), [free_port(), free_port()]
    # Temporal over TLS with a client certificate, its payloads encrypted.
    authority = Authority(tmp_path)
    client_cert = authority.issue("cpom", "cpom", server=False)
    env.update(
        {
            "CPOM_TEMPORAL_TLS_CA": str(authority.path),
            "CPOM_TEMPORAL_TLS_CERT": str(client_cert.cert),
            "CPOM_TEMPORAL_TLS_KEY": str(client_cert.key),
            "CPOM_TEMPORAL_TLS_SERVER_NAME": "temporal",
            "CPOM_ENCRYPTION_KEYS": f"cle-2026:{base64.b64encode(os.urandom(32)).decode()}",
        }
    )
    log = tmp_path / "stack.log"

    with ExitStack() as stack:
        catcher.start()
        stack.callback(catcher.stop)
        host, port = temporal.split(":")
        # The secured frontend: the dev server behind a proxy that requires a client certificate.
        secured = stack.enter_context(
            tls_proxy_in_thread(
                (host, int(port)),
                authority.issue("temporal", "temporal", server=True),
                authority.path,
            )
        )
        env["CPOM_TEMPORAL_ADDRESS"] = f"{secured[0]}:{secured[1]}"
        server = stack.enter_context(
            process(
                [
                    str(BIN / "temporal"),
                    "server",
                    "start-dev",
                    "--ip",
                    host,
                    "--port",
                    port,
                    "--http-port",
                    str(free_port()),
                    "--headless",
                    "--log-level",
                    "error",
                ],
                env,
                log,
            )
        )
        # The compose job that registers the search attributes, as its shell runs it.
        job = SERVICES["temporal-search-attributes"]
        script = job["command"][0].replace("$$", "$")
        registered = subprocess.run(
            [*job["entrypoint"], script],
            env={**env, **job["environment"], "TEMPORAL_ADDRESS": temporal},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert registered.returncode == 0, registered.stderr
        assert server.poll() is None

        migrated = subprocess.run(compose_command("migrate", {}), env=env, capture_output=True)
        assert migrated.returncode == 0, migrated.stderr
        for replica in range(SERVICES["worker"]["deploy"]["replicas"]):
            own = {**env, "CPOM_METRICS_PORT": str(worker_metrics_ports[replica])}
            stack.enter_context(process(compose_command("worker", {}), own, log))
        api = stack.enter_context(
            process(
                compose_command("api", {"0.0.0.0": "127.0.0.1", "8000": str(api_port)}),
                {**env, "CPOM_METRICS_PORT": str(api_metrics_port)},
                log,
            )
        )
        base = f"http://127.0.0.1:{api_port}"
        wait_until_ready(f"{base}/healthz", log, api)
        wait_until_ready(f"{base}/readyz", log, api)  # the workers poll the task queue
        # Each worker container's healthcheck: a worker of this host polls the task queue.
        healthcheck = SERVICES["worker"]["healthcheck"]["test"][1:]
        deadline = time.monotonic() + 60
        healthy = subprocess.run(healthcheck, env=env, capture_output=True, text=True)
        while healthy.returncode and time.monotonic() < deadline:  # until the workers poll
            time.sleep(0.5)
            healthy = subprocess.run(healthcheck, env=env, capture_output=True, text=True)
        assert healthy.returncode == 0, healthy.stderr
        token = subprocess.run(
            [
                "cpom",
                "token",
                "create",
                "--role",
                "agent",
                "--name",
                "Claire Accueil",
                "--email",
                "accueil@departement-35.example",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        agent = {"Authorization": f"Bearer {token}"}

        # A contract in force whose gestionnaire asks for a prorogation today.
        today = local_date(datetime.now(UTC))
        effet = date(today.year - 2, 1, 1)
        terms = {
            "reference": "PROD-35-SAD",
            "preset": "sad",
            "effet": effet.isoformat(),
            "duration_years": 4,
            "authority": {
                "kind": "departement",
                "name": "Département d'Ille-et-Vilaine",
                "territory": "35",
                "email": "cpom@departement-35.example",
            },
            "gestionnaire": {
                "raison_sociale": "SAD du Pays de Rennes",
                "siren": "732829320",
                "email": "direction@sad-rennes.example",
            },
        }
        created = httpx.post(
            f"{base}/contracts", json={"terms": terms, "imported": True}, headers=agent, timeout=30
        )
        assert created.status_code == 201, created.text
        requested = httpx.post(
            f"{base}/contracts/PROD-35-SAD/actions/request_prorogation",
            json={"requested_by": "gestionnaire", "received_on": today.isoformat()},
            headers=agent,
            timeout=30,
        )
        assert requested.status_code == 200, requested.text

        # One notice for each party, sent right away by one worker or the other: until both
        # are marked sent (a mail caught is marked a moment later).
        parties = {"cpom@departement-35.example", "direction@sad-rennes.example"}
        notices: list[dict[str, Any]] = []
        deadline = time.monotonic() + 60
        while (
            time.monotonic() < deadline and {r for n in notices for r in n["recipients"]} != parties
        ):
            notices = [
                n
                for n in httpx.get(f"{base}/contracts/PROD-35-SAD/notices", headers=agent).json()
                if n["kind"] == "demande_de_prorogation_recue" and n["status"] == "sent"
            ]
            time.sleep(0.2)
        assert {r for n in notices for r in n["recipients"]} == parties, log.read_text()
        assert all(n["smtp_response"].startswith("2.0.0 Ok") for n in notices)
        caught = [m for m in catcher.caught if m.notice == "demande_de_prorogation_recue"]
        assert {r for m in caught for r in m.envelope_to} == parties
        assert len(caught) == len(notices)  # two workers, each notice sent once

        # Temporal holds the contract's life encrypted: its raw history names nobody.
        events = raw_history(temporal, "PROD-35-SAD")
        assert found_in(serialized(events), PERSONAL) == []
        [terms_payload] = events[0].workflow_execution_started_event_attributes.input.payloads
        assert terms_payload.metadata["encoding"] == b"binary/encrypted"
        # The API's codec, which the Temporal Web UI calls, reads it for a national supervisor.
        database = create_engine(env["CPOM_DATABASE_URL"])
        supervisor = create_token(
            database, Role.SUPERVISOR, "Paul Contrôle", email="controle@departement-35.example"
        )
        decoded = httpx.post(
            f"{base}/codec/decode",
            json={"payloads": [json_format.MessageToDict(terms_payload)]},
            headers={"Authorization": f"Bearer {supervisor}"},
        )
        assert decoded.status_code == 200, decoded.text
        [clear] = decoded.json()["payloads"]  # the terms: all of it but the agent's name
        assert found_in(base64.b64decode(clear["data"]), PERSONAL) == list(PERSONAL[:5])

        # Metrics: the SDK's series and cpom's, on each process's own endpoint.
        worker_metrics = [
            httpx.get(f"http://127.0.0.1:{port}/metrics").text for port in worker_metrics_ports
        ]
        assert all("temporal_request{" in text for text in worker_metrics)
        sent = [
            float(value)
            for text in worker_metrics
            for value in re.findall(
                r'^cpom_notices_sent\{[^}]*notice="demande_de_prorogation_recue"[^}]*\} (\S+)$',
                text,
                re.MULTILINE,
            )
        ]
        assert sum(sent) == len(caught)
        api_metrics = httpx.get(f"http://127.0.0.1:{api_metrics_port}/metrics").text
        assert re.search(r'^cpom_decisions\{[^}]*outcome="taken"[^}]*\} 1$', api_metrics, re.M)
        assert "temporal_request{" in api_metrics
        assert re.search(r"^cpom_contracts_overdue\{[^}]*\} \d+$", api_metrics, re.M)

        # The projection the supervisors read, in the application's PostgreSQL.
        projected: list[Any] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not projected:  # the worker records it next
            with database.connect() as connection:
                projected = list(
                    connection.execute(
                        text(
                            "SELECT c.phase, e.actor FROM contract c JOIN contract_event e "
                            "ON e.reference = c.reference "
                            "WHERE c.reference = 'PROD-35-SAD' AND e.kind = 'prorogation_requested'"
                        )
                    )
                )
            time.sleep(0.2)
        database.dispose()
        assert [tuple(row) for row in projected] == [
            ("prorogation_en_cours", "Claire Accueil (agent)")
        ]

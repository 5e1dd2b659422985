"""`/metrics` of a worker and of the API (CPOM_METRICS_PORT): the Temporal SDK's series and
cpom's own on the same endpoint, from a real worker that sent a notice."""

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from temporalio.client import Client

from api.main import create_app
from cpom import metrics, telemetry
from cpom.domain.clock import local_date
from cpom.mail_catcher import free_port
from cpom.simulation import LifeSimulator
from tests.api.test_contracts_api import TERMS
from tests.observability.served import served

REFERENCE = TERMS["reference"]
BOUND_SECONDS = 30


@asynccontextmanager
async def measured(life: LifeSimulator) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """The API and a worker whose Temporal client's runtime serves /metrics; the HTTP client of
    the API and the metrics' address."""
    await life.stop_worker()
    life.settings = life.settings.model_copy(update={"metrics_port": free_port()})
    runtime = telemetry.runtime_for(life.settings)
    assert runtime is not None
    client = await Client.connect(
        life.env.client.service_client.config.target_host,
        namespace=life.env.client.namespace,
        data_converter=life.env.client.data_converter,
        runtime=runtime,
    )
    app = create_app(life.settings, client=client, engine=life.engine)
    async with served(life, client, app) as http:
        yield http, f"http://127.0.0.1:{life.settings.metrics_port}/metrics"


def series(text: str, name: str) -> dict[str, float]:
    """Each sample of the series `name`: its labels as written, and its value."""
    return {
        labels: float(value)
        for labels, value in re.findall(rf"^{name}(\{{[^}}]*\}})? (\S+)$", text, re.MULTILINE)
    }


def messages_sent(text: str) -> float:
    """The messages of the prorogation's notice the worker counted as sent."""
    sent = series(text, metrics.NOTICES_SENT)
    return sum(v for k, v in sent.items() if 'notice="demande_de_prorogation_recue"' in k)


async def test_metrics_show_the_sdk_series_and_cpom_series() -> None:
    async with LifeSimulator() as life, measured(life) as (http, address):
        created = await http.post("/contracts", json={"terms": TERMS, "imported": True})
        assert created.status_code == 201, created.text
        today = local_date(await life.env.get_current_time())
        decided = await http.post(
            f"/contracts/{REFERENCE}/actions/request_prorogation",
            json={"requested_by": "gestionnaire", "received_on": today.isoformat()},
        )
        assert decided.status_code == 200, decided.text
        async with httpx.AsyncClient(timeout=5) as scraper:
            async with asyncio.timeout(BOUND_SECONDS):  # until both messages are sent
                while messages_sent(text := (await scraper.get(address)).text) < 2:
                    await asyncio.sleep(0.05)  # polling the endpoint, not waiting for time
    sent = series(text, metrics.NOTICES_SENT)
    # Two messages: the authority's and the gestionnaire's.
    assert messages_sent(text) == 2
    assert all('activity_type="send_notice"' in labels for labels in sent)
    # The SDK's own series, on the same endpoint.
    assert series(text, "temporal_request")
    assert series(text, "temporal_activity_execution_latency_count")
    taken = series(text, metrics.DECISIONS)
    assert [v for k, v in taken.items() if 'outcome="taken"' in k] == [1]
    assert all('action="request_prorogation"' in labels for labels in taken)
    assert series(text, f"{metrics.PROJECTION_LAG}_count")
    assert series(text, metrics.CONTRACTS_OVERDUE)

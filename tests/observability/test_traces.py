"""Traces across the API, the workflow and its activities: the API's request span is the parent
of the Temporal call it makes, and the SDK's interceptor carries that context into the workflow
and on to the activities the workflow runs."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import httpx
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio.client import Client

from api.main import create_app
from cpom import telemetry
from cpom.domain.clock import local_date
from cpom.simulation import LifeSimulator
from tests.api.test_contracts_api import TERMS
from tests.observability.served import served

REFERENCE = TERMS["reference"]


@asynccontextmanager
async def traced_api(
    life: LifeSimulator, provider: TracerProvider
) -> AsyncIterator[httpx.AsyncClient]:
    """The API and a worker whose Temporal client carries the tracing interceptor."""
    await life.stop_worker()
    config = life.env.client.config()
    config["interceptors"] = telemetry.client_interceptors(provider)
    client = Client(**config)
    app = create_app(life.settings, client=client, engine=life.engine, tracer_provider=provider)
    async with served(life, client, app) as http:
        yield http


def named(spans: Sequence[ReadableSpan], name: str) -> ReadableSpan:
    found = [s for s in spans if s.name == name]
    assert len(found) == 1, [s.name for s in spans]
    return found[0]


def ids(span: ReadableSpan) -> tuple[int, int]:
    """(trace id, span id)."""
    assert span.context is not None
    return span.context.trace_id, span.context.span_id


def parent(span: ReadableSpan) -> tuple[int, int]:
    assert span.parent is not None
    return span.parent.trace_id, span.parent.span_id


async def test_a_request_is_one_trace_from_the_api_to_the_activities() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    async with LifeSimulator() as life, traced_api(life, provider) as http:
        created = await http.post("/contracts", json={"terms": TERMS, "imported": True})
        assert created.status_code == 201, created.text
        creation = exporter.get_finished_spans()
        today = local_date(await life.env.get_current_time())
        decided = await http.post(
            f"/contracts/{REFERENCE}/actions/request_prorogation",
            json={"requested_by": "gestionnaire", "received_on": today.isoformat()},
        )
        assert decided.status_code == 200, decided.text
    spans = exporter.get_finished_spans()

    # The creation: the API's request, the workflow's start and run, its first projection.
    request = named(creation, "POST /contracts")
    start = named(spans, "StartWorkflow:Cpom")
    run = named(spans, "RunWorkflow:Cpom")
    assert parent(start) == ids(request)
    assert parent(run) == ids(start)
    run_activity = next(s for s in spans if s.name == "RunActivity:record_contract")
    scheduled = next(s for s in spans if ids(s) == parent(run_activity))
    assert scheduled.name == "StartActivity:record_contract"
    assert parent(scheduled) == ids(start)  # the workflow's spans hang from its start
    assert {ids(s)[0] for s in (request, start, run, scheduled, run_activity)} == {ids(request)[0]}
    assert run.attributes is not None
    assert run.attributes["temporalWorkflowID"] == f"cpom-{REFERENCE}"

    # The decision: its own trace, from the API's request to the update it sends; inside the
    # contract's trace the workflow's handling of it links back to that request (the SDK's
    # interceptor keeps a workflow's spans in the trace of its start). The notice it asks for is
    # sent by the workflow's activity, in the contract's trace.
    decision = named(spans, "POST /contracts/{reference}/actions/{action}")
    update = named(spans, "StartWorkflowUpdate:request_prorogation")
    assert parent(update) == ids(decision)
    handled = named(spans, "HandleUpdate:request_prorogation")
    assert ids(handled)[0] == ids(request)[0]
    assert [(link.context.trace_id, link.context.span_id) for link in handled.links] == [
        ids(update)
    ]
    notice = named(spans, "StartActivity:send_notice")
    assert ids(notice)[0] == ids(request)[0]

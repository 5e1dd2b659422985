"""What a cpom process tells the outside: Prometheus metrics and OpenTelemetry traces.

* Metrics: with CPOM_METRICS_PORT, the process's Temporal runtime serves `/metrics` on
  CPOM_METRICS_HOST:port, the SDK's series (temporal_…) beside cpom's own (cpom/metrics.py). A
  runtime binds its port once: one per process, made at start. `cpom up` gives its API the
  port itself and its worker number k the port + k.
* Traces: with CPOM_OTLP_ENDPOINT (or the standard OTEL_EXPORTER_OTLP_ENDPOINT), spans go to
  that collector over OTLP/HTTP: the API's request spans (FastAPI instrumentation), and the
  SDK's TracingInterceptor on the Temporal client carries their context into the workflows and
  activities. Without an endpoint, no provider, no interceptor: nothing is added to a call.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from temporalio.client import Interceptor
from temporalio.runtime import (
    LoggingConfig,
    PrometheusConfig,
    Runtime,
    TelemetryConfig,
)

from cpom.settings import Settings

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

# The standard variables of OpenTelemetry's exporters; either turns traces on as well.
OTEL_ENDPOINTS = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")


def prometheus(settings: Settings, offset: int = 0) -> PrometheusConfig | None:
    """Where the runtime serves `/metrics`: CPOM_METRICS_PORT + `offset`; None without it."""
    if settings.metrics_port is None:
        return None
    port = settings.metrics_port + offset
    return PrometheusConfig(bind_address=f"{settings.metrics_host}:{port}")


def runtime_for(
    settings: Settings, offset: int = 0, logging: LoggingConfig | None = LoggingConfig.default
) -> Runtime | None:
    """The process's Temporal runtime serving its metrics; None (the SDK's default runtime)
    without CPOM_METRICS_PORT. RuntimeError, in French, when the port cannot be bound."""
    metrics = prometheus(settings, offset)
    if metrics is None:
        return None
    try:
        return Runtime(telemetry=TelemetryConfig(logging=logging, metrics=metrics))
    except ValueError as error:  # the SDK's « Failed starting Prometheus exporter: … »
        raise RuntimeError(
            f"les métriques ne peuvent être servies sur {metrics.bind_address} "
            f"(CPOM_METRICS_PORT) : {error}"
        ) from None


def traces_configured(settings: Settings) -> bool:
    return bool(settings.otlp_endpoint) or any(os.environ.get(name) for name in OTEL_ENDPOINTS)


def tracer_provider_for(settings: Settings, service: str) -> TracerProvider | None:
    """Spans batched to the OTLP collector, named `service` unless OTEL_SERVICE_NAME says
    otherwise; None when no endpoint is configured."""
    if not traces_configured(settings):
        return None
    # Imported only when traces are on: OpenTelemetry's exporter costs every process a quarter
    # of a second to import (`cpom simulate`, the CLI).
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    endpoint = f"{settings.otlp_endpoint.rstrip('/')}/v1/traces" if settings.otlp_endpoint else None
    resource = Resource.create({SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME") or service})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    return provider


def client_interceptors(provider: TracerProvider | None) -> list[Interceptor]:
    """The Temporal client's interceptors: on the client, they also apply to its workers."""
    if provider is None:
        return []
    from temporalio.contrib.opentelemetry import TracingInterceptor

    return [TracingInterceptor(provider.get_tracer("cpom"))]

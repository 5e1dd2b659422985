"""How a cpom process writes its log (CPOM_LOG_FORMAT): readable lines, or one JSON object per
record for a log collector (python-json-logger).

A JSON record carries, when they are known, the contract it is about (`reference`) and its
workflow (`workflow_id`), taken from what the SDK's loggers attach to their records
(`activity.logger`: `temporal_activity`; `workflow.logger`: `temporal_workflow`), and the
OpenTelemetry trace and span it was written in, to find the request's trace from a line.
"""

from __future__ import annotations

import logging
from typing import Any

from opentelemetry import trace
from pythonjsonlogger.json import JsonFormatter

from cpom.settings import Settings

WORKFLOW_ID_PREFIX = "cpom-"  # cpom.messages.workflow_id
# Uvicorn gives its loggers handlers of their own: they join the root's, in the same format.
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


class ContractContext(logging.Filter):
    """Adds `workflow_id`, `reference`, `trace_id` and `span_id` to a record when known."""

    def filter(self, record: logging.LogRecord) -> bool:
        for extra in ("temporal_activity", "temporal_workflow"):
            details: Any = getattr(record, extra, None)
            if isinstance(details, dict) and isinstance(details.get("workflow_id"), str):
                workflow_id: str = details["workflow_id"]
                record.workflow_id = workflow_id
                if workflow_id.startswith(WORKFLOW_ID_PREFIX):
                    record.reference = workflow_id.removeprefix(WORKFLOW_ID_PREFIX)
                break
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            record.trace_id = format(span.trace_id, "032x")
            record.span_id = format(span.span_id, "016x")
        return True


def json_formatter() -> JsonFormatter:
    return JsonFormatter(
        "%(levelname)s %(name)s %(message)s",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp=True,
    )


def configure_logging(settings: Settings) -> None:
    """In JSON, the root logger writes every record of INFO and above to stderr; in text, the
    log stays as Python's and uvicorn's defaults write it."""
    if settings.log_format != "json":
        return
    handler = logging.StreamHandler()
    handler.setFormatter(json_formatter())
    handler.addFilter(ContractContext())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.INFO)
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True

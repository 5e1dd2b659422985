"""CPOM_LOG_FORMAT=json: one JSON object a line, carrying the contract's reference and its
workflow id when a record is written for one (the SDK's activity and workflow loggers)."""

import dataclasses
import io
import json
import logging
from collections.abc import Iterator

import pytest
from temporalio import activity
from temporalio.testing import ActivityEnvironment

from cpom.json_logs import configure_logging
from cpom.settings import Settings


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The root logger configured for JSON, writing into a buffer; restored afterwards."""
    root = logging.getLogger()
    kept = (root.handlers[:], root.level)
    configure_logging(Settings(log_format="json"))
    written = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(written)
    yield written
    root.handlers, root.level = kept[0], kept[1]


@activity.defn(name="send_notice")
async def failing_notice() -> None:
    activity.logger.warning("avis %s non envoyé (%s)", "k-1", "unreachable")


async def test_an_activity_record_carries_reference_and_workflow_id(json_log: io.StringIO) -> None:
    environment = ActivityEnvironment()
    environment.info = dataclasses.replace(
        environment.info, workflow_id="cpom-CPOM-35-SAD-2024", activity_type="send_notice"
    )
    await environment.run(failing_notice)
    line = json.loads(json_log.getvalue().splitlines()[-1])
    assert line["level"] == "WARNING"
    assert line["message"].startswith("avis k-1 non envoyé (unreachable)")
    assert line["reference"] == "CPOM-35-SAD-2024"
    assert line["workflow_id"] == "cpom-CPOM-35-SAD-2024"
    assert line["temporal_activity"]["activity_type"] == "send_notice"
    assert line["timestamp"]


def test_a_record_without_a_contract_is_plain_json(json_log: io.StringIO) -> None:
    logging.getLogger("cpom.metrics").warning("jauges non mises à jour : %s", "base")
    line = json.loads(json_log.getvalue().splitlines()[-1])
    assert (line["logger"], line["message"]) == ("cpom.metrics", "jauges non mises à jour : base")
    assert "reference" not in line


def test_text_format_leaves_the_log_as_it_was() -> None:
    root = logging.getLogger()
    before = root.handlers[:]
    configure_logging(Settings())
    assert root.handlers == before

"""A contract denounced by mutual agreement before a mutual dénonciation awaited the other
party's acceptance (patch `mutual-denonciation-agreed`) still replays: its dénonciation keeps
ending it on its notification.

The history was recorded on the code from before the patch (commit 22b86de), by the scenario of
`test_a_mutual_denonciation_recorded_before_the_change_ended_the_contract_at_once` below: the
SAD contract, denounced by mutual agreement on 10 March 2026, ended on 10 June 2026.
"""

import base64
import json
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from cpom.converter import data_converter
from cpom.worker import WORKFLOW_RUNNER
from workflows.contract import CpomWorkflow

HISTORY = Path(__file__).parent / "histories_before_agreement" / "v3-mutual-denonciation-run1.json"


async def test_a_mutual_denonciation_recorded_before_the_change_ended_the_contract_at_once() -> (
    None
):
    text = HISTORY.read_text()
    events = json.loads(text)["events"]
    updates = [
        e["workflowExecutionUpdateAcceptedEventAttributes"]["acceptedRequest"]["input"]
        for e in events
        if e["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED"
    ]
    decision = json.loads(base64.b64decode(updates[0]["args"]["payloads"][0]["data"]))
    assert (updates[0]["name"], decision["mode"]) == ("denounce", "mutuelle")
    assert "notified_by" not in decision  # a decision from before parties were named
    completed = events[-1]["workflowExecutionCompletedEventAttributes"]["result"]["payloads"]
    assert json.loads(base64.b64decode(completed[0]["data"])) == "denoncee"

    history = WorkflowHistory.from_json(HISTORY.stem, text)
    replayer = Replayer(
        workflows=[CpomWorkflow],
        data_converter=data_converter,
        workflow_runner=WORKFLOW_RUNNER,
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure

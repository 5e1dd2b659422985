"""Saved histories of real runs must replay on the current code: a change that would break the
contracts already running (five years long) fails here. Guard such changes with
`workflow.patched(...)` and keep every history file."""

import base64
from pathlib import Path

import pytest
from pydantic import SecretStr
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from cpom import agenda_handoff
from cpom.converter import data_converter, data_converter_for
from cpom.settings import Settings
from cpom.worker import WORKFLOW_RUNNER
from workflows.contract import CpomWorkflow

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_histories_are_there() -> None:
    assert len(HISTORIES) >= 10


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_saved_history_replays(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(
        workflows=[CpomWorkflow],
        data_converter=data_converter,
        workflow_runner=WORKFLOW_RUNNER,
    )
    kept = agenda_handoff.kept()
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure
    # No activity runs in a replay: the workflow hands no agenda over for one.
    assert agenda_handoff.kept() == kept


# The codec passes payloads in clear through whatever wrote them: a sample of the histories
# shows it without replaying them all twice.
@pytest.mark.parametrize("path", HISTORIES[::16], ids=[p.stem for p in HISTORIES[::16]])
async def test_saved_history_replays_with_encryption_on(path: Path) -> None:
    settings = Settings(encryption_keys=SecretStr(f"k:{base64.b64encode(bytes(32)).decode()}"))
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(
        workflows=[CpomWorkflow],
        data_converter=data_converter_for(settings),
        workflow_runner=WORKFLOW_RUNNER,
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure

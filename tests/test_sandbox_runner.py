"""The workflow sandbox compiles each line of the SDK once per process, not at every activation
and payload (issue 12), and runs the workflows as the stock sandbox does."""

from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from cpom import sandbox_runner
from cpom.converter import data_converter
from cpom.worker import WORKFLOW_RUNNER
from workflows.contract import CpomWorkflow

HISTORIES = Path(__file__).parent / "workflows" / "histories"


def test_the_installed_sdk_runs_its_sandbox_code_compiled_once() -> None:
    # A release of the SDK without the method this relies on would run the stock sandbox: this
    # says so, so that the speed lost does not go unnoticed.
    assert sandbox_runner.COMPILES_ONCE
    assert isinstance(WORKFLOW_RUNNER, sandbox_runner.CompiledOnceSandboxRunner)


async def replay(name: str) -> None:
    path = HISTORIES / f"{name}.json"
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(
        workflows=[CpomWorkflow], data_converter=data_converter, workflow_runner=WORKFLOW_RUNNER
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure


async def test_a_second_run_compiles_nothing_more() -> None:
    await replay("v17-tacit-prorogation-run1")
    compiled = sandbox_runner.compiled.cache_info()
    await replay("v17-tacit-prorogation-run2")
    again = sandbox_runner.compiled.cache_info()
    assert again.misses == compiled.misses
    # Dozens of activations and payloads, each running lines of the SDK in the sandbox.
    assert again.hits - compiled.hits > 20


async def test_payloads_contexts_are_read_without_entering_the_sandbox(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entered: list[str] = []
    run_code = sandbox_runner._CompiledOnceInstance._run_code

    def counting(self: Any, code: str, **extra_globals: Any) -> None:
        entered.append(code)
        run_code(self, code, **extra_globals)

    monkeypatch.setattr(sandbox_runner._CompiledOnceInstance, "_run_code", counting)
    await replay("v17-tacit-prorogation-run1")
    assert any("activate" in code for code in entered)
    assert not [code for code in entered if "context" in code]

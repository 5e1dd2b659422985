"""The workflow sandbox compiles each line of the SDK once per process, not at every activation
and payload (issue 12), and runs the workflows as the stock sandbox does."""

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from cpom import sandbox_runner
from cpom.converter import data_converter
from cpom.settings import ROOT
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


def test_the_sandbox_leaves_the_builtins_alone_and_keeps_its_other_checks() -> None:
    # With a check of builtins, the SDK wraps `isinstance` for the whole process while a
    # workflow runs: 1 ms of each contract's start (issue 12).
    members = WORKFLOW_RUNNER.restrictions.invalid_module_members
    assert members.child_matcher(sandbox_runner.BUILTINS) is None
    for module in ("datetime", "random", "os", "threading", "time"):
        assert members.child_matcher(module) is not None, module


def workflow_modules() -> list[Path]:
    """The project's modules a worker's workflow loads, as a fresh interpreter imports them."""
    files = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, sys, workflows.contract\n"
            "print(json.dumps([getattr(m, '__file__', None) for m in list(sys.modules.values())]))",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    loaded = [Path(f).resolve() for f in json.loads(files.stdout) if f]
    return sorted(
        f for f in loaded if f.is_relative_to(ROOT) and not f.is_relative_to(ROOT / ".venv")
    )


FORBIDDEN = {"open", "input", "breakpoint"}


def forbidden_calls(source: str) -> list[str]:
    """The calls of `open`, `input` or `breakpoint` in `source`, bare or through a module."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        name = (
            function.id
            if isinstance(function, ast.Name)
            else function.attr
            if isinstance(function, ast.Attribute)
            and isinstance(function.value, ast.Name)
            and function.value.id in {"builtins", "io"}
            else None
        )
        if name in FORBIDDEN:
            found.append(f"{name} (line {node.lineno})")
    return found


def test_the_checker_finds_each_forbidden_call() -> None:
    source = "open('x')\nbuiltins.input()\nio.open('y')\nbreakpoint()\npath.open()\nreopen()\n"
    assert forbidden_calls(source) == [
        "open (line 1)",
        "input (line 2)",
        "open (line 3)",
        "breakpoint (line 4)",
    ]


def test_no_module_of_the_workflows_calls_a_builtin_the_sandbox_would_refuse() -> None:
    # What the sandbox's check of builtins caught while a workflow ran, checked before it runs.
    modules = workflow_modules()
    assert ROOT / "workflows" / "contract_flow.py" in modules
    assert ROOT / "cpom" / "domain" / "live_agenda.py" in modules
    found = {
        str(module.relative_to(ROOT)): calls
        for module in modules
        if (calls := forbidden_calls(module.read_text(encoding="utf-8")))
    }
    assert found == {}

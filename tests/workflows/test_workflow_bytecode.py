"""The sandbox imports the workflow's module for every workflow instance. The worker writes its
bytecode when it is built, so that no new contract compiles the module's source again, even
where Python writes no bytecode of its own (PYTHONDONTWRITEBYTECODE)."""

import importlib.machinery
import importlib.util
import inspect
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cpom.domain.lifecycle import ContractState, initial_phase
from cpom.messages import ContractInput, workflow_id
from cpom.simulation import LifeSimulator
from tests.workflows.helpers import contract
from workflows.contract import CpomWorkflow

SOURCE = Path(inspect.getsourcefile(CpomWorkflow) or "")


async def test_new_contracts_do_not_compile_the_workflow_module(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    Path(importlib.util.cache_from_source(str(SOURCE))).unlink(missing_ok=True)
    monkeypatch.setattr("sys.dont_write_bytecode", True)
    compiled: list[str] = []
    original = importlib.machinery.SourceFileLoader.source_to_code

    def counting(self: Any, data: Any, path: Any, *args: Any, **kwargs: Any) -> Any:
        compiled.append(str(path))
        return original(self, data, path, *args, **kwargs)

    monkeypatch.setattr(importlib.machinery.SourceFileLoader, "source_to_code", counting)
    async with LifeSimulator() as life:
        compiled.clear()  # the worker, once built, has written the module's bytecode
        for index in range(3):
            terms = replace(contract(), reference=f"CPOM-35-SAD-{index}")
            state = ContractState(terms, initial_phase(terms, date(2026, 3, 2)))
            handle = await life.env.client.start_workflow(
                "Cpom",
                ContractInput(state),
                id=workflow_id(terms.reference),
                task_queue=life.settings.task_queue,
            )
            assert await handle.query("phase") == state.phase.value
    assert [path for path in compiled if Path(path) == SOURCE] == []

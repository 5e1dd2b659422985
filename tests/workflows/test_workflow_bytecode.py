"""The sandbox imports the workflow's module for every workflow instance. The worker writes its
bytecode when it is built, so that no new contract compiles the module's source again, even
where Python writes no bytecode of its own (PYTHONDONTWRITEBYTECODE)."""

import importlib.machinery
import importlib.util
import inspect
from pathlib import Path
from typing import Any

import pytest

from cpom.simulation import LifeSimulator
from tests.workflows.helpers import start_new_contracts
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
        await start_new_contracts(life, 3)
    assert [path for path in compiled if Path(path) == SOURCE] == []

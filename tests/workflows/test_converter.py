"""One type adapter per message type for the whole worker process: a new contract (and so a
continue-as-new, or a replay after an eviction) no longer builds the schema of `ContractInput`
again, and the bytes written are those of the stock pydantic converter."""

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from pydantic import TypeAdapter
from temporalio.contrib.pydantic import pydantic_data_converter

from cpom.converter import data_converter
from cpom.domain.lifecycle import ContractState, initial_phase
from cpom.messages import ContractInput
from cpom.simulation import LifeSimulator
from tests.workflows.helpers import contract, start_new_contracts

DAY = date(2026, 3, 2)


def contract_input(reference: str = "CPOM-35-SAD-2024") -> ContractInput:
    terms = replace(contract(), reference=reference)
    return ContractInput(ContractState(terms, initial_phase(terms, DAY)))


def test_the_payload_is_the_one_the_saved_histories_hold() -> None:
    value = contract_input()
    ours = data_converter.payload_converter.to_payloads([value])
    assert ours == pydantic_data_converter.payload_converter.to_payloads([value])
    assert data_converter.payload_converter.from_payloads(ours, [ContractInput]) == [value]


def test_two_converters_share_their_type_adapters() -> None:
    payloads = data_converter.payload_converter.to_payloads([contract_input()])
    first, second = (data_converter.payload_converter_class() for _ in range(2))
    first.from_payloads(payloads, [ContractInput])
    built = TypeAdapter.__init__

    def refuse(*_: Any, **__: Any) -> None:
        raise AssertionError("a second converter built a type adapter again")

    try:
        TypeAdapter.__init__ = refuse  # type: ignore[method-assign]
        assert second.from_payloads(payloads, [ContractInput]) == [contract_input()]
    finally:
        TypeAdapter.__init__ = built  # type: ignore[method-assign]


async def test_new_contracts_do_not_build_the_input_schema_again(
    simulator: LifeSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    original = TypeAdapter.__init__

    def counting(self: TypeAdapter[Any], type_: Any, *args: Any, **kwargs: Any) -> None:
        built.append(getattr(type_, "__name__", repr(type_)))
        original(self, type_, *args, **kwargs)

    monkeypatch.setattr(TypeAdapter, "__init__", counting)
    await start_new_contracts(simulator, 4)
    # Built at most once in this process (before this test, if another test came first); the
    # stock converter built it once per workflow instance.
    assert built.count("ContractInput") <= 1, built

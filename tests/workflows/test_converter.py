"""One type adapter per message type for the whole worker process: a new contract (and so a
continue-as-new, or a replay after an eviction) no longer builds the schema of `ContractInput`
again. Messages are written without their fields at their default, and read back the same as
the payloads the stock pydantic converter wrote (every saved history)."""

import dataclasses
import json
import typing
from dataclasses import replace
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import CompositePayloadConverter

from cpom import messages
from cpom.converter import SharedAdaptersJSONConverter, data_converter
from cpom.domain.lifecycle import ContractState, initial_phase
from cpom.messages import ContractInput
from cpom.payload_compression import inflated
from cpom.simulation import LifeSimulator
from tests.workflows.helpers import contract, start_new_contracts

DAY = date(2026, 3, 2)


def contract_input(reference: str = "CPOM-35-SAD-2024") -> ContractInput:
    terms = replace(contract(), reference=reference)
    return ContractInput(ContractState(terms, initial_phase(terms, DAY)))


HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))
FROZEN_DEFAULTS = Path(__file__).parent / "message_defaults.json"


def test_a_message_is_written_without_its_defaults_and_read_back_whole() -> None:
    value = contract_input()
    ours = data_converter.payload_converter.to_payloads([value])
    full = pydantic_data_converter.payload_converter.to_payloads([value])
    assert len(ours[0].data) < len(full[0].data) / 2
    assert "prorogation_notice_months" in full[0].data.decode()
    for payloads in (ours, full):
        assert data_converter.payload_converter.from_payloads(payloads, [ContractInput]) == [value]


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
def test_every_saved_input_reads_back_the_same_once_written_compact(path: Path) -> None:
    """Each run's input in the saved histories (a contract's first, each continue-as-new's),
    written in full by earlier releases (compressed since v17), reads back the same once written
    compact."""
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    converter = data_converter.payload_converter
    inputs = []
    for event in history.events:
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
            inputs.append(event.workflow_execution_started_event_attributes.input.payloads)
        elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
            inputs.append(event.workflow_execution_continued_as_new_event_attributes.input.payloads)
    assert inputs
    for payloads in inputs:
        [value] = converter.from_payloads([inflated(p) for p in payloads], [ContractInput])
        assert converter.from_payloads(converter.to_payloads([value]), [ContractInput]) == [value]


def _message_types() -> list[type]:
    """Every dataclass a message holds, the messages' own included."""
    found: dict[type, None] = {}

    def walk(hint: Any) -> None:
        for argument in typing.get_args(hint):
            walk(argument)
        if not dataclasses.is_dataclass(hint) or not isinstance(hint, type) or hint in found:
            return
        found[hint] = None
        hints = typing.get_type_hints(hint)
        for field in dataclasses.fields(hint):
            walk(hints[field.name])

    for value in vars(messages).values():
        walk(value)
    return sorted(found, key=lambda kind: f"{kind.__module__}.{kind.__qualname__}")


def _default_of(field: dataclasses.Field[Any]) -> Any:
    if field.default is not dataclasses.MISSING:
        value = field.default
    elif field.default_factory is not dataclasses.MISSING:
        value = field.default_factory()
    else:
        return "(none)"
    return value.value if isinstance(value, Enum) else repr(value)


def test_the_defaults_of_every_message_are_frozen() -> None:
    """A message is written without its fields at their default, and read back with the
    default of the release that reads it. Changing a default would silently change the rules,
    terms and state of every running contract (its next run's input, a replay after an
    eviction). Give a new value to new contracts through the presets, or add a new field."""
    defaults = {
        f"{kind.__module__}.{kind.__qualname__}.{field.name}": _default_of(field)
        for kind in _message_types()
        for field in dataclasses.fields(kind)
        if field.init
    }
    frozen = json.loads(FROZEN_DEFAULTS.read_text())
    changed = {
        name: (frozen[name], value)
        for name, value in defaults.items()
        if name in frozen and frozen[name] != value
    }
    assert not changed, f"defaults changed (was, now): {changed}"
    # A new field (or a new message) is frozen once added to the file.
    assert set(defaults) <= set(frozen), sorted(set(defaults) - set(frozen))


def test_no_message_field_holds_a_subclass_of_its_type() -> None:
    """Written compact, a field is written by its declared type: a subclass's own fields would
    be lost."""
    for kind in _message_types():
        assert not kind.__subclasses__(), (kind, kind.__subclasses__())


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


def test_payload_converters_share_one_json_converter() -> None:
    """The SDK makes a payload converter for each workflow instance and each payload context:
    none of them builds its JSON converter (and its cache of adapters) anew."""
    first, second = (data_converter.payload_converter_class() for _ in range(2))
    assert isinstance(first, CompositePayloadConverter)
    assert isinstance(second, CompositePayloadConverter)
    json_encoding = b"json/plain"
    assert first.converters[json_encoding] is second.converters[json_encoding]
    assert isinstance(first.converters[json_encoding], SharedAdaptersJSONConverter)

"""A cached contract keeps a fingerprint of each agenda item it projected, not the item: every
field of the item, and of its basis, must change the fingerprint, or a change of that field
would never reach the projection."""

import dataclasses
from datetime import date, timedelta
from typing import Any

import pytest

from cpom.domain.date_law import Basis, SkippedDay
from cpom.domain.lifecycle import ContractState, Party, initial_phase
from cpom.domain.live_agenda import AgendaItem, live_agenda
from cpom.domain.terms import Silence
from tests.workflows.helpers import contract
from workflows.contract_flow import fingerprint

TODAY = date(2025, 3, 25)


def an_item() -> AgendaItem:
    terms = contract()
    state = ContractState(terms, initial_phase(terms, TODAY), imported=True)
    return live_agenda(state, TODAY)[0]


def other(value: Any) -> Any:
    """A value of the same kind as `value`, and different."""
    match value:
        case bool():
            return not value
        case int():
            return value + 1
        case date():
            return value + timedelta(days=1)
        case Silence():
            return Silence.ACCEPT if value is not Silence.ACCEPT else Silence.REJECT
        case Party():
            return Party.AUTORITE if value is not Party.AUTORITE else Party.GESTIONNAIRE
        case str():
            return value + "…"
        case tuple():
            return (*value, SkippedDay(date(2025, 5, 1), "fête du travail"))
        case None:
            return "autre"
    raise AssertionError(f"no other value for {value!r}")


@pytest.mark.parametrize(
    "name", [f.name for f in dataclasses.fields(AgendaItem) if f.name != "basis"]
)
def test_every_field_of_an_item_changes_its_fingerprint(name: str) -> None:
    item = an_item()
    changed = dataclasses.replace(item, **{name: other(getattr(item, name))})
    assert fingerprint(changed) != fingerprint(item)
    assert fingerprint(dataclasses.replace(item)) == fingerprint(item)


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(Basis)])
def test_every_field_of_its_basis_changes_its_fingerprint(name: str) -> None:
    item = an_item()
    basis = dataclasses.replace(item.basis, **{name: other(getattr(item.basis, name))})
    assert fingerprint(dataclasses.replace(item, basis=basis)) != fingerprint(item)

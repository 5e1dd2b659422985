"""The agenda a workflow hands over to its local activity: taken once, by its key; an activity
that finds none reads the agenda off the state, the same one."""

from dataclasses import replace
from datetime import date

import pytest

from cpom import agenda_handoff
from cpom.db.projection import row_values
from cpom.domain.date_law import Basis, SkippedDay
from cpom.domain.lifecycle import ContractState, initial_phase
from cpom.domain.live_agenda import live_agenda
from cpom.messages import ProjectionUpdate
from tests.workflows.helpers import contract

DAY = date(2025, 3, 25)


def whole_update(handoff: str = "") -> ProjectionUpdate:
    terms = contract()
    state = ContractState(terms, initial_phase(terms, DAY))
    return ProjectionUpdate(
        None, state.phase, DAY, 0, [], agenda_complete=True, state=state, handoff=handoff
    )


def test_the_activity_takes_the_agenda_handed_over_once() -> None:
    update = whole_update("run-1:1")
    assert update.state is not None
    agenda = live_agenda(update.state, DAY)
    agenda_handoff.hand_over("run-1:1", agenda)
    assert update.resolved().agenda is agenda
    # Taken: a retry of the activity reads the same agenda off the state.
    assert agenda_handoff.take("run-1:1") is None
    again = update.resolved().agenda
    assert again is not agenda
    assert again == agenda


def test_without_a_handoff_the_agenda_is_read_off_the_state() -> None:
    agenda_handoff.hand_over("", [])  # a key never asked for: an update without one
    update = whole_update()
    assert update.state is not None
    assert update.resolved().agenda == live_agenda(update.state, DAY)
    assert agenda_handoff.take("") is None


def test_only_the_latest_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(agenda_handoff, "KEPT", 2)
    for index in range(3):
        agenda_handoff.hand_over(f"bound:{index}", [])
    assert agenda_handoff.take("bound:0") is None
    assert agenda_handoff.take("bound:1") == []
    assert agenda_handoff.take("bound:2") == []


def test_bases_are_coded_once_by_their_fields_skipped_days_included() -> None:
    """Bases are not hashable (mutable dataclasses): they are coded once by their fields."""
    update = whole_update()
    assert update.state is not None
    item = live_agenda(update.state, DAY)[0]
    skipped = Basis("règle", "seed", DAY, (SkippedDay(DAY, "dimanche"),), "dimanche", "art. 1")
    first = row_values("R", replace(item, basis=skipped), {})
    same = Basis("règle", "seed", DAY, (SkippedDay(DAY, "dimanche"),), "dimanche", "art. 1")
    other = Basis("règle", "seed", DAY, (SkippedDay(DAY, "férié"),), "dimanche", "art. 1")
    assert row_values("R", replace(item, basis=same), {})[-1] is first[-1]
    assert '"reason": "férié"' in row_values("R", replace(item, basis=other), {})[-1]

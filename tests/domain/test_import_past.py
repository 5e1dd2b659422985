"""A contract imported in the course of its life: the steps already due are past, and the plan
left is the one the workflow's first wake would plan (it takes it instead of planning again)."""

from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from cpom.domain.agenda import ChangePhase, EndContract, plan
from cpom.domain.clock import local_instant
from cpom.domain.import_past import IMPORT_KEY, record_past_as_past
from cpom.domain.lifecycle import ContractState, Dialogue, initial_phase
from cpom.domain.terms import Sector
from tests.factories import make_terms


@given(
    st.dates(min_value=date(2015, 1, 1), max_value=date(2040, 12, 31)),
    st.integers(min_value=2, max_value=5),
    st.sampled_from(list(Sector)),
    st.sampled_from(["35", "57", "974"]),
    st.integers(min_value=0, max_value=6 * 366),
    st.integers(min_value=0, max_value=23),
    st.booleans(),
)
@settings(max_examples=150, deadline=None)
def test_the_plan_left_is_the_plan_of_the_state_left(
    effet: date,
    years: int,
    sector: Sector,
    territory: str,
    days_in: int,
    hour: int,
    dialogue_held: bool,
) -> None:
    terms = make_terms(effet=effet, years=years, sector=sector, territory=territory)
    today = effet + timedelta(days=days_in)
    now = local_instant(today, hour)
    state = ContractState(terms, initial_phase(terms, today), imported=True)
    if dialogue_held:  # a relevé still to generate: the plan reads the journal for it
        held = effet + timedelta(days=days_in // 2)
        state.dialogues.append(Dialogue(1, held, ["la direction"], ["poursuivre"]))
    left = record_past_as_past(state, now, today)
    assert left == plan(state)
    assert IMPORT_KEY in state.done
    assert state.events[-1].kind == "imported"
    # Nothing left is past, but the phase changes and the end, which the workflow performs.
    assert all(
        local_instant(p.day, p.hour) > now or isinstance(p.action, ChangePhase | EndContract)
        for p in left
    )


def test_the_import_says_what_it_left_unnotified_and_what_is_missed() -> None:
    terms = make_terms(effet=date(2024, 1, 1))
    today = date(2025, 6, 2)
    state = ContractState(terms, initial_phase(terms, today), imported=True)
    record_past_as_past(state, datetime.combine(today, datetime.min.time()).astimezone(), today)
    summary = state.events[-1].summary
    assert summary.startswith("contrat importé en cours de vie : ")
    assert "rappels et échéances passés, non notifiés" in summary
    assert "obligations passées non renseignées, à régulariser : " in summary

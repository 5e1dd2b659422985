"""What people read as the reason of a date: the contract's clause and the law, never a seed."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cpom.domain import legal_basis as legal
from cpom.domain.calendar import MilestoneKind, build_calendar
from cpom.domain.lifecycle import ContractState, DenonciationMode, Phase, apply_denounce
from cpom.domain.live_agenda import AgendaKind, live_agenda
from cpom.domain.terms import Sector
from tests.factories import make_terms

AUDIT_ONLY = ("seed", "cpom-rules", "§7", " L3", " L4")


def test_ille_et_vilaine_renegotiation_cites_both_articles_that_fall_on_its_day() -> None:
    calendar = build_calendar(make_terms())
    renegotiation = calendar.first(MilestoneKind.RENEGOTIATION_START)
    assert renegotiation.day == date(2028, 6, 30)
    assert renegotiation.basis.law == "art. 12 et 16 du CPOM"
    assert renegotiation.basis.rule == (
        "dernier jour pour notifier une prorogation simple (au plus tard 6 mois avant "
        "l'échéance) ; sans notification reçue ce jour, la négociation d'un nouveau CPOM s'ouvre "
        "le même jour, en fin de journée (au plus tard 6 mois avant l'échéance)"
    )
    assert "seed 001 art. 16" in renegotiation.basis.source  # kept for audit


def test_a_reply_window_cites_the_contract_and_the_civil_procedure_count() -> None:
    calendar = build_calendar(make_terms(), notice_received_on=date(2028, 5, 2))
    deadline = calendar.first(MilestoneKind.PROROGATION_REPLY_DEADLINE)
    assert (deadline.day, deadline.basis.law) == (
        date(2028, 7, 3),  # 2 July 2028 is a Sunday
        "art. 12 du CPOM ; CPC art. 641 et 642",
    )


@pytest.mark.parametrize(
    ("sector", "law"),
    [
        (Sector.SAD, "art. 12 du CPOM"),
        (Sector.AHI_ETAT, "point V.2 du CPOM"),
        # The ARS guide has no model contract: the clause is named, not numbered.
        (Sector.ESMS_ARS, "CPOM, clause de prorogation"),
    ],
)
def test_each_preset_cites_its_own_numbering(sector: Sector, law: str) -> None:
    calendar = build_calendar(make_terms(sector=sector))
    assert calendar.first(MilestoneKind.PROROGATION_NOTICE_DEADLINE).basis.law == law


def test_the_echeance_cites_the_duration_clause_and_the_five_year_cap() -> None:
    echeance = build_calendar(make_terms()).first(MilestoneKind.ECHEANCE)
    assert echeance.basis.law == "art. 16 du CPOM ; CASF art. L. 313-11"


def test_an_early_end_states_the_count_of_its_preavis() -> None:
    state = ContractState(make_terms(), Phase.EXECUTION)
    apply_denounce(state, DenonciationMode.MUTUELLE, date(2026, 3, 16), date(2026, 3, 16), "a")
    end = next(i for i in live_agenda(state) if i.kind == AgendaKind.EARLY_END)
    assert end.day == date(2026, 6, 16)
    assert end.basis.law == "art. 13 du CPOM ; CPC art. 640 et 641"
    assert "même quantième" in end.basis.rule


def test_clauses_are_cited_together_only_when_they_differ() -> None:
    assert legal.clauses("art. 12", "art. 16", "x") == "art. 12 et 16 du CPOM"
    assert legal.clauses("point V.2", "point V.2", "x") == "point V.2 du CPOM"
    assert legal.clauses("art. 12", "point V.2", "x") == "art. 12 et point V.2 du CPOM"
    assert legal.clauses("", "art. 16", "x") == "art. 16 du CPOM"
    assert legal.clauses("", "", "de prorogation") == "CPOM, clause de prorogation"
    assert legal.cite("a", "", "b") == "a ; b"


@given(
    st.sampled_from(list(Sector)),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2080, 12, 31)),
    st.integers(min_value=2, max_value=5),
)
def test_every_date_people_see_has_a_legal_basis_and_no_seed_reference(
    sector: Sector, effet: date, years: int
) -> None:
    terms = make_terms(sector=sector, effet=effet, years=years)
    state = ContractState(terms, Phase.EXECUTION)
    for item in live_agenda(state):
        assert item.basis.law, item.kind
        assert not any(marker in item.basis.law for marker in AUDIT_ONLY), item.basis.law
        assert not any(marker in item.basis.rule for marker in AUDIT_ONLY), item.basis.rule

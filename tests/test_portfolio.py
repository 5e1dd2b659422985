"""The portfolio's figures, read from projected live agendas (SQLite and PostgreSQL)."""

from dataclasses import replace
from datetime import date

from sqlalchemy import Engine

from cpom import portfolio
from cpom.db import projection
from cpom.domain.lifecycle import ContractState, Phase, apply_submit_documents
from cpom.domain.live_agenda import at_risk, live_agenda
from cpom.messages import ProjectionUpdate
from cpom.portfolio import Bar, DocumentsOnTime, Filters
from tests.factories import SAD_ITEMS, make_terms

TODAY = date(2026, 11, 23)


def project(engine: Engine, state: ContractState) -> None:
    projection.record(
        engine,
        ProjectionUpdate(
            state.terms,
            state.phase,
            TODAY,
            0,
            [],
            agenda=live_agenda(state),
            agenda_complete=True,
            risk=at_risk(state, TODAY),
        ),
    )


def contract(reference: str, effet: date, phase: Phase = Phase.EXECUTION) -> ContractState:
    return ContractState(replace(make_terms(effet=effet), reference=reference), phase)


def test_charts_count_what_the_live_agendas_hold(engine: Engine) -> None:
    on_time = contract("CPOM-A", date(2024, 1, 1))
    apply_submit_documents(on_time, 2024, SAD_ITEMS, date(2025, 4, 2), "g")
    late = contract("CPOM-B", date(2024, 1, 1), Phase.BILAN)
    apply_submit_documents(late, 2024, SAD_ITEMS, date(2025, 5, 20), "g")
    young = contract("CPOM-C", date(2026, 1, 1))
    for state in (on_time, late, young):
        project(engine, state)
    everything = Filters()

    assert portfolio.phase_counts(engine, everything, TODAY) == {"execution": 2, "bilan": 1}
    assert portfolio.documents_on_time(engine, everything, TODAY) == [
        DocumentsOnTime(2024, on_time=1, late=1, missing=0),
        DocumentsOnTime(2025, on_time=0, late=0, missing=2),
    ]
    months = portfolio.deadlines_by_month(engine, everything, TODAY)
    assert len(months) == 12
    assert months[0] == Bar("nov. 2026", 0)
    # The documents of 2026 fall due on 30 April 2027, for each of the three contracts.
    assert Bar("avr. 2027", 3) in months
    only_b = portfolio.deadlines_by_month(engine, Filters(q="CPOM-B"), TODAY)
    assert Bar("avr. 2027", 1) in only_b
    assert portfolio.documents_on_time(engine, Filters(phase="bilan"), TODAY)[0].share == 0.0


def test_filters_travel_in_the_address_without_the_owner() -> None:
    filters = Filters(
        phase="execution",
        overdue=True,
        at_risk=False,
        q="732829320",
        deadline_before=date(2027, 6, 30),
        owner_siren="552100554",
    )
    assert filters.query_string() == {
        "phase": "execution",
        "deadline_before": "2027-06-30",
        "overdue": "true",
        "q": "732829320",
    }


def test_sorts_and_the_owner_filter(engine: Engine) -> None:
    for reference, effet in (("CPOM-A", date(2024, 1, 1)), ("CPOM-B", date(2023, 1, 1))):
        project(engine, contract(reference, effet))

    def references(sort: portfolio.Sort, descending: bool = False) -> list[str]:
        found = portfolio.list_contracts(engine, Filters(), TODAY, sort=sort, descending=descending)
        return [row.reference for row in found.rows]

    assert references(portfolio.Sort.ECHEANCE) == ["CPOM-B", "CPOM-A"]
    assert references(portfolio.Sort.ECHEANCE, descending=True) == ["CPOM-A", "CPOM-B"]
    assert references(portfolio.Sort.GESTIONNAIRE) == ["CPOM-A", "CPOM-B"]
    assert references(portfolio.Sort.PHASE) == ["CPOM-A", "CPOM-B"]
    # CPOM-B missed the dialogue de gestion of 30 June 2023, CPOM-A that of 30 June 2024.
    assert references(portfolio.Sort.LATE) == ["CPOM-B", "CPOM-A"]
    mine = portfolio.list_contracts(engine, Filters(owner_siren="552100554"), TODAY)
    assert (mine.total, mine.pages) == (0, 1)

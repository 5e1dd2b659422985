"""The contract's page read from the projection in a few statements (SQLite and PostgreSQL)."""

from datetime import date

import pytest
from sqlalchemy import Connection, Engine, event

from cpom.db import objectives_store
from cpom.domain.lifecycle import ContractState, Phase
from cpom.domain.objectives import Indicator, IndicatorValue, Objective, Target, YearlyReport
from cpom.service import ContractNotFound, ContractService
from tests.test_portfolio import contract, project

HOURS = Indicator("1.1", "Heures en binôme", "heures", 1200, 2023, (Target(2026, 2000),), 2600)
FIRST = (Objective("1", "Binômes", indicators=(HOURS,)),)
SECOND = (*FIRST, Objective("2", "Qualité de vie au travail"))


def reader(engine: Engine) -> ContractService:
    # The page reads only the database: no Temporal client.
    service = ContractService.__new__(ContractService)
    service.engine = engine
    return service


def statements_of(engine: Engine, reference: str) -> tuple[list[str], dict[str, object]]:
    """What the page reads of `reference`, and the statements it took."""
    statements: list[str] = []

    def executed(connection: Connection, cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    with engine.connect() as connection:
        event.listen(engine, "before_cursor_execute", executed)
        try:
            rows = reader(engine).detail(reference, connection)
        finally:
            event.remove(engine, "before_cursor_execute", executed)
    return statements, {
        "terms": rows.terms_json,
        "agenda": len(rows.agenda),
        "events": len(rows.events),
        "objectives": rows.objectives,
    }


def test_the_page_reads_the_objectives_in_force_and_their_reports(engine: Engine) -> None:
    state: ContractState = contract("CPOM-OBJ", date(2024, 1, 1), Phase.EXECUTION)
    project(engine, state)
    objectives_store.adopt(engine, "CPOM-OBJ", 1, date(2024, 1, 1), "termes du contrat", FIRST)
    objectives_store.adopt(engine, "CPOM-OBJ", 2, date(2025, 3, 1), "avenant", SECOND)
    objectives_store.save_report(
        engine,
        "CPOM-OBJ",
        YearlyReport(2025, (IndicatorValue("1.1", 1500),)),
        date(2026, 4, 1),
        "g",
    )

    statements, page = statements_of(engine, "CPOM-OBJ")

    # The contract with its terms and objectives in force, their reports, its agenda, its events.
    assert len(statements) == 4, statements
    assert '"reference":"CPOM-OBJ"' in str(page["terms"])
    assert page["agenda"]
    objectives = page["objectives"]
    assert isinstance(objectives, dict)
    assert (objectives["version"], objectives["basis"]) == (2, "avenant")
    [binomes, qvt] = objectives["items"]
    assert binomes["indicators"][0]["values"] == [{"year": 2025, "value": 1500, "comment": ""}]
    assert qvt["title"] == "Qualité de vie au travail"


def test_without_objectives_the_page_takes_three_statements(engine: Engine) -> None:
    project(engine, contract("CPOM-SANS", date(2024, 1, 1)))
    statements, page = statements_of(engine, "CPOM-SANS")
    assert len(statements) == 3, statements
    assert page["objectives"] is None


def test_an_unknown_contract_is_not_found(engine: Engine) -> None:
    with engine.connect() as connection, pytest.raises(ContractNotFound):
        reader(engine).detail("INCONNU", connection)

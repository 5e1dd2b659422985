"""The agenda's rows as SQLite stores them: dates given as ISO text (the projection's fast path)
are stored as the driver's adapter stores dates, and read back as dates."""

from dataclasses import replace
from datetime import date
from pathlib import Path

from sqlalchemy import text

from cpom.db import projection
from cpom.db.driver_rows import insert_values
from cpom.db.engine import throwaway_engine
from cpom.domain.lifecycle import ContractState, initial_phase
from cpom.domain.live_agenda import live_agenda
from tests.workflows.helpers import contract

DAY = date(2025, 3, 25)


def test_dates_given_as_text_are_stored_and_read_as_dates(tmp_path: Path) -> None:
    engine = throwaway_engine(f"sqlite:///{tmp_path / 'rows.db'}")
    terms = contract()
    items = live_agenda(ContractState(terms, initial_phase(terms, DAY)), DAY)
    # One item with every date set, as a step done and answered.
    items[0] = replace(items[0], opens_on=DAY, done_on=DAY, silence_on=date(2025, 4, 30))
    stored: dict[bool, list[tuple[object, ...]]] = {}
    for as_text in (False, True):
        reference = f"{terms.reference}-{as_text}"
        rows = [projection.row_values(reference, item, {}, dates_as_text=as_text) for item in items]
        with engine.begin() as connection:
            projection._store_contract(connection, replace(terms, reference=reference), {})
            insert_values(connection, projection.AGENDA, projection.AGENDA_COLUMNS, rows)
            stored[as_text] = [
                tuple(row)
                for row in connection.execute(
                    text(
                        "SELECT key, day, typeof(day), opens_on, done_on, silence_on "
                        "FROM agenda_item WHERE reference = :reference ORDER BY key"
                    ),
                    {"reference": reference},
                )
            ]
            read = projection.items_of(projection.agenda_rows(connection, reference))
        assert sorted(read, key=lambda i: i.key) == sorted(items, key=lambda i: i.key)
    assert stored[True] == stored[False]
    assert ("2025-03-25", "2025-03-25", "2025-04-30") in {row[3:] for row in stored[True]}

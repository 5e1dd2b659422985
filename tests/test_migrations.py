"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlmodel import SQLModel

from cpom.db.engine import make_engine

# Expression indexes are not reflected: the comparison leaves them aside, a test below checks
# them.
EXPRESSION_INDEXES = {
    "ix_contract_deadline_order",
    "ix_contract_phase_order",
    "ix_contract_sector_order",
}


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping")
def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []
    tables = set(inspect(engine).get_table_names())
    assert {
        "contract",
        "agenda_item",
        "contract_event",
        "notice",
        "document",
        "api_token",
        "caught_mail",
        "attachment",
        "alembic_version",
    } <= tables


def test_migrating_twice_changes_nothing(engine: Engine) -> None:
    again = make_engine(engine.url.render_as_string(hide_password=False))
    with again.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() is not None
    again.dispose()


def test_contract_lists_read_an_ordered_index(engine: Engine) -> None:
    catalog = (
        "SELECT name FROM sqlite_master WHERE type = 'index'"
        if engine.dialect.name == "sqlite"
        else "SELECT indexname FROM pg_indexes WHERE tablename = 'contract'"
    )
    with engine.connect() as connection:
        assert set(connection.execute(text(catalog)).scalars()) >= EXPRESSION_INDEXES
        if engine.dialect.name == "sqlite":
            plan = connection.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT * FROM contract WHERE phase = 'execution' "
                    "ORDER BY next_deadline IS NULL, next_deadline, reference LIMIT 50"
                )
            ).all()
            assert "TEMP B-TREE" not in str(plan)

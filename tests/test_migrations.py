"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

from cpom.db.engine import make_engine


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []
    tables = set(inspect(engine).get_table_names())
    assert {
        "contract",
        "milestone",
        "contract_event",
        "notice",
        "document",
        "api_token",
        "caught_mail",
        "alembic_version",
    } <= tables


def test_migrating_twice_changes_nothing(engine: Engine) -> None:
    again = make_engine(engine.url.render_as_string(hide_password=False))
    with again.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() is not None
    again.dispose()

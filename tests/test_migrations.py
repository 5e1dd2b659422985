"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import ClauseElement, Engine, inspect, text
from sqlalchemy.exc import OperationalError
from sqlmodel import SQLModel, col, select

from cpom.access import Principal, Role
from cpom.db.engine import make_engine, throwaway_engine
from cpom.db.models import AgendaRecord, ContractAuthorityRecord, ContractRecord
from cpom.db.projection import TERMS
from cpom.domain.terms_input import terms_from_mapping
from cpom.inbox import tasks_query
from cpom.portfolio import Filters, deadlines_query
from cpom.service import followed_steps_query
from tests.test_access import migrate

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


def test_a_contract_page_reads_its_agenda_and_events_in_order_from_indexes(
    engine: Engine,
) -> None:
    agenda_indexes = {
        i["name"]: i["column_names"] for i in inspect(engine).get_indexes("agenda_item")
    }
    assert agenda_indexes["ix_agenda_reading_order"] == ["reference", "day", "key"]
    # Events are found by their unique (reference, sequence) index alone.
    event_indexes = [i["column_names"] for i in inspect(engine).get_indexes("contract_event")]
    assert ["reference"] not in event_indexes
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            for query in (
                "SELECT * FROM agenda_item WHERE reference = 'R' ORDER BY day, key",
                "SELECT * FROM contract_event WHERE reference = 'R' ORDER BY sequence",
            ):
                plan = str(connection.execute(text(f"EXPLAIN QUERY PLAN {query}")).all())
                assert "USING INDEX" in plan, plan
                assert "TEMP B-TREE" not in plan, plan


PRINCIPALS = [
    Principal("agent", Role.AGENT, authority="cd35"),
    Principal("gestionnaire", Role.GESTIONNAIRE, siren="552100554"),
    Principal("superviseur national", Role.SUPERVISOR),
]


def reads_index(engine: Engine, query: ClauseElement, index: str) -> bool:
    """Whether the database can run `query` from `index`, rather than whether it would today
    (on nearly empty tables it may well go another way)."""
    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            # The query fails to prepare if the index cannot serve it.
            forced = sql.replace("FROM agenda_item", f"FROM agenda_item INDEXED BY {index}")
            assert forced != sql
            try:
                connection.execute(text(f"EXPLAIN QUERY PLAN {forced}"))
            except OperationalError:
                return False
            return True
        # PostgreSQL: without the table's other indexes, in a transaction rolled back.
        with connection.begin() as transaction:
            connection.execute(text("DROP INDEX ix_agenda_reading_order"))
            connection.execute(text("ALTER TABLE agenda_item DROP CONSTRAINT agenda_item_pkey"))
            connection.execute(text("SET LOCAL enable_seqscan = off"))
            plan = str(connection.execute(text(f"EXPLAIN {sql}")).all())
            transaction.rollback()
        return index in plan


@pytest.mark.parametrize("principal", PRINCIPALS, ids=lambda principal: principal.name)
def test_the_readers_across_contracts_read_the_partial_agenda_indexes(
    engine: Engine, principal: Principal
) -> None:
    """The inbox's index holds only the open steps calling for an action, the index by day no
    routine step: each query must say as much for the database to use them (issue 12)."""
    day = date(2025, 4, 20)
    filters = Filters(scope_authority=principal.authority)
    for query, index in (
        (tasks_query(principal, day).limit(50), "ix_agenda_open_steps"),
        (followed_steps_query(principal, day), "ix_agenda_day_not_routine"),
        (deadlines_query(filters, day), "ix_agenda_day_not_routine"),
    ):
        assert reads_index(engine, query, index), (index, str(query))


def test_a_query_that_does_not_say_it_cannot_read_a_partial_index(engine: Engine) -> None:
    """The check above tells a query the index fits from one it does not."""
    query = select(AgendaRecord).where(col(AgendaRecord.day) >= date(2025, 4, 20))
    assert not reads_index(engine, query, "ix_agenda_day_not_routine")


def test_contracts_projected_before_scopes_are_found_by_their_authorities(
    engine: Engine,
) -> None:
    """The migration reads each stored contract's signing authorities from its terms."""
    migrate(engine, command.downgrade, "f1b3d5e7a9c2")
    terms = terms_from_mapping(
        {
            "reference": "CPOM-35-ESMS-CONJOINT",
            "preset": "esms-ars",
            "effet": "2024-01-01",
            "duration_years": 5,
            "authorities": [
                {"kind": "ars", "name": "ARS Bretagne", "territory": "35"},
                {
                    "kind": "departement",
                    "id": "cd35",
                    "name": "Département d'Ille-et-Vilaine",
                    "territory": "35",
                    "role": "cosignataire",
                },
            ],
            "gestionnaire": {"raison_sociale": "EHPAD Les Tilleuls"},
        }
    )
    row = {
        "reference": terms.reference,
        "sector": "esms-ars",
        "phase": "execution",
        "kind": "ars",
        "name": "ARS Bretagne",
        "territory": "35",
        "gestionnaire": "EHPAD Les Tilleuls",
        "effet": date(2024, 1, 1),
        "echeance": date(2028, 12, 31),
        "updated_at": datetime(2025, 1, 1, tzinfo=UTC),
        "terms": TERMS.dump_json(terms).decode(),
    }
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO contract (reference, sector, phase, authority_kind, authority_name, "
                "territory, gestionnaire, effet, echeance, updated_at) VALUES (:reference, "
                ":sector, :phase, :kind, :name, :territory, :gestionnaire, :effet, :echeance, "
                ":updated_at)"
            ),
            row,
        )
        connection.execute(
            text("INSERT INTO contract_terms (reference, terms_json) VALUES (:reference, :terms)"),
            row,
        )
    migrate(engine, command.upgrade, "head")
    with engine.connect() as connection:
        keys = connection.execute(
            select(ContractAuthorityRecord.authority_key).order_by(
                ContractAuthorityRecord.authority_key
            )
        ).scalars()
        assert list(keys) == ["ars", "cd35"]
        lead = connection.execute(select(ContractRecord.authority_key)).scalar_one()
        assert lead == "ars"


def schema(engine: Engine) -> dict[str, Any]:
    """Everything a SQLite database's schema says of each table, as SQLAlchemy reflects it, and
    the SQL of each index (reflection leaves out those on expressions)."""
    inspector = inspect(engine)
    tables: dict[str, Any] = {}
    for table in inspector.get_table_names():
        tables[table] = {
            # A column a migration adds comes last: the order is the only difference.
            "columns": sorted(
                (c["name"], str(c["type"]), c["nullable"], c.get("default"))
                for c in inspector.get_columns(table)
            ),
            "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
            "foreign_keys": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                for f in inspector.get_foreign_keys(table)
            ),
            "unique": sorted(
                tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)
            ),
            "checks": sorted(c["sqltext"] for c in inspector.get_check_constraints(table)),
        }
    with engine.connect() as connection:
        indexes = connection.execute(
            text("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index'")
        ).all()
    # Alembic writes an index's expression between parentheses and quotes names.
    tables["indexes"] = sorted(
        (name, table, " ".join((sql or "").translate(str.maketrans("", "", '"()')).split()))
        for name, table, sql in indexes
        if table != "alembic_version"
    )
    return tables


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_a_throwaway_database_has_the_schema_the_migrations_build(tmp_path: Path) -> None:
    """`cpom simulate` creates its database's tables from the models, without Alembic."""
    migrated = make_engine(f"sqlite:///{tmp_path / 'migrated.db'}")
    created = throwaway_engine(f"sqlite:///{tmp_path / 'created.db'}")
    expected, actual = schema(migrated), schema(created)
    migrated.dispose()
    created.dispose()
    assert expected.pop("alembic_version")
    # The one difference: the default the migration gave the contracts it found, which every
    # contract projected since writes itself.
    contract = expected["contract"]
    assert ("authority_key", "VARCHAR(80)", False, "''") in contract["columns"]
    contract["columns"] = [
        (name, kind, nullable, None if name == "authority_key" else default)
        for name, kind, nullable, default in contract["columns"]
    ]
    assert actual == expected

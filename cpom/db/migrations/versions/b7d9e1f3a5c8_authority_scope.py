"""authority scope: each contract's signing authorities, a token's and an import's authority

Revision ID: b7d9e1f3a5c8
Revises: f1b3d5e7a9c2
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "b7d9e1f3a5c8"
down_revision: str | None = "f1b3d5e7a9c2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = sqlmodel.sql.sqltypes.AutoString(length=80)


def _keys(terms_json: str) -> list[str]:
    """`Authority.key` of each signing authority, the lead one first, as the terms stored them."""
    terms = json.loads(terms_json)
    signing = [terms["authority"], *terms.get("co_signatories", [])]
    return list(dict.fromkeys(a.get("id") or a["kind"] for a in signing))


def upgrade() -> None:
    op.create_table(
        "contract_authority",
        sa.Column("reference", KEY, nullable=False),
        sa.Column("authority_key", KEY, nullable=False),
        sa.ForeignKeyConstraint(["reference"], ["contract.reference"]),
        sa.PrimaryKeyConstraint("reference", "authority_key"),
    )
    with op.batch_alter_table("contract_authority", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contract_authority_authority_key"), ["authority_key"], unique=False
        )
    # Not in batch mode: SQLite would copy the table and lose its expression indexes.
    op.add_column("contract", sa.Column("authority_key", KEY, nullable=False, server_default=""))
    for table in ("api_token", "import_job"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("authority_key", KEY, nullable=True))
    # The contracts already projected: their authorities, read from their stored terms.
    connection = op.get_bind()
    terms = sa.table("contract_terms", sa.column("reference"), sa.column("terms_json"))
    contract = sa.table("contract", sa.column("reference"), sa.column("authority_key"))
    authorities = sa.table("contract_authority", sa.column("reference"), sa.column("authority_key"))
    for reference, terms_json in connection.execute(
        sa.select(terms.c.reference, terms.c.terms_json)
    ).all():
        keys = _keys(terms_json)
        connection.execute(
            contract.update().where(contract.c.reference == reference).values(authority_key=keys[0])
        )
        connection.execute(
            authorities.insert(), [{"reference": reference, "authority_key": k} for k in keys]
        )


def downgrade() -> None:
    for table in ("import_job", "api_token"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("authority_key")
    op.drop_column("contract", "authority_key")
    with op.batch_alter_table("contract_authority", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_authority_authority_key"))
    op.drop_table("contract_authority")

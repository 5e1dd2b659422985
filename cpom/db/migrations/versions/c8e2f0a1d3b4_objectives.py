"""objectives, yearly reports and decisions per objective

Revision ID: c8e2f0a1d3b4
Revises: 5b9e1d7c3a42
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "c8e2f0a1d3b4"
down_revision: str | None = "5b9e1d7c3a42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _reference() -> sa.Column[str]:
    return sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False)


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "objective_set",
        _reference(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("adopted_on", sa.Date(), nullable=False),
        sa.Column("basis", text(), nullable=False),
        sa.Column("objectives_json", text(), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["reference"], ["contract.reference"]),
        sa.PrimaryKeyConstraint("reference", "version"),
    )
    op.create_table(
        "objectives_report",
        _reference(),
        sa.Column("exercise", sa.Integer(), nullable=False),
        sa.Column("report_json", text(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("submitted_by", text(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["reference"], ["contract.reference"]),
        sa.PrimaryKeyConstraint("reference", "exercise"),
    )
    op.create_table(
        "objective_decision",
        _reference(),
        sa.Column("contract_year", sa.Integer(), nullable=False),
        sa.Column("objective_id", text(length=20), nullable=False),
        sa.Column("decision", text(), nullable=False),
        sa.Column("reasons", text(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["reference"], ["contract.reference"]),
        sa.PrimaryKeyConstraint("reference", "contract_year", "objective_id"),
    )


def downgrade() -> None:
    op.drop_table("objective_decision")
    op.drop_table("objectives_report")
    op.drop_table("objective_set")

"""the index by day of the agenda's steps that are not routine, said by one comparison per kind

Revision ID: 808118bb9c22
Revises: a4d6f8b0c2e1
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "808118bb9c22"
down_revision: str | None = "a4d6f8b0c2e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROUTINE = (
    "dotation_advance_due",
    "dotation_balance_due",
    "dotation_payment",
    "dotation_regularisation_due",
    "funding_payment",
    "monthly_activity_report_due",
)
# As `cpom.db.models` says them when this revision was written: the same steps, checked by
# comparisons instead of a `NOT IN` list, for which SQLite builds a table at each row written
# (a sixth of the cost of inserting a new contract's agenda, issue 12).
NOT_ROUTINE = " AND ".join(f"kind <> '{kind}'" for kind in ROUTINE)
NOT_ROUTINE_BEFORE = f"kind NOT IN ({', '.join(repr(kind) for kind in ROUTINE)})"


def _index_by_day(condition: str) -> None:
    op.drop_index("ix_agenda_day_not_routine", table_name="agenda_item")
    op.create_index(
        "ix_agenda_day_not_routine",
        "agenda_item",
        ["day"],
        sqlite_where=sa.text(condition),
        postgresql_where=sa.text(condition),
    )


def upgrade() -> None:
    _index_by_day(NOT_ROUTINE)


def downgrade() -> None:
    _index_by_day(NOT_ROUTINE_BEFORE)

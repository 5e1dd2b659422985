"""partial agenda indexes: the inbox's holds only the open steps calling for an action, the
index by day leaves the routine steps out

Revision ID: a4d6f8b0c2e1
Revises: f8cbf10368c8
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a4d6f8b0c2e1"
down_revision: str | None = "f8cbf10368c8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As `cpom.db.models` says them when this revision was written.
OPEN_STEP = "action IS NOT NULL AND done_on IS NULL"
NOT_ROUTINE = (
    "kind NOT IN ('dotation_advance_due', 'dotation_balance_due', 'dotation_payment', "
    "'dotation_regularisation_due', 'funding_payment', 'monthly_activity_report_due')"
)


def upgrade() -> None:
    # Both indexes are keyed by day: each new contract wrote one entry for each of its 71 steps
    # into each, in some 70 pages scattered over the calendar, a third of the CPU of its first
    # projection (issue 12). The inbox reads only the open steps that call for an action (16
    # of them); the readers across contracts by day never list the routine ones (42).
    op.drop_index("ix_agenda_open_by_party", table_name="agenda_item")
    op.create_index(
        "ix_agenda_open_steps",
        "agenda_item",
        ["waiting_for", "day"],
        sqlite_where=sa.text(OPEN_STEP),
        postgresql_where=sa.text(OPEN_STEP),
    )
    op.drop_index("ix_agenda_item_day", table_name="agenda_item")
    op.create_index(
        "ix_agenda_day_not_routine",
        "agenda_item",
        ["day"],
        sqlite_where=sa.text(NOT_ROUTINE),
        postgresql_where=sa.text(NOT_ROUTINE),
    )


def downgrade() -> None:
    op.drop_index("ix_agenda_day_not_routine", table_name="agenda_item")
    op.create_index("ix_agenda_item_day", "agenda_item", ["day"])
    op.drop_index("ix_agenda_open_steps", table_name="agenda_item")
    op.create_index("ix_agenda_open_by_party", "agenda_item", ["waiting_for", "done_on", "day"])

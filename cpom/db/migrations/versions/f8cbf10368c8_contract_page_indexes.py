"""contract page indexes: the agenda in its reading order; no second index on event references

Revision ID: f8cbf10368c8
Revises: c3e5a7b9d1f2
"""

from collections.abc import Sequence

from alembic import op

revision: str = "f8cbf10368c8"
down_revision: str | None = "c3e5a7b9d1f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A contract's page reads its agenda by day and key: from this index, without a sort.
    op.create_index("ix_agenda_reading_order", "agenda_item", ["reference", "day", "key"])
    # The unique index on (reference, sequence) finds a contract's events, in their order:
    # this one only cost every event written.
    op.drop_index("ix_contract_event_reference", table_name="contract_event")


def downgrade() -> None:
    op.create_index("ix_contract_event_reference", "contract_event", ["reference"])
    op.drop_index("ix_agenda_reading_order", table_name="agenda_item")

"""open steps index: the inbox's index holds only the steps still open that call for an action

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

OPEN_STEP = "action IS NOT NULL AND done_on IS NULL"


def upgrade() -> None:
    # The inbox reads only the open steps that call for an action (16 of the 71 rows of a new
    # contract). The index of every row, keyed by day, had each new contract write into some 70
    # pages of it, scattered over the calendar: a third of the CPU of its first projection
    # (issue 12).
    op.drop_index("ix_agenda_open_by_party", table_name="agenda_item")
    op.create_index(
        "ix_agenda_open_steps",
        "agenda_item",
        ["waiting_for", "day"],
        sqlite_where=sa.text(OPEN_STEP),
        postgresql_where=sa.text(OPEN_STEP),
    )


def downgrade() -> None:
    op.drop_index("ix_agenda_open_steps", table_name="agenda_item")
    op.create_index("ix_agenda_open_by_party", "agenda_item", ["waiting_for", "done_on", "day"])

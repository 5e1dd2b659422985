"""notice lease and failure

Revision ID: 5b9e1d7c3a42
Revises: 2539a3fdc218
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "5b9e1d7c3a42"
down_revision: str | None = "2539a3fdc218"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("claimed_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("failure", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(
            sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("next_attempt_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    # Failed attempts kept their raw error as the SMTP answer: it moves to `last_error`, so that
    # `smtp_response` only ever holds a proof of sending.
    op.execute(
        "UPDATE notice SET last_error = smtp_response, smtp_response = NULL "
        "WHERE status = 'failed_attempt'"
    )


def downgrade() -> None:
    op.execute("UPDATE notice SET smtp_response = last_error WHERE status = 'failed_attempt'")
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("last_error")
        batch_op.drop_column("failure")
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claimed_by")

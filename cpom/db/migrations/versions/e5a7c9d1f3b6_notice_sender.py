"""notice sender: the From address each notice went out with, kept with its proof

Revision ID: e5a7c9d1f3b6
Revises: c8e2f0a1d3b4
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "e5a7c9d1f3b6"
down_revision: str | None = "c8e2f0a1d3b4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Notices written before went out from CPOM_MAIL_FROM: an empty sender still means it.
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sender", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_column("sender")

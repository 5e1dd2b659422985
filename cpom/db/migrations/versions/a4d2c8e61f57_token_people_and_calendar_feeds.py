"""token holders (email, expiry) and secret calendar feed addresses

Revision ID: a4d2c8e61f57
Revises: df338a0cef53
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "a4d2c8e61f57"
down_revision: str | None = "df338a0cef53"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing tokens keep working: no email, no expiry date.
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True)
        )
        batch_op.add_column(sa.Column("expires_on", sa.Date(), nullable=True))
    op.create_table(
        "calendar_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["token_id"], ["api_token.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("secret_hash"),
        sa.UniqueConstraint("token_id"),
    )


def downgrade() -> None:
    op.drop_table("calendar_feed")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("expires_on")
        batch_op.drop_column("email")

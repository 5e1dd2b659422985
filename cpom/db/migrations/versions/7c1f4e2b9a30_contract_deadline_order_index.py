"""contract list order indexes

Revision ID: 7c1f4e2b9a30
Revises: 2e7ee9e5fed8
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c1f4e2b9a30"
down_revision: str | None = "2e7ee9e5fed8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The expression matches ContractService.list's ORDER BY (deadlines first, then none).
DEADLINE_ORDER = [sa.text("(next_deadline IS NULL)"), "next_deadline", "reference"]


def upgrade() -> None:
    # The phase and sector indexes become the leading column of ordered ones.
    op.drop_index("ix_contract_phase", table_name="contract")
    op.drop_index("ix_contract_sector", table_name="contract")
    op.create_index("ix_contract_deadline_order", "contract", DEADLINE_ORDER)
    op.create_index("ix_contract_phase_order", "contract", ["phase", *DEADLINE_ORDER])
    op.create_index("ix_contract_sector_order", "contract", ["sector", *DEADLINE_ORDER])


def downgrade() -> None:
    op.drop_index("ix_contract_sector_order", table_name="contract")
    op.drop_index("ix_contract_phase_order", table_name="contract")
    op.drop_index("ix_contract_deadline_order", table_name="contract")
    op.create_index("ix_contract_sector", "contract", ["sector"])
    op.create_index("ix_contract_phase", "contract", ["phase"])

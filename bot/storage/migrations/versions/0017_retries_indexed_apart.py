"""the ledger's retries indexed apart, and lookups by rollout and status

Revision ID: 0017
Revises: 0016

The scheduler's next wake-up is the first planned post (read in order from
`ix_deliveries_status_due`) or the first retry: `ix_deliveries_retry` holds only the few rows
waiting out one, so that is one entry too, however long the ledger grows. Lookups by rollout
narrow by status, so they no longer read a rollout's whole history.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = "status = 'planned' AND not_before IS NOT NULL"


def upgrade() -> None:
    """Add the indexes."""
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.drop_index("ix_deliveries_rollout")
        batch_op.create_index("ix_deliveries_rollout_status", ["rollout_id", "status"])
        batch_op.create_index(
            "ix_deliveries_retry",
            ["status", "not_before"],
            sqlite_where=sa.text(WAITING),
            postgresql_where=sa.text(WAITING),
        )


def downgrade() -> None:
    """Put the old index back."""
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.drop_index("ix_deliveries_retry")
        batch_op.drop_index("ix_deliveries_rollout_status")
        batch_op.create_index("ix_deliveries_rollout", ["rollout_id"])

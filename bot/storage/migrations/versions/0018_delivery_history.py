"""a summary of the ledger's pruned history

Revision ID: 0018
Revises: 0017

Settled ledger rows due longer ago than CRBOT_DELIVERY_HISTORY_DAYS are deleted by the
scheduler's daily job; `delivery_history` keeps how many of each kind and outcome a rollout had,
and over which days they were due.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the summary table."""
    op.create_table(
        "delivery_history",
        sa.Column("rollout_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("tenant_id", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_due", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("rollout_id", "kind", "status", name=op.f("pk_delivery_history")),
    )


def downgrade() -> None:
    """Drop it; the pruned rows stay gone."""
    op.drop_table("delivery_history")

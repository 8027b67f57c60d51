"""calendar feeds a facilitator can subscribe to, and stop

Revision ID: 0015
Revises: 0014

`console_feeds` keeps a digest of each feed address's secret, with the rollout it shows; the
address itself is shown to the facilitator once.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the table."""
    op.create_table(
        "console_feeds",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=200), nullable=False),
        sa.Column("rollout_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_console_feeds")),
    )
    with op.batch_alter_table("console_feeds") as batch_op:
        batch_op.create_index("ix_console_feeds_rollout", ["tenant_id", "rollout_id"], unique=False)


def downgrade() -> None:
    """Drop it: every feed address stops working."""
    with op.batch_alter_table("console_feeds") as batch_op:
        batch_op.drop_index("ix_console_feeds_rollout")
    op.drop_table("console_feeds")

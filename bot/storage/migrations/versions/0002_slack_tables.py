"""slack tables

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Slack's handled events (made into `seen_requests` by 0008).

    This revision once made Slack's installations, OAuth states and forms too; they belong to
    the Slack adapter now (`adapters/slack/migrations`), whose first revision makes them on a
    fresh database and takes over the ones this made on an older one.
    """
    op.create_table(
        "slack_events",
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("tenant_id", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_slack_events")),
    )
    with op.batch_alter_table("slack_events", schema=None) as batch_op:
        batch_op.create_index("ix_slack_events_received", ["received_at"], unique=False)


def downgrade() -> None:
    """Drop Slack's handled events (the adapter's own tables are its history's to drop)."""
    with op.batch_alter_table("slack_events", schema=None) as batch_op:
        batch_op.drop_index("ix_slack_events_received")
    op.drop_table("slack_events")

"""one table of deliveries already handled, for Slack events and Teams activities alike

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create `seen_requests`, carry Slack's event ids over, and drop `slack_events`."""
    op.create_table(
        "seen_requests",
        sa.Column("request_key", sa.String(length=100), nullable=False),
        sa.Column("tenant_id", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("request_key", name=op.f("pk_seen_requests")),
    )
    with op.batch_alter_table("seen_requests", schema=None) as batch_op:
        batch_op.create_index("ix_seen_requests_received", ["received_at"], unique=False)
    op.execute(
        "INSERT INTO seen_requests (request_key, tenant_id, received_at) "
        "SELECT 'slack:' || event_id, tenant_id, received_at FROM slack_events"
    )
    with op.batch_alter_table("slack_events", schema=None) as batch_op:
        batch_op.drop_index("ix_slack_events_received")
    op.drop_table("slack_events")


def downgrade() -> None:
    """Bring `slack_events` back with Slack's keys; Teams' keys are simply forgotten."""
    op.create_table(
        "slack_events",
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("tenant_id", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_slack_events")),
    )
    with op.batch_alter_table("slack_events", schema=None) as batch_op:
        batch_op.create_index("ix_slack_events_received", ["received_at"], unique=False)
    op.execute(
        "INSERT INTO slack_events (event_id, tenant_id, received_at) "
        "SELECT substr(request_key, 7), tenant_id, received_at FROM seen_requests "
        "WHERE request_key LIKE 'slack:%'"
    )
    with op.batch_alter_table("seen_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_seen_requests_received")
    op.drop_table("seen_requests")

"""rollouts and the delivery ledger

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Rollouts, their circles and checklists, and the delivery ledger."""
    op.create_table(
        "rollouts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=2000), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("calendar", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("paused_reason", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollouts")),
    )
    with op.batch_alter_table("rollouts", schema=None) as batch_op:
        batch_op.create_index("ix_rollouts_tenant_address", ["tenant_id", "address"], unique=False)
    op.create_table(
        "rollout_circles",
        sa.Column("tenant_id", sa.String(length=200), nullable=False),
        sa.Column("rollout_id", sa.String(length=36), nullable=False),
        sa.Column("section", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("rollout_id", "section", name=op.f("pk_rollout_circles")),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("tenant_id", sa.String(length=200), nullable=False),
        sa.Column("rollout_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("section", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.String(length=10), nullable=False),
        sa.Column("address", sa.String(length=2000), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.String(length=2000), nullable=True),
        sa.Column("error", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("key", name=op.f("uq_deliveries_key")),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_deliveries_status_due", ["status", "due_at"], unique=False)
        batch_op.create_index("ix_deliveries_rollout", ["rollout_id"], unique=False)
    op.create_table(
        "rollout_checklist",
        sa.Column("tenant_id", sa.String(length=200), nullable=False),
        sa.Column("rollout_id", sa.String(length=36), nullable=False),
        sa.Column("section", sa.Integer(), nullable=False),
        sa.Column("item", sa.Integer(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("rollout_id", "section", "item", name=op.f("pk_rollout_checklist")),
    )


def downgrade() -> None:
    """Drop them again (the scheduler's own job table is not Alembic's)."""
    op.drop_table("rollout_checklist")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_rollout")
        batch_op.drop_index("ix_deliveries_status_due")
    op.drop_table("deliveries")
    op.drop_table("rollout_circles")
    with op.batch_alter_table("rollouts", schema=None) as batch_op:
        batch_op.drop_index("ix_rollouts_tenant_address")
    op.drop_table("rollouts")

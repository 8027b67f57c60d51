"""the scheduler's lease: only the replica holding it claims and sends

Revision ID: 0012
Revises: 0011

`scheduler_leases` holds one row per lease (the sender's): its holder, its term (one more each
time it changes hands) and when it expires, in seconds on the database server's clock. A replica
claims posts only in a transaction that renews its own term, so one that lost touch with the
database stops sending before another may take over (docs/ARCHITECTURE.md, "The scheduler").
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the lease table."""
    op.create_table(
        "scheduler_leases",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("term", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_leases")),
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_table("scheduler_leases")

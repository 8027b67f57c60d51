"""a body for ledger rows that carry their own words, and people's preferences

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the column and the table."""
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.add_column(sa.Column("body", sa.Text(), nullable=True))
    op.create_table(
        "preferences",
        sa.Column("tenant_id", sa.String(length=200), nullable=False),
        sa.Column("person", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "person", "name", name=op.f("pk_preferences")),
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("preferences")
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.drop_column("body")

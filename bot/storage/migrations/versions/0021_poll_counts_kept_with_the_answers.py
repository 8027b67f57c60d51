"""each poll's answers counted per value as they come

Revision ID: 0021
Revises: 0020

`poll_counts` holds how many answers each poll has of each value, changed in the transaction
that records, changes or deletes an answer, so a release no longer counts the answers. It is
filled here from the answers already stored.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the counts and count the answers on record."""
    op.create_table(
        "poll_counts",
        sa.Column("poll_id", sa.String(length=36), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(length=200), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("poll_id", "value", name=op.f("pk_poll_counts")),
    )
    op.execute(
        "INSERT INTO poll_counts (poll_id, value, tenant_id, answers) "
        "SELECT poll_id, value, min(tenant_id), count(*) FROM poll_answers "
        "GROUP BY poll_id, value"
    )


def downgrade() -> None:
    """Drop them; the answers stay, and are counted again as before."""
    op.drop_table("poll_counts")

"""an answered question remembers the message its answer was posted as

Revision ID: 0022
Revises: 0021

So that a leader can correct the posted answer in place. The column holds the platform's
reference to the bot's own message (a channel and a message id), nothing about who asked.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the column; answers posted before it cannot be edited in place."""
    with op.batch_alter_table("asks") as batch_op:
        batch_op.add_column(sa.Column("answer_post", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("asks") as batch_op:
        batch_op.drop_column("answer_post")

"""an answered driver remembers the message its answer was posted as

Revision ID: 0025
Revises: 0024

So that a leader can correct the posted answer in place, or delete it. The column holds the
platform's reference to the bot's own message (a channel and a message id), nothing about who
added the driver.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the column (SQLite adds it in place, keeping AUTOINCREMENT); answers posted before
    it can be replaced by a new post only."""
    op.add_column("drivers", sa.Column("answer_post", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop it; SQLite rebuilds the table for that, with AUTOINCREMENT kept (as 0024 made it)."""
    with op.batch_alter_table(
        "drivers",
        naming_convention={"pk": "pk_%(table_name)s"},
        table_kwargs={"sqlite_autoincrement": True},
    ) as batch_op:
        batch_op.drop_column("answer_post")

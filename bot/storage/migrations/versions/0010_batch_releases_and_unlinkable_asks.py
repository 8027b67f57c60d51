"""published poll figures change only in batches; asks and suggestions link to nobody

Revision ID: 0010
Revises: 0009

`poll_releases` holds the one published version of each poll's figures, and `poll_actors` the
distinct people (as per-poll tokens) who answered, changed or deleted since it was published
(docs/PRIVACY.md). Asks gain the digest of a reply code only the asker holds, suggestions a
per-batch token that counts distinct people and is erased when the batch is released. No team
may publish below the floor group size of 3.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the release tables and the new columns; raise group sizes below the floor."""
    op.create_table(
        "poll_releases",
        sa.Column("poll_id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("respondents", sa.Integer(), nullable=False),
        sa.Column("counts", sa.String(length=100), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("poll_id", name=op.f("pk_poll_releases")),
    )
    op.create_table(
        "poll_actors",
        sa.Column("poll_id", sa.String(length=36), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("poll_id", "actor", name=op.f("pk_poll_actors")),
    )
    with op.batch_alter_table("asks") as batch_op:
        batch_op.add_column(sa.Column("reply_digest", sa.String(length=64), nullable=True))
    with op.batch_alter_table("suggestions") as batch_op:
        batch_op.add_column(sa.Column("author_token", sa.String(length=64), nullable=True))
    op.execute("UPDATE teams SET min_group_size = 3 WHERE min_group_size < 3")


def downgrade() -> None:
    """Drop them; group sizes stay raised."""
    with op.batch_alter_table("suggestions") as batch_op:
        batch_op.drop_column("author_token")
    with op.batch_alter_table("asks") as batch_op:
        batch_op.drop_column("reply_digest")
    op.drop_table("poll_actors")
    op.drop_table("poll_releases")

"""follow-ups and progress on drivers are previewed as drafts, and keep the message they became

Revision ID: 0026
Revises: 0025

A leader's or facilitator's post waits in `post_drafts` until they press "Post it", and keeps
the platform's reference to the message it became (a channel and a message id) so that its
words can be replaced or the message deleted afterwards.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Make the table."""
    op.create_table(
        "post_drafts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=2000), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("revision", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("posted", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_drafts")),
    )
    op.create_index("ix_post_drafts_expires", "post_drafts", ["expires_at"], unique=False)


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_post_drafts_expires", table_name="post_drafts")
    op.drop_table("post_drafts")

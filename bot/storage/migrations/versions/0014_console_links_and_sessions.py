"""the console's one-time sign-in links and its sessions

Revision ID: 0014
Revises: 0013

`console_links` keeps a digest of each link's token sent privately in chat (good once, for
minutes), `console_sessions` a digest of each signed-in browser's cookie. Both live in the
database so that any replica behind a load balancer serves them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _access_table(name: str, *extra: sa.Column[object]) -> None:
    op.create_table(
        name,
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        *extra,
        sa.PrimaryKeyConstraint("digest", name=op.f(f"pk_{name}")),
    )
    with op.batch_alter_table(name) as batch_op:
        batch_op.create_index(f"ix_{name}_expires", ["expires_at"], unique=False)


def upgrade() -> None:
    """Create both tables."""
    _access_table("console_links", sa.Column("used_at", sa.DateTime(timezone=True), nullable=True))
    _access_table("console_sessions")


def downgrade() -> None:
    """Drop them: everyone signed in is signed out, and unused links stop working."""
    for name in ("console_sessions", "console_links"):
        with op.batch_alter_table(name) as batch_op:
            batch_op.drop_index(f"ix_{name}_expires")
        op.drop_table(name)

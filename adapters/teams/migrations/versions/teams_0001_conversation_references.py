"""teams conversation references

Revision ID: teams_0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "teams_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Conversation references the Teams adapter posts through, per tenant.

    The core's migrations made this table before Teams kept its own history: a database that
    has it keeps it, rows and all, and this history takes it over from here.
    """
    if "teams_conversation_references" in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        "teams_conversation_references",
        sa.Column("tenant_id", sa.String(length=200), nullable=False),
        sa.Column("conversation_id", sa.String(length=500), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=True),
        sa.Column("team_id", sa.String(length=200), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=True),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "conversation_id", name=op.f("pk_teams_conversation_references")
        ),
    )
    with op.batch_alter_table("teams_conversation_references", schema=None) as batch_op:
        batch_op.create_index("ix_teams_references_user", ["tenant_id", "user_id"], unique=False)
        batch_op.create_index("ix_teams_references_team", ["tenant_id", "team_id"], unique=False)


def downgrade() -> None:
    """Drop the references (Teams must be reinstalled, or written to, before posting again)."""
    with op.batch_alter_table("teams_conversation_references", schema=None) as batch_op:
        batch_op.drop_index("ix_teams_references_team")
        batch_op.drop_index("ix_teams_references_user")
    op.drop_table("teams_conversation_references")

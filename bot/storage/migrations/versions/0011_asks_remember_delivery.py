"""asks remember whether a facilitator was sent them

Revision ID: 0011
Revises: 0010

A question asked while the team had no facilitator (or none could be reached) waits with no
`delivered_at` and goes to the first facilitator who uses the bot. Before this revision nothing
said whether a question reached anyone, so an older one counts as delivered when a facilitator
has acted on it (it is no longer new) or its team has a stored facilitator; the rest wait, and
a facilitator may see one again rather than never.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the column and mark the questions someone has surely seen."""
    with op.batch_alter_table("asks") as batch_op:
        batch_op.add_column(sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE asks SET delivered_at = created_at WHERE status <> 'new' OR tenant_id IN "
        "(SELECT tenant_id FROM roles WHERE role = 'facilitator')"
    )


def downgrade() -> None:
    """Drop it; waiting questions then look like any other."""
    with op.batch_alter_table("asks") as batch_op:
        batch_op.drop_column("delivered_at")

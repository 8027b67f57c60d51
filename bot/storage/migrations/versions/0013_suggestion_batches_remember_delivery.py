"""released suggestion batches remember whether a facilitator was sent them

Revision ID: 0013
Revises: 0012

A batch released while the team had no facilitator (or none could be reached) keeps no
`delivered_at` and goes to the first facilitator who uses the bot, as waiting questions do.
Before this revision a released batch was sent to the facilitators the team had then, so an
older one counts as delivered where its team has a stored facilitator; the rest wait, and a
facilitator may see one again rather than never.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the column and mark the released batches someone has surely seen."""
    with op.batch_alter_table("suggestions") as batch_op:
        batch_op.add_column(sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE suggestions SET delivered_at = released_at WHERE released_at IS NOT NULL AND "
        "tenant_id IN (SELECT tenant_id FROM roles WHERE role = 'facilitator')"
    )


def downgrade() -> None:
    """Drop it; waiting batches then look like any other released one."""
    with op.batch_alter_table("suggestions") as batch_op:
        batch_op.drop_column("delivered_at")

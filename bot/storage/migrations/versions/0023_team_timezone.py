"""a team's time zone

Revision ID: 0023
Revises: 0022

`team_settings` gains the IANA time zone a facilitator chose for the team in the console;
empty, the team's programmes keep the zone they were planned in.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the column."""
    with op.batch_alter_table("team_settings") as batch_op:
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Drop the column."""
    with op.batch_alter_table("team_settings") as batch_op:
        batch_op.drop_column("timezone")

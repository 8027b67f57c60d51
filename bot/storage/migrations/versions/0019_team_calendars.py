"""a team's calendar: where its public holidays come from, its term breaks, days to post anyway

Revision ID: 0019
Revises: 0018

`team_settings` gains the country and state or province whose public holidays the team keeps;
`team_calendar_days` holds the days of the term breaks a facilitator imported and the days they
said to post on anyway.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the two columns and the table."""
    with op.batch_alter_table("team_settings") as batch_op:
        batch_op.add_column(sa.Column("holiday_country", sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column("holiday_subdivision", sa.String(length=40), nullable=True))
    op.create_table(
        "team_calendar_days",
        sa.Column("tenant_id", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "day", "kind", name=op.f("pk_team_calendar_days")),
    )


def downgrade() -> None:
    """Drop them: posts planned from now on keep only the rollouts' own holidays."""
    op.drop_table("team_calendar_days")
    with op.batch_alter_table("team_settings") as batch_op:
        batch_op.drop_column("holiday_subdivision")
        batch_op.drop_column("holiday_country")

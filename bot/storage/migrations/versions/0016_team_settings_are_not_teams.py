"""a tenant's settings are `team_settings`, not `teams`

Revision ID: 0016
Revises: 0015

"teams" also names Microsoft Teams, so the table of each tenant's settings (pack, group size,
current section, support resources) is renamed; its rows are kept as they are.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Rename the table."""
    op.rename_table("teams", "team_settings")


def downgrade() -> None:
    """Give it its old name back."""
    op.rename_table("team_settings", "teams")

"""teams conversation references

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing now: this revision once made Teams' conversation references, which belong to the
    Teams adapter (`adapters/teams/migrations`); its first revision makes the table on a fresh
    database and takes over the one this made on an older one. Kept so the chain is whole."""


def downgrade() -> None:
    """Nothing: the references are the Teams adapter's history's to drop."""

"""ids of deleted asks, drivers and agreements are never given again on SQLite, once more

Revision ID: 0024
Revises: 0023

0020 rebuilt these tables in batch mode to add their numbers, and the rebuilt tables lost the
AUTOINCREMENT 0009 gave them, so SQLite could give a deleted newest row's id to the next row.
They are rebuilt with it; PostgreSQL never reuses identity values, so only SQLite is touched.
"""

from collections.abc import Sequence

from bot.storage.sqlite_rebuild import rebuild_with_autoincrement

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("asks", "drivers", "agreements")


def upgrade() -> None:
    """Rebuild the tables with AUTOINCREMENT; ids go on from the highest row copied."""
    rebuild_with_autoincrement(TABLES, autoincrement=True)


def downgrade() -> None:
    """Rebuild them as 0020 left them, without it."""
    rebuild_with_autoincrement(TABLES, autoincrement=False)

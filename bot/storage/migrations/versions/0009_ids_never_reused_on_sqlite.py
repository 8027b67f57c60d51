"""ids of deleted drivers, agreements, asks, suggestions and reflections are never given again

Revision ID: 0009
Revises: 0008

Buttons and commands name these items by id. Without AUTOINCREMENT, SQLite gives the id of the
newest deleted row to the next row, so an old button could act on a newer item. PostgreSQL never
reuses identity values, so only SQLite tables are rebuilt.
"""

from collections.abc import Sequence

from bot.storage.sqlite_rebuild import rebuild_with_autoincrement

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("drivers", "agreements", "asks", "suggestions", "reflections")


def upgrade() -> None:
    """Rebuild the tables with AUTOINCREMENT; ids go on from the highest row copied.

    An id deleted above that row before this upgrade left no trace, so it can be given once more.
    """
    rebuild_with_autoincrement(TABLES, autoincrement=True)


def downgrade() -> None:
    """Rebuild them without it."""
    rebuild_with_autoincrement(TABLES, autoincrement=False)

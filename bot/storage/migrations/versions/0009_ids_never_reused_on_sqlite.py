"""ids of deleted drivers, agreements, asks, suggestions and reflections are never given again

Revision ID: 0009
Revises: 0008

Buttons and commands name these items by id. Without AUTOINCREMENT, SQLite gives the id of the
newest deleted row to the next row, so an old button could act on a newer item. PostgreSQL never
reuses identity values, so only SQLite tables are rebuilt.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("drivers", "agreements", "asks", "suggestions", "reflections")


def _rebuild(autoincrement: bool) -> None:
    """Copy each table into a new one, rows and ids, indexes and constraints included.

    No table has a foreign key at 0008, so dropping the old tables while SQLite enforces foreign
    keys takes nothing else with it, and no reference needs pointing at the new ones.
    """
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        # SQLite writes an AUTOINCREMENT key on its column, unnamed; the convention gives the key
        # its name back on the way down.
        with op.batch_alter_table(
            table,
            recreate="always",
            naming_convention={"pk": "pk_%(table_name)s"},
            table_kwargs={"sqlite_autoincrement": autoincrement},
        ):
            pass


def upgrade() -> None:
    """Rebuild the tables with AUTOINCREMENT; ids go on from the highest row copied.

    An id deleted above that row before this upgrade left no trace, so it can be given once more.
    """
    _rebuild(autoincrement=True)


def downgrade() -> None:
    """Rebuild them without it."""
    _rebuild(autoincrement=False)

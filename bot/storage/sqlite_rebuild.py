"""Rebuilding SQLite tables inside a migration, for what ALTER TABLE cannot change."""

from __future__ import annotations

from collections.abc import Iterable

from alembic import op


def rebuild_with_autoincrement(tables: Iterable[str], autoincrement: bool) -> None:
    """Copy each SQLite table into a new one with (or without) AUTOINCREMENT, rows and ids,
    indexes and constraints included. PostgreSQL never reuses identity values: nothing to do.

    The tables must have no foreign key pointing at them: SQLite enforces foreign keys here, and
    dropping the old table would take the rows referring to it along.
    """
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in tables:
        # SQLite writes an AUTOINCREMENT key on its column, unnamed; the convention gives the key
        # its name back on the way down.
        with op.batch_alter_table(
            table,
            recreate="always",
            naming_convention={"pk": "pk_%(table_name)s"},
            table_kwargs={"sqlite_autoincrement": autoincrement},
        ):
            pass

"""Alembic environment: runs over the connection crbot hands it (see bot.storage.engine.migrate).

One environment serves the core's history and every platform's: the configuration says which
schema (its tables and version table) this run is for, and which tables belong to others.
"""

from __future__ import annotations

from alembic import context

from bot.storage.engine import CORE, include_object

schema = context.config.attributes.get("schema", CORE)
connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `crbot db upgrade`, which supplies the connection")
context.configure(
    connection=connection,
    target_metadata=schema.metadata,
    version_table=schema.version_table,
    include_object=context.config.attributes.get("include_object", include_object(frozenset())),
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()

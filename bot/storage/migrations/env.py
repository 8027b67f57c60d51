"""Alembic environment: runs over the connection crbot hands it (see bot.storage.engine.migrate)."""

from __future__ import annotations

from typing import Any

from alembic import context

from bot.storage.tables import Base

target_metadata = Base.metadata


def _include(_object: Any, name: str | None, type_: str, *_: Any) -> bool:
    # The scheduler's job store owns its own table.
    return not (type_ == "table" and name == "apscheduler_jobs")


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `crbot db upgrade`, which supplies the connection")
context.configure(
    connection=connection,
    target_metadata=target_metadata,
    include_object=_include,
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()

"""The database answers, and its schema is the one this version of crbot migrates to."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.checks import TIMEOUT_SECONDS, Check, fail, ok
from bot.storage.engine import CORE, Schema, alembic_config, current_revision


def sqlite_file(url: str) -> Path | None:
    """The SQLite file a database URL names, if it names one."""
    if not url.startswith("sqlite") or ":///" not in url:
        return None
    path = url.split(":///", 1)[1]
    return None if path in ("", ":memory:") else Path(path)


UPGRADE = "run `crbot db upgrade` (or start the bot, which upgrades at start)"


async def _history(
    engine: AsyncEngine, schema: Schema, platforms: Sequence[Schema], name: str
) -> Check:
    """One history (the core's, or a platform's) is at this version's head."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(schema, platforms))
    head = script.get_current_head()
    current = await current_revision(engine, schema)
    if current == head:
        return ok(name, f"at head {head}")
    if current is None:
        return fail(name, f"empty schema, this version needs {head}", UPGRADE)
    return fail(
        name,
        f"at {current}, this version's head is {head}",
        UPGRADE
        if script.get_revision(current) is not None
        else "the database was upgraded by a newer crbot: run that version, or restore "
        "the backup taken before the upgrade",
    )


async def database(engine: AsyncEngine, platforms: Sequence[Schema] = ()) -> list[Check]:
    """The database answers, and the core's and each platform's schema is at this version's
    migration head."""
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        await current_revision(engine)
    except Exception as error:
        return [
            fail(
                "database",
                f"cannot connect ({type(error).__name__})",
                "check DATABASE_URL (host, port, user, database) and that the server is running",
            )
        ]
    checks = [ok("database", f"connected ({engine.dialect.name})")]
    checks.append(await _history(engine, CORE, platforms, "migrations"))
    for schema in platforms:
        checks.append(await _history(engine, schema, platforms, f"{schema.name} migrations"))
    return checks

"""The database answers, and its schema is the one this version of crbot migrates to."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.engine import alembic_config, current_revision
from crbot.checks.result import TIMEOUT_SECONDS, Check, fail, ok


def sqlite_file(url: str) -> Path | None:
    """The SQLite file a database URL names, if it names one."""
    if not url.startswith("sqlite") or ":///" not in url:
        return None
    path = url.split(":///", 1)[1]
    return None if path in ("", ":memory:") else Path(path)


def _head() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def database(engine: AsyncEngine) -> list[Check]:
    """The database answers, and its schema is at this version's migration head."""
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        current = await current_revision(engine)
    except Exception as error:
        return [
            fail(
                "database",
                f"cannot connect ({type(error).__name__})",
                "check DATABASE_URL (host, port, user, database) and that the server is running",
            )
        ]
    checks = [ok("database", f"connected ({engine.dialect.name})")]
    head = _head()
    if current == head:
        checks.append(ok("migrations", f"at head {head}"))
    elif current is None:
        checks.append(
            fail(
                "migrations",
                f"empty schema, this version needs {head}",
                "run `crbot db upgrade` (or start the bot, which upgrades at start)",
            )
        )
    else:
        from alembic.script import ScriptDirectory

        known = ScriptDirectory.from_config(alembic_config()).get_revision(current)
        checks.append(
            fail(
                "migrations",
                f"at {current}, this version's head is {head}",
                "run `crbot db upgrade` (or start the bot, which upgrades at start)"
                if known is not None
                else "the database was upgraded by a newer crbot: run that version, or restore "
                "the backup taken before the upgrade",
            )
        )
    return checks

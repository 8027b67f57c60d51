"""Moving one team between installations: settings, roles, rollouts, released figures, and the
team's drivers board and culture agreements.

Raw check-in and survey answers, reflections, walkthrough places, anonymous questions and
suggestions, stars and preferences never leave: they are about people, and the export is a file
anyone with the operator's access can read. Nor do the drivers' author digests. Platform
credentials and caches stay with the installation they belong to.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.storage import agreements, asks, drivers, polls, reminders, walkthroughs
from bot.storage.base import Base
from bot.storage.engine import Schema
from bot.storage.personal import declared_columns, declared_tables

# The stores that declare personal data, imported so that their declarations are known.
DECLARING = (agreements, asks, drivers, polls, reminders, walkthroughs)

FORMAT = "crbot-team-export/1"
# In dependency order; nothing here holds an individual's answer or words.
TABLES = (
    "team_settings",
    "roles",
    "polls",
    "poll_releases",
    "rollouts",
    "rollout_circles",
    "rollout_checklist",
    "deliveries",
    "delivery_history",
    "survey_questions",
    "drivers",
    "agreements",
    "team_calendar_days",
)
# Tables exported under an older name, read under their name now.
RENAMED = {"teams": "team_settings"}
# Columns a new installation assigns itself, and the drivers' author digests, which only mean
# something under the pseudonym key of the installation that made them.
SKIPPED_COLUMNS = {
    "deliveries": {"id", "claimed_by", "claimed_at"},
    "drivers": {"id", *declared_columns().get("drivers", ())},
    "agreements": {"id"},
}
# Rows with ids the new installation assigns are recognised on a second import by what they say.
NATURAL_KEYS = {
    "deliveries": ["key"],
    "drivers": ["place", "created_at", "text"],
    "agreements": ["place", "created_at", "text"],
}
# What is about people never leaves: every table a personal-data store declares, the
# anonymous questions (people's own words), and exact counts (kept with the answers, and from
# before releases existed).
NEVER_EXPORTED = tuple(sorted(declared_tables() | {"asks", "poll_counts", "poll_tallies"}))
# This installation's own: deliveries seen and which of its schedulers may send; beside them,
# every table a platform keeps (credentials, OAuth states, forms, conversation references).
LOCAL = (
    "seen_requests",
    "scheduler_leases",
    # Sign-in links and sessions hold for this installation's console only.
    "console_links",
    "console_sessions",
    "console_feeds",
    # Posts being previewed or changed name this installation's messages, and expire.
    "post_drafts",
    # Each team's last item numbers: an import goes on from the highest number it brings.
    "item_numbers",
)


def local_tables(platforms: Sequence[Schema]) -> tuple[str, ...]:
    """What stays with this installation: the core's local tables and all the platforms'."""
    return (*LOCAL, *(name for schema in platforms for name in schema.metadata.tables))


class TransferError(Exception):
    """An export file that cannot be imported; the message says why."""


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _encode(value: Any) -> Any:
    if not isinstance(value, datetime):
        return value
    # SQLite hands back naive values; every instant crbot stores is UTC.
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return {"$datetime": aware.astimezone(UTC).isoformat()}


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"$datetime"}:
        return datetime.fromisoformat(value["$datetime"])
    return value


async def export_team(engine: AsyncEngine, tenant: str) -> dict[str, Any]:
    """Everything movable about one tenant, as JSON-ready data."""
    document: dict[str, Any] = {"format": FORMAT, "tenant": tenant, "tables": {}}
    async with engine.connect() as connection:
        for name in TABLES:
            table = _table(name)
            skipped = SKIPPED_COLUMNS.get(name, set())
            rows = (
                await connection.execute(select(table).where(table.c.tenant_id == tenant))
            ).all()
            document["tables"][name] = [
                {k: _encode(v) for k, v in row._mapping.items() if k not in skipped} for row in rows
            ]
    return document


async def import_team(engine: AsyncEngine, document: dict[str, Any]) -> dict[str, int]:
    """Insert an exported team, leaving rows already present alone; returns rows added per table."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise TransferError(f"not a crbot team export (expected format {FORMAT!r})")
    tenant = document.get("tenant")
    tables = document.get("tables")
    if not isinstance(tenant, str) or not isinstance(tables, dict):
        raise TransferError("the export has no tenant or no tables")
    tables = {RENAMED.get(name, name): rows for name, rows in tables.items()}
    unknown = set(tables) - set(TABLES)
    if unknown:
        raise TransferError(f"the export holds tables this version does not import: {unknown}")
    added: dict[str, int] = {}
    async with engine.begin() as connection:
        for name in TABLES:
            table = _table(name)
            keys = NATURAL_KEYS.get(name) or [c.name for c in table.primary_key.columns]
            count = 0
            for raw in tables.get(name, []):
                row = {k: _decode(v) for k, v in raw.items() if k in table.c}
                if row.get("tenant_id") != tenant:
                    raise TransferError(f"{name}: a row belongs to another tenant")
                if name == "deliveries" and row.get("status") == "sending":
                    # A send in flight elsewhere is uncertain here; the facilitator is told.
                    row["status"] = "uncertain"
                present = await connection.scalar(
                    select(table.c[keys[0]]).where(
                        table.c.tenant_id == tenant, *(table.c[k] == row.get(k) for k in keys)
                    )
                )
                if present is None:
                    if "number" in table.c:
                        row["number"] = await _free_number(connection, table, tenant, row)
                    await connection.execute(table.insert().values(**row))
                    count += 1
            added[name] = count
    return added


async def _free_number(
    connection: AsyncConnection, table: Table, tenant: str, row: dict[str, Any]
) -> int:
    """The row's own team number, or the team's next one when an older export has none or the
    team here already uses it."""
    wanted = row.get("number")
    if isinstance(wanted, int):
        taken = await connection.scalar(
            select(table.c.number).where(table.c.tenant_id == tenant, table.c.number == wanted)
        )
        if taken is None:
            return wanted
    highest = await connection.scalar(
        select(func.max(table.c.number)).where(table.c.tenant_id == tenant)
    )
    return int(highest or 0) + 1


def dumps(document: dict[str, Any]) -> str:
    """The export as readable JSON."""
    return json.dumps(document, indent=2, sort_keys=True)

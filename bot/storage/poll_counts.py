"""Each poll's answers counted per value, changed in the transaction that records, changes or
deletes an answer, so a release is made without reading the answers (docs/PRIVACY.md). Only the
release path reads them; nothing shows them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import ScalarSelect

from bot.storage.tables import PollCountRow
from bot.storage.upsert import dialect_insert

# Rows changed by one statement when retention takes many answers at once.
CHUNK = 500


async def moved(
    session: AsyncSession, tenant: str, poll_id: str, gone: int | None, came: int | None
) -> None:
    """One answer left the value `gone` (None: it is new) for `came` (None: it was deleted)."""
    if gone == came:
        return
    changes = [(value, step) for value, step in ((came, 1), (gone, -1)) if value is not None]
    await change(session, [(tenant, poll_id, value, step) for value, step in changes])


async def change(session: AsyncSession, changes: Sequence[tuple[str, str, int, int]]) -> None:
    """Add each (tenant, poll, value, how many) to its count, in a few statements."""
    insert = dialect_insert(session)
    for start in range(0, len(changes), CHUNK):
        rows = [
            {"tenant_id": tenant, "poll_id": poll_id, "value": value, "answers": step}
            for tenant, poll_id, value, step in changes[start : start + CHUNK]
        ]
        statement = insert(PollCountRow).values(rows)
        statement = statement.on_conflict_do_update(
            index_elements=["poll_id", "value"],
            set_={"answers": PollCountRow.answers + statement.excluded.answers},
        )
        await session.execute(statement)


async def counts_of(session: AsyncSession, tenant: str, poll_id: str) -> dict[int, int]:
    """How many answers the poll has of each value."""
    rows = await session.execute(
        select(PollCountRow.value, PollCountRow.answers).where(
            PollCountRow.tenant_id == tenant, PollCountRow.poll_id == poll_id
        )
    )
    return {value: answers for value, answers in rows.all()}


def answered(tenant: str, poll_id: str) -> ScalarSelect[Any]:
    """How many have an answer on the poll, as a scalar subquery."""
    return (
        select(func.coalesce(func.sum(PollCountRow.answers), 0))
        .where(PollCountRow.tenant_id == tenant, PollCountRow.poll_id == poll_id)
        .scalar_subquery()
    )

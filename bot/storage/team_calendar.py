"""A team's term breaks, imported from its own calendar, and the days to post on anyway."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.storage.tables import CalendarDayRow
from bot.storage.upsert import upsert

BREAK = "break"
POST_ANYWAY = "post-anyway"


class TeamCalendarStore:
    """The days of a team's calendar, always within one tenant."""

    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions

    async def replace_breaks(self, tenant: str, days: Mapping[date, str]) -> None:
        """The team's breaks are these days from now on (an import replaces the last one)."""
        rows = [
            {"tenant_id": tenant, "day": day, "kind": BREAK, "name": name}
            for day, name in sorted(days.items())
        ]
        async with self._sessions.begin() as session:
            await session.execute(
                delete(CalendarDayRow).where(
                    CalendarDayRow.tenant_id == tenant, CalendarDayRow.kind == BREAK
                )
            )
            for start in range(0, len(rows), 500):
                session.add_all(CalendarDayRow(**row) for row in rows[start : start + 500])

    async def post_anyway(self, tenant: str, day: date) -> None:
        """Posts may go out on `day`, holiday or break (idempotent)."""
        values = {"tenant_id": tenant, "day": day, "kind": POST_ANYWAY, "name": ""}
        async with self._sessions.begin() as session:
            await upsert(
                session, CalendarDayRow, values, keys=["tenant_id", "day", "kind"], update=[]
            )

    async def avoid_again(self, tenant: str, day: date) -> bool:
        """Take back a `post_anyway`; False when `day` was not one."""
        async with self._sessions.begin() as session:
            removed = await session.execute(
                delete(CalendarDayRow).where(
                    CalendarDayRow.tenant_id == tenant,
                    CalendarDayRow.day == day,
                    CalendarDayRow.kind == POST_ANYWAY,
                )
            )
        return bool(getattr(removed, "rowcount", 0))

    async def days(self, tenant: str) -> tuple[dict[date, str], frozenset[date]]:
        """The team's break days with their names, and its days to post on anyway."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(CalendarDayRow.day, CalendarDayRow.kind, CalendarDayRow.name).where(
                    CalendarDayRow.tenant_id == tenant
                )
            )
            found = rows.all()
        breaks = {day: name for day, kind, name in found if kind == BREAK}
        return breaks, frozenset(day for day, kind, _ in found if kind == POST_ANYWAY)
